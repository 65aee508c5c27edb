import FlywheelKafka
import Logging
import Metrics
import Synchronization

/// What `BrokerWatch` asks the cluster and the consumer.
protocol ClusterProbe: Sendable {
    func checkCluster(timeout: Duration) async throws(KafkaError)
    func lag(timeout: Duration) async throws(KafkaError) -> [KafkaPartitionLag]
}

extension KafkaConsumer: ClusterProbe {}

/// Follows whether the Kafka cluster answers, as readiness condition `broker_reachable`, and exports the consumer
/// lag of each assigned partition as `flywheel_consumer_lag`.
///
/// A cluster that does not answer within `timeout` makes the service not ready, with librdkafka's reason; its next
/// answer makes it ready again. The pipeline itself keeps running meanwhile: librdkafka retries, and an open
/// transaction waits for the brokers within its own timeouts.
final class BrokerWatch: Sendable {
    private let probe: any ClusterProbe
    private let health: ServiceHealth
    private let interval: Duration
    private let timeout: Duration
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var isReachable = true
        var gauges: [KafkaTopicPartition: Gauge] = [:]
    }

    init(probe: any ClusterProbe, health: ServiceHealth, interval: Duration, timeout: Duration = .seconds(2), logger: Logger) {
        self.probe = probe
        self.health = health
        self.interval = interval
        self.timeout = timeout
        self.logger = logger
    }

    /// Checks every `interval` until cancelled.
    func run() async {
        while !Task.isCancelled {
            await check()
            try? await Task.sleep(for: interval)
        }
    }

    /// Asks the cluster once, marks readiness from its answer, and records the lag.
    func check() async {
        do {
            try await probe.checkCluster(timeout: timeout)
            health.markReady(.brokerReachable)
            if !setReachable(true) {
                logger.notice("The Kafka cluster answers again")
            }
        } catch {
            health.markNotReady(.brokerReachable, reason: error.reason)
            if setReachable(false) {
                logger.warning("The Kafka cluster does not answer; not ready until it does", metadata: ["error": "\(error)"])
            }
        }
        await recordLag()
    }

    /// Returns whether the cluster was reachable before.
    private func setReachable(_ reachable: Bool) -> Bool {
        state.withLock { state in
            defer { state.isReachable = reachable }
            return state.isReachable
        }
    }

    /// Sets the gauge of each assigned partition whose lag is known, and removes those of partitions no longer
    /// assigned.
    private func recordLag() async {
        let lags: [KafkaPartitionLag]
        do {
            lags = try await probe.lag(timeout: timeout)
        } catch {
            logger.debug("Consumer lag not known", metadata: ["error": "\(error)"])
            return
        }
        let (updates, removed) = state.withLock { state in
            var updates: [(Gauge, Int64)] = []
            var kept: [KafkaTopicPartition: Gauge] = [:]
            for entry in lags {
                let existing = state.gauges.removeValue(forKey: entry.topicPartition)
                guard let lag = entry.lag else {
                    kept[entry.topicPartition] = existing
                    continue
                }
                let gauge = existing ?? Gauge(
                    label: ServiceMetrics.consumerLagLabel,
                    dimensions: [("topic", entry.topicPartition.topic), ("partition", "\(entry.topicPartition.partition)")])
                kept[entry.topicPartition] = gauge
                updates.append((gauge, lag))
            }
            let removed = Array(state.gauges.values)
            state.gauges = kept
            return (updates, removed)
        }
        for (gauge, lag) in updates { gauge.record(lag) }
        for gauge in removed { gauge.destroy() }
    }
}
