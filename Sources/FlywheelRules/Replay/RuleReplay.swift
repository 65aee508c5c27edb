import FlywheelEvents

/// Runs a rule set over recorded events in file order, as `flywheel replay` and `flywheel rules test` do.
public struct RuleReplay {
    public private(set) var engine: RuleEngine
    /// Lines that were not usable events (they are reported, not evaluated).
    public private(set) var invalidEvents = 0

    public init(ruleSet: RuleSet, options: RuleEngine.Options = RuleEngine.Options()) {
        engine = RuleEngine(ruleSet: ruleSet, options: options)
    }

    /// Evaluates every event line of `bytes` (JSON Lines); firings and bad lines go to the callbacks in input order.
    public mutating func run(
        file: String, bytes: [UInt8], onFiring: (RuleFiring) -> Void, onInvalid: (RulesError) -> Void
    ) {
        let codec = CloudEventKafkaCodec()
        for line in EventLines.lines(bytes) {
            do {
                let input = try EventLines.input(line.bytes, number: line.number, file: file, codec: codec)
                engine.process(input).forEach(onFiring)
            } catch {
                invalidEvents += 1
                onInvalid(error)
            }
        }
    }

    /// Evaluates events given as values.
    public mutating func run(_ inputs: [RuleInput], onFiring: (RuleFiring) -> Void) {
        for input in inputs { engine.process(input).forEach(onFiring) }
    }

    /// Advances the clock to `time` at the end of the input, so absences due by then fire.
    public mutating func finish(until time: Int64?, onFiring: (RuleFiring) -> Void) {
        guard let time else { return }
        engine.advanceClock(to: time).forEach(onFiring)
    }
}
