import ArgumentParser
import FlywheelEvents
import FlywheelKafka
import FlywheelRules
import FlywheelService
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The whole loop on Kafka: a simulator produces MLOps events, the trigger service fires requests, and a stand-in
/// orchestrator says what it was asked to do and why.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole MLOps loop on the embedded Kafka cluster: events in, rules, retrain/redeploy/rollback requests out.",
        discussion: """
            A simulator produces data arrivals, a training-code change, a model version and drift alerts; \
            `flywheel serve`'s pipeline runs the example rules over them (exactly once); a stand-in orchestrator \
            consumes the requests and prints what it was asked to do and why. It ends by itself once every request \
            replay predicts has arrived, and exits 1 otherwise. With --bootstrap-servers it uses that cluster.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The rule files to run.")
    var rules: [String] = [DemoCommand.defaultPath("docs/examples/rules/mlops.yaml")]

    @Option(help: "The directory of versioned event schemas.")
    var schemas = DemoCommand.defaultPath("topics/schemas")

    /// `path` relative to the working directory, or to /etc/flywheel (the container's layout) if only that exists.
    static func defaultPath(_ path: String) -> String {
        FileManager.default.fileExists(atPath: path) || !FileManager.default.fileExists(atPath: "/etc/flywheel/" + path)
            ? path : "/etc/flywheel/" + path
    }

    func run() async throws {
        FlywheelLogging.bootstrap(level: connection.logLevel)
        let logger = Logger(label: "flywheel.demo")
        try LibRdKafka.checkSupported()

        var embeddedBroker: KafkaEmbeddedBroker?
        let client: KafkaClientConfiguration
        if let servers = connection.bootstrapServers {
            client = try connection.clientConfiguration(clientID: "flywheel-demo")
            print("Flywheel demo on Kafka at \(servers) (librdkafka \(LibRdKafka.versionString))")
        } else {
            let broker = try KafkaEmbeddedBroker(logger: logger)
            embeddedBroker = broker
            client = try connection.clientConfiguration(servers: broker.bootstrapServers, clientID: "flywheel-demo")
            print("Flywheel demo on the embedded Kafka cluster at \(broker.bootstrapServers) (librdkafka \(LibRdKafka.versionString))")
        }
        let run = UInt32.random(in: 0...UInt32.max)
        var configuration = ServeConfiguration(
            kafka: client, groupID: "flywheel-demo-\(run)", instanceID: "demo-\(run)",
            inputs: [
                .init(stream: .dataArrivals, topics: [DemoEvents.dataTopic], key: ["data", "dataset"]),
                .init(stream: .codeChanges, topics: [DemoEvents.codeTopic], key: ["data", "repository"]),
                .init(stream: .monitoringAlerts, topics: [DemoEvents.alertTopic], key: ["data", "model"]),
                .init(stream: .modelRegistry, topics: [DemoEvents.registryTopic], key: ["data", "model"]),
            ],
            ruleFiles: rules, schemasDirectory: schemas, stateTopic: "flywheel.demo.state.\(run)",
            repartitionTopic: "flywheel.demo.repartition.\(run)", sessionTimeout: .seconds(6),
            // The inputs may hold earlier runs' events (on a shared cluster); this run starts with its own.
            offsetReset: .latest)
        let serveRules: ServeRules
        do {
            serveRules = try ServeRules.load(configuration)
        } catch {
            for diagnostic in error.diagnostics { writeToStandardError(diagnostic.description) }
            throw ExitCode(1)
        }
        configuration.outputTopics = Array(Set(serveRules.ruleSet.rules.map(\.emit.topic))).sorted()
        let topics = configuration.inputTopics + configuration.outputTopics + [configuration.auditTopic, configuration.deadLetterTopic]
        if let embeddedBroker {
            // The embedded cluster cannot create topics through the admin API, so the service's own are made here too.
            for topic in topics + [configuration.stateTopic, configuration.repartitionTopic] {
                try embeddedBroker.createTopic(topic, partitions: 4)
            }
        } else {
            let admin = try await KafkaAdmin(configuration: client, logger: logger)
            for (topic, error) in try await admin.createTopics(topics.map { KafkaTopicSpecification(name: $0, partitions: 4) }) {
                if let error, error.code != .topicAlreadyExists { throw ValidationError("cannot create \(topic): \(error)") }
            }
        }
        // Every client is gone when this returns, before the embedded broker stops.
        try await runLoop(configuration: configuration, rules: serveRules, shared: embeddedBroker == nil, logger: logger)
        withExtendedLifetime(embeddedBroker) {}
    }

    private func runLoop(configuration: ServeConfiguration, rules: ServeRules, shared: Bool, logger: Logger) async throws {
        // On a shared cluster, names of their own keep this run's keys apart from earlier runs' events.
        let story = DemoEvents.story(tag: shared ? "-" + String(UInt16.random(in: 0...UInt16.max), radix: 16) : "")
        // What replay says the story must fire: the demo checks the live loop against it.
        var replay = RuleReplay(ruleSet: rules.ruleSet)
        var predicted: [RuleFiring] = []
        replay.run(story.map { RuleInput(event: $0.event)! }) { predicted.append($0) }

        let orchestrator = try await KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                client: configuration.kafka, groupID: "flywheel-demo-orchestrator-\(configuration.instanceID)",
                topics: configuration.outputTopics, isolationLevel: .readCommitted, sessionTimeout: .seconds(6)),
            logger: logger)
        let stand = StandInOrchestrator(consumer: orchestrator, expected: Set(predicted.map(\.trigger.id)))
        let health = ServiceHealth()
        let pipeline = TriggerPipeline(
            configuration: configuration, ruleSet: rules.ruleSet, schemas: rules.schemas, health: health, logger: logger)
        print("\nflywheel: \(rules.ruleSet.rules.count) rules (\(rules.ruleSet.rules.map(\.id).joined(separator: ", "))), exactly-once")
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: pipeline),
                    .init(service: stand, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        let done = Task { try await group.run() }
        // Once the service is ready (partitions assigned, state restored), the simulator sends the story.
        let ready = ContinuousClock.now.advanced(by: .seconds(60))
        while !health.snapshot.isReady, ContinuousClock.now < ready {
            try await Task.sleep(for: .milliseconds(100))
        }
        let producer = try await KafkaProducer(configuration: KafkaProducerConfiguration(client: configuration.kafka), logger: logger)
        print("\nsimulator: \(story.count) events")
        for (event, report) in zip(story, try await producer.send(story.map(DemoEvents.message))) {
            print("  \(event.event.type.padding(toLength: 17, withPad: " ", startingAt: 0)) \(event.key.padding(toLength: 12, withPad: " ", startingAt: 0)) → \(report)")
        }
        try await producer.shutdown()
        print("")
        let timeout = Task {
            try await Task.sleep(for: .seconds(90))
            await group.triggerGracefulShutdown()
        }
        try await done.value
        timeout.cancel()

        let received = stand.received
        let missing = predicted.filter { !received.contains($0.trigger.id) }
        print("\nDemo finished: \(story.count) events, \(received.count) of the \(predicted.count) requests replay predicts arrived, each once\(missing.isEmpty ? "" : "; missing: \(missing.map(\.ruleID).joined(separator: ", "))").")
        if !missing.isEmpty || stand.duplicates > 0 { throw ExitCode.failure }
    }
}

/// Stands in for Airflow, Kubeflow or Argo: reads the requests and prints what it was asked to do and why; ends
/// the demo once every expected request has arrived.
final class StandInOrchestrator: Service, Sendable {
    let consumer: KafkaConsumer
    let expected: Set<String>
    private let state = Mutex((received: Set<String>(), duplicates: 0))

    init(consumer: KafkaConsumer, expected: Set<String>) {
        self.consumer = consumer
        self.expected = expected
    }

    var received: Set<String> { state.withLock { $0.received } }
    var duplicates: Int { state.withLock { $0.duplicates } }

    func run() async throws {
        let codec = CloudEventKafkaCodec()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.consumer.run() }
            try await withGracefulShutdownHandler {
                for try await event in consumer.events {
                    guard case .messages(let messages) = event else { continue }
                    for message in messages {
                        let record = CloudEventRecord(
                            key: message.key, value: message.value, headers: message.headers.map { .init(name: $0.key, value: $0.value) })
                        // A shared cluster may hold earlier runs' requests; this run's are the expected ones.
                        guard let request = try? codec.decode(record), expected.contains(request.id) else { continue }
                        let fresh = state.withLock { $0.received.insert(request.id).inserted }
                        if !fresh { state.withLock { $0.duplicates += 1 } }
                        StandInOrchestrator.print(request, duplicate: !fresh)
                    }
                    consumer.storeOffsets(for: messages)
                    if expected.isSubset(of: received) { consumer.triggerGracefulShutdown() }
                }
            } onGracefulShutdown: {
                self.consumer.triggerGracefulShutdown()
            }
            try await group.waitForAll()
        }
    }

    private static func print(_ request: CloudEvent, duplicate: Bool) {
        let action = request.type.replacingOccurrences(of: ".requested", with: "")
        let target = request.data?[path: "target"]?.stringValue ?? request.subject ?? "?"
        let reason = request.data?[path: "reason"]?.stringValue ?? ""
        let causes = request.data?[path: "cause"]?.arrayValue?.compactMap { $0[path: "id"]?.stringValue } ?? []
        Swift.print("orchestrator: \(action) \(target) — \(reason)")
        Swift.print("              rule \(request.extensions["ruleid"] ?? "?"), request \(request.id)\(duplicate ? " (again: dropped)" : ""), because of \(causes.joined(separator: ", "))")
    }
}
