import StudioJSON
import Testing

@Suite struct JSONTests {
    @Test func integersAndFloatsStayApart() throws {
        let v = try JSONParser.parse(#"{"a":5,"b":5.0,"c":-1e3,"d":12345678901234567890}"#)
        #expect(v["a"] == .int(5))
        if case .double(let d)? = v["b"] { #expect(d == 5) } else { Issue.record("5.0 must stay a float") }
        #expect(v["c"]?.doubleValue == -1000)
        #expect(v["d"]?.doubleValue != nil, "an integer beyond Int64 falls back to Double")
        #expect(JSONValue.double(5).jsonString == "5.0")
    }

    @Test func stringsAndEscapesRoundTrip() throws {
        let text = #"{"s":"line\nquote\" tab\t \u00e9 \ud83d\ude00 /"}"#
        let v = try JSONParser.parse(text)
        #expect(v["s"]?.stringValue == "line\nquote\" tab\t é 😀 /")
        #expect(try JSONParser.parse(v.jsonString) == v)
    }

    @Test func keysKeepTheirOrder() throws {
        let v = try JSONParser.parse(#"{"z":1,"a":2,"m":3}"#)
        #expect(v.jsonString == #"{"z":1,"a":2,"m":3}"#)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\u{01}\"", "tru", "[1] x", "{\"a\":\"\\x\"}"])
    func malformedInputIsRejected(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func errorsSayWhere() {
        do { _ = try JSONParser.parse("{\n  \"a\": tru\n}") } catch {
            #expect(error.line == 2)
            #expect(error.description.contains("line 2"))
        }
    }

    @Test func depthIsLimited() {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        #expect((try? JSONParser.parse(deep, maxDepth: 400)) != nil)
    }

    @Test func schemaValidation() throws {
        let schema = JSONSchema(try JSONParser.parse("""
            {"type":"object","required":["city"],"additionalProperties":false,
             "properties":{"city":{"type":"string","minLength":1},"days":{"type":"integer","minimum":1,"maximum":10},
                           "units":{"enum":["c","f"]},"tags":{"type":"array","items":{"type":"string"}}}}
            """))
        #expect(schema.isValid(["city": "Paris", "days": 3, "units": "c", "tags": ["a"]]))
        #expect(schema.isValid(["city": "Paris", "days": 3.0]), "an integral float is an integer in JSON Schema")
        let violations = schema.validate(["days": "three", "units": "k", "tags": [1], "extra": true])
        let text = violations.map(\.description).joined(separator: "\n")
        #expect(text.contains("missing required property \"city\""))
        #expect(text.contains("/days: expected integer, got string"))
        #expect(text.contains("/units: not one of the allowed values"))
        #expect(text.contains("/tags/0: expected string"))
        #expect(text.contains("/extra: property \"extra\" is not allowed"))
        #expect(!schema.isValid(["city": "Paris", "days": 11]))
    }

    @Test func schemaRefsAndCombinators() throws {
        let schema = JSONSchema(try JSONParser.parse("""
            {"$defs":{"pos":{"type":"number","exclusiveMinimum":0}},
             "anyOf":[{"$ref":"#/$defs/pos"},{"type":"string","pattern":"^[a-z]+$"}]}
            """))
        #expect(schema.isValid(3))
        #expect(schema.isValid("abc"))
        #expect(!schema.isValid(-1))
        #expect(!schema.isValid("ABC"))
    }
}

import Foundation
import HostPlugins

@Suite struct PublishedSchemaTests {
    /// docs/schemas/plugin-manifest.schema.json is what plugin authors read; the host
    /// validates with its embedded copy. They must never drift apart.
    @Test func publishedManifestSchemaEqualsTheEmbeddedOne() throws {
        let file = TestSupport.packageRoot.appendingPathComponent("docs/schemas/plugin-manifest.schema.json")
        let published = try JSONParser.parse(String(contentsOf: file, encoding: .utf8))
        #expect(published == (try JSONParser.parse(PluginManifestInfo.schema)))
    }
}
