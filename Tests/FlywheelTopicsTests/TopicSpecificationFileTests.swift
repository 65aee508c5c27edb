import FlywheelKafka
import FlywheelTopics
import Foundation
import Testing

@Suite("Topic specification files")
struct TopicSpecificationFileTests {
    static let path = "topics/ml.example.yaml"
    static let lines = [
        "name: ml.example",
        "partitions: 6",
        "replication_factor: 3",
        "retention: 7d",
        "cleanup_policy: delete",
        "key: model",
        "event_types: [model.registered, model.evaluated]",
        "description: >-",
        "  Registered and evaluated",
        "  model versions.",
    ]

    /// The example file with the line starting `field:` replaced by `line` (removed when nil).
    static func yaml(replacing field: String, with line: String?) -> String {
        var lines = lines
        let index = lines.firstIndex { $0.hasPrefix(field + ":") }!
        if let line { lines[index] = line } else { lines.remove(at: index) }
        return lines.joined(separator: "\n") + "\n"
    }

    static func error(_ yaml: String, path: String = path) -> TopicsError? {
        do {
            _ = try TopicSpecificationFile(yaml: yaml, path: path)
            return nil
        } catch {
            return error
        }
    }

    @Test("a complete file gives every field and the Kafka topic with retention.ms and cleanup.policy")
    func goodFile() throws {
        let file = try TopicSpecificationFile(yaml: Self.lines.joined(separator: "\n"), path: Self.path)
        let spec = file.specification
        #expect(spec.name == "ml.example")
        #expect(spec.partitions == 6)
        #expect(spec.replicationFactor == 3)
        #expect(spec.retention == .seconds(7 * 86_400))
        #expect(spec.cleanupPolicy == .delete)
        #expect(spec.key == "model")
        #expect(spec.eventTypes == ["model.registered", "model.evaluated"])
        #expect(spec.description == "Registered and evaluated model versions.")
        #expect(
            spec.kafkaTopic()
                == KafkaTopicSpecification(
                    name: "ml.example", partitions: 6, replicationFactor: 3,
                    configs: ["retention.ms": "604800000", "cleanup.policy": "delete"]))
        #expect(spec.kafkaTopic(replicationFactorOverride: 1).replicationFactor == 1)
    }

    @Test(
        "retention units ms, s, m, h, d and w become retention.ms",
        arguments: [
            ("500ms", "500"), ("30s", "30000"), ("15m", "900000"), ("12h", "43200000"), ("30d", "2592000000"),
            ("2w", "1209600000"), ("\"7d\"", "604800000"),
        ])
    func retentionUnits(text: String, milliseconds: String) throws {
        let file = try TopicSpecificationFile(
            yaml: Self.yaml(replacing: "retention", with: "retention: \(text)"), path: Self.path)
        #expect(file.specification.configs["retention.ms"] == milliseconds)
    }

    @Test("compact is a cleanup policy")
    func compact() throws {
        let file = try TopicSpecificationFile(
            yaml: Self.yaml(replacing: "cleanup_policy", with: "cleanup_policy: compact"), path: Self.path)
        #expect(file.specification.configs["cleanup.policy"] == "compact")
    }

    @Test("an unknown field is named at its line and column, with the fields the format has")
    func unknownField() {
        let error = Self.error(Self.yaml(replacing: "retention", with: "retension: 7d"))
        #expect(error?.code == .unknownField)
        #expect(error?.field == "retension")
        #expect(
            error?.description
                == "topics/ml.example.yaml:4:1: unknown field 'retension'; the fields are name, partitions, replication_factor, retention, cleanup_policy, key, event_types, description"
        )
    }

    @Test("a missing field is named, at the start of the mapping")
    func missingField() {
        let error = Self.error(Self.yaml(replacing: "key", with: nil))
        #expect(error?.code == .missingField)
        #expect(error?.field == "key")
        #expect(error?.description == "topics/ml.example.yaml:1:1: missing field key")
    }

    @Test("a field given twice is reported at the first of its keys")
    func duplicateField() {
        let error = Self.error(Self.lines.joined(separator: "\n") + "\npartitions: 3\n")
        #expect(error?.code == .duplicateField)
        #expect(error?.description == "topics/ml.example.yaml:2:1: field partitions is given more than once")
    }

    @Test(
        "partitions that are not a whole number from 1 to 1000 are refused at the value",
        arguments: [
            ("partitions: six", "'six'"), ("partitions: 0", "'0'"), ("partitions: 1001", "'1001'"),
            ("partitions: \"6\"", "'6'"), ("partitions: 6.5", "'6.5'"), ("partitions: [6]", "a list"),
        ])
    func badPartitions(line: String, shown: String) {
        let error = Self.error(Self.yaml(replacing: "partitions", with: line))
        #expect(error?.code == .invalidValue)
        #expect(error?.field == "partitions")
        #expect(
            error?.description
                == "topics/ml.example.yaml:2:13: partitions must be a whole number from 1 to 1000, not \(shown)")
    }

    @Test("a replication factor above 7 is refused")
    func badReplicationFactor() {
        let error = Self.error(Self.yaml(replacing: "replication_factor", with: "replication_factor: 9"))
        #expect(
            error?.description
                == "topics/ml.example.yaml:3:21: replication_factor must be a whole number from 1 to 7, not '9'")
    }

    @Test(
        "a retention that is not a positive number with a unit is refused at the value",
        arguments: [
            "7 days", "7", "0d", "07d", "7y", "-1d", "1.5d", "99999999999999w",
        ])
    func badDuration(text: String) {
        let error = Self.error(Self.yaml(replacing: "retention", with: "retention: \(text)"))
        #expect(error?.code == .invalidValue)
        #expect(error?.field == "retention")
        #expect(
            error?.description
                == "topics/ml.example.yaml:4:12: retention must be a duration: a positive whole number and a unit ms, s, m, h, d or w, like 7d, 12h or 30d, not '\(text)'"
        )
    }

    @Test("a cleanup policy other than delete or compact is refused at the value")
    func badCleanupPolicy() {
        let error = Self.error(Self.yaml(replacing: "cleanup_policy", with: "cleanup_policy: compacted"))
        #expect(error?.code == .invalidValue)
        #expect(error?.field == "cleanup_policy")
        #expect(
            error?.description
                == "topics/ml.example.yaml:5:17: cleanup_policy must be one of delete, compact, not 'compacted'")
    }

    @Test("event types must be a non-empty list without repeats")
    func badEventTypes() {
        let empty = Self.error(Self.yaml(replacing: "event_types", with: "event_types: []"))
        #expect(
            empty?.description
                == "topics/ml.example.yaml:7:14: event_types must be a non-empty list of event types, like [data.arrived], not a list"
        )
        let repeated = Self.error(Self.yaml(replacing: "event_types", with: "event_types: [a.b, c.d, a.b]"))
        #expect(repeated?.description == "topics/ml.example.yaml:7:25: event_types lists a.b twice")
    }

    @Test("the name must be a topic name and match the file name")
    func badName() {
        let mismatch = Self.error(Self.yaml(replacing: "name", with: "name: ml.other"))
        #expect(
            mismatch?.description
                == "topics/ml.example.yaml:1:7: name ml.other does not match the file name ml.example.yaml")
        let uppercase = Self.error(
            Self.yaml(replacing: "name", with: "name: ML.Example"), path: "topics/ML.Example.yaml")
        #expect(uppercase?.field == "name")
        #expect(
            uppercase?.description.hasPrefix("topics/ML.Example.yaml:1:7: name must be a lowercase Kafka topic name")
                == true)
    }

    @Test("a YAML syntax error names the parser's line and column")
    func syntaxError() {
        let error = Self.error(Self.yaml(replacing: "event_types", with: "event_types: [model.registered"))
        #expect(error?.code == .syntax)
        #expect(error?.location.file == Self.path)
        #expect(error?.location.line == 8)
        #expect(error?.description.hasPrefix("topics/ml.example.yaml:8:") == true)
        #expect(error?.description.contains("not valid YAML") == true)
    }

    @Test("an empty file or a document that is not a mapping is refused")
    func notAMapping() {
        #expect(
            Self.error("")?.description
                == "topics/ml.example.yaml:1:1: the file is empty; expected the fields name, partitions, replication_factor, retention, cleanup_policy, key, event_types, description"
        )
        #expect(
            Self.error("- name: ml.example\n")?.description
                == "topics/ml.example.yaml:1:1: expected a mapping of fields, not a list")
    }

    @Test("a directory loads its *.yaml files in name order and names the file of the first error")
    func directory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("topics-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = Self.lines.joined(separator: "\n").replacingOccurrences(of: "ml.example", with: "b.topic")
        try good.write(toFile: directory + "/b.topic.yaml", atomically: true, encoding: .utf8)
        try good.replacingOccurrences(of: "b.topic", with: "a.topic")
            .write(toFile: directory + "/a.topic.yaml", atomically: true, encoding: .utf8)
        try "not a spec".write(toFile: directory + "/README.md", atomically: true, encoding: .utf8)
        #expect(
            try TopicSpecificationFile.loadDirectory(directory).map(\.specification.name) == ["a.topic", "b.topic"])

        try good.replacingOccurrences(of: "b.topic", with: "c.topic").replacingOccurrences(of: "delete", with: "keep")
            .write(toFile: directory + "/c.topic.yaml", atomically: true, encoding: .utf8)
        #expect(throws: TopicsError.self) { try TopicSpecificationFile.loadDirectory(directory) }
        do {
            _ = try TopicSpecificationFile.loadDirectory(directory)
        } catch {
            #expect(
                error.description
                    == "\(directory)/c.topic.yaml:5:17: cleanup_policy must be one of delete, compact, not 'keep'")
        }

        let empty = directory + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        do {
            _ = try TopicSpecificationFile.loadDirectory(empty)
            Issue.record("an empty directory loaded")
        } catch {
            #expect(error.code == .noSpecifications)
        }
    }

    @Test("the project's own topics/*.yaml all load")
    func projectTopics() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let files = try TopicSpecificationFile.loadDirectory(root.appendingPathComponent("topics").path)
        #expect(files.count >= 9)
        let deadletter = try #require(files.first { $0.specification.name == "flywheel.deadletter" })
        #expect(deadletter.specification.configs == ["retention.ms": "2592000000", "cleanup.policy": "delete"])
    }
}
