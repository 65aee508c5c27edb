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
    /// Present when the original value was too large to forward: its size in bytes.
    public static let valueDroppedHeader = "flywheel_dlq_value_dropped_bytes"
    /// Present when the original headers were too large to forward: their size in bytes.
    public static let headersDroppedHeader = "flywheel_dlq_headers_dropped_bytes"

    /// The dead-letter record for `record`, which failed with `error` at `source`.
    ///
    /// A dead letter must itself be deliverable: when the original value (then the original headers) would make it
    /// larger than `maxBytes`, that part is left out and a header gives its size instead.
    public static func record(
        for record: CloudEventRecord, error: CloudEventDecodingError, source: SourceCoordinates, maxBytes: Int = 900_000
    ) -> CloudEventRecord {
        var value = record.value
        var headers = record.headers
        let headerBytes = headers.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) }
        var notes: [CloudEventRecord.Header] = []
        if (value?.count ?? 0) + headerBytes > maxBytes, let dropped = value {
            value = nil
            notes.append(.init(name: valueDroppedHeader, string: String(dropped.count)))
        }
        if headerBytes > maxBytes {
            headers = []
            notes.append(.init(name: headersDroppedHeader, string: String(headerBytes)))
        }
        headers.append(.init(name: reasonHeader, string: error.reason.name))
        if let field = error.field { headers.append(.init(name: fieldHeader, string: truncated(field, bytes: 1024))) }
        headers.append(.init(name: detailHeader, string: truncated(error.detail, bytes: 1024)))
        headers.append(contentsOf: notes)
        headers.append(.init(name: topicHeader, string: source.topic))
        headers.append(.init(name: partitionHeader, string: String(source.partition)))
        headers.append(.init(name: offsetHeader, string: String(source.offset)))
        return CloudEventRecord(key: record.key, value: value, headers: headers)
    }

    /// At most `bytes` of UTF-8, cut at a character boundary.
    static func truncated(_ text: String, bytes: Int) -> String {
        guard text.utf8.count > bytes else { return text }
        var result = ""
        var used = 0
        for character in text {
            let size = character.utf8.count
            if used + size > bytes { break }
            result.append(character)
            used += size
        }
        return result
    }
}
