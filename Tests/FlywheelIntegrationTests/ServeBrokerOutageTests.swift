import FlywheelKafka
import FlywheelTestSupport
import Foundation
import Testing

/// `flywheel serve` while its broker is frozen (SIGSTOP): connections stay open and nothing answers.
@Suite("flywheel serve through a broker outage", .serialized, .timeLimit(.minutes(5)))
struct ServeBrokerOutageTests {
    @Test("a 10 s broker freeze: /readyz is 503 naming broker_reachable meanwhile, 200 after; the triggers equal replay's, none missing, none twice", arguments: [
        "exactly-once", "at-least-once",
    ])
    func brokerFreeze(_ delivery: String) async throws {
        let setup = try await ServeCommandTests.Setup.make(delivery: delivery)
        let events = ServeIntegrationTests.events(count: 240)
        let expected = try setup.expectedTriggers(events)
        let producer = try await setup.keyedProducer()
        let log = NSTemporaryDirectory() + uniqueName("serve-outage") + ".log"
        let serve = try setup.start(log: log)
        defer { if serve.isRunning { serve.terminate() } }
        func serveLog() -> String { String(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(8000)) }

        try await setup.waitFor("/readyz", process: serve)
        // Input flows in small chunks, so that a batch is likely in flight when the broker freezes.
        let flowing = Task {
            for chunk in stride(from: 0, to: 160, by: 8) {
                try await setup.produce(events[chunk..<chunk + 8], producer: producer)
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let started = ContinuousClock.now
        while await !setup.hasTriggered() {
            guard ContinuousClock.now - started < .seconds(60), serve.isRunning else {
                flowing.cancel()
                Issue.record("no triggers within 60 s: \(serveLog())")
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }

        // Frozen with work possibly in flight: the broker keeps its connections and answers nothing.
        setup.context.broker.pause()
        let paused = ContinuousClock.now
        var notReady: String?
        while notReady == nil, ContinuousClock.now - paused < .seconds(9) {
            if let (status, body) = await setup.get("/readyz"), status == 503 { notReady = body }
            // The service is another process: there is no event to await, so its endpoint is polled.
            try await Task.sleep(for: .milliseconds(200))
        }
        let noticedAfter = ContinuousClock.now - paused
        let health = await setup.get("/healthz")
        try await Task.sleep(until: paused.advanced(by: .seconds(10)))
        setup.context.broker.resume()

        #expect(notReady?.contains("broker_reachable") == true, "/readyz while the broker is frozen: \(notReady ?? "still 200 after 9 s")")
        #expect(health?.0 == 200, "an outage is not a failure: \(health?.1 ?? "no answer")")
        #expect(serve.isRunning, "the pipeline rides through: \(serveLog())")

        try await flowing.value
        try await setup.produce(events[160...], producer: producer)
        try await setup.waitFor("/readyz", process: serve, limit: .seconds(60))
        let triggers = try await setup.context.consumer(group: uniqueName("check"), topics: [setup.output], isolation: .readCommitted)
        do {
            try await triggers.wait(for: "\(expected.count) triggers", limit: .seconds(90)) { $0.messages.count >= expected.count }
        } catch {
            Issue.record("flywheel serve said: \(serveLog())")
            throw error
        }
        try await Task.sleep(for: .seconds(3))  // nothing more may come
        let metrics = await setup.get("/metrics")?.1 ?? ""
        serve.signal(SIGTERM)
        #expect(try await serve.waitForExit(timeout: .seconds(10)) == 0)

        let ids = triggers.messages.compactMap { message in
            message.headers.first(where: { $0.key == "ce_id" })?.value.map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(ids.count == expected.count, "none twice")
        #expect(Set(ids) == Set(expected), "none missing, none unexpected")
        #expect(metrics.contains(#"flywheel_consumer_lag{topic="\#(setup.input)",partition="0"}"#), "lag per input partition")
        print("[outage \(delivery)] /readyz 503 after \(noticedAfter): \(notReady ?? "-"); serve log \(log)")
        try await triggers.stop()
        try await producer.shutdown()
    }
}

extension ServeCommandTests.Setup {
    /// Whether `/metrics` counts a trigger yet.
    func hasTriggered() async -> Bool {
        guard let (status, body) = await get("/metrics"), status == 200 else { return false }
        return body.split(separator: "\n").contains { line in
            line.hasPrefix("flywheel_triggers_total{") && (line.split(separator: " ").last.flatMap { Double($0) } ?? 0) > 0
        }
    }
}
