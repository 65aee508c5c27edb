import FlywheelEvents
import FlywheelRules
import Foundation
import Testing

/// Rule files as text, the repository's example rules and event schemas, and events to run rules on.
enum RuleFileFixtures {
    /// The repository's root folder, found from this file's place in Tests/FlywheelRulesTests.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The event schemas of topics/schemas, as `flywheel rules validate` loads them by default.
    static func schemas() throws -> EventSchemas {
        try EventSchemas(directory: root + "/topics/schemas")
    }

    static func check(_ yaml: String, file: String = "rules.yaml", schemas: EventSchemas? = nil) -> RuleSet.Check {
        RuleSet.check(sources: [(file, yaml)], schemas: schemas)
    }

    /// The rule set of a file that must validate; its diagnostics are the failure message otherwise.
    static func ruleSet(_ yaml: String, schemas: EventSchemas? = nil) throws -> RuleSet {
        let check = check(yaml, schemas: schemas)
        return try #require(check.ruleSet, "\(check.diagnostics.map(\.description).joined(separator: "\n"))")
    }

    /// A structured CloudEvent with `data` given as JSON text.
    static func event(
        _ type: String, id: String, time: String, subject: String? = nil, data: String = "{}"
    ) throws -> RuleInput {
        let event = CloudEvent(id: id, source: "/tests", type: type, subject: subject, time: time, data: try JSONParser.parse(data))
        return try #require(RuleInput(event: event))
    }

    /// Runs `inputs` through a fresh engine for `ruleSet`, then advances its clock to `until`.
    static func firings(_ ruleSet: RuleSet, _ inputs: [RuleInput], until: String? = nil) -> [RuleFiring] {
        var engine = RuleEngine(ruleSet: ruleSet)
        var firings = inputs.flatMap { engine.process($0) }
        if let until, let time = RFC3339.milliseconds(until) { firings += engine.advanceClock(to: time) }
        return firings
    }
}

@Suite("Rule files: diagnostics as `flywheel rules validate` prints them")
struct RuleFileTests {
    /// The one error of `check`, failing the test when there is none or more.
    func onlyError(_ check: RuleSet.Check) throws -> RuleDiagnostic {
        try #require(check.errors.count == 1, "\(check.diagnostics.map(\.description).joined(separator: "\n"))")
        #expect(check.ruleSet == nil)
        return check.errors[0]
    }

    func expectPlace(
        _ diagnostic: RuleDiagnostic, file: String = "rules.yaml", line: Int, column: Int,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(diagnostic.location.file == file, "\(diagnostic)", sourceLocation: sourceLocation)
        #expect(diagnostic.location.line == line, "\(diagnostic)", sourceLocation: sourceLocation)
        #expect(diagnostic.location.column == column, "\(diagnostic)", sourceLocation: sourceLocation)
    }

    @Test("an unknown field is reported where it is written, with the field it likely meant")
    func unknownField() throws {
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - id: retrain
                descripton: Retrain on new data.
                on: data.arrived
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """))
        expectPlace(diagnostic, line: 4, column: 5)
        #expect(diagnostic.message.contains("unknown field descripton"))
        #expect(diagnostic.hint == "did you mean description?")
        #expect(diagnostic.description.hasPrefix("rules.yaml:4:5: error: unknown field descripton"))
        #expect(diagnostic.description.hasSuffix("(hint: did you mean description?)"))
    }

    @Test("a duration that does not parse names the value and shows the accepted forms")
    func badDuration() throws {
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - id: retrain
                on: data.arrived
                cooldown: 6 hours
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """))
        expectPlace(diagnostic, line: 5, column: 15)
        #expect(diagnostic.message == "cooldown must be a duration, not '6 hours'")
        #expect(diagnostic.hint?.contains("6h") == true)
    }

    @Test("an unknown match operator points at the operator and suggests the closest one")
    func unknownOperator() throws {
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - id: retrain
                on: data.arrived
                match:
                  data.dataset: {prefx: "sales-"}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """))
        expectPlace(diagnostic, line: 6, column: 22)
        #expect(diagnostic.message == "unknown operator 'prefx'")
        #expect(diagnostic.hint == "did you mean prefix?")
    }

    @Test("an unknown placeholder in emit.data points at its '{{' inside the quoted text")
    func unknownPlaceholder() throws {
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - id: retrain
                on: data.arrived
                emit:
                  type: retrain.requested
                  topic: mlops.retrain.requests
                  data:
                    target: "train-{{ dataset }}"
            """))
        expectPlace(diagnostic, line: 9, column: 24)
        #expect(diagnostic.message.contains("unknown placeholder {{ dataset }}"))
        #expect(diagnostic.hint?.contains("event.PATH") == true)
    }

    @Test("a '{{' that is never closed is reported where it opens")
    func unclosedPlaceholder() throws {
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - id: retrain
                on: data.arrived
                emit:
                  type: retrain.requested
                  topic: mlops.retrain.requests
                  data:
                    target: "{{ key }}"
                    reason: "rows: {{ value"
            """))
        expectPlace(diagnostic, line: 10, column: 24)
        #expect(diagnostic.message.contains("'{{' is not closed"))
    }

    @Test("a rule id defined in two files is reported at the second, naming the first's place")
    func duplicateIDAcrossFiles() throws {
        let first = """
            version: 1
            rules:
              - id: retrain
                on: data.arrived
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """
        let second = """
            version: 1
            rules:
              - id: other
                on: code.changed
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
              - id: retrain
                on: code.changed
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """
        let check = RuleSet.check(sources: [("a.yaml", first), ("b.yaml", second)])
        let diagnostic = try onlyError(check)
        expectPlace(diagnostic, file: "b.yaml", line: 6, column: 9)
        #expect(diagnostic.message == "duplicate rule id retrain")
        #expect(diagnostic.hint?.contains("a.yaml:3:5") == true, "\(diagnostic)")
    }

    @Test("sum over a field the event's schema says is text is an error; over a number field it is fine")
    func sumOverText() throws {
        let schemas = try RuleFileFixtures.schemas()
        let rules = { (field: String) in
            """
            version: 1
            rules:
              - id: retrain
                on: data.arrived
                key: data.dataset
                threshold: {sum: \(field), gte: 10}
                emit:
                  type: retrain.requested
                  topic: mlops.retrain.requests
                  data: {target: "{{ key }}", reason: "{{ value }} rows"}
            """
        }
        let diagnostic = try onlyError(RuleFileFixtures.check(rules("data.dataset"), schemas: schemas))
        expectPlace(diagnostic, line: 6, column: 22)
        #expect(diagnostic.message.contains("sum over data.dataset"))
        #expect(diagnostic.message.contains("data.arrived"))
        #expect(diagnostic.message.contains("string, not a number"))
        #expect(diagnostic.hint?.contains("count") == true)

        let fine = RuleFileFixtures.check(rules("data.rows"), schemas: schemas)
        #expect(fine.diagnostics.isEmpty, "\(fine.diagnostics)")
        #expect(fine.ruleSet != nil)
    }

    @Test("a rule without on is reported at the rule, with an example")
    func missingOn() throws {
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - id: no-trigger
                key: data.dataset
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """))
        expectPlace(diagnostic, line: 3, column: 5)
        #expect(diagnostic.message == "rule no-trigger has no on")
        #expect(diagnostic.hint?.contains("on: data.arrived") == true)
    }

    @Test("a rule without emit is reported at the rule, with an example")
    func missingEmit() throws {
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - id: silent
                on: data.arrived
            """))
        expectPlace(diagnostic, line: 3, column: 5)
        #expect(diagnostic.message == "rule silent has no emit")
        #expect(diagnostic.hint?.contains("emit:") == true)
    }

    @Test("a rule with two kinds is reported on the line of the second, telling to write two rules", arguments: [
        " {on: data.arrived, for: 1h}",
        "\n      on: data.arrived\n      for: 1h",
    ])
    func twoKinds(_ absent: String) throws {
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - id: both
                on: data.arrived
                threshold: {count: 3}
                absent:\(absent)
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """))
        // Line 6 holds `absent:`; the column may be its name's or its value's.
        #expect(diagnostic.location.line == 6, "\(diagnostic)")
        #expect(diagnostic.location.column == 5 || diagnostic.location.column == 13, "\(diagnostic)")
        #expect(diagnostic.message == "rule both has both threshold and absent")
        #expect(diagnostic.hint?.contains("write two rules") == true)
    }

    @Test("within at the rule level of a threshold says to put the window inside the threshold")
    func withinOutsideThreshold() throws {
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - id: drift
                on: monitoring.alert
                threshold: {count: 3}
                within: 1h
                emit: {type: rollback.requested, topic: mlops.rollback.requests}
            """))
        expectPlace(diagnostic, line: 6, column: 5)
        #expect(diagnostic.message.contains("within at the rule level"))
        #expect(diagnostic.hint?.contains("threshold: {count: 3, within: 1h}") == true)
    }

    @Test("lateness is for windowed rules: refused with its place on a rule without a window", arguments: [
        "threshold: {count: 3}", "any: [{on: data.arrived}]", "absent: {on: data.arrived, for: 1h}",
    ])
    func latenessNeedsWindow(_ kind: String) throws {
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - id: late
                \(kind)
                lateness: 5m
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """.replacingOccurrences(of: "    threshold:", with: "    on: data.arrived\n    threshold:")))
        #expect(diagnostic.message == "lateness applies to rules with a window only", "\(diagnostic)")
        #expect(diagnostic.location.column == 5, "\(diagnostic)")
        #expect(diagnostic.location.line == (kind.hasPrefix("threshold") ? 6 : 5), "\(diagnostic)")
    }

    @Test("lateness on a windowed threshold, all or sequence is read, 0s included; a bad one names the field")
    func latenessRead() throws {
        let set = try RuleFileFixtures.ruleSet("""
            version: 1
            rules:
              - {id: a, on: data.arrived, threshold: {count: 3, within: 1h}, lateness: 10m, emit: {type: t, topic: o}}
              - {id: b, all: [{on: data.arrived}, {on: code.merged}], within: 1h, lateness: 0s, emit: {type: t, topic: o}}
              - {id: c, sequence: [{on: data.arrived}, {on: code.merged}], within: 1h, emit: {type: t, topic: o}}
              - {id: d, sequence: [{on: data.arrived}, {on: code.merged}], within: 1h, lateness: 0m, emit: {type: t, topic: o}}
            """)
        #expect(set.rules.map(\.lateness) == [600_000, 0, nil, 0])
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - {id: a, on: data.arrived, threshold: {count: 3, within: 1h}, lateness: soon, emit: {type: t, topic: o}}
            """))
        #expect(diagnostic.message == "lateness must be a duration, not 'soon'", "\(diagnostic)")
    }

    @Test("a condition that does not parse points at the offending character, quoted or not", arguments: [
        (#""data.metrics.auc => 0.9""#, 34),
        ("data.metrics.auc => 0.9", 33),
    ])
    func conditionColumn(_ condition: String, _ column: Int) throws {
        // `    condition: ` is 15 characters; the '=' of '=>' is the 18th of the condition.
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - id: better
                on: model.evaluated
                condition: \(condition)
                emit: {type: redeploy.requested, topic: mlops.redeploy.requests}
            """))
        expectPlace(diagnostic, line: 5, column: column)
        #expect(diagnostic.message.hasPrefix("condition: unexpected character '='"))
        #expect(diagnostic.hint == "use == to compare")
    }

    @Test("a condition written over several lines is pointed at on the line of the offending character", arguments: [
        "condition: >-\n      data.metrics.auc => 0.9",
        "condition: |\n      data.metrics.auc => 0.9",
        "condition: data.metrics.auc\n      => 0.9",
    ])
    func multiLineConditionColumn(_ condition: String) throws {
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - id: better
                on: model.evaluated
                \(condition)
                emit: {type: redeploy.requested, topic: mlops.redeploy.requests}
            """))
        #expect(diagnostic.message.hasPrefix("condition: unexpected character '='"))
        // The '=' of '=>' is on line 6, at column 24 after `      data.metrics.auc `, or at column 7.
        #expect(diagnostic.location.line == 6, "\(diagnostic)")
        #expect(diagnostic.location.column == (condition.hasSuffix("auc => 0.9") ? 24 : 7), "\(diagnostic)")
    }

    @Test("a bad placeholder after an escape in quoted text is pointed at exactly", arguments: [
        (#""train\t{{ dataset }}""#, 25),
        ("'it''s {{ dataset }}'", 24),
    ])
    func placeholderColumnAfterEscape(_ target: String, _ column: Int) throws {
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - id: retrain
                on: data.arrived
                emit:
                  type: retrain.requested
                  topic: mlops.retrain.requests
                  data:
                    target: \(target)
            """))
        #expect(diagnostic.message.contains("unknown placeholder {{ dataset }}"))
        expectPlace(diagnostic, line: 9, column: column)
    }

    @Test("an empty file, or one of comments only, is an error at 1:1", arguments: ["", "# nothing yet\n"])
    func emptyFile(_ yaml: String) throws {
        let diagnostic = try onlyError(RuleFileFixtures.check(yaml))
        expectPlace(diagnostic, line: 1, column: 1)
        #expect(diagnostic.message == "the file is empty")
        #expect(diagnostic.hint?.contains("rules:") == true)
    }

    @Test("YAML that does not parse is reported on the line that breaks it")
    func invalidYAML() throws {
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - id: retrain
                on: data.arrived
               key: data.dataset
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """))
        #expect(diagnostic.message.hasPrefix("not valid YAML: "))
        #expect(diagnostic.location.line == 5, "\(diagnostic)")
        #expect(diagnostic.location.column != nil)
    }

    @Test("a key given twice in one mapping is reported")
    func duplicateKey() throws {
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - id: retrain
                on: data.arrived
                on: code.changed
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """))
        #expect(diagnostic.message == "on is given more than once in this mapping")
        #expect(diagnostic.location.line == 4 || diagnostic.location.line == 5, "\(diagnostic)")
    }

    @Test("a list as a match value is refused with a hint to use in")
    func matchList() throws {
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - id: retrain
                on: data.arrived
                match:
                  data.dataset: [sales-eu, sales-us]
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """))
        expectPlace(diagnostic, line: 6, column: 21)
        #expect(diagnostic.message.contains("a list is no value to compare data.dataset with"))
        #expect(diagnostic.hint?.contains("{in: [a, b]}") == true)
    }

    @Test("count with a comparator is refused, pointing at the comparator")
    func countWithComparator() throws {
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - id: drift
                on: monitoring.alert
                threshold: {count: 3, gte: 3}
                emit: {type: rollback.requested, topic: mlops.rollback.requests}
            """))
        expectPlace(diagnostic, line: 5, column: 27)
        #expect(diagnostic.message == "count takes no comparator")
        #expect(diagnostic.hint?.contains("count: N fires at N matching events") == true)
    }

    @Test("a rule id with upper-case letters is refused at the id")
    func upperCaseID() throws {
        let diagnostic = try onlyError(RuleFileFixtures.check("""
            version: 1
            rules:
              - id: Retrain-Model
                on: data.arrived
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """))
        expectPlace(diagnostic, line: 3, column: 9)
        #expect(diagnostic.message.contains("id 'Retrain-Model' must be made of a-z, 0-9 and '-'"))
        #expect(diagnostic.hint == "like retrain-on-fresh-data")
    }

    @Test("every error of every rule is reported, sorted by line within each file")
    func allErrorsSorted() throws {
        let check = RuleSet.check(sources: [
            (
                "first.yaml",
                """
                version: 1
                rules:
                  - id: one
                    on: data.arrived
                    cooldown: soon
                    match:
                      data.rows: {gtt: 0}
                  - id: Two
                    on: data.arrived
                    emit: {type: retrain.requested, topic: mlops.retrain.requests}
                  - id: three
                    threshold: {count: 0}
                    emit: {type: retrain.requested, topic: mlops.retrain.requests}
                """
            ),
            (
                "second.yaml",
                """
                version: 1
                rules:
                  - id: four
                    on: data.arrived
                    emit: {type: retrain.requested, topic: "not a topic"}
                """
            ),
        ])
        #expect(check.ruleSet == nil)
        let places = check.errors.map { "\($0.location.file):\($0.location.line ?? 0)" }
        // Rule one: no emit (at the rule), bad cooldown, unknown operator; Two: its id; three: no on, count 0;
        // four: the topic.
        #expect(
            places == [
                "first.yaml:3", "first.yaml:5", "first.yaml:7", "first.yaml:8", "first.yaml:11", "first.yaml:12",
                "second.yaml:5",
            ], "\(check.errors.map(\.description).joined(separator: "\n"))")
    }

    @Test("warnings (emit.data without fields the output schema requires) leave the rule set usable")
    func warningsDoNotFail() throws {
        let check = RuleFileFixtures.check(
            """
            version: 1
            rules:
              - id: retrain
                on: data.arrived
                key: data.dataset
                emit:
                  type: retrain.requested
                  topic: mlops.retrain.requests
                  data:
                    target: "{{ key }}"
            """, schemas: try RuleFileFixtures.schemas())
        #expect(check.errors.isEmpty, "\(check.errors)")
        let warning = try #require(check.warnings.first)
        #expect(check.warnings.count == 1)
        #expect(warning.severity == .warning)
        #expect(warning.location.line == 9, "at the data field")
        #expect(warning.message.contains("requires reason in data"), "\(warning)")
        #expect(warning.description.contains(": warning: "))
        let ruleSet = try #require(check.ruleSet)
        #expect(ruleSet.rules.map(\.id) == ["retrain"])
    }

    @Test("docs/examples/rules/mlops.yaml validates against topics/schemas without errors or warnings")
    func exampleValidates() throws {
        let file = RuleFileFixtures.root + "/docs/examples/rules/mlops.yaml"
        let check = RuleSet.check(files: [file], schemas: try RuleFileFixtures.schemas())
        #expect(check.diagnostics.isEmpty, "\(check.diagnostics.map(\.description).joined(separator: "\n"))")
        let ruleSet = try #require(check.ruleSet)
        #expect(
            ruleSet.rules.map(\.id) == [
                "retrain-on-fresh-data", "retrain-on-training-code", "rollback-on-drift", "redeploy-when-better", "stale-dataset",
            ])
        #expect(ruleSet.rules.map(\.kind) == ["threshold", "each", "threshold", "sequence", "absent"])
        #expect(ruleSet.rules.allSatisfy { $0.location.file == file })
    }

    @Test("loading throws every error with code invalid_rules; an unreadable file is an error of its own")
    func loadThrows() throws {
        let missing = NSTemporaryDirectory() + "flywheel-no-such-rules-\(UInt32.random(in: 0...UInt32.max)).yaml"
        let error = try #require(throws: RulesError.self) { try RuleSet.load(files: [missing]) }
        #expect(error.code == .invalidRules)
        #expect(error.diagnostics.count == 1)
        #expect(error.diagnostics.first?.location.file == missing)
        #expect(error.diagnostics.first?.message.hasPrefix("cannot read the file") == true)
    }
}

@Suite("Rule versions")
struct RuleVersionTests {
    func version(_ yaml: String) throws -> String {
        let ruleSet = try RuleFileFixtures.ruleSet(yaml)
        return try #require(ruleSet.rules.first).version
    }

    let block = """
        version: 1
        rules:
          - id: retrain
            on: data.arrived
            match:
              data.dataset: {prefix: "sales-"}
            key: data.dataset
            threshold: {sum: data.rows, gte: 1000000, within: 24h}
            emit:
              type: retrain.requested
              topic: mlops.retrain.requests
              data: {target: "{{ key }}", reason: "{{ value }} rows"}
        """

    @Test("a version is 64 lower-case hex digits")
    func format() throws {
        let version = try version(block)
        #expect(version.count == 64)
        #expect(version.allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test("formatting, comments, member order and the rule's place in the file do not change the version")
    func formattingKeepsVersion() throws {
        let reformatted = """
            # Moved down, reordered, commented and written in flow style.
            version: 1
            rules:
              - id: first
                on: code.changed
                emit: {type: retrain.requested, topic: mlops.retrain.requests}

              - emit: {topic: 'mlops.retrain.requests', data: {reason: "{{ value }} rows", target: "{{ key }}"}, type: retrain.requested}
                threshold:
                  within: 24h    # a day
                  gte: 1000000
                  sum: data.rows
                key: data.dataset
                match: {data.dataset: {prefix: sales-}}
                on: data.arrived
                id: retrain
            """
        let ruleSet = try RuleFileFixtures.ruleSet(reformatted)
        #expect(try ruleSet.rule(id: "retrain")?.version == version(block))
    }

    @Test("changing a value changes the version", arguments: [
        ("gte: 1000000", "gte: 2000000"),
        ("within: 24h", "within: 12h"),
        (#"prefix: "sales-""#, #"prefix: "sale-""#),
        (#"reason: "{{ value }} rows""#, #"reason: "{{ value }} new rows""#),
    ])
    func valueChangesVersion(_ before: String, _ after: String) throws {
        let changed = block.replacingOccurrences(of: before, with: after)
        #expect(changed != block)
        #expect(try version(changed) != version(block))
    }

    @Test("triggers carry the rule's version")
    func triggersCarryVersion() throws {
        let ruleSet = try RuleFileFixtures.ruleSet(block)
        let firings = RuleFileFixtures.firings(ruleSet, [
            try RuleFileFixtures.event("data.arrived", id: "e1", time: "2026-03-01T00:00:00Z", data: #"{"dataset":"sales-eu","rows":1000000}"#)
        ])
        let firing = try #require(firings.first)
        #expect(firing.ruleVersion == ruleSet.rules[0].version)
        #expect(firing.trigger.extensions["ruleversion"] == ruleSet.rules[0].version)
    }
}
