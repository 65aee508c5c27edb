import ArgumentParser
import FlywheelService
import Logging
import ServiceLifecycle

/// The long-running service: consumes the input topics, runs the rules, emits triggers.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the trigger service: consume, evaluate rules, emit triggers exactly once.",
        discussion: """
            The configuration file is described field by field in docs/configuration.md; environment variables \
            FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS, FLYWHEEL_KAFKA_SASL_USERNAME, FLYWHEEL_KAFKA_SASL_PASSWORD and \
            FLYWHEEL_KAFKA_TLS_KEY_PASSWORD override it. Serves /healthz, /readyz and /metrics over HTTP. SIGTERM or \
            SIGINT finishes the batch in flight, commits, leaves the group and exits 0.
            """)

    @Option(help: "The configuration file (YAML).")
    var config: String

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Log format: json (one object a line, for log collectors) or text.")
    var logFormat: FlywheelLogging.Format = .json

    func run() async throws {
        FlywheelLogging.bootstrap(level: logLevel, format: logFormat)
        let registry = bootstrapPrometheusMetrics()
        let logger = Logger(label: "flywheel.serve")
        let configuration: ServeConfiguration
        let rules: ServeRules
        do {
            configuration = try ServeConfiguration.load(path: config)
            rules = try ServeRules.load(configuration)
        } catch {
            for diagnostic in error.diagnostics { writeToStandardError(diagnostic.description) }
            throw ExitCode(1)
        }
        for warning in rules.warnings { logger.warning("\(warning)") }
        logger.info("Starting", metadata: ["allocator": "\(ProcessAllocator.description)"])
        let health = ServiceHealth()
        let pipeline = TriggerPipeline(
            configuration: configuration, ruleSet: rules.ruleSet, schemas: rules.schemas, health: health, logger: logger)
        let endpoints = HTTPEndpoints(configuration: configuration.http, health: health, registry: registry, logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: endpoints),
                    .init(service: pipeline, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
