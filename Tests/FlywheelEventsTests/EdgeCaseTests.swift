import FlywheelEvents
import Testing

/// Edge cases where JSON, JSON Schema and RFC 3339 differ from what Swift's own types would do.
@Suite("Specification edge cases")
struct EdgeCaseTests {
    @Test("names that are canonically equivalent but differ in code points are two keys, not a duplicate")
    func codePointKeys() throws {
        let value = try JSONParser.parse(#"{"\u00e9":1,"e\u0301":2}"#)
        #expect(value.objectValue?.count == 2)
        #expect(JSONValue.string("\u{e9}") != .string("e\u{301}"))
        // The same number of UTF-8 bytes (3), canonically equivalent, different code points: still two keys.
        let sameLength = try JSONParser.parse(#"{"\u1e0a":1,"D\u0307":2}"#)
        #expect(sameLength.objectValue?.count == 2)
        #expect("\u{1E0A}" == "D\u{307}" && !"\u{1E0A}".hasSameCodePoints(as: "D\u{307}"))
        #expect("\u{1E0A}".hasSameCodePoints(as: "\u{1E0A}") && "".hasSameCodePoints(as: ""))
        #expect(!"abc".hasSameCodePoints(as: "abd") && !"abc".hasSameCodePoints(as: "ab"))
        let long = String(repeating: "schema-", count: 10)
        #expect(long.hasSameCodePoints(as: String(repeating: "schema-", count: 10)) && !long.hasSameCodePoints(as: long.uppercased()))
    }

    @Test("const and enum compare objects regardless of member order, and strings by code points")
    func schemaEquality() throws {
        let objectConst = try JSONSchema(try JSONParser.parse(#"{"const":{"a":1,"b":2}}"#))
        #expect(objectConst.validate(try JSONParser.parse(#"{"b":2,"a":1}"#)).isEmpty)
        let stringConst = try JSONSchema(try JSONParser.parse(#"{"enum":["\u00e9"]}"#))
        #expect(!stringConst.validate(.string("e\u{301}")).isEmpty)
    }

    @Test("patterns use ECMA-262 classes: \\d is an ASCII digit")
    func patternSemantics() throws {
        let digits = try JSONSchema(try JSONParser.parse(#"{"pattern":"^\\d+$"}"#))
        #expect(digits.validate(.string("34")).isEmpty)
        #expect(!digits.validate(.string("\u{663}\u{664}")).isEmpty)
    }

    @Test("a schema with an integer keyword too large for Int is refused, not a crash")
    func hugeSchemaInteger() throws {
        #expect(throws: JSONSchema.CompileError.self) { _ = try JSONSchema(try JSONParser.parse(#"{"maxLength":1e19}"#)) }
    }

    @Test("impossible dates and offsets are not RFC 3339", arguments: ["2026-02-31T00:00:00Z", "2025-02-29T00:00:00Z", "2026-11-22T10:00:00+99:99"])
    func impossibleTimes(_ text: String) {
        #expect(RFC3339.milliseconds(text) == nil)
    }

    @Test("a leap day is a date")
    func leapDay() {
        #expect(RFC3339.milliseconds("2024-02-29T00:00:00Z") == 1_709_164_800_000)
    }

    @Test("a dead letter too large to forward keeps everything but the value, and says how large it was")
    func oversizedDeadLetter() {
        let record = CloudEventRecord(key: Array("k".utf8), value: Array(repeating: 0x41, count: 2000), headers: [.init(name: "h", string: "v")])
        let letter = DeadLetter.record(
            for: record, error: CloudEventDecodingError(reason: .notJSON, field: nil, detail: String(repeating: "é", count: 2000)),
            source: SourceCoordinates(topic: "t", partition: 0, offset: 1), maxBytes: 1000)
        #expect(letter.value == nil)
        #expect(letter.key == record.key)
        #expect(letter.header(DeadLetter.valueDroppedHeader)?.value == Array("2000".utf8))
        #expect(letter.header("h")?.value == Array("v".utf8))
        #expect((letter.header(DeadLetter.detailHeader)?.value?.count ?? 0) <= 1024)
    }
}
