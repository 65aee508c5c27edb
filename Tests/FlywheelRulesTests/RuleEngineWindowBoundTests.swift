import FlywheelEvents
@testable import FlywheelRules
import Testing

/// A key's window state stays bounded whatever its rate: exact events up to `windowEventLimit`, older ones in panes.
@Suite("Rule engine: bounded window state")
struct RuleEngineWindowBoundTests: RuleEngineTesting {
    /// One key's `count` of events `gap` milliseconds apart from midnight, `n` of them, value `rows` each.
    func stream(_ n: Int, gap: Int64, from start: Int64? = nil, prefix: String = "e", rows: (Int) -> Double = { _ in 1 }) -> [RuleInput] {
        let start = start ?? at("00:00:00")
        return (0..<n).map { index in
            event("\(prefix)\(index)", "data.arrived", at: start + Int64(index) * gap, data: #"{"rows": \#(rows(index))}"#)
        }
    }

    func threshold(_ threshold: String) throws -> RuleSet {
        try rules(
            """
            rules:
              - id: window
                on: data.arrived
                threshold: \(threshold)
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
    }

    func window(_ engine: RuleEngine, key: String = "sales-eu") throws -> KeyState.Window {
        switch try #require(engine.states[0][key]).body {
        case .window(let entries): return KeyState.Window(entries: entries)
        case .panedWindow(let window): return window
        default:
            Issue.record("not a window")
            return KeyState.Window()
        }
    }

    @Test("a key with far more events than the limit keeps the limit's worth exactly and the rest in at most 300 panes")
    func boundedState() throws {
        let set = try threshold("{count: 1000000, within: 10m}")
        var bounded = RuleEngine(ruleSet: set)
        var unbounded = RuleEngine(ruleSet: set, options: RuleEngine.Options(windowEventLimit: .max))
        // UUID ids and Kafka origins, as the service keeps them.
        let inputs = stream(20_000, gap: 10).enumerated().map { index, input in
            var input = input
            input.event.id = "0190a3c4-5b6d-7e8f-9a0b-\(String(format: "%012d", index))"
            input.origin = SourceCoordinates(topic: "mlops.data.arrivals", partition: 3, offset: 1_000_000 + Int64(index))
            return input
        }
        #expect(run(&bounded, inputs).isEmpty)
        #expect(run(&unbounded, inputs).isEmpty)

        let kept = try window(bounded)
        #expect((1000...1125).contains(kept.entries.count), "the limit and an eighth at most: \(kept.entries.count)")
        #expect(kept.entries.first?.cause.id == "0190a3c4-5b6d-7e8f-9a0b-" + String(format: "%012d", 20_000 - kept.entries.count))
        #expect(kept.panes.count <= KeyState.Window.paneLimit)
        #expect(kept.panes.reduce(0) { $0 + $1.count } == 20_000 - kept.entries.count, "200 s of a 10-minute window: every event is still counted")
        #expect(try window(unbounded).entries.count == 20_000)
        let record = JSONWriter.bytes(try #require(bounded.stateRecord(rule: "window", key: "sales-eu")))
        let exactRecord = JSONWriter.bytes(try #require(unbounded.stateRecord(rule: "window", key: "sales-eu")))
        print("[bounded window] state record \(record.count) bytes; kept exactly: \(exactRecord.count) bytes")
        #expect(record.count < 200_000, "\(record.count) bytes")
    }

    @Test("a count over more events than the limit fires when and as the exact window does, each time", arguments: [
        "{count: 5000, within: 1m}", "{sum: data.rows, gte: 40000, within: 2m}", "{max: data.rows, gte: 50, within: 5m}",
        "{min: data.rows, lte: -1, within: 5m}",
    ])
    func sameFirings(threshold text: String) throws {
        let set = try threshold(text)
        // Values 0 to 19 in turn, but 100 and -100 once each: max and min fire on them, over windows of 25,000 events.
        let inputs = stream(30_000, gap: 10) { $0 == 25_000 ? 100 : $0 == 27_000 ? -100 : Double($0 % 20) }
        var engine = RuleEngine(ruleSet: set)
        let bounded = run(&engine, inputs)
        var unbounded = RuleEngine(ruleSet: set, options: RuleEngine.Options(windowEventLimit: .max))
        let exact = run(&unbounded, inputs)
        #expect(!exact.isEmpty)
        #expect(engine.statistics.approximatedByRule == [bounded.count] && unbounded.statistics.approximatedByRule == [0])
        #expect(outline(bounded) == outline(exact))
        let triggers = { (firings: [RuleFiring]) in firings.map { EventLines.line($0.trigger) } }
        #expect(triggers(bounded) == triggers(exact), "the same aggregate, causes (the latest 100) and cause_omitted")
        // The audit records differ only in saying how many events panes held.
        for (approximate, kept) in zip(bounded, exact) {
            var values = try #require(approximate.audit.data?[path: "values"]?.objectValue)
            let inPanes = try #require(values["events_in_panes"]?.numberValue)
            #expect(inPanes > 0 && inPanes < (values["events"]?.numberValue ?? 0))
            #expect(values["pane_width"] != nil)
            #expect(approximate.audit.data?[path: "explanation"]?.stringValue?.contains("of them counted in panes of") == true)
            values["events_in_panes"] = nil
            values["pane_width"] = nil
            #expect(JSONValue.object(values) == kept.audit.data?[path: "values"])
        }
    }

    @Test("a pane counts in a window only when all its events are in it; a firing consumes the panes wholly before it")
    func panesInWindow() throws {
        // Events at 0, 3, 6, ..., 27 ms; panes of 10 ms; 2 kept exactly: panes [0 3 6 9], [12 15 18], [21], exact 24 27.
        var window = KeyState.Window()
        for (index, time) in stride(from: Int64(0), through: 27, by: 3).enumerated() {
            window.entries.insertOrdered(KeyState.Entry(time: time, sequence: UInt64(index), value: Double(time), cause: StoredCause(id: "e\(index)", type: 0, topic: StoredCause.noTopic, partition: 0, offset: 0)))
            window.trim(width: 10, limit: 2)
        }
        #expect(window.panes.map(\.count) == [4, 3, 1])
        #expect(window.panes.map(\.first) == [0, 12, 21] && window.panes.map(\.last) == [9, 18, 21])
        #expect(window.panes[1].sum == 45 && window.panes[1].min == 12 && window.panes[1].max == 18)
        #expect(window.entries.map(\.time) == [24, 27])
        #expect(window.panes(after: -1, upTo: 30).map(\.count) == [4, 3, 1])
        #expect(window.panes(after: 0, upTo: 30).map(\.count) == [3, 1], "the lower end cuts the first pane")
        #expect(window.panes(after: -1, upTo: 15).map(\.count) == [4], "the upper end cuts the second")
        #expect(window.panes(after: 12, upTo: 20).isEmpty)
        #expect(window.latest == 27)

        // A late event (at 1 ms) kept exactly, then moved into its pane.
        window.entries.insertOrdered(KeyState.Entry(time: 1, sequence: 10, value: 1, cause: StoredCause(id: "late", type: 0, topic: StoredCause.noTopic, partition: 0, offset: 0)))
        #expect(window.entries.first?.time == 1)
        window.trim(width: 10, limit: 2)
        #expect(window.panes.map(\.count) == [5, 3, 1] && window.entries.map(\.time) == [24, 27])

        window.consume(upTo: 13)
        #expect(window.panes.map(\.count) == [1] && window.entries.count == 2, "a firing at 13 consumes the pane 12-18 whole")
        window.prune(upTo: 21)
        #expect(window.panes.isEmpty && window.entries.count == 2)
    }

    @Test("in random streams, a tenth of their events late, a bounded window first fires at the same input as an exact one, or a later one")
    func neverEarlier() throws {
        var generator = SplitMix(seed: 20261123)
        var (fired, differed) = (0, 0)
        for round in 0..<20 {
            // Events 0-10 ms apart (about 200 a second) for about 40 s, every tenth up to 20 s late; a window of 2 to
            // 10 s and a count of 85 % to 100 % of what it holds on average, so that it is reached as the window
            // slides, where cut panes matter.
            let seconds = 2 + generator.next() % 9
            let bound = Int(Double(seconds * 200) * (0.85 + Double(generator.next() % 16) / 100))
            let set = try threshold("{count: \(bound), within: \(seconds)s}")
            var time = at("00:00:00")
            let inputs = (0..<8_000).map { index -> RuleInput in
                time += Int64(generator.next() % 11)
                return event("r\(index)", "data.arrived", at: index % 10 == 9 ? time - Int64(generator.next() % 20_000) : time)
            }
            var bounded = RuleEngine(ruleSet: set, options: RuleEngine.Options(windowEventLimit: 100))
            var unbounded = RuleEngine(ruleSet: set, options: RuleEngine.Options(windowEventLimit: .max))
            // Which input fires first: with late events, "earlier" is in arrival order, not in event time.
            let approximate = inputs.firstIndex { !bounded.process($0).isEmpty }
            let exact = inputs.firstIndex { !unbounded.process($0).isEmpty }
            if let approximate {
                #expect(exact.map { approximate >= $0 } == true, "round \(round)")
            }
            if approximate != exact { differed += 1 }
            if approximate != nil { fired += 1 }
        }
        #expect(fired >= 5 && differed >= 3, "\(fired) rounds fired, \(differed) differed from exact")
    }

    @Test("a late event earlier than the panes goes into its own pane and counts in its window; state survives a restore")
    func lateEventIntoPanes() throws {
        let set = try threshold("{count: 3, within: 10s}")
        let options = RuleEngine.Options(windowEventLimit: 100)
        // 294 events 6 s apart (never 3 in 10 s), each pane of 100 ms holding one: a trim happens when 113 are
        // exact, and leaves 100, so after these 182 are in panes and 112 exact; the next event makes the next trim.
        let spaced = stream(294, gap: 6_000, from: at("00:01:00"), prefix: "s")
        var engine = RuleEngine(ruleSet: set, options: options)
        #expect(run(&engine, spaced).isEmpty)
        #expect(try window(engine).panes.count == 182 && window(engine).entries.count == 112)
        let late = [
            event("late1", "data.arrived", at: at("00:01:01")), event("late2", "data.arrived", at: at("00:01:02")),
        ]
        let saved = JSONWriter.bytes(engine.snapshot())
        var restored = try RuleEngine(ruleSet: set, options: options, restoring: try JSONParser.parse(saved))
        #expect(try window(restored) == window(engine))
        let fired = run(&engine, late)
        #expect(outline(fired) == ["window sales-eu 00:01:02 late2"], "s0 and late1 count in their panes, not as causes")
        #expect(fired.first?.trigger.data?[path: "cause_omitted"] == .number(2))
        #expect(try window(engine).panes.count == 193 && window(engine).panes.first?.first == at("00:01:06"))
        #expect(recordBytes(run(&restored, late)) == recordBytes(fired))
        #expect(JSONWriter.string(restored.snapshot()) == JSONWriter.string(engine.snapshot()))
    }

    @Test("a rule's lateness decides how long its window keeps events for late ones", arguments: [
        ("", ["late sales-eu 00:03:00 e1,e3"]), ("lateness: 5m", []), ("lateness: 25m", ["late sales-eu 00:03:00 e1,e3"]),
        ("lateness: 0s", []), ("lateness: 20m", []),
    ])
    func ruleLateness(_ lateness: String, _ expected: [String]) throws {
        // e1 at 00:00, e2 at 00:30, then e3 late at 00:03: e1 is in its 10-minute window if it was kept past
        // 00:30 − 10m − lateness.
        let set = try rules(
            """
            rules:
              - id: late
                on: data.arrived
                threshold: {count: 2, within: 10m}
                \(lateness)
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        let firings = run(
            set,
            [
                event("e1", "data.arrived", at: at("00:00:00")), event("e2", "data.arrived", at: at("00:30:00")),
                event("e3", "data.arrived", at: at("00:03:00")),
            ])
        #expect(outline(firings) == expected)
    }

    @Test("a sequence's lateness decides the same for its members")
    func sequenceLateness() throws {
        let yaml = { (lateness: String) in
            """
            rules:
              - id: pair
                sequence: [{on: code.merged}, {on: data.arrived}]
                within: 10m
                \(lateness)
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """
        }
        let inputs = [
            event("c1", "code.merged", at: at("00:00:00")), event("x", "code.merged", at: at("00:30:00")),
            event("d1", "data.arrived", at: at("00:05:00")),
        ]
        #expect(outline(run(try rules(yaml("")), inputs)) == ["pair sales-eu 00:05:00 c1,d1"])
        #expect(outline(run(try rules(yaml("lateness: 1m")), inputs)).isEmpty)
    }

    @Test("all and sequence keep at most the limit divided by the members per member, the latest")
    func boundedMembers() throws {
        let set = try rules(
            """
            rules:
              - id: pair
                sequence:
                  - on: data.arrived
                  - on: code.merged
                within: 1h
                emit: {type: retrain.requested, topic: mlops.retrain.requests}
            """)
        var engine = RuleEngine(ruleSet: set)
        #expect(run(&engine, stream(5_000, gap: 10)).isEmpty)
        let fired = run(&engine, [event("c1", "code.merged", at: at("00:01:00"))])
        guard case .members(let members) = try #require(engine.states[0]["sales-eu"]).body else { throw Failure() }
        #expect(members.allSatisfy { $0.isEmpty }, "the firing consumed them")
        #expect(outline(fired).count == 1 && outline(fired).first?.hasPrefix("pair sales-eu 00:01:00 e4") == true)

        var unfired = RuleEngine(ruleSet: set)
        _ = run(&unfired, stream(5_000, gap: 10))
        guard case .members(let kept) = try #require(unfired.states[0]["sales-eu"]).body else { throw Failure() }
        #expect((500...562).contains(kept[0].count) && kept[0].first?.cause.id == "e\(5_000 - kept[0].count)", "the latest 500, and an eighth more")
        #expect(outline(fired) == ["pair sales-eu 00:01:00 e\(5_000 - kept[0].count),c1"], "the earliest of those kept")
    }

    @Test("a pane whose sum is beyond a double's range is saved and restored as such; the window does not fire on it")
    func infiniteSum() throws {
        let set = try threshold("{sum: data.rows, gt: 1e308, within: 1h}")
        let options = RuleEngine.Options(windowEventLimit: 100)
        // 113 events of 1e308 a millisecond apart: the trim moves 13 into one pane of 36 s, whose sum is infinite.
        let inputs = stream(113, gap: 1) { _ in 1e308 }
        var engine = RuleEngine(ruleSet: set, options: options)
        let fired = run(&engine, inputs)
        #expect(fired.isEmpty, "an infinite sum is not more than 1e308: \(outline(fired))")
        #expect(try window(engine).panes.first?.sum == .infinity)
        let saved = JSONWriter.bytes(engine.snapshot())
        let restored = try RuleEngine(ruleSet: set, options: options, restoring: try JSONParser.parse(saved))
        #expect(try window(restored) == window(engine))
    }

    @Test("a state record with a malformed pane is refused", arguments: [
        #"[[1,2,3]]"#, #"[[5,1,1,1,1,1]]"#, #"[[1,2,0,1,1,1]]"#, #"[[1,2,1,1,2,1]]"#, #"[[1,2,1,1,1,1],[2,3,1,1,1,1]]"#,
        #"[[1,2,1,"x",1,1]]"#, #"[[1,2,9007199254740993,1,1,1]]"#, #"[[-9223372036854775808,2,1,1,1,1]]"#,
        #"[[1,9223372036854775807,1,1,1,1]]"#, #"[[0,500,2,1,0,1]]"#, #"[[1,2,1,1,1,1],[5,6,1,1,1,1]]"#,
        "[" + Array(repeating: "[1,1,1,1,1,1]", count: 301).enumerated().map { "[\($0.offset * 1000),\($0.offset * 1000),1,1,1,1]" }.joined(separator: ",") + "]",
    ])
    func malformedPanes(_ panes: String) throws {
        let set = try threshold("{count: 3, within: 10s}")
        var engine = RuleEngine(ruleSet: set)
        let record = try JSONParser.parse(#"{"version":"\#(set.rules[0].version)","entries":[],"panes":\#(panes)}"#)
        #expect(throws: RulesError.self) { try engine.restore(rule: "window", key: "k", record: record) }
        let good = try JSONParser.parse(#"{"version":"\#(set.rules[0].version)","entries":[],"panes":[[1,2,2,3,1,2],[105,150,1,"inf",1,1]]}"#)
        try engine.restore(rule: "window", key: "k", record: good)
        #expect(try window(engine, key: "k").panes.last?.sum == .infinity)
    }

    struct Failure: Error {}
}

/// A small deterministic generator for the property tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
