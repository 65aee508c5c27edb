import Foundation
import FlywheelEvents
import FlywheelYAML
import Yams

/// A YAML file of rule unit tests, for users' own CI: given these events, expect these triggers and none of those.
///
/// ```yaml
/// rules: [retrain.yaml]            # relative to this file
/// tests:
///   - name: a million rows in a day retrain
///     events:                      # CloudEvents; id, source and specversion may be left out
///       - {type: data.arrived, time: "2026-03-01T00:00:00Z", subject: sales-eu, data: {rows: 1000000}}
///     until: "2026-03-02T00:00:00Z"  # optional: advance the clock at the end
///     only: [retrain-on-fresh-data]  # optional: look at these rules' triggers only
///     expect:                      # every trigger, in order; each entry lists the fields to compare
///       - {rule: retrain-on-fresh-data, key: sales-eu, time: "2026-03-01T00:00:00Z", data: {rows: 1000000}}
///     expect_none:
///       - {rule: rollback-on-drift}
/// ```
public struct RuleTestFile: Sendable {
    static let fileFields = ["rules", "tests"]
    static let testFields = ["name", "events", "until", "only", "expect", "expect_none"]
    static let expectationFields = ["rule", "key", "time", "type", "topic", "data", "cause"]

    public struct Case: Sendable {
        public var name: String
        public var location: RuleSourceLocation
        var events: [RuleInput]
        var until: Int64?
        var only: [String]?
        var expect: [Expectation]?
        var expectNone: [Expectation]
    }

    /// Fields a trigger must have; data is compared as a subset (objects may have more members).
    struct Expectation: Sendable {
        var location: RuleSourceLocation
        var fields: JSONObject
    }

    /// The outcome of one test case.
    public struct Result: Sendable {
        public var name: String
        public var location: RuleSourceLocation
        /// What differs, one line each; empty when the test passed.
        public var failures: [String]
        public var passed: Bool { failures.isEmpty }
    }

    public let path: String
    /// The rule files the tests run, resolved against the test file's folder.
    public let ruleFiles: [String]
    public let cases: [Case]

    /// Reads and checks a test file; every problem is reported with its place.
    public init(path: String) throws(RulesError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw RulesError(code: .unreadable, location: RuleSourceLocation(file: path), message: "cannot read the file: \(error.localizedDescription)")
        }
        try self.init(yaml: text, path: path)
    }

    public init(yaml: String, path: String) throws(RulesError) {
        self.path = path
        var reader = YAMLReader(file: path)
        var ruleFiles: [String] = []
        var cases: [Case] = []
        if let composed = reader.compose(yaml) {
            if let root = composed, let fields = reader.fields(of: root, known: RuleTestFile.fileFields, what: "a rule test file") {
                let folder = (path as NSString).deletingLastPathComponent
                if case .sequence(let list)? = fields["rules"], !list.isEmpty {
                    for item in list {
                        if let file = reader.text(item, field: "rules") {
                            ruleFiles.append(file.hasPrefix("/") || folder.isEmpty ? file : folder + "/" + file)
                        }
                    }
                } else {
                    reader.error(fields["rules"] ?? root, "rules must list the rule files to test", hint: "rules: [retrain.yaml], relative to this file")
                }
                if case .sequence(let list)? = fields["tests"], !list.isEmpty {
                    for (index, item) in list.enumerated() {
                        if let testCase = RuleTestFile.testCase(item, number: index + 1, reader: &reader) { cases.append(testCase) }
                    }
                } else {
                    reader.error(fields["tests"] ?? root, "tests must be a list of test cases", hint: "each with name, events and expect")
                }
            } else if composed == nil {
                reader.diagnostics.append(
                    RuleDiagnostic(
                        location: RuleSourceLocation(file: path, line: 1, column: 1), message: "the file is empty",
                        hint: "a rule test file has rules: and tests:"))
            }
        }
        let errors = reader.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else { throw RulesError(code: .invalidTest, diagnostics: errors) }
        self.ruleFiles = ruleFiles
        self.cases = cases
    }

    private static func testCase(_ node: Node, number: Int, reader: inout YAMLReader) -> Case? {
        guard let fields = reader.fields(of: node, known: testFields, what: "a test") else { return nil }
        let before = reader.diagnostics.count
        let name = fields["name"].flatMap { reader.text($0, field: "name") } ?? "test \(number)"
        var events: [RuleInput] = []
        if case .sequence(let list)? = fields["events"] {
            for (index, item) in list.enumerated() {
                if let input = event(item, id: "test\(number)-event\(index + 1)", reader: &reader) { events.append(input) }
            }
        } else if let eventsNode = fields["events"] {
            reader.error(eventsNode, "events must be a list of CloudEvents")
        }
        var until: Int64?
        if let untilNode = fields["until"] {
            // An unquoted time is a YAML timestamp; its text is what counts.
            until = untilNode.scalar.flatMap { RFC3339.milliseconds($0.string) }
            if until == nil { reader.error(untilNode, "until must be an RFC 3339 time, like 2026-03-01T00:00:00Z") }
        }
        var only: [String]?
        if let onlyNode = fields["only"] {
            if case .sequence(let list) = onlyNode { only = list.compactMap { reader.text($0, field: "only") } } else { reader.error(onlyNode, "only must be a list of rule ids") }
        }
        let expect = fields["expect"].map { expectations($0, field: "expect", reader: &reader) }
        let expectNone = fields["expect_none"].map { expectations($0, field: "expect_none", reader: &reader) } ?? []
        if expect == nil && expectNone.isEmpty {
            reader.error(node, "test \(name) expects nothing", hint: "add expect: (the triggers, in order; [] for none) or expect_none:")
        }
        guard reader.diagnostics.count == before else { return nil }
        return Case(name: name, location: reader.location(node), events: events, until: until, only: only, expect: expect, expectNone: expectNone)
    }

    private static func event(_ node: Node, id: String, reader: inout YAMLReader) -> RuleInput? {
        guard case .object(var object) = YAMLReader.json(node) else {
            reader.error(node, "an event must be a mapping of CloudEvent attributes")
            return nil
        }
        if object["id"] == nil { object["id"] = .string(id) }
        if object["source"] == nil { object["source"] = .string("/flywheel/rules-test") }
        if object["specversion"] == nil { object["specversion"] = .string("1.0") }
        let bytes = JSONWriter.bytes(.object(object))
        do {
            return try EventLines.input(bytes[...], number: node.mark?.line ?? 0, file: reader.file)
        } catch {
            let message = error.diagnostics.first?.message ?? "\(error)"
            reader.error(node, message, hint: error.diagnostics.first?.hint)
            return nil
        }
    }

    private static func expectations(_ node: Node, field: String, reader: inout YAMLReader) -> [Expectation] {
        guard case .sequence(let list) = node else {
            reader.error(node, "\(field) must be a list of triggers", hint: "like - {rule: my-rule, key: sales-eu}")
            return []
        }
        var expectations: [Expectation] = []
        for item in list {
            guard let fields = reader.fields(of: item, known: expectationFields, what: "an expected trigger") else { continue }
            var object = JSONObject()
            for name in expectationFields { if let value = fields[name] { object[name] = YAMLReader.json(value) } }
            if let time = object["time"], time.stringValue.flatMap(RFC3339.milliseconds) == nil {
                reader.error(fields["time"], "time must be an RFC 3339 time, like 2026-03-01T00:00:00Z")
            }
            expectations.append(Expectation(location: reader.location(item), fields: object))
        }
        return expectations
    }

    // MARK: Running

    /// Runs every case against `ruleSet`.
    public func run(ruleSet: RuleSet) -> [Result] {
        cases.map { run($0, ruleSet: ruleSet) }
    }

    private func run(_ testCase: Case, ruleSet: RuleSet) -> Result {
        var replay = RuleReplay(ruleSet: ruleSet)
        var firings: [RuleFiring] = []
        replay.run(testCase.events) { firings.append($0) }
        replay.finish(until: testCase.until) { firings.append($0) }
        var failures: [String] = []
        if let only = testCase.only {
            for id in only where ruleSet.rule(id: id) == nil { failures.append("only names rule \(id), which the rule files do not define") }
            firings.removeAll { !only.contains($0.ruleID) }
        }
        if let expect = testCase.expect {
            for (index, expectation) in expect.enumerated() {
                guard index < firings.count else {
                    failures.append("missing trigger #\(index + 1) (\(expectation.location)): \(RuleTestFile.describe(expectation.fields))")
                    continue
                }
                let differences = RuleTestFile.differences(expectation.fields, firings[index])
                if !differences.isEmpty {
                    failures.append("trigger #\(index + 1) (\(expectation.location)) differs: \(differences.joined(separator: "; "))")
                    failures.append("    got: \(RuleTestFile.describe(firings[index]))")
                }
            }
            for (index, firing) in firings.enumerated().dropFirst(expect.count) {
                failures.append("unexpected trigger #\(index + 1): \(RuleTestFile.describe(firing))")
            }
        }
        for expectation in testCase.expectNone {
            for firing in firings where RuleTestFile.differences(expectation.fields, firing).isEmpty {
                failures.append("trigger matches expect_none (\(expectation.location)): \(RuleTestFile.describe(firing))")
            }
        }
        return Result(name: testCase.name, location: testCase.location, failures: failures)
    }

    /// The fields of the firing as an expectation names them.
    static func actualFields(_ firing: RuleFiring) -> JSONObject {
        var object = JSONObject()
        object["rule"] = .string(firing.ruleID)
        object["key"] = .string(firing.key)
        object["time"] = .string(firing.trigger.time ?? "")
        object["type"] = .string(firing.trigger.type)
        object["topic"] = .string(firing.topic)
        object["data"] = firing.trigger.data ?? .null
        object["cause"] = .array(firing.causes.map { .string($0.id) })
        return object
    }

    static func differences(_ expected: JSONObject, _ firing: RuleFiring) -> [String] {
        let actual = actualFields(firing)
        var differences: [String] = []
        for member in expected {
            let got = actual[member.key] ?? .null
            switch member.key {
            case "time":
                if member.value.stringValue.flatMap(RFC3339.milliseconds) != firing.time {
                    differences.append("time: expected \(JSONWriter.string(member.value)), got \(JSONWriter.string(got))")
                }
            case "data":
                for path in mismatches(member.value, got, at: "data") { differences.append(path) }
            default:
                if member.value != got { differences.append("\(member.key): expected \(JSONWriter.string(member.value)), got \(JSONWriter.string(got))") }
            }
        }
        return differences
    }

    /// Where `actual` does not contain `expected`: objects may have more members; everything else must be equal.
    static func mismatches(_ expected: JSONValue, _ actual: JSONValue, at path: String) -> [String] {
        if case .object(let wanted) = expected {
            guard case .object(let object) = actual else { return ["\(path): expected an object, got \(JSONWriter.string(actual))"] }
            return wanted.flatMap { member in
                guard let value = object[member.key] else { return ["\(path).\(member.key): expected \(JSONWriter.string(member.value)), got nothing"] }
                return mismatches(member.value, value, at: "\(path).\(member.key)")
            }
        }
        return expected == actual ? [] : ["\(path): expected \(JSONWriter.string(expected)), got \(JSONWriter.string(actual))"]
    }

    static func describe(_ fields: JSONObject) -> String {
        fields.map { "\($0.key) \(JSONWriter.string($0.value))" }.joined(separator: ", ")
    }

    static func describe(_ firing: RuleFiring) -> String {
        "rule \(firing.ruleID), key \(firing.key), time \(firing.trigger.time ?? ""), data \(JSONWriter.string(firing.trigger.data ?? .null)) — \(firing.explanation)"
    }
}
