import ArgumentParser
import FlywheelKafka
import Logging

/// Where the Kafka brokers are: a real cluster, or the embedded one.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("bootstrap-servers"), help: "Comma-separated host:port list of a Kafka cluster.")
    var bootstrapServers: String?

    @Flag(help: "Start an in-process Kafka cluster (librdkafka's mock cluster) and use it.")
    var embedded = false

    @Option(help: "Seconds to keep retrying an unreachable broker at start before giving up.")
    var startupTimeout: Int = 30

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .warning

    func validate() throws {
        if embedded, bootstrapServers != nil {
            throw ValidationError("--embedded and --bootstrap-servers exclude each other")
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
