import FlywheelEvents
import FlywheelRules
import Testing

/// What the live service needs from the engine beyond replay: routing by key, change tracking, wall-clock absences.
@Suite("Rule engine in live mode")
struct RuleEngineLiveTests {
    static let rules = """
        rules:
          - id: by-dataset
            on: data.arrived
            key: data.dataset
            threshold: {count: 2}
            emit: {type: retrain.requested, topic: out}
          - id: by-subject
            on: data.arrived
            threshold: {count: 2}
            emit: {type: retrain.requested, topic: out}
          - id: silent
            absent: {on: data.arrived, for: 1h}
            key: data.dataset
            emit: {type: retrain.requested, topic: out}
        """

    func ruleSet() throws -> RuleSet {
        let check = RuleSet.check(sources: [("rules.yaml", RuleEngineLiveTests.rules)])
        return try #require(check.ruleSet, "\(check.diagnostics)")
    }

    func input(_ id: String, minute: Int, subject: String, dataset: String) -> RuleInput {
        let time = RFC3339.milliseconds("2026-03-01T00:00:00Z")! + Int64(minute) * 60_000
        return RuleInput(
            event: CloudEvent(
                id: id, source: "test", type: "data.arrived", subject: subject, time: RFC3339.string(milliseconds: time),
                data: .object(JSONObject(["dataset": .string(dataset)]))),
            time: time)
    }

    @Test("routing keys are the distinct values at the key paths of the rules that read the type")
    func routingKeys() throws {
        let engine = RuleEngine(ruleSet: try ruleSet())
        #expect(engine.routingKeys(of: input("e1", minute: 0, subject: "s", dataset: "d").event) == ["d", "s"])
        #expect(engine.routingKeys(of: input("e1", minute: 0, subject: "d", dataset: "d").event) == ["d"])
        var other = input("e1", minute: 0, subject: "s", dataset: "d").event
        other.type = "code.changed"
        #expect(engine.routingKeys(of: other).isEmpty)
    }

    @Test("an event split by key over two engines fires what one engine fires")
    func splitByKey() throws {
        let ruleSet = try ruleSet()
        let inputs = (0..<4).map { input("e\($0)", minute: $0, subject: "s\($0 % 2)", dataset: "d") }
        var whole = RuleEngine(ruleSet: ruleSet)
        let expected = inputs.flatMap { whole.process($0) }.map(\.trigger.id)
        var byDataset = RuleEngine(ruleSet: ruleSet)
        var bySubject = RuleEngine(ruleSet: ruleSet)
        var split: [String] = []
        for input in inputs {
            split += byDataset.process(input, keys: ["d"]).map(\.trigger.id)
            split += bySubject.process(input, keys: [input.event.subject!]).map(\.trigger.id)
        }
        #expect(expected.count == 4)
        #expect(Set(split) == Set(expected))
        #expect(split.count == expected.count)
    }

    @Test("changed keys come back once, as state records a new engine restores")
    func changes() throws {
        let ruleSet = try ruleSet()
        var engine = RuleEngine(ruleSet: ruleSet, options: .init(tracksChanges: true))
        _ = engine.process(input("e1", minute: 0, subject: "s", dataset: "d"))
        let changes = engine.takeChanges()
        #expect(changes.map { "\($0.rule)/\($0.key)" } == ["by-dataset/d", "by-subject/s", "silent/d"])
        #expect(engine.takeChanges().isEmpty)
        var restored = RuleEngine(ruleSet: ruleSet)
        for change in changes { try restored.restore(rule: change.rule, key: change.key, record: change.record) }
        restored.restorePosition(engine.positionRecord)
        let next = input("e2", minute: 1, subject: "s", dataset: "d")
        #expect(restored.process(next).map(\.trigger.id) == engine.process(next).map(\.trigger.id))
        #expect(restored.clock == engine.clock)
    }

    @Test("the wall clock fires an absence without moving the event clock")
    func wallClockAbsence() throws {
        var engine = RuleEngine(ruleSet: try ruleSet())
        let first = input("e1", minute: 0, subject: "s", dataset: "d")
        _ = engine.process(first)
        #expect(engine.fireAbsences(dueBy: first.time + 59 * 60_000).isEmpty)
        let fired = engine.fireAbsences(dueBy: first.time + 61 * 60_000)
        #expect(fired.map(\.ruleID) == ["silent"])
        #expect(fired.first?.time == first.time + 3_600_000)
        #expect(engine.clock == first.time)
    }
}

@Suite("Trace context")
struct TraceContextTests {
    @Test("a trigger carries the traceparent and tracestate of the event that fired it")
    func traceparent() throws {
        let check = RuleSet.check(sources: [("rules.yaml", "rules:\n  - {id: each, on: data.arrived, emit: {type: t, topic: o}}\n")])
        var engine = RuleEngine(ruleSet: try #require(check.ruleSet))
        let traced = CloudEvent(
            id: "e1", source: "s", type: "data.arrived", subject: "k", time: "2026-03-01T00:00:00Z",
            extensions: ["traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": "vendor=1"])
        let firing = try #require(engine.process(RuleInput(event: traced)!).first)
        #expect(firing.trigger.extensions["traceparent"] == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        #expect(firing.trigger.extensions["tracestate"] == "vendor=1")
        var untraced = traced
        untraced.extensions = [:]
        untraced.id = "e2"
        #expect(engine.process(RuleInput(event: untraced)!).first?.trigger.extensions["traceparent"] == nil)
    }
}
