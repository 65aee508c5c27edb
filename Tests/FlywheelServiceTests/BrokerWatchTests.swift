import FlywheelKafka
import Logging
import Synchronization
import Testing

@testable import FlywheelService

@Suite("Broker watch: readiness and consumer lag from the cluster's answers")
struct BrokerWatchTests {
    /// Answers as the test scripts it, one check at a time.
    final class ScriptedProbe: ClusterProbe {
        private let state = Mutex<(failure: KafkaError?, lags: [KafkaPartitionLag])>((nil, []))

        func answer(failing failure: KafkaError? = nil, lags: [KafkaPartitionLag] = []) {
            state.withLock { $0 = (failure, lags) }
        }

        func checkCluster(timeout: Duration) async throws(KafkaError) {
            if let failure = state.withLock({ $0.failure }) { throw failure }
        }

        func lag(timeout: Duration) async throws(KafkaError) -> [KafkaPartitionLag] {
            state.withLock { $0.lags }
        }
    }

    static let logger = {
        var logger = Logger(label: "flywheel.test")
        logger.logLevel = .error
        return logger
    }()

    static let timedOut = KafkaError(
        code: .connection, reason: "no broker of 127.0.0.1:9092 answered within 2 s: Local: Timed out",
        librdkafkaErrorName: "_TIMED_OUT", isRetriable: true)

    @Test("a cluster that stops answering makes the service not ready, naming broker_reachable and why; its next answer makes it ready again")
    func readinessFollowsTheCluster() async {
        let health = ServiceHealth(waitingFor: [.brokerReachable])
        let probe = ScriptedProbe()
        let watch = BrokerWatch(probe: probe, health: health, interval: .seconds(1), logger: BrokerWatchTests.logger)

        await watch.check()
        #expect(health.snapshot.isReady)

        probe.answer(failing: BrokerWatchTests.timedOut)
        await watch.check()
        #expect(!health.snapshot.isReady)
        #expect(health.snapshot.isAlive, "an outage is not a failure: the pipeline waits for the brokers")
        #expect(health.snapshot.notReadyReasons == ["broker_reachable: no broker of 127.0.0.1:9092 answered within 2 s: Local: Timed out"])

        await watch.check()
        #expect(!health.snapshot.isReady)

        probe.answer()
        await watch.check()
        #expect(health.snapshot.isReady)
    }

    @Test("the lag of each assigned partition is a gauge by topic and partition, gone once the partition is not assigned")
    func lagGauges() async {
        let registry = bootstrapPrometheusMetrics()
        let topic = "lag-test-\(UInt32.random(in: 0...UInt32.max))"
        let probe = ScriptedProbe()
        let watch = BrokerWatch(probe: probe, health: ServiceHealth(), interval: .seconds(1), logger: BrokerWatchTests.logger)
        func exported() -> [String] {
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init).filter { $0.contains(topic) }
        }
        func lag(_ partition: Int32, high: Int64?, position: Int64?) -> KafkaPartitionLag {
            KafkaPartitionLag(topicPartition: KafkaTopicPartition(topic: topic, partition: partition), highWatermark: high, position: position)
        }

        probe.answer(lags: [lag(0, high: 120, position: 100), lag(1, high: 7, position: 7), lag(2, high: nil, position: 3)])
        await watch.check()
        #expect(exported().sorted() == [
            #"flywheel_consumer_lag{topic="\#(topic)",partition="0"} 20.0"#,
            #"flywheel_consumer_lag{topic="\#(topic)",partition="1"} 0.0"#,
        ])

        // Still unknown for partition 2, caught up on 0; partition 1 was revoked.
        probe.answer(lags: [lag(0, high: 130, position: 130), lag(2, high: nil, position: 3)])
        await watch.check()
        #expect(exported() == [#"flywheel_consumer_lag{topic="\#(topic)",partition="0"} 0.0"#])

        // The lag is measured while the cluster does not answer too (from what the consumer last heard).
        probe.answer(failing: BrokerWatchTests.timedOut, lags: [lag(0, high: 150, position: 130)])
        await watch.check()
        #expect(exported() == [#"flywheel_consumer_lag{topic="\#(topic)",partition="0"} 20.0"#])
    }
}
