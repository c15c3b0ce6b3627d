import HostAuth
import HostStorage
import Hummingbird
import StudioJSON

/// The prompt library (docs/tuning.md, "Prompt library"): system prompts with labels, their
/// source (manual, tuner, import) and lineage (the prompt each was derived from). The
/// prompt tuner adds its best here; a prompt tuning run may start from library prompts.
/// Owner-scoped: another user's prompt is 404.
struct PromptLibraryController {
    let library: PromptLibraryStore

    static let labels: JSONValue = ["type": "array", "maxItems": 20, "items": ["type": "string", "minLength": 1, "maxLength": 50]]
    static let prompt: JSONValue = [
        "type": "object", "additionalProperties": false, "required": ["name", "text"],
        "properties": ["name": ["type": "string", "minLength": 1, "maxLength": 200], "text": ["type": "string", "minLength": 1, "maxLength": 100_000],
                       "labels": labels, "parent_id": ["type": "string", "minLength": 1, "maxLength": 64]]]
    static let example: JSONValue = ["name": "one tool", "text": "Call exactly one tool for each request.", "labels": ["weather"]]

    func addRoutes(to routes: RouteTable) {
        routes.user(.get, "/api/prompts", "Your prompt library, newest first") { _, context, _ in
            let list = try await library.list(userID: context.identity.userID)
            return Response.json(["prompts": .array(try list.map(Self.json))])
        }
        routes.user(.get, "/api/prompts/{id}", "A library prompt with its lineage (the prompts it was derived from, oldest first)",
                    owned: "prompt") { _, context, _ in
            let user = context.identity.userID
            guard let prompt = try await library.find(userID: user, id: try context.parameters.require("id")) else { throw APIError.notFound }
            var lineage: [JSONValue] = []
            var parent = prompt.parentID
            while let id = parent, lineage.count < 50, let found = try await library.find(userID: user, id: id) {
                lineage.insert(try Self.json(found), at: 0)
                parent = found.parentID
            }
            var json = try Self.json(prompt).objectValue!
            json["lineage"] = .array(lineage)
            return Response.json(.object(json))
        }
        routes.user(.post, "/api/prompts", "Add a prompt to your library", body: RequestBody(schema: Self.prompt, example: Self.example),
                    success: .created) { _, context, body in
            let user = context.identity.userID
            if let parent = body["parent_id"]?.stringValue, try await library.find(userID: user, id: parent) == nil {
                throw APIError.unprocessable("parent_id", "your prompt library has no prompt \(parent)")
            }
            let record = PromptRecord(name: try body.requiredString("name"), text: try body.requiredString("text"),
                                      labels: Self.labels(body["labels"]), source: "manual", parentID: body["parent_id"]?.stringValue)
            try await library.add(userID: user, [record])
            return Response.json(try Self.json(record), status: .created)
        }
        routes.user(.post, "/api/prompts/import", "Import prompts into your library (all or nothing)",
                    body: RequestBody(schema: ["type": "object", "additionalProperties": false, "required": ["prompts"],
                                               "properties": ["prompts": ["type": "array", "minItems": 1, "maxItems": 200, "items": [
                                                   "type": "object", "additionalProperties": false, "required": ["name", "text"],
                                                   "properties": ["name": ["type": "string", "minLength": 1, "maxLength": 200],
                                                                  "text": ["type": "string", "minLength": 1, "maxLength": 100_000], "labels": Self.labels]]]]],
                                      example: ["prompts": [Self.example]], limit: 1 << 20), success: .created) { _, context, body in
            let records = (body["prompts"]?.arrayValue ?? []).map { p in
                PromptRecord(name: p["name"]?.stringValue ?? "", text: p["text"]?.stringValue ?? "", labels: Self.labels(p["labels"]), source: "import")
            }
            try await library.add(userID: context.identity.userID, records)
            return Response.json(["imported": .int(Int64(records.count)), "ids": .array(records.map { .string($0.id) })], status: .created)
        }
        routes.user(.put, "/api/prompts/{id}", "Rename a library prompt or change its labels (its text stays: derive a new prompt instead)",
                    body: RequestBody(schema: ["type": "object", "additionalProperties": false, "minProperties": 1,
                                               "properties": ["name": ["type": "string", "minLength": 1, "maxLength": 200], "labels": Self.labels]],
                                      example: ["labels": ["weather", "best"]]), owned: "prompt") { _, context, body in
            let user = context.identity.userID, id = try context.parameters.require("id")
            guard try await library.update(userID: user, id: id, name: body["name"]?.stringValue, labels: body["labels"].map { Self.labels($0) }) else {
                throw APIError.notFound
            }
            return Response.json(try Self.json(try await library.find(userID: user, id: id)!))
        }
        routes.user(.delete, "/api/prompts/{id}", "Delete a library prompt (prompts derived from it keep their text)", owned: "prompt",
                    success: .noContent) { _, context, _ in
            guard try await library.delete(userID: context.identity.userID, id: try context.parameters.require("id")) else { throw APIError.notFound }
            return Response(status: .noContent)
        }
    }

    /// Labels as stored: each once, in the order given.
    static func labels(_ value: JSONValue?) -> String {
        var seen: [String] = []
        for label in value?.arrayValue?.compactMap(\.stringValue) ?? [] where !seen.contains(label) { seen.append(label) }
        return JSONValue.array(seen.map(JSONValue.string)).jsonString
    }

    static func json(_ p: PromptRecord) throws -> JSONValue {
        ["id": .string(p.id), "name": .string(p.name), "text": .string(p.text), "labels": try JSONParser.parse(p.labels),
         "source": .string(p.source), "parent_id": p.parentID.map(JSONValue.string) ?? .null,
         "tuning_run_id": p.tuningRunID.map(JSONValue.string) ?? .null, "score": p.score.map(JSONValue.double) ?? .null,
         "created_at": .string(ISO8601.string(fromMilliseconds: p.createdAt))]
    }
}
