internal import CRdKafka
import Dispatch
import Logging
import Synchronization

/// Owns one librdkafka handle: its callbacks, its logs and a queue for its blocking calls.
///
/// The only type that creates or destroys an `rd_kafka_t`.
final class RDKafkaClient: Sendable {
    enum Kind {
        case producer
        case consumer
    }

    // librdkafka handles are thread-safe: every rd_kafka_* call on them may come from any thread.
    nonisolated(unsafe) private let handle: OpaquePointer
    let callbacks: RDKafkaCallbacks
    let logger: Logger
    let properties: RDKafkaProperties
    private let blockingQueue: DispatchQueue

    init(
        kind: Kind,
        properties: RDKafkaProperties,
        logger: Logger,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        try LibRdKafka.checkSupported()
        let callbacks = RDKafkaCallbacks(logger: logger)
        let conf = try properties.makeConf()
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(callbacks).toOpaque())
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, message in
            guard let rk, let opaque = rd_kafka_opaque(rk) else { return }
            let callbacks = Unmanaged<RDKafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue()
            callbacks.log(level: level, facility: facility, message: message)
        }
        rd_kafka_conf_set_error_cb(conf) { rk, err, reason, opaque in
            guard let opaque else { return }
            let callbacks = Unmanaged<RDKafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue()
            callbacks.error(rk: rk, err: rd_kafka_resp_err_t(err), reason: reason.map { String(cString: $0) } ?? "")
        }
        configure(conf)
        var errorText = [CChar](repeating: 0, count: 512)
        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(code: .configuration, reason: "cannot create the Kafka client: \(String(cBuffer: errorText))")
        }
        self.handle = handle
        self.callbacks = callbacks
        self.logger = logger
        self.properties = properties
        self.blockingQueue = DispatchQueue(label: "flywheel.rdkafka.blocking")
    }

    deinit {
        rd_kafka_destroy(handle)
    }

    /// Gives `body` the handle; the pointer must not outlive the call.
    func withHandle<Result, Failure: Error>(_ body: (OpaquePointer) throws(Failure) -> Result) throws(Failure) -> Result {
        try body(handle)
    }

    /// Runs a blocking librdkafka call on this client's own queue, off Swift's cooperative pool.
    func runBlocking<Result: Sendable>(_ body: @escaping @Sendable (OpaquePointer) -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            blockingQueue.async { continuation.resume(returning: body(self.handle)) }
        }
    }

    var bootstrapServers: String { properties["bootstrap.servers"] ?? "" }

    /// Waits, retrying with backoff, until a broker answers a metadata request.
    func awaitBroker(policy: KafkaConnectionPolicy) async throws(KafkaError) {
        guard let timeout = policy.startupTimeout else { return }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var backoff = policy.reconnectBackoff
        var lastError = ""
        while true {
            let remaining = clock.now.duration(to: deadline)
            let attempt = min(max(remaining, .milliseconds(200)), .seconds(2)).milliseconds
            let err = await runBlocking { handle -> rd_kafka_resp_err_t in
                var metadata: UnsafePointer<rd_kafka_metadata>?
                let err = rd_kafka_metadata(handle, 0, nil, &metadata, Int32(attempt))
                if let metadata { rd_kafka_metadata_destroy(metadata) }
                return err
            }
            if err == RD_KAFKA_RESP_ERR_NO_ERROR { return }
            serveEvents()
            lastError = callbacks.lastBrokerError ?? String(cString: rd_kafka_err2str(err))
            if clock.now >= deadline || Task.isCancelled {
                throw KafkaError(
                    code: .connection,
                    reason: "no broker of \(bootstrapServers) (configuration field bootstrapServers) answered within"
                        + " \(timeout) (connection.startupTimeout); last error: \(lastError)",
                    librdkafkaErrorName: String(cString: rd_kafka_err2name(err)),
                    isRetriable: true
                )
            }
            logger.warning(
                "Kafka brokers not reachable yet, retrying",
                metadata: [
                    LogKey.bootstrapServers: "\(bootstrapServers)", LogKey.error: "\(lastError)",
                    LogKey.retryIn: "\(backoff)",
                ])
            try? await Task.sleep(for: min(backoff, clock.now.duration(to: deadline)))
            backoff = min(backoff * 2, policy.reconnectBackoffMax)
        }
    }

    /// Runs the error and log callbacks queued on a handle that has no poll thread (admin; any client before it
    /// starts polling), so they neither pile up nor go unreported. Not for a consumer once it polls its own queue.
    func serveEvents() {
        _ = rd_kafka_poll(handle, 0)
    }

    /// The fatal error raised on this handle, if any.
    func fatalError(code: KafkaError.Code) -> KafkaError? {
        var text = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(handle, &text, text.count)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(
            code: code, reason: "fatal client error: \(String(cBuffer: text))",
            librdkafkaErrorName: String(cString: rd_kafka_err2name(err)), isFatal: true)
    }
}

/// What librdkafka calls back into: logs, errors, and (for consumers) rebalances.
final class RDKafkaCallbacks: Sendable {
    let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var lastBrokerError: String?
        var rebalance: (@Sendable (OpaquePointer, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> Void)?
    }

    init(logger: Logger) {
        self.logger = logger
    }

    var lastBrokerError: String? { state.withLock { $0.lastBrokerError } }

    func setRebalanceHandler(
        _ handler: @escaping @Sendable (OpaquePointer, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> Void
    ) {
        state.withLock { $0.rebalance = handler }
    }

    func rebalance(rk: OpaquePointer, err: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let handler = state.withLock { $0.rebalance }
        handler?(rk, err, partitions)
    }

    func log(level: Int32, facility: UnsafePointer<CChar>?, message: UnsafePointer<CChar>?) {
        // Errors and warnings also reach the error callback, which logs them as warnings with their error name;
        // librdkafka's own lines about them are kept for context one level lower.
        let effective: Logger.Level = level <= 4 ? .notice : .debug
        guard logger.logLevel <= effective else { return }
        logger.log(
            level: effective,
            "\(message.map { String(cString: $0) } ?? "")",
            metadata: [LogKey.librdkafkaFacility: "\(facility.map { String(cString: $0) } ?? "")"])
    }

    func error(rk: OpaquePointer?, err: rd_kafka_resp_err_t, reason: String) {
        state.withLock { $0.lastBrokerError = reason }
        let name = String(cString: rd_kafka_err2name(err))
        if err == RD_KAFKA_RESP_ERR__FATAL {
            logger.error("Kafka client fatal error", metadata: [LogKey.error: "\(reason)", LogKey.errorName: "\(name)"])
        } else if err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TRANSPORT
            || err == RD_KAFKA_RESP_ERR__RESOLVE
        {
            logger.warning("Kafka broker connection problem", metadata: [LogKey.error: "\(reason)", LogKey.errorName: "\(name)"])
        } else {
            logger.warning("Kafka client error", metadata: [LogKey.error: "\(reason)", LogKey.errorName: "\(name)"])
        }
    }
}
