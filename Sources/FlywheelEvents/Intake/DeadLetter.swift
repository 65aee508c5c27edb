/// Where a record was read: the coordinates a dead letter names.
public struct SourceCoordinates: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public var description: String { "\(topic)/\(partition)@\(offset)" }
}

/// A record that cannot be processed, on its way to the dead-letter topic: the original key, value and headers,
/// unchanged, plus `flywheel_dlq_*` headers with the reason, the failing field and where the record was read.
public enum DeadLetter {
    public static let reasonHeader = "flywheel_dlq_reason"
    public static let fieldHeader = "flywheel_dlq_field"
    public static let detailHeader = "flywheel_dlq_detail"
    public static let topicHeader = "flywheel_dlq_topic"
    public static let partitionHeader = "flywheel_dlq_partition"
    public static let offsetHeader = "flywheel_dlq_offset"

    /// The dead-letter record for `record`, which failed with `error` at `source`.
    public static func record(
        for record: CloudEventRecord, error: CloudEventDecodingError, source: SourceCoordinates
    ) -> CloudEventRecord {
        var headers = record.headers
        headers.append(.init(name: reasonHeader, string: error.reason.name))
        if let field = error.field { headers.append(.init(name: fieldHeader, string: field)) }
        headers.append(.init(name: detailHeader, string: String(error.detail.prefix(1024))))
        headers.append(.init(name: topicHeader, string: source.topic))
        headers.append(.init(name: partitionHeader, string: String(source.partition)))
        headers.append(.init(name: offsetHeader, string: String(source.offset)))
        return CloudEventRecord(key: record.key, value: record.value, headers: headers)
    }
}
