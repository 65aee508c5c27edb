import FlywheelEvents
import Foundation
import Logging
import Synchronization

/// Writes each log event to standard error as one JSON object on a line: `time`, `level`, `logger`, `message`,
/// `source`, then the metadata as fields (`kafka.topic`, `rule`, ...).
struct JSONLogHandler: LogHandler {
    /// One writer for all handlers, so that lines from different threads never interleave.
    private static let output = Mutex(FileHandle.standardError)

    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let level = event.level
        let message = event.message
        let explicit = event.metadata
        let source = event.source
        var object = JSONObject()
        object["time"] = .string(RFC3339.string(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)))
        object["level"] = .string(level.rawValue)
        object["logger"] = .string(label)
        object["message"] = .string(message.description)
        object["source"] = .string(source)
        if let error = event.error { object["error"] = .string("\(error)") }
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let explicit { merged.merge(explicit) { $1 } }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) where object[key] == nil {
            object[key] = JSONLogHandler.json(value)
        }
        var bytes = JSONWriter.bytes(.object(object))
        bytes.append(UInt8(ascii: "\n"))
        let data = Data(bytes)
        JSONLogHandler.output.withLock { $0.write(data) }
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let items): .array(items.map(json))
        case .dictionary(let dictionary):
            .object(JSONObject(uniqueMembers: dictionary.sorted { $0.key < $1.key }.map { JSONObject.Member(key: $0.key, value: json($0.value)) }))
        }
    }
}
