import ArgumentParser
import Foundation
import FlywheelKafka
import Logging

/// How to reach the Kafka cluster and how much to log.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("bootstrap-servers"), help: "Comma-separated host:port list of a Kafka cluster.")
    var bootstrapServers: String?

    @Option(help: "Seconds to keep retrying an unreachable broker at start before giving up.")
    var startupTimeout: Int = 30

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .warning

    /// The client configuration for `servers` (the option's, unless given).
    func clientConfiguration(servers: String? = nil, clientID: String) throws -> KafkaClientConfiguration {
        guard let servers = servers ?? bootstrapServers else {
            throw ValidationError("--bootstrap-servers is required")
        }
        var client = KafkaClientConfiguration(
            bootstrapServers: servers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
            clientID: clientID)
        client.connection.startupTimeout = .seconds(startupTimeout)
        return client
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
