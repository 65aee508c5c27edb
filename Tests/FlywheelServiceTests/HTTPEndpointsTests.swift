import FlywheelService
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("flywheel serve HTTP endpoints")
struct HTTPEndpointsTests {
    struct Reply {
        var status: Int
        var body: String
        var contentType: String?
    }

    /// A plain HTTP client of the endpoints on one port.
    struct Client {
        let port: Int
        let session: URLSession

        func get(_ path: String) async throws -> Reply {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            // Generous: on a loaded 2-core CI machine, with the other suites' brokers running, every request of this
            // suite once waited past 5 s at the same moment (all answered promptly in other runs).
            request.timeoutInterval = 30
            let (data, response) = try await session.data(for: request)
            let http = try #require(response as? HTTPURLResponse)
            return Reply(
                status: http.statusCode, body: String(decoding: data, as: UTF8.self),
                contentType: http.value(forHTTPHeaderField: "Content-Type")
            )
        }
    }

    /// Runs the endpoints on a free loopback port in a `ServiceGroup` around `body`, then shuts them down gracefully
    /// and returns how long that took.
    @discardableResult
    func withEndpoints(health: ServiceHealth, _ body: (Client) async throws -> Void) async throws -> Duration {
        let logger = Logger(label: "flywheel.http.test")
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let endpoints = HTTPEndpoints(
            configuration: .init(host: "127.0.0.1", port: 0), health: health, registry: bootstrapPrometheusMetrics(),
            logger: logger, onListening: { listening.yield($0) }
        )
        let group = ServiceGroup(configuration: .init(services: [endpoints], logger: logger))
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }

        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                defer { listening.finish() }
                try await group.run()
            }
            guard let port = await ports.first(where: { _ in true }) else {
                try await tasks.waitForAll()
                throw CancellationError()
            }
            do {
                try await body(Client(port: port, session: session))
            } catch {
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                throw error
            }
            let shutdownStarted = ContinuousClock.now
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return ContinuousClock.now - shutdownStarted
        }
    }

    @Test("/healthz answers 200 while the pipeline runs and 503 with the reason once it has failed")
    func liveness() async throws {
        let health = ServiceHealth()
        try await withEndpoints(health: health) { client in
            let alive = try await client.get("/healthz")
            #expect(alive.status == 200)
            #expect(alive.body == "ok\n")

            health.markFailed("consumer fenced by a newer instance")
            let failed = try await client.get("/healthz")
            #expect(failed.status == 503)
            #expect(failed.body == "failed: consumer fenced by a newer instance\n")
        }
    }

    @Test("/readyz lists what it waits for until state, partitions and broker are all there")
    func readiness() async throws {
        let health = ServiceHealth()
        try await withEndpoints(health: health) { client in
            let starting = try await client.get("/readyz")
            #expect(starting.status == 503)
            #expect(starting.body == "state_restored: starting\npartitions_assigned: starting\nbroker_reachable: starting\n")

            health.markReady(.brokerReachable)
            health.markReady(.partitionsAssigned)
            health.markNotReady(.stateRestored, reason: "restoring 3 of 12 partitions")
            let restoring = try await client.get("/readyz")
            #expect(restoring.status == 503)
            #expect(restoring.body == "state_restored: restoring 3 of 12 partitions\n")

            health.markReady(.stateRestored)
            let ready = try await client.get("/readyz")
            #expect(ready.status == 200)
            #expect(ready.body == "ready\n")

            health.markNotReady(.brokerReachable, reason: "connection refused")
            let lost = try await client.get("/readyz")
            #expect(lost.status == 503)
            #expect(lost.body == "broker_reachable: connection refused\n")
        }
    }

    @Test("a failed pipeline is not ready, whatever the conditions say")
    func failedIsNotReady() async throws {
        let health = ServiceHealth()
        for condition in ServiceHealth.Condition.all { health.markReady(condition) }
        health.markFailed("state topic deleted")
        try await withEndpoints(health: health) { client in
            let reply = try await client.get("/readyz")
            #expect(reply.status == 503)
            #expect(reply.body == "failed: state topic deleted\n")
        }
    }

    @Test("/metrics shows swift-metrics counters and timers in the Prometheus text format")
    func metrics() async throws {
        let registry = bootstrapPrometheusMetrics()
        #expect(registry === bootstrapPrometheusMetrics())
        Counter(label: "flywheel_http_test_events_total", dimensions: [("outcome", "matched")]).increment(by: 3)
        Metrics.Timer(label: "flywheel_http_test_processing_seconds", dimensions: [("rule", "retrain")])
            .recordMilliseconds(2)

        try await withEndpoints(health: ServiceHealth()) { client in
            let reply = try await client.get("/metrics")
            #expect(reply.status == 200)
            #expect(reply.contentType?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(reply.body.contains("# TYPE flywheel_http_test_events_total counter\n"))
            #expect(reply.body.contains(#"flywheel_http_test_events_total{outcome="matched"} 3"#))
            #expect(reply.body.contains("# TYPE flywheel_http_test_processing_seconds histogram\n"))
            #expect(reply.body.contains(#"flywheel_http_test_processing_seconds_bucket{rule="retrain",le="0.001"} 0"#))
            #expect(reply.body.contains(#"flywheel_http_test_processing_seconds_bucket{rule="retrain",le="0.0025"} 1"#))
            #expect(reply.body.contains(#"flywheel_http_test_processing_seconds_count{rule="retrain"} 1"#))
        }
    }

    @Test("an unknown path is 404")
    func unknownPath() async throws {
        try await withEndpoints(health: ServiceHealth()) { client in
            let reply = try await client.get("/nothing-here")
            #expect(reply.status == 404)
        }
    }

    @Test("graceful shutdown ends promptly with a kept-alive client connection, and the port then refuses")
    func shutdown() async throws {
        var port = 0
        let took = try await withEndpoints(health: ServiceHealth()) { client in
            let reply = try await client.get("/healthz")
            #expect(reply.status == 200)
            port = client.port
        }
        // Unloaded this takes about 25 ms; a server that waited for the idle connection would hold on until the
        // client closed it. The bound leaves room for a loaded CI machine (2.06 s seen there) and stays inside the
        // 10 s that SIGTERM allows the whole service.
        #expect(took < .seconds(8))
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        await #expect(throws: (any Error).self) {
            try await Client(port: port, session: session).get("/healthz")
        }
    }
}
