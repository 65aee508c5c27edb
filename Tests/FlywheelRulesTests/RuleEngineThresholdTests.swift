import FlywheelEvents
import FlywheelRules
import Testing

@Suite("Rule engine: thresholds")
struct RuleEngineThresholdTests: RuleEngineTesting {
    @Test("without a window, a count takes every matching event since the key's last firing, each once")
    func countSinceLastFiring() throws {
        let set = try rules(
            """
            rules:
              - id: three-arrivals
                on: data.arrived
                threshold: {count: 3}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        let firings = run(
            set,
            [
                event("e1", "data.arrived", at: at("00:00:00")),
                event("e2", "data.arrived", at: at("05:00:00")),
                event("x1", "data.deleted", at: at("06:00:00")),
                event("e3", "data.arrived", at: at("23:00:00")),
                event("e4", "data.arrived", at: at("23:10:00")),
                event("e5", "data.arrived", at: at("23:20:00")),
                event("e6", "data.arrived", at: at("23:30:00")),
            ])
        #expect(outline(firings) == ["three-arrivals sales-eu 23:00:00 e1,e2,e3", "three-arrivals sales-eu 23:30:00 e4,e5,e6"])
    }

    @Test("an event exactly the window's length after another is in a window without it")
    func exactlyWindowLater() throws {
        let set = try rules(
            """
            rules:
              - id: two-in-ten-minutes
                on: data.arrived
                threshold: {count: 2, within: 10m}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        var engine = RuleEngine(ruleSet: set)
        #expect(run(&engine, [event("e1", "data.arrived", at: at("00:00:00")), event("e2", "data.arrived", at: at("00:10:00"))]).isEmpty)
        let firings = run(&engine, [event("e3", "data.arrived", at: at("00:19:59.999"))])
        #expect(outline(firings) == ["two-in-ten-minutes sales-eu 00:19:59.999 e2,e3"])
    }

    @Test(
        "near a window boundary a count of 1 fires on each event, a count of 2 only while the first is in the window",
        arguments: [("00:09:59.999", 1), ("00:10:00", 0), ("00:10:00.001", 0)])
    func nearWindowBoundary(second: String, pairFirings: Int) throws {
        let set = try rules(
            """
            rules:
              - id: one-in-ten-minutes
                on: data.arrived
                threshold: {count: 1, within: 10m}
                emit: {type: data.noticed, topic: mlops.notices}
              - id: two-in-ten-minutes
                on: data.arrived
                threshold: {count: 2, within: 10m}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        let firings = run(set, [event("e1", "data.arrived", at: at("00:00:00")), event("e2", "data.arrived", at: at(second))])
        #expect(outline(firings.filter { $0.ruleID == "one-in-ten-minutes" }) == [
            "one-in-ten-minutes sales-eu 00:00:00 e1", "one-in-ten-minutes sales-eu \(clockText(at(second))) e2",
        ])
        #expect(firings.filter { $0.ruleID == "two-in-ten-minutes" }.count == pairFirings)
    }

    @Test("a window's events are consumed by its firing and do not count again")
    func windowConsumes() throws {
        let set = try rules(
            """
            rules:
              - id: two-in-an-hour
                on: data.arrived
                threshold: {count: 2, within: 1h}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        let firings = run(
            set,
            [
                event("e1", "data.arrived", at: at("00:00:00")),
                event("e2", "data.arrived", at: at("00:01:00")),
                event("e3", "data.arrived", at: at("00:02:00")),
                event("e4", "data.arrived", at: at("00:03:00")),
            ])
        #expect(outline(firings) == ["two-in-an-hour sales-eu 00:01:00 e1,e2", "two-in-an-hour sales-eu 00:03:00 e3,e4"])
    }

    @Test("an event earlier than the clock counts in its own window and fires at its own time")
    func lateEventOwnWindow() throws {
        let set = try rules(
            """
            rules:
              - id: two-in-ten-minutes
                on: data.arrived
                threshold: {count: 2, within: 10m}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        var engine = RuleEngine(ruleSet: set)
        let inOrder = run(&engine, [event("e1", "data.arrived", at: at("00:00:00")), event("e2", "data.arrived", at: at("01:00:00"))])
        #expect(inOrder.isEmpty)
        let late = run(&engine, [event("e3", "data.arrived", at: at("00:05:00"))])
        #expect(outline(late) == ["two-in-ten-minutes sales-eu 00:05:00 e1,e3"])
        #expect(late.first?.trigger.time == "2026-03-01T00:05:00.000Z")
        #expect(engine.clock == at("01:00:00"))
    }

    @Test("a late event adds its value to the sum of the window it falls in")
    func lateEventJoinsEarlierSum() throws {
        let set = try rules(
            """
            rules:
              - id: rows-in-ten-minutes
                on: data.arrived
                threshold: {sum: data.rows, gte: 100, within: 10m}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        var engine = RuleEngine(ruleSet: set)
        let inOrder = run(
            &engine,
            [
                event("e1", "data.arrived", at: at("00:00:00"), data: #"{"rows": 60}"#),
                event("e2", "data.arrived", at: at("00:30:00"), data: #"{"rows": 50}"#),
            ])
        #expect(inOrder.isEmpty)
        let late = run(&engine, [event("e3", "data.arrived", at: at("00:05:00"), data: #"{"rows": 45}"#)])
        #expect(outline(late) == ["rows-in-ten-minutes sales-eu 00:05:00 e1,e3"])
        #expect(late.first?.values["value"] == .number(105))
    }

    @Test("a late event leaves the sum of the window at the clock alone")
    func lateEventStaysOutOfLaterSum() throws {
        let set = try rules(
            """
            rules:
              - id: rows-in-ten-minutes
                on: data.arrived
                threshold: {sum: data.rows, gte: 100, within: 10m}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        var engine = RuleEngine(ruleSet: set)
        let before = run(
            &engine,
            [
                event("e1", "data.arrived", at: at("00:20:00"), data: #"{"rows": 60}"#),
                event("e2", "data.arrived", at: at("00:05:00"), data: #"{"rows": 50}"#),
                event("e3", "data.arrived", at: at("00:21:00"), data: #"{"rows": 39}"#),
            ])
        #expect(before.isEmpty, "e2 (00:05) is not in the window (00:11, 00:21] of e3")
        let firings = run(&engine, [event("e4", "data.arrived", at: at("00:22:00"), data: #"{"rows": 1}"#)])
        #expect(outline(firings) == ["rows-in-ten-minutes sales-eu 00:22:00 e1,e3,e4"])
        #expect(firings.first?.values["value"] == .number(100))
    }

    @Test(
        "each aggregate over all events since the last firing",
        arguments: [
            ("{sum: data.value, gte: 100}", [40.0, 50, 20], 110.0),
            ("{sum: data.value, eq: 10}", [4, 5, 1], 10),
            ("{avg: data.value, lt: 0.7}", [0.9, 0.8, 0.3], 2.0 / 3),
            ("{min: data.value, lte: 2}", [5, 3, 2], 2),
            ("{max: data.value, gt: 300}", [200, 250, 301], 301),
        ])
    func aggregateSinceLastFiring(threshold: String, values: [Double], fired: Double) throws {
        let set = try rules(
            """
            rules:
              - id: aggregate
                on: model.evaluated
                threshold: \(threshold)
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        let inputs = values.enumerated().map { index, value in
            event("e\(index + 1)", "model.evaluated", at: at("00:0\(index):00"), data: #"{"value": \#(value)}"#)
        }
        let firings = run(set, inputs)
        #expect(outline(firings) == ["aggregate sales-eu 00:02:00 e1,e2,e3"])
        let value = try #require(firings.first?.values["value"]?.numberValue)
        #expect(abs(value - fired) < 1e-9)
    }

    @Test(
        "each aggregate over a window leaves out the events that fell out of it",
        arguments: [
            ("{sum: data.value, gte: 100, within: 10m}", 60.0, 100.0),
            ("{avg: data.value, gte: 90, within: 10m}", 50, 100),
            ("{min: data.value, gt: 5, within: 10m}", 3, 8),
            ("{max: data.value, lt: 5, within: 10m}", 8, 3),
        ])
    func aggregateOverWindow(threshold: String, old: Double, recent: Double) throws {
        let set = try rules(
            """
            rules:
              - id: aggregate
                on: model.evaluated
                threshold: \(threshold)
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        let firings = run(
            set,
            [
                event("e1", "model.evaluated", at: at("00:00:00"), data: #"{"value": \#(old)}"#),
                event("e2", "model.evaluated", at: at("00:10:00"), data: #"{"value": \#(recent)}"#),
            ])
        #expect(outline(firings) == ["aggregate sales-eu 00:10:00 e2"])
        #expect(firings.first?.values["value"] == .number(recent))
    }

    @Test("a firing resets a running sum: what it consumed does not count toward the next")
    func runningSumResets() throws {
        let set = try rules(
            """
            rules:
              - id: rows
                on: data.arrived
                threshold: {sum: data.rows, gte: 100}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        let firings = run(
            set,
            [
                event("e1", "data.arrived", at: at("00:00:00"), data: #"{"rows": 60}"#),
                event("e2", "data.arrived", at: at("00:01:00"), data: #"{"rows": 50}"#),
                event("e3", "data.arrived", at: at("00:02:00"), data: #"{"rows": 60}"#),
                event("e4", "data.arrived", at: at("00:03:00"), data: #"{"rows": 39}"#),
                event("e5", "data.arrived", at: at("00:04:00"), data: #"{"rows": 1}"#),
            ])
        #expect(outline(firings) == ["rows sales-eu 00:01:00 e1,e2", "rows sales-eu 00:04:00 e3,e4,e5"])
        #expect(firings.map { $0.values["value"] } == [.number(110), .number(100)])
    }

    @Test("keys count apart: each key's events make its own threshold")
    func keysIndependent() throws {
        let set = try rules(
            """
            rules:
              - id: two-per-dataset
                on: data.arrived
                key: data.dataset
                threshold: {count: 2, within: 1h}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        let firings = run(
            set,
            [
                event("a1", "data.arrived", at: at("00:00:00"), subject: "lake", data: #"{"dataset": "sales-eu"}"#),
                event("b1", "data.arrived", at: at("00:01:00"), subject: "lake", data: #"{"dataset": "sales-us"}"#),
                event("a2", "data.arrived", at: at("00:02:00"), subject: "lake", data: #"{"dataset": "sales-eu"}"#),
                event("c1", "data.arrived", at: at("00:03:00"), subject: "lake", data: #"{"dataset": "sales-apac"}"#),
                event("b2", "data.arrived", at: at("00:04:00"), subject: "lake", data: #"{"dataset": "sales-us"}"#),
            ])
        #expect(outline(firings) == ["two-per-dataset sales-eu 00:02:00 a1,a2", "two-per-dataset sales-us 00:04:00 b1,b2"])
    }

    @Test("without key, the key is the event's subject")
    func keyDefaultsToSubject() throws {
        let set = try rules(
            """
            rules:
              - id: two-per-subject
                on: data.arrived
                threshold: {count: 2}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        let firings = run(
            set,
            [
                event("a1", "data.arrived", at: at("00:00:00"), subject: "sales-eu", data: #"{"dataset": "same"}"#),
                event("b1", "data.arrived", at: at("00:01:00"), subject: "sales-us", data: #"{"dataset": "same"}"#),
                event("a2", "data.arrived", at: at("00:02:00"), subject: "sales-eu", data: #"{"dataset": "same"}"#),
            ])
        #expect(outline(firings) == ["two-per-subject sales-eu 00:02:00 a1,a2"])
    }

    @Test("an event without a number at the aggregated field, or without a key, is not counted")
    func unusableEventsNotCounted() throws {
        let set = try rules(
            """
            rules:
              - id: rows-per-dataset
                on: data.arrived
                key: data.dataset
                threshold: {sum: data.rows, gte: 100}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        let firings = run(
            set,
            [
                event("e1", "data.arrived", at: at("00:00:00"), data: #"{"dataset": "sales-eu", "rows": 60}"#),
                event("e2", "data.arrived", at: at("00:01:00"), data: #"{"dataset": "sales-eu", "rows": "50"}"#),
                event("e3", "data.arrived", at: at("00:02:00"), data: #"{"dataset": "sales-eu"}"#),
                event("e4", "data.arrived", at: at("00:03:00"), data: #"{"rows": 50}"#),
                event("e5", "data.arrived", at: at("00:04:00"), data: #"{"dataset": "sales-eu", "rows": 40}"#),
            ])
        #expect(outline(firings) == ["rows-per-dataset sales-eu 00:04:00 e1,e5"])
    }
}
