import FlywheelEvents
import FlywheelRules
import Testing

/// What the rule engine suites share: rules from inline YAML, events at times of one day, and runs of an engine.
protocol RuleEngineTesting {}

extension RuleEngineTesting {
    /// The time of day `clock` (`HH:MM:SS` or `HH:MM:SS.mmm`, UTC) on 1 March 2026, in milliseconds.
    func at(_ clock: String) -> Int64 {
        RFC3339.milliseconds("2026-03-01T\(clock)Z")!
    }

    /// The rule set of one inline rule file, which must check without a diagnostic.
    func rules(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> RuleSet {
        let check = RuleSet.check(sources: [(file: "rules.yaml", yaml: yaml)], schemas: nil)
        #expect(check.diagnostics.isEmpty, "\(check.diagnostics)", sourceLocation: sourceLocation)
        return try #require(check.ruleSet, sourceLocation: sourceLocation)
    }

    /// An input event of `type` at `time`; `data` is JSON text.
    func event(_ id: String, _ type: String, at time: Int64, subject: String = "sales-eu", data: String = "{}") -> RuleInput {
        let event = CloudEvent(
            id: id, source: "/flywheel/tests", type: type, subject: subject, time: RFC3339.string(milliseconds: time),
            data: try! JSONParser.parse(data))
        return RuleInput(event: event, time: time)
    }

    /// Processes `inputs` in order, then moves the clock to `until`; every firing, in the order the engine gave them.
    func run(_ engine: inout RuleEngine, _ inputs: [RuleInput], until: Int64? = nil) -> [RuleFiring] {
        var firings: [RuleFiring] = []
        for input in inputs { firings += engine.process(input) }
        if let until { firings += engine.advanceClock(to: until) }
        return firings
    }

    /// A fresh engine over `ruleSet` run over `inputs`.
    func run(_ ruleSet: RuleSet, _ inputs: [RuleInput], until: Int64? = nil) -> [RuleFiring] {
        var engine = RuleEngine(ruleSet: ruleSet)
        return run(&engine, inputs, until: until)
    }

    /// Each firing as one line: `rule key time cause,cause,...` (time of day as `at` takes it).
    func outline(_ firings: [RuleFiring]) -> [String] {
        firings.map { firing in
            "\(firing.ruleID) \(firing.key) \(clockText(firing.time)) \(firing.causes.map(\.id).joined(separator: ","))"
        }
    }

    /// `HH:MM:SS`, with `.mmm` when the milliseconds are not zero.
    func clockText(_ time: Int64) -> String {
        var text = String(RFC3339.string(milliseconds: time).dropFirst(11).dropLast())
        if text.hasSuffix(".000") { text.removeLast(4) }
        return text
    }

    /// Each firing's trigger and audit record as structured CloudEvents JSON, as a replay writes them.
    func recordBytes(_ firings: [RuleFiring]) -> [[UInt8]] {
        firings.flatMap { [EventLines.line($0.trigger), EventLines.line($0.audit)] }
    }
}
