@testable import FlywheelEvents
import Foundation
import Testing

@Suite("Schema patterns")
struct SchemaPatternTests {
    /// Every `pattern` of the schemas in topics/, plus the syntax the compiled matcher claims to cover.
    static let patterns: [String] = {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("topics/schemas")
        var found: [String] = []
        let files = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []
        for file in files where file.hasSuffix(".json") {
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(file).path),
                let schema = try? JSONParser.parse(Array(data))
            else { continue }
            collect(schema, into: &found)
        }
        return found + [
            "", "a", "a|b|", "^(ab)*$", "x{2,3}", "^x{2,}$", "x{0}", "[^a-c]", "\\d+\\.\\d*", "colou?r",
            "^\\w+@\\w+\\.com$", "[\\-a]", "[a-]", "a.c", "^$", "(a|ab)(c|bcd)(d*)", "^[\\s\\S]*$", "\\D\\W\\S", "\\x41\\u00e9",
            "(?:ab|cd)+?e", "^\\^\\$\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\/$", "[\\d.]+", "^.*$", "(a*)*b",
        ]
    }()

    static func collect(_ value: JSONValue, into found: inout [String]) {
        switch value {
        case .object(let object):
            for member in object {
                if member.key == "pattern", let pattern = member.value.stringValue { found.append(pattern) }
                collect(member.value, into: &found)
            }
        case .array(let elements):
            for element in elements { collect(element, into: &found) }
        default:
            break
        }
    }

    static let texts = [
        "", "a", "ab", "abc", "abcd", "abcde", "cde", "b", "xx", "xxx", "xxxx", "x", "2026-11-22T10:00:00Z",
        "2026-11-22t10:00:00.123+01:00", "2026-11-22T10:00:00", "s3://lake/x", "s3:// lake", "3s://x", "1d2h", "1h1d", "30m",
        "deadbeef", "DEADbeef0", String(repeating: "a1", count: 32), "é", "日本", "a\tb", "colour", "color", "x@y.com",
        "-", "a-", "Aé", "1.5", ".", "^$.*+?()[]{}|/", "/abs/path", "rel_path-1.0", "sales_eu", "Sales", "abcdef", "ababe",
        "cde", "aab", "\u{1F600}x",
    ]

    @Test("the schemas' patterns are compiled, not left to Regex")
    func schemasCompile() throws {
        for pattern in Self.patterns {
            let compiled = try #require(SchemaPattern(pattern), "\(pattern)")
            #expect(compiled.isCompiled, "\(pattern)")
        }
    }

    @Test("the compiled matcher agrees with Swift's Regex, configured as ECMA-262 asks, on every pattern and text")
    func agreesWithRegex() throws {
        for pattern in Self.patterns {
            let compiled = try #require(SchemaPattern(pattern))
            let regex = try Regex(pattern).matchingSemantics(.unicodeScalar).asciiOnlyDigits().asciiOnlyWordCharacters()
                .asciiOnlyWhitespace()
            for text in Self.texts {
                let expected = (try? regex.firstMatch(in: text)) != nil
                #expect(compiled.matches(text) == expected, "pattern \(pattern) on \(text.debugDescription)")
            }
        }
    }

    @Test("the automaton agrees with the program on every pattern, on the texts and on random ASCII texts of the patterns' characters")
    func automatonAgreesWithProgram() throws {
        var rng = SystemRandomNumberGenerator()
        for pattern in Self.patterns {
            let compiled = try #require(SchemaPattern(pattern))
            // Texts made of characters the patterns name, and a few others, so that matches are likely.
            let alphabet = Array(Set(pattern.unicodeScalars.filter(\.isASCII).map(Character.init) + ["a", "0", "-", ":", " ", "Z", "."]))
            let random = (0..<300).map { _ in String((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }) }
            for text in Self.texts + random {
                #expect(compiled.matches(text) == compiled.programMatches(text), "pattern \(pattern) on \(text.debugDescription)")
            }
        }
    }

    @Test("the schemas' patterns have an automaton; one that needs too many states has none and still matches")
    func automatonBound() throws {
        for pattern in Self.patterns {
            #expect(try #require(SchemaPattern(pattern)).hasAutomaton, "\(pattern)")
        }
        // (a|b)*a(a|b){9}: the last ten characters must be remembered, 2^10 states.
        let large = try #require(SchemaPattern("^(a|b)*a(a|b){9}$"))
        #expect(!large.hasAutomaton)
        #expect(large.matches("bbabbbbbbbbb") && !large.matches("abbbbbbbbbbb"))
    }

    @Test("line terminators follow ECMA-262: `.` does not match them and `$` is the end of the text")
    func lineTerminators() throws {
        #expect(try #require(SchemaPattern("^a.c$")).matches("a\nc") == false)
        #expect(try #require(SchemaPattern("^a.c$")).matches("a\u{2028}c") == false)
        #expect(try #require(SchemaPattern("^abc$")).matches("abc\n") == false)
        #expect(try #require(SchemaPattern("^a[^x]c$")).matches("a\nc"))
        // ECMA-262's empty class matches nothing and its negation anything (Swift's Regex refuses both).
        #expect(try #require(SchemaPattern("a[]")).matches("a") == false)
        #expect(try #require(SchemaPattern("^a[^]$")).matches("a\n"))
    }

    @Test("syntax beyond the compiled subset still works, through Regex", arguments: [
        ("(?=a)a", "a", true), ("\\bword\\b", "a word here", true), ("(a)\\1", "aa", true), ("(a)\\1", "ab", false),
    ])
    func fallsBack(pattern: String, text: String, expected: Bool) throws {
        let compiled = try #require(SchemaPattern(pattern))
        #expect(!compiled.isCompiled)
        #expect(compiled.matches(text) == expected)
    }

    @Test("invalid patterns are refused", arguments: ["(", "[a", "a{2,1}", "*a", "a)"])
    func invalid(pattern: String) {
        #expect(SchemaPattern(pattern) == nil)
    }

    @Test("a pattern that backtracks exponentially in Regex matches hostile input in linear time")
    func noCatastrophicBacktracking() throws {
        let pattern = try #require(SchemaPattern("^(a+)+$"))
        #expect(pattern.isCompiled)
        #expect(!pattern.matches(String(repeating: "a", count: 5_000) + "b"))
        #expect(pattern.matches(String(repeating: "a", count: 5_000)))
    }
}
