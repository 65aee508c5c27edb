import FlywheelEvents
import FlywheelRules
import Testing

@Suite("Rule engine: absence")
struct RuleEngineAbsenceTests: RuleEngineTesting {
    let silentForAnHour = """
        rules:
          - id: sales-silent
            absent: {on: data.arrived, for: 1h}
            emit: {type: data.stale, topic: mlops.alerts}
        """

    @Test("an absence fires once, at exactly the last event's time plus D")
    func firesOnceAtDeadline() throws {
        var engine = RuleEngine(ruleSet: try rules(silentForAnHour))
        #expect(run(&engine, [event("a1", "data.arrived", at: at("00:00:00"))]).isEmpty)
        #expect(run(&engine, [event("x1", "data.deleted", at: at("00:59:59.999"))]).isEmpty)
        let firings = run(&engine, [event("x2", "data.deleted", at: at("02:00:00"))])
        #expect(outline(firings) == ["sales-silent sales-eu 01:00:00 a1"])
        #expect(firings.first?.time == at("01:00:00"))
        #expect(firings.first?.trigger.time == "2026-03-01T01:00:00.000Z")
        #expect(run(&engine, [event("x3", "data.deleted", at: at("05:00:00"))], until: at("23:00:00")).isEmpty)
    }

    @Test("the next matching event re-arms a fired absence")
    func reArms() throws {
        let firings = run(
            try rules(silentForAnHour),
            [
                event("a1", "data.arrived", at: at("00:00:00")),
                event("x1", "data.deleted", at: at("02:00:00")),
                event("a2", "data.arrived", at: at("03:00:00")),
            ],
            until: at("05:00:00"))
        #expect(outline(firings) == ["sales-silent sales-eu 01:00:00 a1", "sales-silent sales-eu 04:00:00 a2"])
    }

    @Test("a matching event before the deadline moves it to that event's time plus D")
    func eventMovesDeadline() throws {
        var engine = RuleEngine(ruleSet: try rules(silentForAnHour))
        let early = run(
            &engine,
            [
                event("a1", "data.arrived", at: at("00:00:00")),
                event("a2", "data.arrived", at: at("00:30:00")),
                event("x1", "data.deleted", at: at("01:10:00")),
            ])
        #expect(early.isEmpty)
        #expect(outline(engine.advanceClock(to: at("01:30:00"))) == ["sales-silent sales-eu 01:30:00 a2"])
    }

    @Test("an absence never fires for a key that was never seen")
    func unseenKeys() throws {
        let firings = run(
            try rules(silentForAnHour),
            [
                event("a1", "data.arrived", at: at("00:00:00"), subject: "sales-eu"),
                event("x1", "data.deleted", at: at("00:10:00"), subject: "sales-us"),
            ],
            until: at("12:00:00"))
        #expect(outline(firings) == ["sales-silent sales-eu 01:00:00 a1"])
    }

    @Test("events that fail the absence's match neither arm nor re-arm it")
    func matchFilters() throws {
        let set = try rules(
            """
            rules:
              - id: prod-silent
                absent: {on: data.arrived, match: {data.env: prod}, for: 1h}
                emit: {type: data.stale, topic: mlops.alerts}
            """)
        let firings = run(
            set,
            [
                event("p1", "data.arrived", at: at("00:00:00"), data: #"{"env": "prod"}"#),
                event("d1", "data.arrived", at: at("00:30:00"), data: #"{"env": "dev"}"#),
                event("d2", "data.arrived", at: at("00:40:00"), subject: "sales-us", data: #"{"env": "dev"}"#),
            ],
            until: at("06:00:00"))
        #expect(outline(firings) == ["prod-silent sales-eu 01:00:00 p1"])
    }

    @Test("advanceClock fires the absences that came due, in deadline order, and each once")
    func advanceClockFiresPending() throws {
        var engine = RuleEngine(ruleSet: try rules(silentForAnHour))
        _ = run(
            &engine,
            [
                event("a1", "data.arrived", at: at("00:20:00"), subject: "sales-eu"),
                event("b1", "data.arrived", at: at("00:10:00"), subject: "sales-us"),
                event("c1", "data.arrived", at: at("00:30:00"), subject: "sales-apac"),
            ])
        #expect(engine.advanceClock(to: at("01:09:59.999")).isEmpty)
        #expect(outline(engine.advanceClock(to: at("01:20:00"))) == [
            "sales-silent sales-us 01:10:00 b1", "sales-silent sales-eu 01:20:00 a1",
        ])
        #expect(engine.advanceClock(to: at("01:00:00")).isEmpty)
        #expect(outline(engine.advanceClock(to: at("09:00:00"))) == ["sales-silent sales-apac 01:30:00 c1"])
        #expect(engine.advanceClock(to: at("23:00:00")).isEmpty)
    }

    @Test("an event exactly at the deadline: the absence fires first, then the event is evaluated and re-arms it")
    func eventAtDeadline() throws {
        let set = try rules(
            """
            rules:
              - id: arrival
                on: data.arrived
                emit: {type: data.noticed, topic: mlops.notices}
              - id: sales-silent
                absent: {on: data.arrived, for: 1h}
                emit: {type: data.stale, topic: mlops.alerts}
            """)
        var engine = RuleEngine(ruleSet: set)
        #expect(outline(run(&engine, [event("a1", "data.arrived", at: at("00:00:00"))])) == ["arrival sales-eu 00:00:00 a1"])
        let atDeadline = run(&engine, [event("a2", "data.arrived", at: at("01:00:00"))])
        #expect(outline(atDeadline) == ["sales-silent sales-eu 01:00:00 a1", "arrival sales-eu 01:00:00 a2"])
        #expect(outline(engine.advanceClock(to: at("03:00:00"))) == ["sales-silent sales-eu 02:00:00 a2"])
    }

    @Test("due absences fire before the event that moved the clock past them")
    func dueBeforeEvent() throws {
        let set = try rules(
            """
            rules:
              - id: arrival
                on: data.arrived
                emit: {type: data.noticed, topic: mlops.notices}
              - id: sales-silent
                absent: {on: data.arrived, for: 1h}
                emit: {type: data.stale, topic: mlops.alerts}
            """)
        let firings = run(
            set,
            [
                event("a1", "data.arrived", at: at("00:00:00"), subject: "sales-eu"),
                event("b1", "data.arrived", at: at("03:00:00"), subject: "sales-us"),
            ])
        #expect(outline(firings) == [
            "arrival sales-eu 00:00:00 a1", "sales-silent sales-eu 01:00:00 a1", "arrival sales-us 03:00:00 b1",
        ])
    }

    @Test("a late matching event does not move the deadline back: the silence counts from the latest event time")
    func lateEventKeepsDeadline() throws {
        let firings = run(
            try rules(silentForAnHour),
            [
                event("a1", "data.arrived", at: at("00:30:00")),
                event("a2", "data.arrived", at: at("00:00:00")),
                event("x1", "data.deleted", at: at("01:00:00")),
            ],
            until: at("03:00:00"))
        #expect(outline(firings) == ["sales-silent sales-eu 01:30:00 a1"])
    }
}
