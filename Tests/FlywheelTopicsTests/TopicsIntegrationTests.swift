import FlywheelKafka
import FlywheelTestSupport
import FlywheelTopics
import Foundation
import Testing

/// A temporary topics directory of small specifications with names unique to one test.
struct TopicsDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("topics")).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `<name>.yaml`; the replication factor is the production 3, so tests need the override.
    func write(_ name: String, partitions: Int, retention: String, cleanupPolicy: String) throws {
        let yaml = """
            name: \(name)
            partitions: \(partitions)
            replication_factor: 3
            retention: \(retention)
            cleanup_policy: \(cleanupPolicy)
            key: model
            event_types: [test.event]
            description: A topic of an integration test.

            """
        try yaml.write(toFile: "\(path)/\(name).yaml", atomically: true, encoding: .utf8)
    }

    func specifications() throws -> [TopicSpecification] {
        try TopicSpecificationFile.loadDirectory(path).map(\.specification)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

@Suite("Topics as code against Tansu", .timeLimit(.minutes(2)))
struct TopicsIntegrationTests {
    @Test(
        "apply creates the missing topics with their configs once; the next apply changes nothing; drift is reported, not fixed"
    )
    func applyTwiceThenDrift() async throws {
        let broker = try await TansuBroker()
        let admin = try await KafkaAdmin(configuration: broker.clientConfiguration, logger: testLogger())
        let reconciler = TopicReconciler(admin: admin, logger: testLogger())
        let directory = try TopicsDirectory()
        defer { directory.remove() }
        let audit = uniqueName("audit")
        let models = uniqueName("models")
        try directory.write(audit, partitions: 2, retention: "12h", cleanupPolicy: "delete")
        try directory.write(models, partitions: 3, retention: "30d", cleanupPolicy: "compact")

        let first = try await reconciler.plan(directory.specifications(), replicationFactorOverride: 1)
        #expect(first.topicsToCreate.map(\.name) == [audit, models].sorted())
        #expect(!first.isInSync)
        let applied = try await reconciler.apply(first)
        #expect(applied.failures.isEmpty)
        #expect(applied.created.map(\.name) == [audit, models].sorted())

        let described = try await admin.describeTopics([audit, models])
        #expect(described.map(\.partitionCount) == (audit < models ? [2, 3] : [3, 2]))
        #expect(described.allSatisfy { $0.replicationFactor == 1 })
        let configs = try await admin.describeTopicConfigs([audit, models])
        #expect(configs[audit]?["retention.ms"] == "43200000")
        #expect(configs[audit]?["cleanup.policy"] == "delete")
        #expect(configs[models]?["retention.ms"] == "2592000000")
        #expect(configs[models]?["cleanup.policy"] == "compact")

        let second = try await reconciler.plan(directory.specifications(), replicationFactorOverride: 1)
        #expect(second.topicsToCreate.isEmpty)
        #expect(second.differences.isEmpty)
        #expect(second.isInSync)
        let again = try await reconciler.apply(second)
        #expect(again.created.isEmpty && again.partitionsRaised.isEmpty && again.failures.isEmpty)

        // Without the override the specs' replication factor 3 differs from Tansu's single replica.
        let unscaled = try await reconciler.plan(directory.specifications())
        #expect(unscaled.differences.map(\.kind) == [.replicationFactor, .replicationFactor])

        try directory.write(audit, partitions: 4, retention: "7d", cleanupPolicy: "delete")
        let drifted = try await reconciler.plan(directory.specifications(), replicationFactorOverride: 1)
        #expect(
            drifted.differences.map(\.description) == [
                "\(audit): partitions: spec 4, cluster 2 (can be raised with apply --increase-partitions)",
                "\(audit): retention: spec 7d, cluster 12h (reported only)",
            ])
        #expect(drifted.partitionIncreases == [audit: 4])
        let reported = try await reconciler.apply(drifted)
        #expect(reported.created.isEmpty && reported.partitionsRaised.isEmpty && reported.failures.isEmpty)
        #expect(try await admin.describeTopics([audit]).first?.partitionCount == 2)
        #expect(try await admin.describeTopicConfigs([audit])[audit]?["retention.ms"] == "43200000")

        // Tansu 0.6 does not implement CreatePartitions (a known limitation, docs/topics.md): the refusal is
        // reported per topic and nothing changes.
        let raise = try await reconciler.apply(drifted, increasePartitions: true)
        #expect(raise.partitionsRaised.isEmpty)
        let refusal = try #require(raise.failures[audit])
        #expect(refusal.librdkafkaErrorName == "_UNSUPPORTED_FEATURE")
        #expect(refusal.reason.contains(audit))
        #expect(try await admin.describeTopics([audit]).first?.partitionCount == 2)
    }

    @Test("configs a topic never set are unknown on Tansu, which reports no defaults; they are not drift")
    func unknownConfigs() async throws {
        let broker = try await TansuBroker()
        let admin = try await KafkaAdmin(configuration: broker.clientConfiguration, logger: testLogger())
        let directory = try TopicsDirectory()
        defer { directory.remove() }
        let name = uniqueName("bare")
        try directory.write(name, partitions: 2, retention: "7d", cleanupPolicy: "delete")
        try await admin.createTopic(KafkaTopicSpecification(name: name, partitions: 2))

        let plan = try await TopicReconciler(admin: admin, logger: testLogger())
            .plan(directory.specifications(), replicationFactorOverride: 1)
        #expect(
            plan.differences.map(\.description) == [
                "\(name): retention: spec 7d, cluster unknown (the broker did not report it; not compared)",
                "\(name): cleanup_policy: spec delete, cluster unknown (the broker did not report it; not compared)",
            ])
        #expect(plan.isInSync)
    }

    @Test(
        "flywheel topics: check fails on missing topics, dry run changes nothing, apply creates, check passes, then fails on drift"
    )
    func command() async throws {
        let broker = try await TansuBroker()
        let admin = try await KafkaAdmin(configuration: broker.clientConfiguration, logger: testLogger())
        let directory = try TopicsDirectory()
        defer { directory.remove() }
        let events = uniqueName("events")
        try directory.write(events, partitions: 2, retention: "7d", cleanupPolicy: "delete")
        let flywheel = try BuiltProducts.executable("flywheel")

        func run(_ arguments: [String]) async throws -> (status: Int32?, output: [String]) {
            let output = NSTemporaryDirectory() + uniqueName("topics-output") + ".txt"
            defer { try? FileManager.default.removeItem(atPath: output) }
            let process = try ChildProcess(
                [flywheel, "topics"] + arguments
                    + [
                        "--topics-dir", directory.path, "--bootstrap-servers", broker.bootstrapServers,
                        "--replication-factor-override", "1",
                    ],
                standardOutput: output)
            let status = try await process.waitForExit(timeout: .seconds(30))
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            return (status, text.split(separator: "\n").map(String.init))
        }

        let missing = try await run(["check"])
        #expect(missing.status == 1)
        #expect(
            missing.output == [
                "\(events): topic: spec 2 partitions, replication factor 1, cluster missing (apply creates it)",
                "check: 0 in sync, 1 missing, 0 differ",
            ])

        let dryRun = try await run(["apply", "--dry-run"])
        #expect(dryRun.status == 0)
        #expect(
            dryRun.output.first
                == "would create \(events): 2 partitions, replication factor 1, cleanup.policy=delete, retention.ms=604800000"
        )
        #expect(try await admin.describeTopics().allSatisfy { $0.name != events })

        let apply = try await run(["apply"])
        #expect(apply.status == 0)
        #expect(
            apply.output == [
                "created \(events): 2 partitions, replication factor 1, cleanup.policy=delete, retention.ms=604800000",
                "apply: 1 created, 0 raised, 0 existing differ, 0 failed",
            ])
        let secondApply = try await run(["apply"])
        #expect(secondApply.status == 0)
        #expect(secondApply.output == ["apply: 0 created, 0 raised, 0 existing differ, 0 failed"])

        let clean = try await run(["check"])
        #expect(clean.status == 0)
        #expect(clean.output == ["check: 1 in sync, 0 missing, 0 differ"])

        try directory.write(events, partitions: 5, retention: "7d", cleanupPolicy: "compact")
        let drift = try await run(["check"])
        #expect(drift.status == 1)
        #expect(
            drift.output == [
                "\(events): partitions: spec 5, cluster 2 (can be raised with apply --increase-partitions)",
                "\(events): cleanup_policy: spec compact, cluster delete (reported only)",
                "check: 0 in sync, 0 missing, 1 differ",
            ])
        let reportOnly = try await run(["apply"])
        #expect(reportOnly.status == 0)
        #expect(reportOnly.output.last == "apply: 0 created, 0 raised, 1 existing differ, 0 failed")
        #expect(try await admin.describeTopics([events]).first?.partitionCount == 2)
        // Tansu refuses CreatePartitions: the failure is an error (exit 2), not a silent success.
        let raise = try await run(["apply", "--increase-partitions"])
        #expect(raise.status == 2)
        #expect(raise.output.last == "apply: 0 created, 0 raised, 1 existing differ, 1 failed")

        try "name: \(events)\npartitions: many\n".write(
            toFile: "\(directory.path)/\(events).yaml", atomically: true, encoding: .utf8)
        let broken = try await run(["check"])
        #expect(broken.status == 2)
    }
}
