import FlywheelEvents
import FlywheelRules
import Foundation
import Testing

@Suite("Rule test files, as `flywheel rules test` runs them")
struct RuleTestFileTests {
    let rules = """
        version: 1
        rules:
          - id: retrain-on-fresh-data
            on: data.arrived
            key: data.dataset
            threshold: {sum: data.rows, gte: 1000000, within: 24h}
            emit:
              type: retrain.requested
              topic: mlops.retrain.requests
              data: {target: "train-{{ key }}", rows: "{{ value }}"}
          - id: rollback-on-drift
            on: monitoring.alert
            match: {data.kind: drift}
            key: data.model
            threshold: {count: 2}
            emit:
              type: rollback.requested
              topic: mlops.rollback.requests
              data: {target: "{{ key }}"}
          - id: stale-dataset
            absent: {on: data.arrived, for: 2d}
            key: data.dataset
            emit:
              type: retrain.requested
              topic: mlops.retrain.requests
              data: {target: "{{ key }}"}
        """

    func run(_ yaml: String) throws -> [RuleTestFile.Result] {
        let testFile = try RuleTestFile(yaml: yaml, path: "tests.yaml")
        return testFile.run(ruleSet: try RuleFileFixtures.ruleSet(rules))
    }

    /// The diagnostics of a test file that must not load.
    func errors(_ yaml: String) throws -> [RuleDiagnostic] {
        let error = try #require(throws: RulesError.self) { try RuleTestFile(yaml: yaml, path: "tests.yaml") }
        #expect(error.code == .invalidTest)
        return error.diagnostics
    }

    @Test("a file whose expectations hold passes every case, comparing only the fields it names")
    func passing() throws {
        let results = try run("""
            rules: [rules.yaml]
            tests:
              - name: a million rows in a day retrain
                events:
                  - {type: data.arrived, time: "2026-03-01T00:00:00Z", data: {dataset: sales-eu, rows: 600000}}
                  - {type: data.arrived, time: 2026-03-01T12:00:00Z, data: {dataset: sales-eu, rows: 400000}}
                only: [retrain-on-fresh-data]
                expect:
                  - rule: retrain-on-fresh-data
                    key: sales-eu
                    time: "2026-03-01T12:00:00Z"
                    type: retrain.requested
                    topic: mlops.retrain.requests
                    data: {target: train-sales-eu, rows: 1000000}
                    cause: [test1-event1, test1-event2]
              - name: two drift alerts roll back, latency alerts do not count
                events:
                  - {id: a1, type: monitoring.alert, time: "2026-03-01T00:00:00Z", data: {model: churn, kind: drift}}
                  - {id: a2, type: monitoring.alert, time: "2026-03-01T00:05:00Z", data: {model: churn, kind: latency}}
                  - {id: a3, type: monitoring.alert, time: "2026-03-01T00:10:00Z", data: {model: churn, kind: drift}}
                expect:
                  - {rule: rollback-on-drift, key: churn, time: "2026-03-01T00:10:00.000Z", cause: [a1, a3]}
                expect_none:
                  - {rule: retrain-on-fresh-data}
                  - {rule: rollback-on-drift, key: other}
            """)
        #expect(results.map(\.name) == ["a million rows in a day retrain", "two drift alerts roll back, latency alerts do not count"])
        for result in results {
            #expect(result.passed, "\(result.name): \(result.failures.joined(separator: "\n"))")
        }
        #expect(results.map(\.location.description) == ["tests.yaml:3:5", "tests.yaml:16:5"])
    }

    @Test("failures say which trigger is missing, which field differs (expected and got), and what was not expected")
    func failing() throws {
        let drift = """
                  - {type: monitoring.alert, time: "2026-03-01T00:00:00Z", data: {model: churn, kind: drift}}
                  - {type: monitoring.alert, time: "2026-03-01T00:10:00Z", data: {model: churn, kind: drift}}
            """
        let results = try run("""
            rules: [rules.yaml]
            tests:
              - name: missing trigger
                events:
            \(drift)
                expect:
                  - {rule: rollback-on-drift, key: churn}
                  - {rule: rollback-on-drift, key: churn}
              - name: differing data
                events:
                  - {type: data.arrived, time: "2026-03-01T00:00:00Z", data: {dataset: sales-eu, rows: 1000000}}
                only: [retrain-on-fresh-data]
                expect:
                  - {rule: retrain-on-fresh-data, data: {target: train-sales-us, rows: 1000000, owner: ml}}
              - name: unexpected trigger
                events:
            \(drift)
                expect: []
              - name: forbidden trigger
                events:
            \(drift)
                expect_none:
                  - {rule: rollback-on-drift}
              - name: wrong key and time
                events:
                  - {type: data.arrived, time: "2026-03-01T00:00:00Z", data: {dataset: sales-eu, rows: 1000000}}
                only: [retrain-on-fresh-data]
                expect:
                  - {rule: retrain-on-fresh-data, key: sales-us, time: "2026-03-01T01:00:00Z"}
            """)
        try #require(results.count == 5)
        #expect(results.allSatisfy { !$0.passed })

        let missing = results[0].failures
        #expect(missing.count == 1, "\(missing)")
        #expect(missing.first?.hasPrefix("missing trigger #2 (tests.yaml:9:9): ") == true, "\(missing)")
        #expect(missing.first?.contains(#"rule "rollback-on-drift""#) == true, "\(missing)")

        let differing = results[1].failures
        #expect(differing.count == 2, "\(differing)")
        #expect(differing.first?.hasPrefix("trigger #1 (tests.yaml:15:9) differs: ") == true, "\(differing)")
        #expect(differing.first?.contains(#"data.target: expected "train-sales-us", got "train-sales-eu""#) == true, "\(differing)")
        #expect(differing.first?.contains(#"data.owner: expected "ml", got nothing"#) == true, "\(differing)")
        #expect(differing.first?.contains("data.rows") == false, "\(differing)")
        #expect(differing.last?.hasPrefix("    got: rule retrain-on-fresh-data, key sales-eu, time 2026-03-01T00:00:00.000Z") == true, "\(differing)")

        let unexpected = results[2].failures
        #expect(unexpected.count == 1, "\(unexpected)")
        #expect(
            unexpected.first?.hasPrefix("unexpected trigger #1: rule rollback-on-drift, key churn, time 2026-03-01T00:10:00.000Z") == true,
            "\(unexpected)")
        // The explanation says why it fired.
        #expect(unexpected.first?.contains("count = 2 >= 2") == true, "\(unexpected)")

        let forbidden = results[3].failures
        #expect(forbidden.count == 1, "\(forbidden)")
        #expect(
            forbidden.first?.hasPrefix("trigger matches expect_none (tests.yaml:26:9): rule rollback-on-drift, key churn") == true,
            "\(forbidden)")

        let wrong = results[4].failures
        #expect(wrong.count == 2, "\(wrong)")
        #expect(wrong.first?.contains(#"key: expected "sales-us", got "sales-eu""#) == true, "\(wrong)")
        #expect(wrong.first?.contains(#"time: expected "2026-03-01T01:00:00Z", got "2026-03-01T00:00:00.000Z""#) == true, "\(wrong)")
    }

    @Test("only: looks at the named rules' triggers; a name the rule files lack is a failure")
    func only() throws {
        let results = try run("""
            rules: [rules.yaml]
            tests:
              - name: other rules' triggers are ignored
                events:
                  - {type: data.arrived, time: "2026-03-01T00:00:00Z", data: {dataset: sales-eu, rows: 1000000}}
                until: "2026-03-10T00:00:00Z"
                only: [retrain-on-fresh-data]
                expect:
                  - {rule: retrain-on-fresh-data, key: sales-eu}
              - name: without only every trigger counts
                events:
                  - {type: data.arrived, time: "2026-03-01T00:00:00Z", data: {dataset: sales-eu, rows: 1000000}}
                until: "2026-03-10T00:00:00Z"
                expect:
                  - {rule: retrain-on-fresh-data, key: sales-eu}
              - name: a misspelt rule
                events: []
                only: [retrain-on-fresh-dat]
                expect: []
            """)
        try #require(results.count == 3)
        #expect(results[0].passed, "\(results[0].failures)")
        #expect(!results[1].passed)
        #expect(results[1].failures.count == 1)
        #expect(
            results[1].failures.first?.hasPrefix("unexpected trigger #2: rule stale-dataset, key sales-eu, time 2026-03-03T00:00:00.000Z") == true,
            "\(results[1].failures)")
        #expect(results[2].failures == ["only names rule retrain-on-fresh-dat, which the rule files do not define"])
    }

    @Test("until: advances the clock at the end, so absences due by then fire, and only those")
    func until() throws {
        let arrival = #"      - {type: data.arrived, time: "2026-03-01T00:00:00Z", data: {dataset: sales-eu, rows: 10}}"#
        let results = try run("""
            rules: [rules.yaml]
            tests:
              - name: a dataset silent for two days is stale
                events:
            \(arrival)
                until: "2026-03-03T00:00:00Z"
                only: [stale-dataset]
                expect:
                  - {rule: stale-dataset, key: sales-eu, time: "2026-03-03T00:00:00Z", data: {target: sales-eu}, cause: [test1-event1]}
              - name: without until nothing comes due
                events:
            \(arrival)
                only: [stale-dataset]
                expect: []
              - name: just before the deadline nothing comes due
                events:
            \(arrival)
                until: "2026-03-02T23:59:59.999Z"
                only: [stale-dataset]
                expect: []
              - name: an absence the test forgot
                events:
            \(arrival)
                until: "2026-03-05T00:00:00Z"
                only: [stale-dataset]
                expect: []
            """)
        try #require(results.count == 4)
        for result in results.prefix(3) {
            #expect(result.passed, "\(result.name): \(result.failures)")
        }
        #expect(results[3].failures.count == 1)
        #expect(
            results[3].failures.first?.contains("rule stale-dataset, key sales-eu, time 2026-03-03T00:00:00.000Z") == true,
            "\(results[3].failures)")
        #expect(results[3].failures.first?.contains("no data.arrived event for key sales-eu for 2d") == true, "\(results[3].failures)")
    }

    @Test("mistakes in the test file are reported together, each at file:line:column")
    func errorsInTheFile() throws {
        let diagnostics = try errors("""
            rules: [rules.yaml]
            tests:
              - name: typo
                events:
                  - {type: data.arrived, time: "2026-03-01T00:00:00Z", data: {rows: 1}}
                expcet: []
              - name: bad until
                events: []
                until: tomorrow
                expect: []
              - name: event without a time
                events:
                  - {type: data.arrived, data: {rows: 1}}
                expect: []
              - name: bad expected time
                events: []
                expect:
                  - {rule: stale-dataset, time: "March 3rd"}
              - name: expects nothing
                events: []
            """)
        let byLine = Dictionary(grouping: diagnostics, by: { $0.location.line ?? 0 })
        let typo = try #require(byLine[6]?.first, "\(diagnostics)")
        #expect(typo.description == "tests.yaml:6:5: error: unknown field expcet in a test (hint: did you mean expect?)")
        let until = try #require(byLine[9]?.first, "\(diagnostics)")
        #expect(until.location.column == 12)
        #expect(until.message.contains("until must be an RFC 3339 time"))
        let timeless = try #require(byLine[13]?.first, "\(diagnostics)")
        #expect(timeless.location.column == 9)
        #expect(timeless.message.contains("has no time"), "\(timeless)")
        #expect(timeless.hint?.contains("RFC 3339 time") == true)
        let expectedTime = try #require(byLine[18]?.first, "\(diagnostics)")
        #expect(expectedTime.location.column == 37)
        #expect(expectedTime.message.contains("time must be an RFC 3339 time"))
        let nothing = try #require(byLine[19]?.first, "\(diagnostics)")
        #expect(nothing.location.column == 5)
        #expect(nothing.message == "test expects nothing expects nothing")
        #expect(diagnostics.allSatisfy { $0.location.file == "tests.yaml" && $0.severity == .error })
    }

    @Test("a test file that is not YAML, lacks rules, or cannot be read is refused with its place")
    func unusableFiles() throws {
        let syntax = try errors("rules: [rules.yaml\ntests: []\n")
        #expect(syntax.count == 1)
        #expect(syntax.first?.message.hasPrefix("not valid YAML") == true, "\(syntax)")
        #expect(syntax.first?.location.line != nil)

        let empty = try errors("# no tests yet\n")
        #expect(empty.map(\.message) == ["the file is empty"])
        #expect(empty.first?.location.line == 1, "\(empty)")
        #expect(empty.first?.location.column == 1, "\(empty)")

        let noRules = try errors("""
            tests:
              - {name: t, events: [], expect: []}
            """)
        #expect(noRules.map(\.message) == ["rules must list the rule files to test"])
        #expect(noRules.first?.location.line == 1)

        let missing = NSTemporaryDirectory() + "flywheel-no-such-test-\(UInt32.random(in: 0...UInt32.max)).yaml"
        let unreadable = try #require(throws: RulesError.self) { try RuleTestFile(path: missing) }
        #expect(unreadable.code == .unreadable)
        #expect(unreadable.diagnostics.first?.location.file == missing)
    }

    @Test("rule files are found relative to the test file's folder; absolute paths stay as they are")
    func ruleFilePaths() throws {
        let testFile = try RuleTestFile(
            yaml: """
                rules: [rules.yaml, ../shared/more.yaml, /etc/flywheel/rules.yaml]
                tests:
                  - {name: t, events: [], expect: []}
                """,
            path: "/work/project/tests/retrain.test.yaml")
        #expect(testFile.ruleFiles == ["/work/project/tests/rules.yaml", "/work/project/tests/../shared/more.yaml", "/etc/flywheel/rules.yaml"])
        #expect(testFile.cases.map(\.name) == ["t"])
    }
}
