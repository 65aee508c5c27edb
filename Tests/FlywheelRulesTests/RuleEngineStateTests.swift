import FlywheelEvents
import FlywheelRules
import Testing

@Suite("Rule engine: cooldown, triggers, determinism and saved state")
struct RuleEngineStateTests: RuleEngineTesting {
    // MARK: Cooldown

    @Test("during a cooldown a key does not fire; at exactly the last firing plus the cooldown it does")
    func cooldownSuppresses() throws {
        let set = try rules(
            """
            rules:
              - id: arrival
                on: data.arrived
                cooldown: 10m
                emit: {type: data.noticed, topic: mlops.notices}
            """)
        let firings = run(
            set,
            [
                event("e1", "data.arrived", at: at("00:00:00")),
                event("e2", "data.arrived", at: at("00:05:00")),
                event("e3", "data.arrived", at: at("00:09:59.999")),
                event("e4", "data.arrived", at: at("00:10:00")),
                event("e5", "data.arrived", at: at("00:15:00")),
                event("e6", "data.arrived", at: at("00:20:01")),
            ])
        #expect(outline(firings) == ["arrival sales-eu 00:00:00 e1", "arrival sales-eu 00:10:00 e4", "arrival sales-eu 00:20:01 e6"])
    }

    @Test("events during a cooldown count toward the next firing", arguments: ["{count: 2}", "{count: 2, within: 1h}"])
    func cooldownKeepsCounting(threshold: String) throws {
        let set = try rules(
            """
            rules:
              - id: two-arrivals
                on: data.arrived
                threshold: \(threshold)
                cooldown: 10m
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        let firings = run(
            set,
            [
                event("e1", "data.arrived", at: at("00:00:00")),
                event("e2", "data.arrived", at: at("00:01:00")),
                event("e3", "data.arrived", at: at("00:02:00")),
                event("e4", "data.arrived", at: at("00:03:00")),
                event("e5", "data.arrived", at: at("00:11:00")),
            ])
        #expect(outline(firings) == ["two-arrivals sales-eu 00:01:00 e1,e2", "two-arrivals sales-eu 00:11:00 e3,e4,e5"])
    }

    @Test("a cooldown holds back only the key that fired")
    func cooldownPerKey() throws {
        let set = try rules(
            """
            rules:
              - id: arrival
                on: data.arrived
                cooldown: 1h
                emit: {type: data.noticed, topic: mlops.notices}
            """)
        let firings = run(
            set,
            [
                event("a1", "data.arrived", at: at("00:00:00"), subject: "sales-eu"),
                event("b1", "data.arrived", at: at("00:01:00"), subject: "sales-us"),
                event("a2", "data.arrived", at: at("00:02:00"), subject: "sales-eu"),
                event("b2", "data.arrived", at: at("00:03:00"), subject: "sales-us"),
            ])
        #expect(outline(firings) == ["arrival sales-eu 00:00:00 a1", "arrival sales-us 00:01:00 b1"])
    }

    // MARK: Triggers and audit records

    let threeArrivals = """
        rules:
          - id: three-arrivals
            on: data.arrived
            key: data.dataset
            threshold: {count: 3, within: 1h}
            emit: {type: retrain.requested, topic: mlops.retrain.requests}
        """

    @Test("a trigger's subject is the key, its time the firing time, its ruleid the rule, its cause the inputs oldest first")
    func triggerShape() throws {
        let firings = run(
            try rules(threeArrivals),
            [
                event("e1", "data.arrived", at: at("00:00:00"), subject: "lake", data: #"{"dataset": "sales-eu"}"#),
                event("e2", "data.arrived", at: at("00:01:00"), subject: "lake", data: #"{"dataset": "sales-eu"}"#),
                event("e3", "data.arrived", at: at("00:02:30.250"), subject: "lake", data: #"{"dataset": "sales-eu"}"#),
            ])
        let firing = try #require(firings.first)
        #expect(firings.count == 1)
        let trigger = firing.trigger
        #expect(trigger.type == "retrain.requested")
        #expect(firing.topic == "mlops.retrain.requests")
        #expect(trigger.subject == "sales-eu")
        #expect(trigger.time == "2026-03-01T00:02:30.250Z")
        #expect(firing.time == at("00:02:30.250"))
        #expect(trigger.extensions["ruleid"] == "three-arrivals")
        let cause = trigger.data?[path: "cause"]?.arrayValue?.map { $0[path: "id"]?.stringValue }
        #expect(cause == ["e1", "e2", "e3"])
        #expect(trigger.data?[path: "cause"]?.arrayValue?.first?[path: "type"] == .string("data.arrived"))
    }

    @Test("cause lists the inputs oldest first by event time, also when they arrived out of order", arguments: ["{count: 3}", "{count: 3, within: 1h}"])
    func causeOrderedByEventTime(threshold: String) throws {
        let set = try rules(
            """
            rules:
              - id: three-arrivals
                on: data.arrived
                threshold: \(threshold)
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        let firings = run(
            set,
            [
                event("e1", "data.arrived", at: at("00:10:00")),
                event("e2", "data.arrived", at: at("00:05:00")),
                event("e3", "data.arrived", at: at("00:20:00")),
            ])
        let firing = try #require(firings.first)
        #expect(firing.trigger.data?[path: "cause"]?.arrayValue?.map { $0[path: "id"]?.stringValue } == ["e2", "e1", "e3"])
        #expect(firing.causes.map(\.id) == ["e2", "e1", "e3"])
    }

    @Test("the audit record is a trigger.audit carrying the rule's 64-hex version")
    func auditRecord() throws {
        let set = try rules(threeArrivals)
        let firings = run(
            set,
            (1...3).map { event("e\($0)", "data.arrived", at: at("00:0\($0):00"), data: #"{"dataset": "sales-eu"}"#) })
        let firing = try #require(firings.first)
        let version = try #require(set.rule(id: "three-arrivals")?.version)
        #expect(version.utf8.count == 64)
        #expect(version.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) })
        let audit = firing.audit
        #expect(audit.type == "trigger.audit")
        #expect(audit.data?[path: "rule_version"] == .string(version))
        #expect(audit.data?[path: "rule_id"] == .string("three-arrivals"))
        #expect(audit.data?[path: "trigger_id"] == .string(firing.trigger.id))
        #expect(audit.subject == "sales-eu")
        #expect(audit.id != firing.trigger.id)
        // The audit record names the same causes as the trigger, oldest first, with where each was read.
        let causes = try #require(audit.data?[path: "cause"]?.arrayValue)
        #expect(causes.map { $0[path: "id"]?.stringValue } == ["e1", "e2", "e3"])
        #expect(audit.data?[path: "cause"] == firing.trigger.data?[path: "cause"])
        #expect(causes.count == firing.causes.count)
    }

    @Test("two firings of one rule and key at the same time get different trigger ids")
    func sameTimeDistinctIDs() throws {
        let set = try rules(
            """
            rules:
              - id: arrival
                on: data.arrived
                emit: {type: data.noticed, topic: mlops.notices}
            """)
        let firings = run(set, [event("e1", "data.arrived", at: at("00:10:00")), event("e2", "data.arrived", at: at("00:10:00"))])
        #expect(firings.count == 2)
        #expect(Set(firings.map(\.trigger.id)).count == 2)
    }

    @Test("two firings at one time get different ids also when a late firing comes between them")
    func sameTimeDistinctIDsAroundLateFiring() throws {
        let set = try rules(
            """
            rules:
              - id: arrival
                on: data.arrived
                emit: {type: data.noticed, topic: mlops.notices}
            """)
        let firings = run(
            set,
            [
                event("e1", "data.arrived", at: at("00:10:00")),
                event("e2", "data.arrived", at: at("00:05:00")),
                event("e3", "data.arrived", at: at("00:10:00")),
            ])
        #expect(outline(firings) == ["arrival sales-eu 00:10:00 e1", "arrival sales-eu 00:05:00 e2", "arrival sales-eu 00:10:00 e3"])
        #expect(Set(firings.map(\.trigger.id)).count == 3, "\(firings.map(\.trigger.id))")
    }

    @Test("a trigger id derives from rule, key and firing time: a replay with other input ids gives the same id")
    func triggerIDFromRuleKeyTime() throws {
        let set = try rules(
            """
            rules:
              - id: two-arrivals
                on: data.arrived
                threshold: {count: 2}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
              - id: two-arrivals-too
                on: data.arrived
                threshold: {count: 2}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        let first = run(set, [event("a1", "data.arrived", at: at("00:00:00")), event("a2", "data.arrived", at: at("00:05:00"))])
        let second = run(set, [event("b1", "data.arrived", at: at("00:03:00")), event("b2", "data.arrived", at: at("00:05:00"))])
        let otherKey = run(
            set,
            [
                event("c1", "data.arrived", at: at("00:00:00"), subject: "sales-us"),
                event("c2", "data.arrived", at: at("00:05:00"), subject: "sales-us"),
            ])
        #expect(first.count == 2 && second.count == 2 && otherKey.count == 2)
        #expect(first.map(\.trigger.id) == second.map(\.trigger.id))
        #expect(first.map(\.audit.id) == second.map(\.audit.id))
        #expect(first[0].trigger.id != first[1].trigger.id, "another rule")
        #expect(first[0].trigger.id != otherKey[0].trigger.id, "another key")
        #expect(Set((first + otherKey).map(\.trigger.id)).count == 4)
    }

    // MARK: Determinism

    let everyKind = """
        rules:
          - id: arrival
            on: data.arrived
            cooldown: 5m
            emit:
              type: data.noticed
              topic: mlops.notices
              data: {dataset: "{{ key }}", rows: "{{ event.data.rows }}", note: "{{ rule.id }} at {{ time }}"}
          - id: rows
            on: data.arrived
            threshold: {sum: data.rows, gte: 100, within: 30m}
            emit: {type: retrain.requested, topic: mlops.retrain.requests, data: {rows: "{{ value }}"}}
          - id: arrivals
            on: data.arrived
            key: data.dataset
            threshold: {count: 3}
            emit: {type: retrain.requested, topic: mlops.retrain.requests}
          - id: small-rows
            on: data.arrived
            threshold: {avg: data.rows, lt: 30, within: 1h}
            cooldown: 20m
            emit: {type: data.suspect, topic: mlops.alerts}
          - id: data-and-code
            all:
              - on: data.arrived
              - on: code.merged
            within: 1h
            emit: {type: retrain.requested, topic: mlops.retrain.requests}
          - id: code-then-data
            sequence:
              - on: code.merged
              - on: data.arrived
            within: 30m
            emit: {type: retrain.requested, topic: mlops.retrain.requests}
          - id: code-or-deletion
            any:
              - on: code.merged
              - on: data.deleted
            cooldown: 15m
            emit: {type: change.noticed, topic: mlops.notices}
          - id: silent
            absent: {on: data.arrived, for: 45m}
            emit: {type: data.stale, topic: mlops.alerts, data: {last_rows: "{{ event.data.rows }}"}}
        """

    /// Forty events over three subjects and two datasets, a few of them late.
    var mixedInput: [RuleInput] {
        let subjects = ["sales-eu", "sales-us", "sales-apac"]
        let types = ["data.arrived", "data.arrived", "code.merged", "data.arrived", "data.deleted"]
        return (0..<40).map { index in
            let minutes = index * 7 - (index % 6 == 5 ? 25 : 0)
            let time = at("00:00:00") + Int64(minutes) * 60_000
            let data = #"{"rows": \#((index * 37) % 90), "dataset": "\#(index % 4 == 0 ? "lake-a" : "lake-b")"}"#
            return event("e\(index)", types[index % types.count], at: time, subject: subjects[index % 3], data: data)
        }
    }

    @Test("the same rules and the same ordered input give the same triggers and audit records, byte for byte")
    func deterministic() throws {
        let first = run(try rules(everyKind), mixedInput, until: at("12:00:00"))
        let second = run(try rules(everyKind), mixedInput, until: at("12:00:00"))
        #expect(Set(first.map(\.ruleID)) == ["arrival", "rows", "arrivals", "small-rows", "data-and-code", "code-then-data", "code-or-deletion", "silent"])
        #expect(recordBytes(first) == recordBytes(second))
    }

    // MARK: Saved state

    /// Runs `inputs` through one engine, and through two: the first takes `inputs[..<split]`, its snapshot goes through
    /// JSON bytes, and an engine restored from them takes the rest. Expects the same triggers, audits and final state,
    /// and that the carried state mattered (a fresh engine fires otherwise on the rest). Returns the uninterrupted run.
    @discardableResult
    func expectResumedRunMatches(
        _ set: RuleSet, _ inputs: [RuleInput], split: Int, until: Int64? = nil, stateMatters: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [RuleFiring] {
        var whole = RuleEngine(ruleSet: set)
        let uninterrupted = run(&whole, inputs, until: until)

        var first = RuleEngine(ruleSet: set)
        var resumed = run(&first, Array(inputs[..<split]))
        let saved = JSONWriter.bytes(first.snapshot())
        var second = try RuleEngine(ruleSet: set, restoring: try JSONParser.parse(saved))
        let rest = run(&second, Array(inputs[split...]), until: until)
        resumed += rest

        #expect(recordBytes(resumed) == recordBytes(uninterrupted), "\(outline(resumed)) vs \(outline(uninterrupted))", sourceLocation: sourceLocation)
        #expect(JSONWriter.string(second.snapshot()) == JSONWriter.string(whole.snapshot()), sourceLocation: sourceLocation)
        if stateMatters {
            let fresh = run(set, Array(inputs[split...]), until: until)
            #expect(recordBytes(fresh) != recordBytes(rest), "the state before the split made no difference", sourceLocation: sourceLocation)
        }
        return uninterrupted
    }

    @Test("state survives serialisation: a plain rule's cooldown")
    func resumePlainCooldown() throws {
        let set = try rules(
            """
            rules:
              - id: arrival
                on: data.arrived
                cooldown: 10m
                emit: {type: data.noticed, topic: mlops.notices}
            """)
        let firings = try expectResumedRunMatches(
            set,
            [
                event("e1", "data.arrived", at: at("00:00:00")),
                event("e2", "data.arrived", at: at("00:05:00")),
                event("e3", "data.arrived", at: at("00:10:00")),
            ],
            split: 1)
        #expect(outline(firings) == ["arrival sales-eu 00:00:00 e1", "arrival sales-eu 00:10:00 e3"])
    }

    @Test("state survives serialisation: a running count and a running sum of fractions")
    func resumeRunningThreshold() throws {
        let set = try rules(
            """
            rules:
              - id: three-arrivals
                on: data.arrived
                threshold: {count: 3}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
              - id: share
                on: data.arrived
                threshold: {sum: data.share, gte: 0.6}
                emit: {type: retrain.requested, topic: mlops.retrain.requests, data: {share: "{{ value }}"}}
              - id: lowest
                on: data.arrived
                threshold: {min: data.share, lt: 0.15}
                emit: {type: data.suspect, topic: mlops.alerts}
            """)
        let firings = try expectResumedRunMatches(
            set,
            [
                event("e1", "data.arrived", at: at("00:00:00"), data: #"{"share": 0.2}"#),
                event("e2", "data.arrived", at: at("00:01:00"), data: #"{"share": 0.1}"#),
                event("e3", "data.arrived", at: at("00:02:00"), data: #"{"share": 0.3}"#),
                event("e4", "data.arrived", at: at("00:03:00"), data: #"{"share": 0.2}"#),
            ],
            split: 2)
        #expect(outline(firings) == [
            "lowest sales-eu 00:01:00 e1,e2", "three-arrivals sales-eu 00:02:00 e1,e2,e3", "share sales-eu 00:02:00 e1,e2,e3",
        ])
    }

    @Test("a state record names each event type and topic once; a record with causes as objects, as before, restores the same")
    func compactCauses() throws {
        let set = try rules(
            """
            rules:
              - id: three
                on: data.arrived
                threshold: {count: 3, within: 1h}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        var engine = RuleEngine(ruleSet: set)
        var first = event("e1", "data.arrived", at: at("00:00:00"))
        first.origin = SourceCoordinates(topic: "lake", partition: 2, offset: 7)
        _ = run(&engine, [first, event("e2", "data.arrived", at: at("00:01:00"))])
        let record = try #require(engine.stateRecord(rule: "three", key: "sales-eu"))
        let (t1, t2) = (at("00:00:00"), at("00:01:00"))
        #expect(record[path: "symbols"] == .array([.string("data.arrived"), .string("lake")]))
        #expect(JSONWriter.string(try #require(record[path: "entries"])) == #"[[\#(t1),1,1,["e1",0,1,2,7]],[\#(t2),2,1,["e2",0]]]"#)

        let version = set.rules[0].version
        let legacy = try JSONParser.parse(
            #"{"version":"\#(version)","entries":[[\#(t1),1,1,{"id":"e1","type":"data.arrived","topic":"lake","partition":2,"offset":7}],"#
                + #"[\#(t2),2,1,{"id":"e2","type":"data.arrived"}]]}"#)
        var restored = RuleEngine(ruleSet: set)
        try restored.restore(rule: "three", key: "sales-eu", record: legacy)
        #expect(restored.stateRecord(rule: "three", key: "sales-eu") == record)

        let unnamed = try JSONParser.parse(#"{"version":"\#(version)","symbols":["data.arrived"],"entries":[[\#(t1),1,1,["e1",1]]]}"#)
        #expect(throws: RulesError.self) { try restored.restore(rule: "three", key: "sales-eu", record: unnamed) }
    }

    @Test("state survives serialisation: a threshold window, with a late event after the split")
    func resumeWindowThreshold() throws {
        let set = try rules(
            """
            rules:
              - id: two-in-ten-minutes
                on: data.arrived
                threshold: {count: 2, within: 10m}
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        let firings = try expectResumedRunMatches(
            set,
            [
                event("e1", "data.arrived", at: at("00:00:00")),
                event("e2", "data.arrived", at: at("00:20:00")),
                event("e3", "data.arrived", at: at("00:03:00")),
                event("e4", "data.arrived", at: at("00:25:00")),
            ],
            split: 2)
        #expect(outline(firings) == ["two-in-ten-minutes sales-eu 00:03:00 e1,e3", "two-in-ten-minutes sales-eu 00:25:00 e2,e4"])
    }

    @Test("state survives serialisation: all and sequence with a window")
    func resumeCompound() throws {
        let set = try rules(
            """
            rules:
              - id: data-and-code
                all:
                  - on: data.arrived
                  - on: code.merged
                within: 1h
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
              - id: code-then-data
                sequence:
                  - on: code.merged
                  - on: data.arrived
                within: 1h
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        let firings = try expectResumedRunMatches(
            set,
            [
                event("d1", "data.arrived", at: at("00:00:00")),
                event("c1", "code.merged", at: at("00:10:00")),
                event("d2", "data.arrived", at: at("00:20:00")),
                event("c2", "code.merged", at: at("00:30:00")),
                event("d3", "data.arrived", at: at("00:40:00")),
            ],
            split: 1)
        #expect(outline(firings) == [
            "data-and-code sales-eu 00:10:00 d1,c1", "code-then-data sales-eu 00:20:00 c1,d2", "data-and-code sales-eu 00:30:00 d2,c2",
            "code-then-data sales-eu 00:40:00 c2,d3",
        ])
    }

    @Test("state survives serialisation: any with a cooldown")
    func resumeAny() throws {
        let set = try rules(
            """
            rules:
              - id: code-or-deletion
                any:
                  - on: code.merged
                  - on: data.deleted
                cooldown: 10m
                emit: {type: change.noticed, topic: mlops.notices}
            """)
        let firings = try expectResumedRunMatches(
            set,
            [
                event("c1", "code.merged", at: at("00:00:00")),
                event("x1", "data.deleted", at: at("00:01:00")),
                event("x2", "data.deleted", at: at("00:10:00")),
            ],
            split: 1)
        #expect(outline(firings) == ["code-or-deletion sales-eu 00:00:00 c1", "code-or-deletion sales-eu 00:10:00 x2"])
    }

    @Test("state survives serialisation: an armed absence fires after the restore, a fired one does not fire again")
    func resumeAbsence() throws {
        let set = try rules(
            """
            rules:
              - id: sales-silent
                absent: {on: data.arrived, for: 1h}
                emit: {type: data.stale, topic: mlops.alerts, data: {rows: "{{ event.data.rows }}"}}
            """)
        let firings = try expectResumedRunMatches(
            set,
            [
                event("a1", "data.arrived", at: at("00:00:00"), subject: "sales-eu", data: #"{"rows": 12}"#),
                event("b1", "data.arrived", at: at("01:30:00"), subject: "sales-us", data: #"{"rows": 34}"#),
                event("x1", "data.deleted", at: at("02:00:00"), subject: "sales-eu"),
            ],
            split: 2, until: at("06:00:00"))
        #expect(outline(firings) == ["sales-silent sales-eu 01:00:00 a1", "sales-silent sales-us 02:30:00 b1"])
        #expect(firings.last?.trigger.data?[path: "rows"] == .number(34))
    }

    @Test("a mixed rule set resumed at any point gives the triggers of an uninterrupted run")
    func resumeAnywhere() throws {
        let set = try rules(everyKind)
        let inputs = mixedInput
        for split in 0...inputs.count {
            try expectResumedRunMatches(set, inputs, split: split, until: at("12:00:00"), stateMatters: false)
        }
    }

    // MARK: Changed rules

    let twoRulesV1 = """
        rules:
          - id: two-arrivals
            on: data.arrived
            threshold: {count: 2}
            emit: {type: retrain.requested, topic: mlops.retrain.requests}
          - id: two-merges
            on: code.merged
            threshold: {count: 2}
            emit: {type: retrain.requested, topic: mlops.retrain.requests}
        """

    /// `two-arrivals` changed (it emits another type); `two-merges` did not.
    let twoRulesV2 = """
        rules:
          - id: two-arrivals
            on: data.arrived
            threshold: {count: 2}
            emit: {type: retrain.wanted, topic: mlops.retrain.requests}
          - id: two-merges
            on: code.merged
            threshold: {count: 2}
            emit: {type: retrain.requested, topic: mlops.retrain.requests}
        """

    @Test("a state record of a rule whose definition changed is dropped; one of an unchanged rule is kept")
    func changedRuleRecordDropped() throws {
        let old = try rules(twoRulesV1)
        let new = try rules(twoRulesV2)
        #expect(old.rule(id: "two-arrivals")?.version != new.rule(id: "two-arrivals")?.version)
        var before = RuleEngine(ruleSet: old)
        _ = run(&before, [event("d1", "data.arrived", at: at("00:00:00")), event("c1", "code.merged", at: at("00:00:00"))])

        var after = RuleEngine(ruleSet: new)
        for rule in ["two-arrivals", "two-merges"] {
            let record = try #require(before.stateRecord(rule: rule, key: "sales-eu"))
            let bytes = JSONWriter.bytes(record)
            try after.restore(rule: rule, key: "sales-eu", record: try JSONParser.parse(bytes))
        }
        #expect(after.stateRecord(rule: "two-arrivals", key: "sales-eu") == nil)
        let firings = run(&after, [event("d2", "data.arrived", at: at("00:01:00")), event("c2", "code.merged", at: at("00:01:00"))])
        #expect(outline(firings) == ["two-merges sales-eu 00:01:00 c1,c2"])
    }

    @Test("restoring a snapshot drops the state of a changed rule and keeps the rest")
    func changedRuleSnapshotDropped() throws {
        var before = RuleEngine(ruleSet: try rules(twoRulesV1))
        _ = run(&before, [event("d1", "data.arrived", at: at("00:00:00")), event("c1", "code.merged", at: at("00:00:00"))])
        let saved = JSONWriter.bytes(before.snapshot())
        var after = try RuleEngine(ruleSet: try rules(twoRulesV2), restoring: try JSONParser.parse(saved))
        let firings = run(&after, [event("d2", "data.arrived", at: at("00:01:00")), event("c2", "code.merged", at: at("00:01:00"))])
        #expect(outline(firings) == ["two-merges sales-eu 00:01:00 c1,c2"])
    }

    @Test("a rule reformatted without changing its meaning keeps its version and its state")
    func reformattedRuleKeepsState() throws {
        let old = try rules(twoRulesV1)
        let reformatted = try rules(
            """
            # the same rules, written otherwise
            rules:
              - id: two-arrivals
                emit:
                  topic: mlops.retrain.requests
                  type: retrain.requested
                threshold:
                  count: 2
                on: data.arrived
              - {id: two-merges, on: code.merged, threshold: {count: 2}, emit: {type: retrain.requested, topic: mlops.retrain.requests}}
            """)
        #expect(old.rules.map(\.version) == reformatted.rules.map(\.version))
        var before = RuleEngine(ruleSet: old)
        _ = run(&before, [event("d1", "data.arrived", at: at("00:00:00"))])
        var after = try RuleEngine(ruleSet: reformatted, restoring: try JSONParser.parse(JSONWriter.bytes(before.snapshot())))
        #expect(outline(run(&after, [event("d2", "data.arrived", at: at("00:01:00"))])) == ["two-arrivals sales-eu 00:01:00 d1,d2"])
    }
}
