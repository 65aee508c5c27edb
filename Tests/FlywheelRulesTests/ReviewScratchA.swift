import FlywheelEvents
@testable import FlywheelRules
import Testing
import Foundation

@Suite("ReviewScratch")
struct ReviewScratchA: RuleEngineTesting {
    @Test("any: one event matching two members")
    func anyDouble() throws {
        let set = try rules("""
            rules:
              - id: r
                any:
                  - {on: data.arrived}
                  - {on: data.arrived, match: {data.rows: {gt: 0}}}
                emit: {type: x.y, topic: t}
            """)
        let firings = run(set, [event("e1", "data.arrived", at: at("00:00:00"), data: #"{"rows": 5}"#)])
        print("SCRATCH anyDouble firings:", outline(firings), firings.map(\.trigger.id))
    }

    @Test("sum overflow to inf gives invalid JSON")
    func sumInf() throws {
        let set = try rules("""
            rules:
              - id: r
                on: data.arrived
                threshold: {sum: data.rows, gt: 0}
                emit: {type: x.y, topic: t, data: {v: "{{ value }}"}}
              - id: w
                on: data.arrived
                threshold: {sum: data.rows, lt: 0, within: 1h}
                emit: {type: x.y, topic: t}
            """)
        var engine = RuleEngine(ruleSet: set)
        var firings = run(&engine, [event("e1", "data.arrived", at: at("00:00:00"), data: #"{"rows": 1e308}"#)])
        let snap = JSONWriter.string(engine.snapshot())
        print("SCRATCH snapshot:", snap)
        print("SCRATCH snapshot parses:", (try? JSONParser.parse(snap)) != nil)
        firings = run(&engine, [event("e2", "data.arrived", at: at("00:00:01"), data: #"{"rows": 1e308}"#)])
        let snap2 = JSONWriter.string(engine.snapshot())
        print("SCRATCH snapshot2:", snap2, (try? JSONParser.parse(snap2)) != nil)
        for f in firings {
            let line = String(decoding: EventLines.line(f.trigger), as: UTF8.self)
            print("SCRATCH trigger:", line, "parses:", (try? JSONParser.parse(line)) != nil)
        }
    }

    @Test("canonically equivalent keys share state")
    func canonicalKeys() throws {
        let set = try rules("""
            rules:
              - id: r
                on: data.arrived
                key: data.k
                threshold: {count: 2}
                emit: {type: x.y, topic: t}
            """)
        let firings = run(set, [
            event("e1", "data.arrived", at: at("00:00:00"), data: "{\"k\": \"\u{e9}\"}"),
            event("e2", "data.arrived", at: at("00:00:01"), data: "{\"k\": \"e\u{301}\"}"),
        ])
        print("SCRATCH canonical firings:", firings.count, firings.map { Array($0.key.unicodeScalars) })
    }

    @Test("absence with huge for wraps")
    func absenceWrap() throws {
        let set = try rules("""
            rules:
              - id: r
                absent: {on: data.arrived, for: 15250284452w}
                emit: {type: x.y, topic: t}
            """)
        let firings = run(set, [event("e1", "data.arrived", at: at("00:00:00"))])
        print("SCRATCH absence wrap firings:", firings.map { ($0.time, $0.trigger.time ?? "") })
    }

    @Test("snapshot timing with many keys")
    func snapshotTiming() throws {
        let set = try rules("""
            rules:
              - id: r
                on: data.arrived
                threshold: {count: 2}
                emit: {type: x.y, topic: t}
            """)
        var engine = RuleEngine(ruleSet: set)
        for n in [5000, 10000, 20000] {
            engine = RuleEngine(ruleSet: set)
            for i in 0..<n { _ = engine.process(event("e\(i)", "data.arrived", at: at("00:00:00") + Int64(i), subject: "k\(i)")) }
            let start = Date()
            _ = engine.snapshot()
            print("SCRATCH snapshot \(n) keys:", Date().timeIntervalSince(start))
        }
    }

    @Test("deadline heap growth")
    func heapGrowth() throws {
        let set = try rules("""
            rules:
              - id: r
                absent: {on: data.arrived, for: 7d}
                emit: {type: x.y, topic: t}
            """)
        var engine = RuleEngine(ruleSet: set)
        for i in 0..<10000 { _ = engine.process(event("e\(i)", "data.arrived", at: at("00:00:00") + Int64(i) * 1000)) }
        print("SCRATCH deadlines for one key after 10000 events:", engine.deadlines.count)
    }

    @Test("window sum is O(window) per event")
    func windowSum() throws {
        let set = try rules("""
            rules:
              - id: r
                on: data.arrived
                threshold: {sum: data.rows, gte: 1e18, within: 1d}
                emit: {type: x.y, topic: t}
              - id: c
                on: other.type
                threshold: {count: 1000000000, within: 1d}
                emit: {type: x.y, topic: t}
            """)
        for (type, n) in [("data.arrived", 10000), ("data.arrived", 20000), ("other.type", 20000)] {
            var engine = RuleEngine(ruleSet: set)
            let inputs = (0..<n).map { i in event("e\(i)", type, at: at("00:00:00") + Int64(i), data: #"{"rows": 1}"#) }
            let start = Date()
            for input in inputs { _ = engine.process(input) }
            print("SCRATCH \(type) \(n) events one key:", Date().timeIntervalSince(start))
        }
    }

    @Test("trigger id collision with NUL in key")
    func idCollision() throws {
        let a = TriggerIdentity.triggerID(rule: "r", key: "k", time: 5, ordinal: 1)
        let b = TriggerIdentity.triggerID(rule: "r", key: "k\u{0}5", time: 1, ordinal: 0)
        print("SCRATCH id collision:", a == b, a, b)
    }
}
