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

    /// The writer appends unescaped runs whole and escapes by byte: runs must end on the
    /// right boundaries next to multi-byte and combining characters.
    @Test func writerEscapesBetweenMultiByteRuns() throws {
        let text = "\"\u{301}é😀\\\u{01}\ttail\n"
        let written = JSONValue.string(text).jsonString
        #expect(written == #""\"\#u{301}é😀\\\u0001\ttail\n""#)
        #expect(try JSONParser.parse(written) == .string(text))
        #expect(JSONValue.string("plain").jsonString == #""plain""#)
        #expect(JSONValue.string("").jsonString == #""""#)
    }

    /// Strings are scanned eight bytes at a time: a quote, an escape, a control character
    /// or a multi-byte character at every offset of every alignment is still seen.
    @Test func specialBytesAreFoundAtEveryOffset() throws {
        for length in 0..<26 {
            for position in 0...length {
                var plain = String(repeating: "a", count: length)
                plain.insert(contentsOf: "é", at: plain.index(plain.startIndex, offsetBy: position))
                #expect(try JSONParser.parse("\"\(plain)\"") == .string(plain))
                var escaped = String(repeating: "b", count: length)
                escaped.insert(contentsOf: "\\n", at: escaped.index(escaped.startIndex, offsetBy: position))
                let expected = escaped.replacingOccurrences(of: "\\n", with: "\n")
                #expect(try JSONParser.parse("[\"\(escaped)\",1]") == .array([.string(expected), .int(1)]))
                var control = String(repeating: "c", count: length)
                control.insert(contentsOf: "\u{1F}", at: control.index(control.startIndex, offsetBy: position))
                #expect(throws: JSONParseError.self) { try JSONParser.parse("\"\(control)\"") }
                // The closing quote itself, with trailing data after it at every alignment.
                #expect(try JSONParser.parse("{\"k\":\"\(String(repeating: "d", count: length))\",\"z\":2}")["z"] == .int(2))
            }
        }
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

    @Test func surrogatesAndIntegerLimits() throws {
        let v = try JSONParser.parse(#"["\ud800x", "\udc00", "\ud800\u0041", -0, -9223372036854775808, 9223372036854775808]"#)
        let a = v.arrayValue ?? []
        #expect(a.count == 6)
        #expect(a.first?.stringValue == "\u{FFFD}x", "a lone high surrogate")
        #expect(a.dropFirst().first?.stringValue == "\u{FFFD}", "a lone low surrogate")
        #expect(a.dropFirst(2).first?.stringValue == "\u{FFFD}", "a high surrogate with a non-low partner: both dropped")
        #expect(a.dropFirst(3).first == .int(0))
        #expect(a.dropFirst(4).first == .int(Int64.min))
        if case .double? = a.last {} else { Issue.record("Int64.max + 1 falls back to Double") }
    }

    /// The stream decoders read chunks off a reused tape instead of building values; what
    /// they read must be what the parser builds, for every kind of value.
    @Test func tapeReadsWhatTheParserBuilds() throws {
        let documents = [
            #"{"id":"c1","choices":[{"index":0,"delta":{"content":"Hel\"lo","tool_calls":[{"index":1,"id":"t","function":{"arguments":"{\"a\":1}"}}]},"finish_reason":null}],"usage":null}"#,
            #"{"a\u0062":[1,2.5,-3e2,true,false,null,"x",[],{}],"n":{"deep":{"er":[{"k":"v"}]}}}"#,
            #"[]"#,
        ]
        var tape = JSONTape()
        for text in documents + documents.reversed() {  // the tape is reused, larger then smaller
            let built = try JSONParser.parse(text)
            try tape.withDocument(Array(text.utf8)) { document in
                #expect(document.root.value == built)
                #expect(document.root.value.jsonString == built.jsonString, "keys keep their order")
            }
        }
        try tape.withDocument(Array(documents[0].utf8)) { document in
            let choice = document.root["choices"]
            var count = 0
            choice?.forEachElement { _ in count += 1 }
            #expect(count == 1)
            var delta: JSONElement?
            choice?.forEachElement { delta = $0["delta"] }
            #expect(delta?["content"]?.stringValue == "Hel\"lo")
            #expect(delta?["content"]?.unescapedStringBytes == nil, "an escaped string has no verbatim bytes")
            #expect(document.root["id"]?.unescapedStringBytes.map { String(decoding: $0, as: UTF8.self) } == "c1")
            #expect(document.root["usage"]?.isNull == true)
            #expect(document.root["missing"] == nil)
            #expect(document.root["id"]?["x"] == nil, "a key of a non-object")
        }
        try tape.withDocument(Array(documents[1].utf8)) { document in
            #expect(document.root["ab"]?.isArray == true, "an escaped key matches its meaning")
            #expect(document.root["n"]?["deep"]?["er"]?.value == [["k": "v"]])
        }
        for text in ["{\"a\":", "[1,]", "{\"a\":\"\\x\"}", "01"] {
            var tapeError: JSONParseError?
            do { try tape.withDocument(Array(text.utf8)) { _ in } } catch { tapeError = error as? JSONParseError }
            var parserError: JSONParseError?
            do { _ = try JSONParser.parse(text) } catch { parserError = error }
            #expect(tapeError != nil && tapeError == parserError, "same grammar, same error: \(text)")
        }
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
