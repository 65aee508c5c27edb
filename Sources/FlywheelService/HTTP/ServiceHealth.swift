import Synchronization

/// Whether `flywheel serve` is alive and ready to take traffic, as the pipeline reports it; `/healthz` and `/readyz`
/// answer from it.
///
/// The service is ready once every condition it waits for is met, and alive until the pipeline fails; a failure is
/// final, so a failed service never becomes ready again.
public final class ServiceHealth: Sendable {
    /// One thing readiness waits for.
    public struct Condition: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        /// The rule state has been read back from the state topic for the assigned partitions.
        public static let stateRestored = Condition(name: "state_restored")
        /// The consumer group has assigned this instance its partitions.
        public static let partitionsAssigned = Condition(name: "partitions_assigned")
        /// The Kafka cluster answers.
        public static let brokerReachable = Condition(name: "broker_reachable")
        public static let all = [stateRestored, partitionsAssigned, brokerReachable]

        public init(name: String) {
            self.name = name
        }

        public var description: String { name }
    }

    /// The health at one moment.
    public struct Snapshot: Sendable, Hashable {
        /// Why the pipeline stopped; nil while it runs.
        public var failure: String?
        /// Why the service is not ready: the failure, then each unmet condition with its reason
        /// (`broker_reachable: connection refused`) in the order the conditions were given.
        public var notReadyReasons: [String]

        public var isAlive: Bool { failure == nil }
        public var isReady: Bool { isAlive && notReadyReasons.isEmpty }
    }

    private struct State {
        var conditions: [Condition]
        var unmet: [Condition: String]
        var failure: String?
    }

    private let state: Mutex<State>

    /// Starts alive and not ready, with each of `conditions` unmet.
    public init(waitingFor conditions: [Condition] = Condition.all) {
        let unmet = Dictionary(conditions.map { ($0, "starting") }, uniquingKeysWith: { first, _ in first })
        state = Mutex(State(conditions: conditions, unmet: unmet))
    }

    /// Records that `condition` holds.
    public func markReady(_ condition: Condition) {
        state.withLock { state in
            state.unmet[condition] = nil
        }
    }

    /// Records that `condition` does not hold, and why; a condition not given at creation is added.
    public func markNotReady(_ condition: Condition, reason: String) {
        state.withLock { state in
            if !state.conditions.contains(condition) { state.conditions.append(condition) }
            state.unmet[condition] = reason
        }
    }

    /// Records that the pipeline has stopped for good; the first reason is kept.
    public func markFailed(_ reason: String) {
        state.withLock { state in
            if state.failure == nil { state.failure = reason }
        }
    }

    public var snapshot: Snapshot {
        state.withLock { state in
            var reasons = state.failure.map { ["failed: \($0)"] } ?? []
            for condition in state.conditions {
                if let reason = state.unmet[condition] { reasons.append("\(condition): \(reason)") }
            }
            return Snapshot(failure: state.failure, notReadyReasons: reasons)
        }
    }
}
