import FlywheelEvents
import FlywheelRules
import Testing

@Suite("Rule engine: all, any, sequence and plain rules")
struct RuleEngineCompoundTests: RuleEngineTesting {
    let allWithinAnHour = """
        rules:
          - id: data-and-code
            all:
              - on: data.arrived
              - on: code.merged
            within: 1h
            emit: {type: retrain.requested, topic: mlops.retrain.requests}
        """

    let sequenceWithinAnHour = """
        rules:
          - id: trained-then-evaluated
            sequence:
              - on: model.trained
              - on: model.evaluated
            within: 1h
            emit: {type: model.review.requested, topic: mlops.reviews}
        """

    @Test("all fires at the event that completes the set, whatever the members' order")
    func allCompletes() throws {
        let firings = run(
            try rules(allWithinAnHour),
            [
                event("c1", "code.merged", at: at("00:00:00")),
                event("x1", "data.deleted", at: at("00:05:00")),
                event("d1", "data.arrived", at: at("00:10:00")),
            ])
        #expect(outline(firings) == ["data-and-code sales-eu 00:10:00 c1,d1"])
    }

    @Test("all within D: a member exactly D older than the completing event is out of the window")
    func allWithinBoundary() throws {
        var engine = RuleEngine(ruleSet: try rules(allWithinAnHour))
        #expect(run(&engine, [event("d1", "data.arrived", at: at("00:00:00")), event("c1", "code.merged", at: at("01:00:00"))]).isEmpty)
        let firings = run(&engine, [event("d2", "data.arrived", at: at("01:59:59.999"))])
        #expect(outline(firings) == ["data-and-code sales-eu 01:59:59.999 c1,d2"])
    }

    @Test("all consumes its events: the next firing needs every member again")
    func allConsumes() throws {
        let firings = run(
            try rules(allWithinAnHour),
            [
                event("d1", "data.arrived", at: at("00:00:00")),
                event("c1", "code.merged", at: at("00:01:00")),
                event("c2", "code.merged", at: at("00:02:00")),
                event("d2", "data.arrived", at: at("00:03:00")),
            ])
        #expect(outline(firings) == ["data-and-code sales-eu 00:01:00 d1,c1", "data-and-code sales-eu 00:03:00 c2,d2"])
    }

    @Test("all keeps keys apart: members of different keys make no set")
    func allKeys() throws {
        let firings = run(
            try rules(allWithinAnHour),
            [
                event("d1", "data.arrived", at: at("00:00:00"), subject: "sales-eu"),
                event("c1", "code.merged", at: at("00:01:00"), subject: "sales-us"),
                event("c2", "code.merged", at: at("00:02:00"), subject: "sales-eu"),
            ])
        #expect(outline(firings) == ["data-and-code sales-eu 00:02:00 d1,c2"])
    }

    @Test("all without within takes the members' events since the last firing, however far apart")
    func allWithoutWindow() throws {
        let set = try rules(
            """
            rules:
              - id: data-and-code
                all:
                  - on: data.arrived
                  - on: code.merged
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        let firings = run(set, [event("d1", "data.arrived", at: at("00:00:00")), event("c1", "code.merged", at: at("23:00:00"))])
        #expect(outline(firings) == ["data-and-code sales-eu 23:00:00 d1,c1"])
    }

    @Test("sequence in reverse order does not fire; in member order it does")
    func sequenceOrder() throws {
        var engine = RuleEngine(ruleSet: try rules(sequenceWithinAnHour))
        let reversed = run(&engine, [event("v1", "model.evaluated", at: at("00:00:00")), event("t1", "model.trained", at: at("00:01:00"))])
        #expect(reversed.isEmpty)
        let inOrder = run(&engine, [event("v2", "model.evaluated", at: at("00:02:00"))])
        #expect(outline(inOrder) == ["trained-then-evaluated sales-eu 00:02:00 t1,v2"])
    }

    @Test(
        "sequence within D leaves out a first member D or more before the last",
        arguments: [("00:59:59.999", true), ("01:00:00", false), ("01:00:00.001", false)])
    func sequenceWindow(last: String, fires: Bool) throws {
        let firings = run(
            try rules(sequenceWithinAnHour),
            [event("t1", "model.trained", at: at("00:00:00")), event("v1", "model.evaluated", at: at(last))])
        #expect(outline(firings) == (fires ? ["trained-then-evaluated sales-eu \(clockText(at(last))) t1,v1"] : []))
    }

    @Test("sequence orders members by event time: a late first member still comes first")
    func sequenceByEventTime() throws {
        var engine = RuleEngine(ruleSet: try rules(sequenceWithinAnHour))
        let early = run(
            &engine,
            [
                event("t1", "model.trained", at: at("00:10:00")),
                event("x1", "data.deleted", at: at("00:30:00")),
                event("v1", "model.evaluated", at: at("00:05:00")),
            ])
        #expect(early.isEmpty, "v1 (00:05) is before t1 (00:10) in event time")
        let firings = run(&engine, [event("v2", "model.evaluated", at: at("00:20:00"))])
        #expect(outline(firings) == ["trained-then-evaluated sales-eu 00:20:00 t1,v2"])
    }

    @Test("a late member completes a set in its own window")
    func lateMemberCompletes() throws {
        var engine = RuleEngine(ruleSet: try rules(sequenceWithinAnHour))
        let before = run(&engine, [event("t1", "model.trained", at: at("00:01:00")), event("x1", "data.deleted", at: at("00:40:00"))])
        #expect(before.isEmpty)
        let firings = run(&engine, [event("v1", "model.evaluated", at: at("00:05:00"))])
        #expect(outline(firings) == ["trained-then-evaluated sales-eu 00:05:00 t1,v1"])
    }

    @Test("sequence consumes its events: a second last member alone does not fire")
    func sequenceConsumes() throws {
        let firings = run(
            try rules(sequenceWithinAnHour),
            [
                event("t1", "model.trained", at: at("00:00:00")),
                event("v1", "model.evaluated", at: at("00:01:00")),
                event("v2", "model.evaluated", at: at("00:02:00")),
                event("t2", "model.trained", at: at("00:03:00")),
                event("v3", "model.evaluated", at: at("00:04:00")),
            ])
        #expect(outline(firings) == ["trained-then-evaluated sales-eu 00:01:00 t1,v1", "trained-then-evaluated sales-eu 00:04:00 t2,v3"])
    }

    @Test("any fires on each event of any member, and on nothing else")
    func anyFires() throws {
        let set = try rules(
            """
            rules:
              - id: data-or-code
                any:
                  - on: data.arrived
                    match: {data.rows: {gt: 0}}
                  - on: code.merged
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        let firings = run(
            set,
            [
                event("d1", "data.arrived", at: at("00:00:00"), data: #"{"rows": 10}"#),
                event("d2", "data.arrived", at: at("00:01:00"), data: #"{"rows": 0}"#),
                event("x1", "data.deleted", at: at("00:02:00")),
                event("c1", "code.merged", at: at("00:03:00")),
                event("c2", "code.merged", at: at("00:04:00")),
            ])
        #expect(outline(firings) == ["data-or-code sales-eu 00:00:00 d1", "data-or-code sales-eu 00:03:00 c1", "data-or-code sales-eu 00:04:00 c2"])
    }

    @Test("a rule with no threshold, all, any, sequence or absent fires on every matching event")
    func plainRuleFiresOnEachEvent() throws {
        let set = try rules(
            """
            rules:
              - id: big-arrival
                on: data.arrived
                match: {data.rows: {gte: 1000}}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        let firings = run(
            set,
            [
                event("d1", "data.arrived", at: at("00:00:00"), data: #"{"rows": 1000}"#),
                event("d2", "data.arrived", at: at("00:00:00"), data: #"{"rows": 5000}"#),
                event("d3", "data.arrived", at: at("00:01:00"), data: #"{"rows": 999}"#),
                event("x1", "data.deleted", at: at("00:02:00"), data: #"{"rows": 5000}"#),
                event("d4", "data.arrived", at: at("00:03:00"), subject: "sales-us", data: #"{"rows": 2000}"#),
            ])
        #expect(outline(firings) == [
            "big-arrival sales-eu 00:00:00 d1", "big-arrival sales-eu 00:00:00 d2", "big-arrival sales-us 00:03:00 d4",
        ])
    }
}
