import FlywheelEvents
import FlywheelRules
import Testing

/// The index only narrows down which rules see an event: with it, rules fire exactly as the `match` semantics say.
@Suite("Rule index")
struct RuleIndexTests {
    @Test("prefix-indexed rules fire for every value that starts with their prefix, and only for those", arguments: [
        ("sales-eu-2026", ["any-prefix", "sales", "sales-eu"]),
        ("sales-us", ["any-prefix", "sales"]),
        ("sale", ["any-prefix"]),
        ("éclair", ["any-prefix", "accent"]),
        ("e\u{301}clair", ["any-prefix"]),
        ("other", ["any-prefix"]),
    ])
    func prefixes(_ dataset: String, _ expected: [String]) throws {
        let yaml = """
            rules:
              - {id: sales, on: data.arrived, match: {data.dataset: {prefix: "sales-"}}, emit: {type: t, topic: o}}
              - {id: sales-eu, on: data.arrived, match: {data.dataset: {prefix: "sales-eu"}}, emit: {type: t, topic: o}}
              - {id: accent, on: data.arrived, match: {data.dataset: {prefix: "é"}}, emit: {type: t, topic: o}}
              - {id: any-prefix, on: data.arrived, match: {data.dataset: {prefix: ""}}, emit: {type: t, topic: o}}
              - {id: tags, on: data.arrived, match: {data.tags: {prefix: "train"}}, emit: {type: t, topic: o}}
            """
        let check = RuleSet.check(sources: [("rules.yaml", yaml)])
        var engine = RuleEngine(ruleSet: try #require(check.ruleSet, "\(check.diagnostics)"))
        let event = CloudEvent(
            id: "e1", source: "s", type: "data.arrived", subject: "k", time: "2026-03-01T00:00:00Z",
            data: .object(JSONObject(["dataset": .string(dataset)])))
        #expect(Set(engine.process(RuleInput(event: event)!).map(\.ruleID)) == Set(expected))
    }

    @Test("a prefix on a list field holds when any element starts with it")
    func lists() throws {
        let yaml = "rules:\n  - {id: tags, on: data.arrived, match: {data.tags: {prefix: train}}, emit: {type: t, topic: o}}\n"
        var engine = RuleEngine(ruleSet: try #require(RuleSet.check(sources: [("rules.yaml", yaml)]).ruleSet))
        func fires(_ tags: [String]) -> Bool {
            let event = CloudEvent(
                id: "e\(tags.count)", source: "s", type: "data.arrived", subject: "k", time: "2026-03-01T00:00:00Z",
                data: .object(JSONObject(["tags": .array(tags.map(JSONValue.string))])))
            return !engine.process(RuleInput(event: event)!).isEmpty
        }
        #expect(fires(["docs", "training/a.py"]))
        #expect(!fires(["docs", "src/train"]))
    }
}
