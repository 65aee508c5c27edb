import FlywheelEvents
import Testing

@Suite("Strict JSON parser")
struct JSONParserTests {
    @Test("parses every JSON type and keeps member order")
    func parsesValues() throws {
        let value = try JSONParser.parse(#" {"b": [1, -2.5e3, true, false, null], "a": {"s": "x\"\\\/\n\u00e9\ud83d\ude00"}} "#)
        guard case .object(let object) = value else { Issue.record("not an object"); return }
        #expect(object.keys == ["b", "a"])
        #expect(object["b"] == .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]))
        #expect(value[path: "a.s"] == .string("x\"\\/\né😀"))
    }

    struct Hostile: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let kind: JSONError.Kind
        let pointer: String
        var testDescription: String { name }
    }

    static let hostile: [Hostile] = [
        Hostile(name: "truncated object", bytes: Array(#"{"rows": 12"#.utf8), kind: .syntax, pointer: ""),
        Hostile(name: "truncated string", bytes: Array(#"{"rows": "12"#.utf8), kind: .syntax, pointer: "/rows"),
        Hostile(name: "trailing content", bytes: Array(#"{} {}"#.utf8), kind: .syntax, pointer: ""),
        Hostile(name: "duplicate key", bytes: Array(#"{"data": {"rows": 1, "rows": 2}}"#.utf8), kind: .duplicateKey, pointer: "/data/rows"),
        Hostile(name: "deep nesting", bytes: Array(String(repeating: "[", count: 100_000).utf8), kind: .tooDeep, pointer: String(repeating: "/0", count: 64)),
        Hostile(name: "number out of range", bytes: Array(#"{"value": 1e400}"#.utf8), kind: .numberOutOfRange, pointer: "/value"),
        Hostile(name: "invalid UTF-8", bytes: [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D], kind: .invalidUTF8, pointer: ""),
        Hostile(name: "overlong UTF-8", bytes: [0x22, 0xC0, 0xAF, 0x22], kind: .invalidUTF8, pointer: ""),
        Hostile(name: "lone surrogate escape", bytes: Array(#"["\ud800"]"#.utf8), kind: .invalidUTF8, pointer: "/0"),
        Hostile(name: "leading zero", bytes: Array("[012]".utf8), kind: .syntax, pointer: "/0"),
        Hostile(name: "control character in string", bytes: Array("[\"a\u{01}\"]".utf8), kind: .syntax, pointer: "/0"),
        Hostile(name: "single quotes", bytes: Array("{'a': 1}".utf8), kind: .syntax, pointer: ""),
        Hostile(name: "empty input", bytes: [], kind: .syntax, pointer: ""),
        Hostile(name: "huge string", bytes: Array(("[\"" + String(repeating: "x", count: 300_000) + "\"]").utf8), kind: .tooLarge, pointer: "/0"),
    ]

    @Test("hostile input is rejected with the right kind and place", arguments: hostile)
    func rejectsHostileInput(_ input: Hostile) {
        let error = #expect(throws: JSONError.self) { _ = try JSONParser.parse(input.bytes) }
        #expect(error?.kind == input.kind, "\(error.map { "\($0)" } ?? "no error")")
        #expect(error?.pointer == input.pointer)
    }

    @Test("errors give line and column")
    func positions() {
        let error = #expect(throws: JSONError.self) { _ = try JSONParser.parse("{\n  \"a\": 1,\n  \"b\": tru\n}") }
        #expect(error?.line == 3)
        #expect(error?.column == 8)
        #expect(error?.description == "invalid literal, expected true at line 3, column 8 (/b)")
    }

    @Test("invalid UTF-8 is found wherever it is, also after runs of ASCII and valid multi-byte characters")
    func invalidUTF8Offsets() {
        let prefixes = ["", "abcdefg", "abcdefgh", "abcdefghijklmnopq", "é", "abcdefgé", "😀abcdefghijklmnop"]
        let invalid: [[UInt8]] = [[0xFF], [0xC3, 0x28], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82]]
        for prefix in prefixes {
            for bytes in invalid {
                let document = Array("[\"\(prefix)".utf8) + bytes + Array("xxxxxxxxxxxx\"]".utf8)
                let error = #expect(throws: JSONError.self) { _ = try JSONParser.parse(document) }
                #expect(error?.kind == .invalidUTF8)
                #expect(error?.offset == 2 + prefix.utf8.count, "prefix \(prefix), bytes \(bytes)")
            }
            #expect(throws: Never.self) { _ = try JSONParser.parse(Array("[\"\(prefix)xxxxxxxxxxxx\"]".utf8)) }
        }
    }

    @Test("documents over the byte limit are refused before parsing")
    func sizeLimit() {
        let error = #expect(throws: JSONError.self) {
            _ = try JSONParser.parse(Array(repeating: UInt8(ascii: " "), count: 2000) + [0x31], limits: JSONLimits(maxBytes: 1000))
        }
        #expect(error?.kind == .tooLarge)
    }

    /// A small deterministic generator, so that a failing case can be replayed from its seed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func randomValue(_ rng: inout SplitMix64, depth: Int = 0) -> JSONValue {
        let alphabet = Array("aé😀\"\\/\n\t\u{01}z0 ~")
        func randomString() -> String { String((0..<Int.random(in: 0...8, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }) }
        switch Int.random(in: 0..<(depth > 4 ? 4 : 6), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2:
            return .number(Bool.random(using: &rng) ? Double(Int64.random(in: -1_000_000...1_000_000, using: &rng)) : Double.random(in: -1e12...1e12, using: &rng))
        case 3: return .string(randomString())
        case 4: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0...4, using: &rng) { object[randomString()] = randomValue(&rng, depth: depth + 1) }
            return .object(object)
        }
    }

    @Test("writing then parsing gives back the same value (property, 500 random documents)", arguments: 0..<5)
    func roundTripProperty(seed: UInt64) throws {
        var rng = SplitMix64(state: seed)
        for _ in 0..<100 {
            let value = JSONParserTests.randomValue(&rng)
            let text = JSONWriter.string(value)
            #expect(try JSONParser.parse(text) == value, "seed \(seed): \(text)")
        }
    }

    @Test("a member written from JSON given for it (spliced) gives the bytes the whole value gives (property)", arguments: 0..<3)
    func splicing(seed: UInt64) throws {
        var rng = SplitMix64(state: seed)
        for _ in 0..<100 {
            var object = JSONObject()
            for index in 0..<Int.random(in: 0...5, using: &rng) { object["m\(index)"] = JSONParserTests.randomValue(&rng, depth: 1) }
            let whole = JSONWriter.bytes(.object(object))
            let names = object.keys.filter { _ in Bool.random(using: &rng) }
            let fragments = names.map { (name: $0, json: JSONWriter.bytes(object[$0]!)) }
            #expect(JSONWriter.bytes(.object(object), splicing: fragments) == whole, "seed \(seed): \(String(decoding: whole, as: UTF8.self))")
        }
        // What is spliced is written as given; a value that is not an object is written whole.
        let object = JSONValue.object(JSONObject(["a": .number(1), "b": .string("x")]))
        #expect(String(decoding: JSONWriter.bytes(object, splicing: [("b", Array("[2]".utf8))]), as: UTF8.self) == #"{"a":1,"b":[2]}"#)
        #expect(JSONWriter.bytes(.array([.null]), splicing: [("b", Array("1".utf8))]) == Array("[null]".utf8))
    }

    @Test("String(validUTF8:) accepts and refuses the bytes String(validating:as:) does (property, random bytes)")
    func validUTF8() {
        var rng = SplitMix64(state: 7)
        let pieces: [[UInt8]] = [
            Array("plain ascii text".utf8), Array("é日本😀".utf8), [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
            [0xE2, 0x82], [0x80], [0xFF], [0xF0, 0x9F, 0x98, 0x80], [0x7F], [0xC2, 0xA9],
        ]
        for _ in 0..<2_000 {
            let bytes = (0..<Int.random(in: 0...5, using: &rng)).flatMap { _ in pieces.randomElement(using: &rng)! }
            #expect(String(validUTF8: bytes) == String(validating: bytes, as: UTF8.self), "\(bytes)")
        }
    }

    @Test("strings are written with the minimal escapes, everything else as it is")
    func stringEscapes() throws {
        let text = "a\"b\\c/\n\r\t\u{01}\u{1f}\u{7f}é😀"
        #expect(JSONWriter.string(.string(text)) == #""a\"b\\c/\n\r\t\u0001\u001f"# + "\u{7f}é😀\"")
        #expect(try JSONParser.parse(JSONWriter.string(.string(text))) == .string(text))
        let object = JSONValue.object(JSONObject(["k\n": .array([.null, .bool(true), .bool(false), .string(""), .object(JSONObject())])]))
        #expect(JSONWriter.string(object) == #"{"k\n":[null,true,false,"",{}]}"#)
        #expect(JSONWriter.string(.array([])) == "[]")
    }

    @Test("a character that needs an escape is found at any place in a string of any length (checked in words)")
    func escapesAtEveryPlace() throws {
        func reference(_ scalar: Unicode.Scalar) -> String {
            switch scalar {
            case "\"": #"\""#
            case "\\": #"\\"#
            case "\n": #"\n"#
            case "\r": #"\r"#
            case "\t": #"\t"#
            case _ where scalar.value < 0x20: "\\u00" + String(scalar.value >> 4, radix: 16) + String(scalar.value & 0xF, radix: 16)
            default: String(scalar)
            }
        }
        // Neighbours of every class the word test separates: below and at 0x20, around the quote and the
        // backslash, DEL, and multi-byte characters.
        let specials: [Unicode.Scalar] = ["\u{00}", "\u{01}", "\u{09}", "\u{0a}", "\u{1f}", " ", "!", "\"", "#", "[", "\\", "]", "\u{7f}", "é", "😀"]
        for length in 1...17 {
            for place in 0..<length {
                for special in specials {
                    var scalars = Array(repeating: Unicode.Scalar("a"), count: length)
                    scalars[place] = special
                    let text = String(String.UnicodeScalarView(scalars))
                    let written = JSONWriter.string(.string(text))
                    #expect(written == "\"" + scalars.map(reference).joined() + "\"", "length \(length), place \(place)")
                    #expect(try JSONParser.parse(written) == .string(text))
                }
            }
        }
    }

    @Test("integers read digit by digit equal what Double reads from their text, up to and past 15 digits")
    func integers() throws {
        let texts = ["0", "-0", "7", "-7", "10", "123456789012345", "-999999999999999", "1234567890123456", "99999999999999999999", "12.5", "1e3"]
        for text in texts {
            let parsed = try JSONParser.parse(text)
            #expect(parsed == .number(Double(text)!), "\(text)")
            #expect(parsed.numberValue?.sign == Double(text)!.sign, "\(text)")
        }
    }

    @Test("numbers are written as format prints them: integers without a fraction, the rest shortest round-trip")
    func numbers() throws {
        let numbers: [Double] = [
            0, -0.0, 1, -1, 9, 10, -10, 99, 100, 123_456_789, 9_007_199_254_740_991, -9_007_199_254_740_991,
            9_007_199_254_740_992, 1.5, -2.25, 1e300, 5e-324, .nan, .infinity, -.infinity,
        ]
        for number in numbers {
            #expect(JSONWriter.string(.number(number)) == JSONWriter.format(number), "\(number)")
        }
        #expect(JSONWriter.string(.array([.number(-0.0), .number(42), .number(-7)])) == "[0,42,-7]")
        #expect(try JSONParser.parse(JSONWriter.string(.number(-9_007_199_254_740_991))) == .number(-9_007_199_254_740_991))
    }
}

@Suite("RFC 3339 time")
struct RFC3339Tests {
    @Test("timestamps convert to epoch milliseconds, with fractions and offsets",
          arguments: [
            ("1970-01-01T00:00:00Z", Int64(0)),
            ("2026-11-22T10:00:00.250Z", Int64(1_795_341_600_250)),
            ("2026-11-22T11:00:00.25+01:00", Int64(1_795_341_600_250)),
            ("2000-02-29T23:59:59-00:30", Int64(951_870_599_000)),
          ])
    func converts(_ text: String, _ expected: Int64) {
        #expect(RFC3339.milliseconds(text) == expected)
    }

    @Test("malformed timestamps are rejected", arguments: ["2026-11-22", "2026-13-01T00:00:00Z", "2026-11-22T10:00:00", "2026-11-22T10:00:00.Z", "2026-11-22 10:00:00Z", "2026-11-22T10:00:00Zjunk"])
    func rejects(_ text: String) {
        #expect(RFC3339.milliseconds(text) == nil)
    }
}
