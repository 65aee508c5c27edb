import FlywheelEvents
import FlywheelTestSupport
import Foundation
import Testing

/// `flywheel rules validate`, `flywheel rules test` and `flywheel replay`, run as child processes on files in a
/// folder of their own; no broker is involved.
@Suite("flywheel rules and flywheel replay", .timeLimit(.minutes(2)))
struct RulesCommandTests {
    /// The repository's root folder, found from this file's place in Tests/FlywheelIntegrationTests.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let exampleRules = root + "/docs/examples/rules/mlops.yaml"
    static let schemas = root + "/topics/schemas"

    /// What one run of the command left behind.
    struct Run {
        var status: Int32?
        var standardOutput: [UInt8]
        var standardError: String
        var output: String { String(decoding: standardOutput, as: UTF8.self) }
        var outputLines: [String] { output.split(separator: "\n").map(String.init) }
        var errorLines: [String] { standardError.split(separator: "\n").map(String.init) }
    }

    /// A fresh folder for one test's files.
    final class Folder: Sendable {
        let path: String

        init() throws {
            path = NSTemporaryDirectory() + uniqueName("flywheel-rules-cli")
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }

        /// Writes `text` to `name` in the folder; returns its path.
        @discardableResult
        func write(_ name: String, _ text: String) throws -> String {
            let file = path + "/" + name
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }

        func flywheel(_ arguments: String...) async throws -> Run {
            try await flywheel(arguments)
        }

        /// Runs the built `flywheel` with `arguments`, its standard output and error going to files in the folder.
        func flywheel(_ arguments: [String]) async throws -> Run {
            let name = uniqueName("run")
            let output = path + "/\(name).out"
            let errors = path + "/\(name).err"
            let process = try ChildProcess(
                [try BuiltProducts.executable("flywheel")] + arguments, standardOutput: output, standardError: errors)
            let status = try await process.waitForExit(timeout: .seconds(60))
            if status == nil { process.terminate() }
            return Run(
                status: status, standardOutput: Array(FileManager.default.contents(atPath: output) ?? Data()),
                standardError: (try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")
        }
    }

    /// Structured CloudEvents, one a line: new data for sales-eu in two parts, then three drift alerts for churn-model.
    static let events = """
        {"specversion":"1.0","id":"d1","source":"s3://lake","type":"data.arrived","time":"2026-03-01T00:00:00Z","data":{"dataset":"sales-eu","version":"v1","rows":600000,"bytes":1,"location":"s3://lake/a"}}
        {"specversion":"1.0","id":"d2","source":"s3://lake","type":"data.arrived","time":"2026-03-01T12:00:00Z","data":{"dataset":"sales-eu","version":"v2","rows":500000,"bytes":1,"location":"s3://lake/b"}}
        {"specversion":"1.0","id":"a1","source":"prometheus","type":"monitoring.alert","time":"2026-03-01T13:00:00Z","data":{"model":"churn-model","kind":"drift","metric":"psi","value":0.3,"severity":"warning","status":"firing"}}
        {"specversion":"1.0","id":"a2","source":"prometheus","type":"monitoring.alert","time":"2026-03-01T13:10:00Z","data":{"model":"churn-model","kind":"drift","metric":"psi","value":0.3,"severity":"warning","status":"firing"}}

        {"specversion":"1.0","id":"a3","source":"prometheus","type":"monitoring.alert","time":"2026-03-01T13:20:00Z","data":{"model":"churn-model","kind":"drift","metric":"psi","value":0.3,"severity":"warning","status":"firing"}}

        """

    func parse(_ line: String) throws -> JSONValue {
        try JSONParser.parse(line)
    }

    @Test("rules validate accepts the example rules: exit 0, each file's rules named on standard output")
    func validateExample() async throws {
        let folder = try Folder()
        let run = try await folder.flywheel("rules", "validate", "--schemas", Self.schemas, Self.exampleRules)
        #expect(run.status == 0, "\(run.standardError)")
        let ids = "retrain-on-fresh-data, retrain-on-training-code, rollback-on-drift, redeploy-when-better, stale-dataset"
        #expect(run.outputLines == ["\(Self.exampleRules): 5 rules valid (\(ids))"])
        #expect(run.standardError.isEmpty, "\(run.standardError)")
    }

    @Test("rules validate reports every error as file:line:column: error: on standard error and exits 1")
    func validateErrors() async throws {
        let folder = try Folder()
        let file = try folder.write(
            "bad.yaml",
            """
            version: 1
            rules:
              - id: retrain
                descripton: Retrain on new data.
                cooldown: 6 hours
                on: data.arrived
                emit: {type: retrain.requested, topic: mlops.retrain.requests, data: {target: "{{ key }}", reason: x}}
            """)
        let run = try await folder.flywheel("rules", "validate", "--schemas", Self.schemas, file)
        #expect(run.status == 1)
        #expect(
            run.errorLines == [
                "\(file):4:5: error: unknown field descripton in a rule (hint: did you mean description?)",
                "\(file):5:15: error: cooldown must be a duration, not '6 hours' "
                    + "(hint: a whole number with a unit (ms, s, m, h, d, w), largest first, at most 100 years: 30s, 15m, 6h, 7d, 1h30m)",
                "2 errors, 0 warnings",
            ])
        #expect(run.output.isEmpty)
    }

    @Test("rules validate names a file it cannot read, and reports nothing else")
    func validateMissingFile() async throws {
        let folder = try Folder()
        let file = folder.path + "/missing.yaml"
        let run = try await folder.flywheel("rules", "validate", "--schemas", "none", file)
        #expect(run.status == 1)
        #expect(run.errorLines.count == 2, "\(run.standardError)")
        #expect(run.errorLines.first?.hasPrefix("\(file): error: cannot read the file") == true, "\(run.standardError)")
        #expect(run.errorLines.last == "1 error, 0 warnings", "\(run.standardError)")
    }

    @Test("rules validate prints warnings but exits 0 when there is no error")
    func validateWarnings() async throws {
        let folder = try Folder()
        let file = try folder.write(
            "warn.yaml",
            """
            version: 1
            rules:
              - id: retrain
                on: data.arrived
                key: data.dataset
                emit: {type: retrain.requested, topic: mlops.retrain.requests, data: {target: "{{ key }}"}}
            """)
        let run = try await folder.flywheel("rules", "validate", "--schemas", Self.schemas, file)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.errorLines.count == 1)
        #expect(run.errorLines.first?.hasPrefix("\(file):6:") == true, "\(run.standardError)")
        #expect(run.standardError.contains(": warning: the schema of retrain.requested requires reason"))
        #expect(run.outputLines == ["\(file): 1 rule valid (retrain)"])
    }

    @Test("replay prints each trigger as a JSON line on standard output and a summary on standard error")
    func replay() async throws {
        let folder = try Folder()
        let events = try folder.write("events.jsonl", Self.events)
        let run = try await folder.flywheel(
            "replay", "--rules", Self.exampleRules, "--events", events, "--until", "2026-03-05T00:00:00Z", "--schemas", Self.schemas)
        #expect(run.status == 0, "\(run.standardError)")
        let triggers = try run.outputLines.map(parse)
        try #require(triggers.count == 3, "\(run.output)")
        #expect(triggers.map { $0[path: "type"]?.stringValue } == ["retrain.requested", "rollback.requested", "retrain.requested"])
        #expect(triggers.map { $0[path: "ruleid"]?.stringValue } == ["retrain-on-fresh-data", "rollback-on-drift", "stale-dataset"])
        #expect(triggers.map { $0[path: "subject"]?.stringValue } == ["sales-eu", "churn-model", "sales-eu"])
        #expect(
            triggers.map { $0[path: "time"]?.stringValue } == ["2026-03-01T12:00:00.000Z", "2026-03-01T13:20:00.000Z", "2026-03-03T12:00:00.000Z"])
        #expect(triggers[0][path: "data.reason"] == .string("1100000 new rows of sales-eu within 24h"))
        #expect(triggers[0][path: "data.parameters.rows"] == .number(1_100_000))
        #expect(triggers[0][path: "data.cause"]?.arrayValue?.compactMap { $0[path: "id"]?.stringValue } == ["d1", "d2"])
        #expect(triggers[1][path: "data.reason"] == .string("3 drift alerts within 1h"))
        #expect(triggers[2][path: "data.reason"] == .string("no data for sales-eu since 2026-03-01T12:00:00Z"))
        #expect(triggers.allSatisfy { $0[path: "ruleversion"]?.stringValue?.count == 64 })

        #expect(run.errorLines.first?.hasPrefix("replayed 5 events in ") == true, "\(run.standardError)")
        #expect(run.errorLines.first?.hasSuffix("; 3 triggers") == true, "\(run.standardError)")
        #expect(run.errorLines.contains("  retrain-on-fresh-data: 2 accepted, 1 fired"), "\(run.standardError)")
        #expect(run.errorLines.contains("  rollback-on-drift: 3 accepted, 1 fired"), "\(run.standardError)")
        #expect(run.errorLines.contains("  stale-dataset: 2 accepted, 1 fired"), "\(run.standardError)")
    }

    @Test("replay says how many triggers counted events kept in panes, and their audit records how many events")
    func replayApproximated() async throws {
        let folder = try Folder()
        let rules = try folder.write(
            "rules.yaml",
            """
            rules:
              - id: busy
                on: data.arrived
                key: data.dataset
                threshold: {count: 1500, within: 1h}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        // 1,500 arrivals of one dataset a second apart: 1,000 or so are kept one by one when the count is reached.
        let lines = (0..<1_500).map { index in
            #"{"specversion":"1.0","id":"e\#(index)","source":"s3://lake","type":"data.arrived","time":"\#(RFC3339.string(milliseconds: 1_772_323_200_000 + Int64(index) * 1_000))","data":{"dataset":"sales-eu","rows":1,"bytes":1,"location":"s3://lake/x"}}"#
        }
        let events = try folder.write("events.jsonl", lines.joined(separator: "\n") + "\n")
        let run = try await folder.flywheel("replay", "--rules", rules, "--events", events, "--explain")
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.errorLines.contains("  1 trigger counted events kept in panes (a key's window past 1,000 events; each audit record says how many)"), "\(run.standardError)")
        let audit = try #require(try run.outputLines.map(parse).first { $0[path: "type"]?.stringValue == "trigger.audit" })
        let inPanes = try #require(audit[path: "data.values.events_in_panes"]?.numberValue)
        #expect(inPanes >= 375 && inPanes <= 500, "the events before the latest 1,000 to 1,125: \(inPanes)")
        #expect(audit[path: "data.values.events"] == .number(1500))
    }

    @Test("replay --explain follows each trigger with its trigger.audit record, which has an explanation")
    func replayExplain() async throws {
        let folder = try Folder()
        let events = try folder.write("events.jsonl", Self.events)
        let run = try await folder.flywheel(
            "replay", "--rules", Self.exampleRules, "--events", events, "--until", "2026-03-05T00:00:00Z", "--explain",
            "--schemas", Self.schemas)
        #expect(run.status == 0, "\(run.standardError)")
        let records = try run.outputLines.map(parse)
        try #require(records.count == 6, "\(run.output)")
        for pair in stride(from: 0, to: records.count, by: 2) {
            let trigger = records[pair]
            let audit = records[pair + 1]
            #expect(trigger[path: "type"]?.stringValue != "trigger.audit")
            #expect(audit[path: "type"] == .string("trigger.audit"))
            #expect(audit[path: "data.trigger_id"] == trigger[path: "id"])
            #expect(audit[path: "data.rule_id"] == trigger[path: "ruleid"])
            #expect(audit[path: "data.rule_version"] == trigger[path: "ruleversion"])
            let explanation = try #require(audit[path: "data.explanation"]?.stringValue)
            #expect(!explanation.isEmpty)
        }
        #expect(records[3][path: "data.explanation"]?.stringValue?.hasPrefix("count = 3 >= 3 over 3 events of key churn-model within 1h") == true)
    }

    @Test("replaying the same input twice gives byte-identical standard output")
    func replayIsDeterministic() async throws {
        let folder = try Folder()
        let events = try folder.write("events.jsonl", Self.events)
        let arguments = [
            "replay", "--rules", Self.exampleRules, "--events", events, "--until", "2026-03-05T00:00:00Z", "--explain",
            "--schemas", Self.schemas,
        ]
        let first = try await folder.flywheel(arguments)
        let second = try await folder.flywheel(arguments)
        #expect(first.status == 0)
        #expect(!first.standardOutput.isEmpty)
        #expect(first.standardOutput == second.standardOutput)
    }

    @Test("replay reports an unusable line with file:line on standard error, replays the rest, and exits 1")
    func replayInvalidLines() async throws {
        let folder = try Folder()
        var lines = Self.events.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.insert("this is not JSON", at: 1)
        lines.insert(#"{"specversion":"1.0","id":"no-time","source":"s3://lake","type":"data.arrived","data":{}}"#, at: 3)
        let events = try folder.write("events.jsonl", lines.joined(separator: "\n"))
        let run = try await folder.flywheel(
            "replay", "--rules", Self.exampleRules, "--events", events, "--schemas", Self.schemas)
        #expect(run.status == 1)
        #expect(run.errorLines.contains { $0.hasPrefix("\(events):2: error: not a CloudEvent") }, "\(run.standardError)")
        #expect(run.errorLines.contains { $0.hasPrefix("\(events):4: error: event no-time has no time") }, "\(run.standardError)")
        #expect(run.standardError.contains("replayed 5 events (2 invalid lines skipped)"), "\(run.standardError)")
        let triggers = try run.outputLines.map(parse)
        #expect(triggers.map { $0[path: "ruleid"]?.stringValue } == ["retrain-on-fresh-data", "rollback-on-drift"])
    }

    @Test("rules test exits 0 when every case passes and 1 with a diff when one fails")
    func ruleTests() async throws {
        let folder = try Folder()
        try folder.write(
            "rules.yaml",
            """
            version: 1
            rules:
              - id: rollback-on-drift
                on: monitoring.alert
                match: {data.kind: drift}
                key: data.model
                threshold: {count: 2}
                emit: {type: rollback.requested, topic: mlops.rollback.requests, data: {target: "{{ key }}", reason: "{{ value }} alerts"}}
            """)
        let passing = try folder.write(
            "passing.test.yaml",
            """
            rules: [rules.yaml]
            tests:
              - name: two drift alerts roll back
                events:
                  - {type: monitoring.alert, time: "2026-03-01T00:00:00Z", data: {model: churn, kind: drift}}
                  - {type: monitoring.alert, time: "2026-03-01T00:10:00Z", data: {model: churn, kind: drift}}
                expect:
                  - {rule: rollback-on-drift, key: churn, data: {target: churn, reason: 2 alerts}}
              - name: one alert does not
                events:
                  - {type: monitoring.alert, time: "2026-03-01T00:00:00Z", data: {model: churn, kind: drift}}
                expect: []
            """)
        let failing = try folder.write(
            "failing.test.yaml",
            """
            rules: [rules.yaml]
            tests:
              - name: one alert is enough
                events:
                  - {type: monitoring.alert, time: "2026-03-01T00:00:00Z", data: {model: churn, kind: drift}}
                expect:
                  - {rule: rollback-on-drift, key: churn}
              - name: the reason names the model
                events:
                  - {type: monitoring.alert, time: "2026-03-01T00:00:00Z", data: {model: churn, kind: drift}}
                  - {type: monitoring.alert, time: "2026-03-01T00:10:00Z", data: {model: churn, kind: drift}}
                expect:
                  - {rule: rollback-on-drift, data: {reason: "2 alerts for churn"}}
            """)

        let passed = try await folder.flywheel("rules", "test", "--schemas", "none", passing)
        #expect(passed.status == 0, "\(passed.output)\(passed.standardError)")
        #expect(passed.outputLines == [
            "ok    two drift alerts roll back (\(passing):3:5)",
            "ok    one alert does not (\(passing):9:5)",
            "2 passed, 0 failed",
        ])

        let failed = try await folder.flywheel("rules", "test", "--schemas", "none", failing)
        #expect(failed.status == 1)
        #expect(failed.outputLines.contains("FAIL  one alert is enough (\(failing):3:5)"), "\(failed.output)")
        #expect(failed.outputLines.contains { $0.hasPrefix("      missing trigger #1 (\(failing):7:9): ") }, "\(failed.output)")
        #expect(failed.outputLines.contains("FAIL  the reason names the model (\(failing):8:5)"), "\(failed.output)")
        #expect(
            failed.outputLines.contains { $0.contains(#"data.reason: expected "2 alerts for churn", got "2 alerts""#) },
            "\(failed.output)")
        #expect(failed.outputLines.last == "0 passed, 2 failed")
    }

    @Test("rules test reports a broken test file with file:line:column and exits 1")
    func brokenTestFile() async throws {
        let folder = try Folder()
        try folder.write("rules.yaml", "version: 1\nrules:\n  - {id: each, on: data.arrived, emit: {type: t, topic: t}}\n")
        let file = try folder.write(
            "broken.test.yaml",
            """
            rules: [rules.yaml]
            tests:
              - name: typo
                events: []
                expcet: []
            """)
        let run = try await folder.flywheel("rules", "test", "--schemas", "none", file)
        #expect(run.status == 1)
        #expect(run.errorLines.contains("\(file):5:5: error: unknown field expcet in a test (hint: did you mean expect?)"), "\(run.standardError)")
        #expect(run.outputLines.last == "0 passed, 1 failed")
    }

    @Test("the example rule tests, docs/examples/rules/mlops.test.yaml, all pass")
    func exampleRuleTests() async throws {
        let folder = try Folder()
        let run = try await folder.flywheel(
            "rules", "test", "--schemas", Self.schemas, Self.root + "/docs/examples/rules/mlops.test.yaml")
        #expect(run.status == 0, "\(run.output)\(run.standardError)")
        #expect(run.outputLines.last == "11 passed, 0 failed", "\(run.output)")
        #expect(!run.output.contains("FAIL"), "\(run.output)")
    }
}
