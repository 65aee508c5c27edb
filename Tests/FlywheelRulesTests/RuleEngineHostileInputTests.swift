import FlywheelEvents
@testable import FlywheelRules
import Testing

/// Inputs meant to break the engine: they get a clear error or a sane result, never a crash.
@Suite("Hostile rules, events and state")
struct RuleEngineHostileInputTests {
    func ruleSet(_ yaml: String) throws -> RuleSet {
        let check = RuleSet.check(sources: [("rules.yaml", yaml)])
        return try #require(check.ruleSet, "\(check.diagnostics)")
    }

    func errors(_ yaml: String) -> [String] {
        RuleSet.check(sources: [("rules.yaml", yaml)]).errors.map(\.description)
    }

    func input(_ id: String, _ time: String, key: String = "k", data: JSONObject = JSONObject()) -> RuleInput {
        var data = data
        data["dataset"] = .string(key)
        return RuleInput(
            event: CloudEvent(id: id, source: "test", type: "data.arrived", subject: key, time: time, data: .object(data)),
            time: RFC3339.milliseconds(time)!)
    }

    @Test("a state record with numbers out of range is refused, not trapped on", arguments: [
        #"{"format":"flywheel.rules.state/1","clock":1e300,"sequence":0,"rules":[]}"#,
        #"{"format":"flywheel.rules.state/1","clock":0,"sequence":-1,"rules":[]}"#,
    ])
    func outOfRangeSnapshot(_ text: String) throws {
        let set = try ruleSet("rules:\n  - {id: r, on: data.arrived, threshold: {count: 2}, emit: {type: t, topic: o}}\n")
        let snapshot = try JSONParser.parse(text)
        let engine = try? RuleEngine(ruleSet: set, restoring: snapshot)
        #expect(engine.map { $0.clock == nil || $0.clock == 0 } ?? true)
        var restored = RuleEngine(ruleSet: set)
        #expect(throws: RulesError.self) {
            try restored.restore(rule: "r", key: "k", record: JSONParser.parse(#"{"version":"\#(set.rules[0].version)","count":1e30,"sum":1}"#))
        }
    }

    @Test("an absence record with the wrong number of template values is refused")
    func absenceValues() throws {
        let set = try ruleSet("""
            rules:
              - id: quiet
                absent: {on: data.arrived, for: 1h}
                emit: {type: t, topic: o, data: {last: "{{ event.data.rows }}"}}
            """)
        var engine = RuleEngine(ruleSet: set)
        let record = try JSONParser.parse(
            #"{"version":"\#(set.rules[0].version)","last_seen":0,"armed":true,"cause":{"id":"e","type":"data.arrived"},"values":[]}"#)
        #expect(throws: RulesError.self) { try engine.restore(rule: "quiet", key: "k", record: record) }
        #expect(engine.advanceClock(to: 7_200_000).isEmpty)
    }

    @Test("a sum beyond what a double holds neither fires nor writes infinity")
    func overflowingSum() throws {
        let set = try ruleSet("rules:\n  - {id: big, on: data.arrived, threshold: {sum: data.rows, gt: 1.5e308}, emit: {type: t, topic: o}}\n")
        var engine = RuleEngine(ruleSet: set)
        let fired = engine.process(input("e1", "2026-03-01T00:00:00Z", data: JSONObject(["rows": .number(1e308)])))
            + engine.process(input("e2", "2026-03-01T00:01:00Z", data: JSONObject(["rows": .number(1e308)])))
        #expect(fired.isEmpty)
        #expect(engine.statistics.notNumeric == 1)
        let text = JSONWriter.string(engine.snapshot())
        #expect(!text.contains("inf"))
        #expect((try? JSONParser.parse(text)) != nil)
    }

    @Test("deep nesting, huge durations and YAML aliases are refused with their place")
    func refusedRules() {
        let deep = String(repeating: "(", count: 500) + "data.x" + String(repeating: ")", count: 500) + " > 1"
        #expect(errors("rules:\n  - {id: r, on: data.arrived, condition: '\(deep)', emit: {type: t, topic: o}}\n").contains { $0.contains("nests more than") })
        #expect(errors("rules:\n  - {id: r, on: data.arrived, condition: '\(String(repeating: "!", count: 500))true', emit: {type: t, topic: o}}\n").contains { $0.contains("nests more than") })
        #expect(errors("rules:\n  - {id: r, on: data.arrived, threshold: {count: 2, within: 9223372036854775807ms}, emit: {type: t, topic: o}}\n").contains { $0.contains("within must be a duration") })
        #expect(errors("rules:\n  - {id: r, absent: {on: data.arrived, for: 15250284452w}, emit: {type: t, topic: o}}\n").contains { $0.contains("for must be a duration") })
        let bomb = """
            rules:
              - id: r
                on: data.arrived
                emit:
                  type: t
                  topic: o
                  data: {a: &a [x, x], b: [*a, *a]}
            """
        #expect(errors(bomb) == ["rules.yaml:7:17: error: anchors and aliases (&name, *name) are not supported (hint: write the value out where it is needed)"])
    }

    @Test("an any rule fires once for an event two of its members take; all needs a different event per member")
    func onceper() throws {
        let set = try ruleSet("""
            rules:
              - id: either
                any:
                  - {on: data.arrived}
                  - {on: data.arrived, match: {data.rows: {gt: 0}}}
                emit: {type: t, topic: o}
              - id: both
                all:
                  - {on: data.arrived}
                  - {on: data.arrived, match: {data.rows: {gt: 0}}}
                emit: {type: t, topic: o}
            """)
        var engine = RuleEngine(ruleSet: set)
        let first = engine.process(input("e1", "2026-03-01T00:00:00Z", data: JSONObject(["rows": .number(5)])))
        #expect(first.map(\.ruleID) == ["either"])
        let second = engine.process(input("e2", "2026-03-01T00:01:00Z", data: JSONObject(["rows": .number(5)])))
        #expect(second.map(\.ruleID) == ["either", "both"])
        #expect(Set(second[1].causes.map(\.id)) == ["e1", "e2"])
    }

    @Test("a key seen many times keeps one absence deadline queued")
    func boundedDeadlines() throws {
        let set = try ruleSet("rules:\n  - {id: quiet, absent: {on: data.arrived, for: 7d}, emit: {type: t, topic: o}}\n")
        var engine = RuleEngine(ruleSet: set)
        let start = RFC3339.milliseconds("2026-03-01T00:00:00Z")!
        for index in 0..<1000 {
            _ = engine.process(input("e\(index)", RFC3339.string(milliseconds: start + Int64(index) * 1000)))
        }
        #expect(engine.deadlines.count == 1)
        let fired = engine.advanceClock(to: start + 999_000 + 7 * 86_400_000)
        #expect(fired.map(\.time) == [start + 999_000 + 7 * 86_400_000])
    }

    @Test("trigger and audit ids are fixed functions of rule, key, time and ordinal: a UUID v8 of their SHA-256")
    func stableIDs() {
        // Worked out independently (SHA-256 of the length-prefixed fields); ids must never change between versions,
        // or downstream de-duplication across an upgrade would fail.
        let trigger = TriggerIdentity.triggerID(rule: "rule-a", key: "sales-eu", time: 1_795_341_600_250, ordinal: 0)
        #expect(trigger == "b31c05c8-8744-87f2-b51e-48a6a4ea66b4")
        #expect(TriggerIdentity.auditID(triggerID: trigger) == "2e41a786-7ed8-830f-8409-e9c5bc7ec5da")
        #expect(TriggerIdentity.triggerID(rule: "rule-a", key: "sales-eu", time: 1_795_341_600_250, ordinal: 1) == "b1441030-9cc7-86d2-ac89-b17ab1f60b8e")
    }

    @Test("trigger ids cannot collide through keys that contain separators")
    func separatorsInKeys() {
        #expect(TriggerIdentity.triggerID(rule: "r", key: "k", time: 5, ordinal: 1) != TriggerIdentity.triggerID(rule: "r", key: "k\u{0}5", time: 1, ordinal: 0))
    }
}
