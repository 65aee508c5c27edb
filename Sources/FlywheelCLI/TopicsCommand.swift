import ArgumentParser
import FlywheelKafka
import FlywheelTopics
import Foundation
import Logging

/// Topics as code: compares the `topics/*.yaml` specifications with a cluster and creates the missing topics.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Create and check Kafka topics from their specifications (topics/*.yaml).",
        discussion: "Exit codes: 0 done or in sync, 1 check found differences or missing topics, 2 an error.",
        subcommands: [Apply.self, Check.self]
    )

    /// Where the specifications are and how to read them against the cluster.
    struct SpecificationOptions: ParsableArguments {
        @Option(help: "The directory of topic specifications (*.yaml).")
        var topicsDir = "topics"

        @Option(help: "Create and compare with this replication factor instead of the files' (1 for a single broker).")
        var replicationFactorOverride: Int?

        func validate() throws {
            if let replicationFactorOverride, !(1...Int(Int16.max)).contains(replicationFactorOverride) {
                throw ValidationError("--replication-factor-override must be from 1 to \(Int16.max)")
            }
        }
    }

    /// Creates the topics that do not exist and reports the existing ones that differ from their specifications.
    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the missing topics; report existing topics that differ, without changing them.",
            discussion: """
                Never deletes a topic, lowers a partition count, or changes a config or replication factor. \
                Running it twice changes nothing the second time.
                """
        )

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var specifications: SpecificationOptions

        @Flag(help: "Print what would be done; change nothing.")
        var dryRun = false

        @Flag(
            help: "Also raise partition counts that are below the specification (this moves keys to other partitions).")
        var increasePartitions = false

        func run() async throws {
            try await TopicsCommand.reportingErrors { () async throws -> Int32 in
                let (reconciler, plan) = try await TopicsCommand.plan(connection: connection, options: specifications)
                let increases = increasePartitions ? plan.partitionIncreases : [:]
                let existing = plan.differences.filter { $0.kind != .missingTopic }
                let differing = plan.topicsDiffering.count
                if dryRun {
                    for topic in plan.topicsToCreate { print("would create \(TopicsCommand.describe(topic))") }
                    for (topic, total) in increases.sorted(by: { $0.key < $1.key }) {
                        print("would raise \(topic) to \(total) partitions")
                    }
                    for difference in existing
                    where increases[difference.topic] == nil || difference.kind != .fewerPartitions {
                        print(difference)
                    }
                    let toCreate = plan.topicsToCreate.count
                    print("dry run: \(toCreate) to create, \(increases.count) to raise, \(differing) existing differ")
                    return 0
                }
                let outcome = try await reconciler.apply(plan, increasePartitions: increasePartitions)
                for topic in outcome.created { print("created \(TopicsCommand.describe(topic))") }
                for (topic, total) in outcome.partitionsRaised.sorted(by: { $0.key < $1.key }) {
                    print("raised \(topic) to \(total) partitions")
                }
                for difference in existing
                where outcome.partitionsRaised[difference.topic] == nil || difference.kind != .fewerPartitions {
                    print(difference)
                }
                for (_, error) in outcome.failures.sorted(by: { $0.key < $1.key }) {
                    TopicsCommand.printError("\(error)")
                }
                let created = outcome.created.count, raised = outcome.partitionsRaised.count
                let failed = outcome.failures.count
                print("apply: \(created) created, \(raised) raised, \(differing) existing differ, \(failed) failed")
                return outcome.failures.isEmpty ? 0 : 2
            }
        }
    }

    /// Reports every difference between the specifications and the cluster; exits 1 if any.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare the cluster with the specifications; exit 1 on missing topics or differences.",
            discussion: "Prints one line per difference: topic, field, spec value, cluster value. Changes nothing."
        )

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var specifications: SpecificationOptions

        func run() async throws {
            try await TopicsCommand.reportingErrors { () async throws -> Int32 in
                let (_, plan) = try await TopicsCommand.plan(connection: connection, options: specifications)
                for difference in plan.differences { print(difference) }
                let inSync = plan.topicsInSync.count, missing = plan.topicsToCreate.count
                print("check: \(inSync) in sync, \(missing) missing, \(plan.topicsDiffering.count) differ")
                return plan.isInSync ? 0 : 1
            }
        }
    }

    /// Reads the specifications, connects and compares.
    static func plan(
        connection: ConnectionOptions, options: SpecificationOptions
    ) async throws -> (TopicReconciler, TopicPlan) {
        FlywheelLogging.bootstrap(level: connection.logLevel)
        let logger = Logger(label: "flywheel.topics")
        let specifications = try TopicSpecificationFile.loadDirectory(options.topicsDir).map(\.specification)
        let admin = try await KafkaAdmin(
            configuration: try connection.clientConfiguration(clientID: "flywheel-topics"), logger: logger)
        let reconciler = TopicReconciler(admin: admin, logger: logger)
        let plan = try await reconciler.plan(
            specifications, replicationFactorOverride: options.replicationFactorOverride)
        return (reconciler, plan)
    }

    /// Runs `body` and exits with its status; a specification or cluster error is printed and exits 2.
    static func reportingErrors(_ body: () async throws -> Int32) async throws {
        let status: Int32
        do {
            status = try await body()
        } catch let error as TopicsError {
            printError("\(error)")
            status = 2
        } catch let error as KafkaError {
            printError("\(error)")
            status = 2
        }
        if status != 0 { throw ExitCode(status) }
    }

    static func printError(_ message: String) {
        writeToStandardError("error: \(message)")
    }

    /// A topic to create: its name, partitions, replication factor and configs.
    static func describe(_ topic: KafkaTopicSpecification) -> String {
        let configs = topic.configs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        return "\(topic.name): \(topic.partitions) partitions, replication factor \(topic.replicationFactor), "
            + configs
    }
}
