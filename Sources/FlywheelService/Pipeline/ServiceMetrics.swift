import FlywheelRules
import Metrics
import Synchronization

/// The service's metrics, through swift-metrics (exported by `/metrics` in Prometheus format). Labels are bounded:
/// rule ids and outcomes, never keys or event ids. Events in and dead letters are counted by the intake.
final class ServiceMetrics: Sendable {
    static let ruleEvaluations = "flywheel_rule_evaluations_total"
    static let triggersLabel = "flywheel_triggers_total"
    static let approximatedLabel = "flywheel_triggers_approximated_total"
    static let transactionsLabel = "flywheel_transactions_total"
    static let batchDurationLabel = "flywheel_batch_processing_seconds"
    static let stateKeysLabel = "flywheel_state_keys"
    static let repartitionedLabel = "flywheel_events_repartitioned_total"
    /// A gauge per assigned partition (labels `topic`, `partition`), set by `BrokerWatch`.
    static let consumerLagLabel = "flywheel_consumer_lag"

    private let evaluations: [String: Counter]
    private let approximated: [String: Counter]
    private let triggerCounters: [String: Counter]
    private let transactionCounters: [String: Counter]
    let batchDuration = Metrics.Timer(label: ServiceMetrics.batchDurationLabel, preferredDisplayUnit: .seconds)
    let stateKeys = Gauge(label: ServiceMetrics.stateKeysLabel)
    let repartitioned = Counter(label: ServiceMetrics.repartitionedLabel)
    private let rules: [String]
    /// Per rule: the evaluations and approximated firings counted so far.
    private let reported: Mutex<(evaluations: [Int], approximated: [Int])>

    init(ruleSet: RuleSet) {
        rules = ruleSet.rules.map(\.id)
        evaluations = Dictionary(uniqueKeysWithValues: rules.map { ($0, Counter(label: ServiceMetrics.ruleEvaluations, dimensions: [("rule", $0)])) })
        approximated = Dictionary(uniqueKeysWithValues: rules.map { ($0, Counter(label: ServiceMetrics.approximatedLabel, dimensions: [("rule", $0)])) })
        triggerCounters = Dictionary(uniqueKeysWithValues: rules.map { ($0, Counter(label: ServiceMetrics.triggersLabel, dimensions: [("rule", $0)])) })
        transactionCounters = Dictionary(
            uniqueKeysWithValues: ["committed", "aborted"].map { ($0, Counter(label: ServiceMetrics.transactionsLabel, dimensions: [("outcome", $0)])) })
        reported = Mutex((Array(repeating: 0, count: rules.count), Array(repeating: 0, count: rules.count)))
    }

    func triggers(rule: String) -> Counter { triggerCounters[rule]! }

    func transactions(outcome: String) -> Counter { transactionCounters[outcome]! }

    /// Adds what the engines evaluated since the last call (their statistics only grow while they live).
    func record(_ statistics: [RuleEngine.Statistics]) {
        var totals = Array(repeating: 0, count: rules.count)
        var approximations = totals
        for engine in statistics {
            for index in totals.indices {
                totals[index] += engine.evaluations[index]
                approximations[index] += engine.approximatedByRule[index]
            }
        }
        reported.withLock { reported in
            for index in totals.indices {
                if totals[index] > reported.evaluations[index] {
                    evaluations[rules[index]]!.increment(by: totals[index] - reported.evaluations[index])
                }
                if approximations[index] > reported.approximated[index] {
                    approximated[rules[index]]!.increment(by: approximations[index] - reported.approximated[index])
                }
            }
            reported = (totals, approximations)
        }
    }
}
