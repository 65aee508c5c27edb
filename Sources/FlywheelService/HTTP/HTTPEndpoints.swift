import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// The HTTP side of `flywheel serve`: `GET /healthz`, `GET /readyz` and `GET /metrics`, as a `Service` that stops
/// gracefully with its `ServiceGroup`.
///
/// `/healthz` answers 200 while the pipeline is alive and 503 with the failure once it has failed; `/readyz` answers
/// 200 when ``ServiceHealth`` is ready and 503 with one reason a line otherwise; `/metrics` is the registry in the
/// Prometheus text format.
public struct HTTPEndpoints: Service {
    private let configuration: ServeConfiguration.HTTP
    private let health: ServiceHealth
    private let registry: PrometheusCollectorRegistry
    private let logger: Logger
    private let onListening: @Sendable (_ port: Int) async -> Void

    /// - Parameter onListening: Called once the server listens, with the port it is bound to, which is the one
    ///   asked for unless that was 0.
    public init(
        configuration: ServeConfiguration.HTTP, health: ServiceHealth, registry: PrometheusCollectorRegistry,
        logger: Logger, onListening: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.health = health
        self.registry = registry
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let application = Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port)),
            // Hummingbird logs the address it listens on.
            onServerRunning: { [configuration, onListening] channel in
                await onListening(channel.localAddress?.port ?? configuration.port)
            },
            logger: logger
        )
        try await application.run()
    }

    private func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("healthz") { [health] _, _ in
            let snapshot = health.snapshot
            if let failure = snapshot.failure { return Self.text(.serviceUnavailable, "failed: \(failure)\n") }
            return Self.text(.ok, "ok\n")
        }
        router.get("readyz") { [health] _, _ in
            let snapshot = health.snapshot
            if snapshot.isReady { return Self.text(.ok, "ready\n") }
            return Self.text(.serviceUnavailable, snapshot.notReadyReasons.map { $0 + "\n" }.joined())
        }
        router.get("metrics") { [registry] _, _ in
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
            )
        }
        return router
    }

    private static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }
}
