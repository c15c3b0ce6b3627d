import StudioJSON

/// Enforces a provider plugin's parameter rules (docs/configuration.md) on the parameters a user asked
/// for. Rules live in the plugin's manifest (`provider.params`, `provider.model_rules`);
/// this one validator applies them for every provider, and never adjusts silently: every
/// change is an adjustment with a reason.
///
/// Tiers: universal and common parameters are declared with type, range and support;
/// anything undeclared passes through untouched (tier 3) with a warning.
public struct ParameterValidator: Sendable {
    public struct Adjustment: Sendable, Equatable {
        public let param: String
        public let original: JSONValue
        public let adjusted: JSONValue  // .null when dropped
        public let action: String       // clamped, dropped, locked, renamed, raised, defaulted, rounded, truncated, wrapped
        public let reason: String

        public var json: JSONValue {
            ["param": .string(param), "original": original, "adjusted": adjusted, "action": .string(action), "reason": .string(reason)]
        }
    }

    public struct Result: Sendable {
        public var valid: Bool { errors.isEmpty }
        public var adjustments: [Adjustment] = []
        public var warnings: [String] = []
        public var errors: [String] = []
        public var resolved = JSONObject()

        public var json: JSONValue {
            ["valid": .bool(valid), "adjustments": .array(adjustments.map(\.json)),
             "warnings": .array(warnings.map(JSONValue.string)), "errors": .array(errors.map(JSONValue.string)),
             "resolved_params": .object(resolved)]
        }
    }

    let declared: JSONObject
    let modelRules: [JSONValue]

    /// `provider` is the manifest's provider section.
    public init(provider: JSONValue?) {
        declared = provider?["params"]?.objectValue ?? JSONObject()
        modelRules = provider?["model_rules"]?.arrayValue ?? []
    }

    /// The declared parameters, for `GET /api/params/registry` and the dashboard.
    public var registry: JSONObject { declared }

    public func validate(_ requested: JSONObject, model: String) -> Result {
        var result = Result()
        var params = requested
        let rules = modelRules.filter { rule in
            guard let pattern = rule["pattern"]?.stringValue, let regex = try? Regex(pattern) else { return false }
            return (try? regex.firstMatch(in: model)) != nil
        }

        // 1. Model-pattern drops and locks.
        for rule in rules {
            let reason = rule["reason"]?.stringValue ?? "rule for models matching \(rule["pattern"]?.stringValue ?? "")"
            for name in rule["drop"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                if let value = params[name] {
                    params[name] = nil
                    result.adjustments.append(.init(param: name, original: value, adjusted: .null, action: "dropped", reason: reason))
                }
            }
            for (name, locked) in rule["lock"]?.objectValue ?? JSONObject() {
                if let value = params[name], value != locked {
                    params[name] = locked
                    result.adjustments.append(.init(param: name, original: value, adjusted: locked, action: "locked", reason: reason))
                }
            }
        }

        // 2. Declared parameters: support, type, range, conflicts, defaults.
        for name in params.keys {
            guard let value = params[name] else { continue }
            guard let spec = declared[name] else {
                result.warnings.append("\(name) is not a parameter this provider declares: passed through unvalidated")
                continue
            }
            if spec["supported"]?.boolValue == false {
                params[name] = nil
                result.adjustments.append(.init(param: name, original: value, adjusted: .null, action: "dropped",
                                                reason: spec["reason"]?.stringValue ?? "not supported by this provider"))
                continue
            }
            if let other = spec["dropped_when"]?.stringValue, params[other] != nil {
                params[name] = nil
                result.adjustments.append(.init(param: name, original: value, adjusted: .null, action: "dropped",
                                                reason: spec["reason"]?.stringValue ?? "not allowed together with \(other)"))
                continue
            }
            params[name] = check(name, value, spec, &result)
        }
        for (name, spec) in declared where params[name] == nil && spec["required"]?.boolValue == true {
            if let fallback = spec["default"] {
                params[name] = fallback
                result.adjustments.append(.init(param: name, original: .null, adjusted: fallback, action: "defaulted",
                                                reason: "\(name) is required by this provider"))
            } else {
                result.errors.append("\(name) is required by this provider")
            }
        }

        // 3. Minimums and renames from model rules, last, so that checks use the
        //    studio's names and the plugin receives the provider's.
        for rule in rules {
            let reason = rule["reason"]?.stringValue ?? "rule for models matching \(rule["pattern"]?.stringValue ?? "")"
            for (name, minimum) in rule["min"]?.objectValue ?? JSONObject() {
                if let value = params[name]?.doubleValue, let floor = minimum.doubleValue, value < floor {
                    result.adjustments.append(.init(param: name, original: params[name]!, adjusted: minimum, action: "raised", reason: reason))
                    params[name] = minimum
                }
            }
            for (from, to) in rule["rename"]?.objectValue ?? JSONObject() {
                if let value = params[from], let target = to.stringValue {
                    params[from] = nil
                    params[target] = value
                    result.adjustments.append(.init(param: from, original: value, adjusted: value, action: "renamed",
                                                    reason: "sent as \(target): \(reason)"))
                }
            }
        }
        result.resolved = params
        return result
    }

    /// Type and range check of one declared parameter; returns the value to send.
    private func check(_ name: String, _ value: JSONValue, _ spec: JSONValue, _ result: inout Result) -> JSONValue? {
        switch spec["type"]?.stringValue ?? "any" {
        case "number", "integer":
            guard var number = value.doubleValue else {
                result.errors.append("\(name) must be a number, got \(value.typeName)")
                return value
            }
            var adjusted = value
            if spec["type"]?.stringValue == "integer", number.rounded() != number {
                number = number.rounded()
                adjusted = .int(Int64(number))
                result.adjustments.append(.init(param: name, original: value, adjusted: adjusted, action: "rounded",
                                                reason: "\(name) takes whole numbers"))
            }
            if let min = spec["min"]?.doubleValue, number < min {
                adjusted = spec["min"]!
                result.adjustments.append(.init(param: name, original: value, adjusted: adjusted, action: "clamped",
                                                reason: "below this provider's minimum \(spec["min"]!.jsonString)"))
                result.warnings.append("\(name) \(value.jsonString) clamped to \(adjusted.jsonString)")
            } else if let max = spec["max"]?.doubleValue, number > max {
                adjusted = spec["max"]!
                result.adjustments.append(.init(param: name, original: value, adjusted: adjusted, action: "clamped",
                                                reason: "above this provider's maximum \(spec["max"]!.jsonString)"))
                result.warnings.append("\(name) \(value.jsonString) clamped to \(adjusted.jsonString)")
            }
            return adjusted
        case "enum":
            let allowed = spec["values"]?.arrayValue ?? []
            if !allowed.contains(value) {
                result.errors.append("\(name) must be one of \(JSONValue.array(allowed).jsonString), got \(value.jsonString)")
            }
            return value
        case "string_array":
            var items: [JSONValue]
            if let s = value.stringValue {
                items = [.string(s)]
                result.adjustments.append(.init(param: name, original: value, adjusted: .array(items), action: "wrapped",
                                                reason: "\(name) is a list"))
            } else if let list = value.arrayValue, list.allSatisfy({ $0.stringValue != nil }) {
                items = list
            } else {
                result.errors.append("\(name) must be a string or a list of strings")
                return value
            }
            if let max = spec["max_items"]?.intValue, items.count > Int(max) {
                let original = JSONValue.array(items)
                items = Array(items.prefix(Int(max)))
                result.adjustments.append(.init(param: name, original: original, adjusted: .array(items), action: "truncated",
                                                reason: "this provider takes at most \(max) \(name) values"))
                result.warnings.append("\(name) truncated to \(max) values")
            }
            return .array(items)
        default:
            return value
        }
    }
}
