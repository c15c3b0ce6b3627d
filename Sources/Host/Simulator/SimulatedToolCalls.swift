import HostMeasurement
import StudioJSON

/// The tool calls a simulated model makes (docs/simulator.md, "Tool models").
enum SimulatedToolCalls {
    struct Call {
        let name: String
        let arguments: String  // JSON text (invalid on purpose for the badargs mode)
    }

    static func calls(for request: SimulatedRequest, mode: SimulatorSchedule.ToolMode) -> [Call] {
        guard !request.tools.isEmpty, !request.answersToolResults else { return [] }
        let prompt = request.prompt.lowercased()
        let named = request.tools.filter { tool in
            let name = tool.name.lowercased()
            return prompt.contains(name) || prompt.contains(name.replacing("_", with: " "))
        }
        let chosen = named.first ?? request.tools[0]
        switch mode {
        case .none:
            return []
        case .call:
            return [Call(name: chosen.name, arguments: arguments(for: chosen.schema, prompt: request.prompt).jsonString)]
        case .wrong:
            return [Call(name: "not_a_tool_\(chosen.name)", arguments: "{}")]
        case .malformed:
            return [Call(name: chosen.name, arguments: "{\"unterminated\": ")]
        case .parallel:
            let targets = named.count >= 2 ? named : [chosen, chosen]
            return targets.map { Call(name: $0.name, arguments: arguments(for: $0.schema, prompt: request.prompt).jsonString) }
        case .surface, .flat:
            let accuracy = mode == .flat ? ResponseSurface.flatAccuracy
                : ResponseSurface.accuracy(temperature: request.temperature, topP: request.topP, systemPrompt: request.systemPrompt)
            let key = [request.prompt, request.systemPrompt, "\(request.temperature ?? -1)", "\(request.topP ?? -1)", "\(request.seed ?? 0)"]
                .joined(separator: "\u{1F}")
            guard ResponseSurface.answersRight(accuracy: accuracy, key: key) else { return [Call(name: "not_a_tool_\(chosen.name)", arguments: "{}")] }
            return [Call(name: chosen.name, arguments: arguments(for: chosen.schema, prompt: request.prompt).jsonString)]
        }
    }

    /// Schema-valid arguments taken from the prompt: every required property (all
    /// properties when none are required), strings from the prompt's last capitalized
    /// word, numbers from its first number, enums from a value the prompt mentions.
    static func arguments(for schema: JSONValue, prompt: String) -> JSONValue {
        let properties = schema["properties"]?.objectValue ?? JSONObject()
        let required = schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let keys = required.isEmpty ? properties.keys : required
        var out = JSONObject()
        for key in keys {
            out[key] = value(for: properties[key] ?? .object([:]), prompt: prompt)
        }
        return .object(out)
    }

    static func value(for property: JSONValue, prompt: String) -> JSONValue {
        if let options = property["enum"]?.arrayValue, !options.isEmpty {
            return options.first { $0.stringValue.map { prompt.lowercased().contains($0.lowercased()) } ?? false } ?? options[0]
        }
        // Gemini's own Schema type names are upper case (STRING, INTEGER).
        let type = (property["type"]?.stringValue ?? property["type"]?.arrayValue?.first?.stringValue ?? "string").lowercased()
        let numbers = prompt.split(whereSeparator: { !"0123456789.-".contains($0) }).compactMap { Double($0) }
        switch type {
        case "integer": return .int(Int64(Saturating.int(numbers.first ?? 1)))
        case "number", "float": return .double(numbers.first ?? 1.5)
        case "boolean": return .bool(true)
        case "array": return .array([])
        case "object", "dict": return .object([:])
        default:
            let words = prompt.split(whereSeparator: { !$0.isLetter })
            let capitalized = words.dropFirst().last { $0.first?.isUppercase == true }
            return .string(capitalized.map(String.init) ?? "example")
        }
    }
}
