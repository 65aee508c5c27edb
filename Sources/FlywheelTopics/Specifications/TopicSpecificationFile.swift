import Foundation
import FlywheelYAML
import Yams

/// A topic specification read from a `topics/<name>.yaml` file.
///
/// Every error names the file and, where the YAML parser gave one, the line and column of the offending field.
public struct TopicSpecificationFile: Sendable, Hashable {
    /// The fields of the format, in the order they are checked and documented.
    public static let fields = [
        "name", "partitions", "replication_factor", "retention", "cleanup_policy", "key", "event_types", "description",
    ]
    static let partitionRange = 1...1000
    static let replicationFactorRange = 1...7

    /// The path the file was read from, as it was given.
    public let path: String
    public let specification: TopicSpecification

    /// Reads and checks the file at `path`.
    public init(path: String) throws(TopicsError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TopicsError(
                code: .unreadable, location: .init(file: path),
                reason: "cannot read the file: \(error.localizedDescription)")
        }
        try self.init(yaml: text, path: path)
    }

    /// Checks `yaml` as the contents of the file at `path`; the topic name must be the file name without `.yaml`.
    public init(yaml: String, path: String) throws(TopicsError) {
        self.path = path
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw TopicSpecificationFile.syntaxError(error, path: path)
        }
        let reader = FieldReader(path: path)
        specification = try reader.read(root, expectedName: TopicSpecificationFile.topicName(fromPath: path))
    }

    /// Reads every `*.yaml` file directly in `directory`, in file-name order; throws the first file's first error.
    public static func loadDirectory(_ directory: String) throws(TopicsError) -> [TopicSpecificationFile] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw TopicsError(
                code: .unreadable, location: .init(file: directory),
                reason: "cannot list the topics directory: \(error.localizedDescription)")
        }
        let files = names.filter { $0.hasSuffix(".yaml") }.sorted()
        guard !files.isEmpty else {
            throw TopicsError(
                code: .noSpecifications, location: .init(file: directory),
                reason: "no topic specification (*.yaml) in the directory")
        }
        var loaded: [TopicSpecificationFile] = []
        for file in files {
            let path = directory.hasSuffix("/") ? directory + file : directory + "/" + file
            loaded.append(try TopicSpecificationFile(path: path))
        }
        return loaded
    }

    static func topicName(fromPath path: String) -> String {
        let file = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        return file.hasSuffix(".yaml") ? String(file.dropLast(".yaml".count)) : file
    }

    static func syntaxError(_ error: any Error, path: String) -> TopicsError {
        guard let yamlError = error as? YamlError else {
            return TopicsError(code: .syntax, location: .init(file: path), reason: "not valid YAML: \(error)")
        }
        switch yamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return TopicsError(
                code: .syntax, location: .init(file: path, line: mark.line, column: mark.column),
                reason: "not valid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let field = duplicates.first ?? ""
            return TopicsError(
                code: .duplicateField,
                location: .init(file: path, line: context.mark.line, column: context.mark.column),
                field: field, reason: "field \(field) is given more than once")
        case .reader(let problem, _, _, _):
            return TopicsError(code: .syntax, location: .init(file: path), reason: "not valid YAML: \(problem)")
        default:
            return TopicsError(code: .syntax, location: .init(file: path), reason: "not valid YAML: \(yamlError)")
        }
    }
}

/// Reads the fields of one specification's YAML mapping, each error at its node's position.
private struct FieldReader {
    let path: String

    func location(_ mark: Mark?) -> TopicsError.Location {
        TopicsError.Location(file: path, line: mark?.line, column: mark?.column)
    }

    func invalid(_ field: String, _ node: Node, _ expected: String) -> TopicsError {
        TopicsError(
            code: .invalidValue, location: location(node.mark), field: field,
            reason: "\(field) must be \(expected), not \(FieldReader.shown(node))")
    }

    /// A value as the reader wrote it, quoted and shortened.
    static func shown(_ node: Node) -> String { YAMLReader.shown(node) }

    func read(_ root: Node?, expectedName: String) throws(TopicsError) -> TopicSpecification {
        guard let root else {
            throw TopicsError(
                code: .notAMapping, location: .init(file: path, line: 1, column: 1),
                reason:
                    "the file is empty; expected the fields \(TopicSpecificationFile.fields.joined(separator: ", "))")
        }
        guard case .mapping(let mapping) = root else {
            throw TopicsError(
                code: .notAMapping, location: location(root.mark),
                reason: "expected a mapping of fields, not \(FieldReader.shown(root))")
        }
        var values: [String: Node] = [:]
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key, TopicSpecificationFile.fields.contains(scalar.string) else {
                let known = TopicSpecificationFile.fields.joined(separator: ", ")
                throw TopicsError(
                    code: .unknownField, location: location(key.mark), field: key.scalar?.string,
                    reason: "unknown field \(FieldReader.shown(key)); the fields are \(known)")
            }
            values[scalar.string] = value
        }
        for field in TopicSpecificationFile.fields where values[field] == nil {
            throw TopicsError(
                code: .missingField, location: location(mapping.mark), field: field, reason: "missing field \(field)")
        }
        func value(_ field: String) -> Node { values[field]! }

        let name = try string("name", value("name"))
        guard FieldReader.isTopicName(name) else {
            throw invalid(
                "name", value("name"), "a lowercase Kafka topic name (a-z, 0-9, '.', '_', '-'; at most 249 characters)")
        }
        guard name == expectedName else {
            throw TopicsError(
                code: .invalidValue, location: location(value("name").mark), field: "name",
                reason: "name \(name) does not match the file name \(expectedName).yaml")
        }
        let partitions = try integer("partitions", value("partitions"), in: TopicSpecificationFile.partitionRange)
        let replicationFactor = try integer(
            "replication_factor", value("replication_factor"), in: TopicSpecificationFile.replicationFactorRange)
        let retentionNode = value("retention")
        guard let retentionText = retentionNode.scalar?.string, retentionNode.isTagged(.str),
            let retention = Duration(retentionText: retentionText)
        else {
            throw invalid(
                "retention", retentionNode,
                "a duration: a positive whole number and a unit ms, s, m, h, d or w, like 7d, 12h or 30d")
        }
        let policyNode = value("cleanup_policy")
        guard let policy = policyNode.scalar.flatMap({ TopicSpecification.CleanupPolicy($0.string) }) else {
            throw invalid(
                "cleanup_policy", policyNode,
                "one of \(TopicSpecification.CleanupPolicy.all.map(\.rawValue).joined(separator: ", "))")
        }
        let key = try string("key", value("key"))
        let eventTypes = try stringList("event_types", value("event_types"))
        let description = try string("description", value("description"))
        return TopicSpecification(
            name: name, partitions: partitions, replicationFactor: replicationFactor, retention: retention,
            cleanupPolicy: policy, key: key, eventTypes: eventTypes, description: description)
    }

    func string(_ field: String, _ node: Node) throws(TopicsError) -> String {
        guard case .scalar(let scalar) = node, node.isTagged(.str),
            !scalar.string.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else { throw invalid(field, node, "a non-empty text") }
        return scalar.string
    }

    func integer(_ field: String, _ node: Node, in range: ClosedRange<Int>) throws(TopicsError) -> Int {
        guard case .scalar(let scalar) = node, node.isTagged(.int), let number = Int(scalar.string, radix: 10),
            range.contains(number)
        else { throw invalid(field, node, "a whole number from \(range.lowerBound) to \(range.upperBound)") }
        return number
    }

    func stringList(_ field: String, _ node: Node) throws(TopicsError) -> [String] {
        guard case .sequence(let sequence) = node, !sequence.isEmpty else {
            throw invalid(field, node, "a non-empty list of event types, like [data.arrived]")
        }
        var items: [String] = []
        for item in sequence {
            let text = try string(field, item)
            guard !items.contains(text) else {
                throw TopicsError(
                    code: .invalidValue, location: location(item.mark), field: field,
                    reason: "\(field) lists \(text) twice")
            }
            items.append(text)
        }
        return items
    }

    static func isTopicName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 249 else { return false }
        let lowercaseOrDigit: (Unicode.Scalar) -> Bool = { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        return lowercaseOrDigit(first)
            && name.unicodeScalars.allSatisfy { lowercaseOrDigit($0) || ".-_".unicodeScalars.contains($0) }
    }
}

extension Node {
    /// Whether the node's resolved tag is `name` (a plain `6` is an int, a quoted `"6"` a string).
    fileprivate func isTagged(_ name: Tag.Name) -> Bool { tag.rawValue == name.rawValue }
}
