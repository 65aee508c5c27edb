#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Kafka protocol binding of CloudEvents 1.0: binary mode (`ce_` headers, data as the value) and structured
/// mode (`application/cloudevents+json` value). Flywheel's events carry JSON data.
public struct CloudEventKafkaCodec: Sendable {
    /// How events are written; reading accepts both.
    public struct ContentMode: Hashable, Sendable {
        let isStructured: Bool
        public static let binary = ContentMode(isStructured: false)
        public static let structured = ContentMode(isStructured: true)
    }

    public static let structuredContentType = "application/cloudevents+json; charset=UTF-8"

    public var limits: JSONLimits

    public init(limits: JSONLimits = JSONLimits()) {
        self.limits = limits
    }

    // MARK: Decoding

    public func decode(_ record: CloudEventRecord) throws(CloudEventDecodingError) -> CloudEvent {
        if let value = record.value, value.count > limits.maxBytes {
            throw CloudEventDecodingError(
                reason: .tooLarge, field: nil,
                detail: "the value has \(value.count) bytes, more than the limit of \(limits.maxBytes)")
        }
        let contentTypeHeader = record.header("content-type")
        // Structured mode, the usual case, is recognized from an ASCII header's bytes, without making a string.
        if let value = contentTypeHeader?.value, value.allSatisfy({ $0 < 0x80 }),
            value.hasASCIICaseInsensitivePrefix("application/cloudevents+json")
        {
            return try decodeStructured(record.value ?? [])
        }
        let contentType = try contentTypeHeader.map { (header) throws(CloudEventDecodingError) in
            try text(header, field: "content-type")
        }
        if let contentType, contentType.hasASCIICaseInsensitivePrefix("application/cloudevents+json") {
            return try decodeStructured(record.value ?? [])
        }
        if contentType?.hasASCIICaseInsensitivePrefix("application/cloudevents-batch") == true {
            throw CloudEventDecodingError(
                reason: .invalidAttribute, field: "content-type", detail: "batched CloudEvents are not accepted")
        }
        return try decodeBinary(record, contentType: contentType)
    }

    private func decodeBinary(_ record: CloudEventRecord, contentType: String?) throws(CloudEventDecodingError) -> CloudEvent {
        var attributes = Attributes()
        for header in record.headers where header.name.hasPrefix("ce_") {
            attributes.set(String(header.name.dropFirst(3)), try text(header, field: header.name))
        }
        guard !attributes.isEmpty else {
            throw CloudEventDecodingError(
                reason: .missingAttribute, field: "ce_specversion",
                detail: "neither CloudEvents headers (ce_*) nor content-type application/cloudevents+json")
        }
        if let contentType, !CloudEventKafkaCodec.isJSON(contentType) {
            throw CloudEventDecodingError(
                reason: .invalidAttribute, field: "content-type",
                detail: "data of type \(contentType) is not accepted; Flywheel events carry JSON data")
        }
        let data: JSONValue?
        if let value = record.value {
            data = try parse(value, pointerPrefix: "")
        } else {
            data = nil
        }
        return try event(attributes: attributes, data: data, datacontenttype: contentType, prefix: "ce_")
    }

    private func decodeStructured(_ value: [UInt8]) throws(CloudEventDecodingError) -> CloudEvent {
        var attributes = Attributes()
        var data: JSONValue?
        // An attribute that cannot be used is reported once the whole document has been read, so that a document
        // that is not JSON is reported as such, wherever its flaw.
        var refusal: CloudEventDecodingError?
        func refuse(_ field: String, _ detail: String) {
            refusal = refusal ?? CloudEventDecodingError(reason: .invalidAttribute, field: field, detail: detail)
        }
        // The envelope is read member by member, in place: its names are matched as bytes, its attributes read
        // straight into strings, and only `data` becomes a JSON value.
        let isObject: Bool
        do {
            isObject = try JSONParser.readMembers(of: value, limits: limits) { (name, reader) throws(JSONError) in
                switch Attributes.Field(name) {
                case .data?:
                    data = try reader.value()
                case .dataBase64?:
                    _ = try reader.value()
                    refuse("data_base64", "binary data is not accepted; Flywheel events carry JSON data")
                case let field?:
                    if reader.isString {
                        attributes.set(field, try reader.string())
                        return
                    }
                    let value = try reader.value()
                    if value != .null { refuse("\(field)", "attribute must be a string, not \(value.typeName)") }
                case nil:
                    let key = String(decoding: name, as: UTF8.self)
                    if reader.isString {
                        attributes.extensions[key] = try reader.string()
                        return
                    }
                    switch try reader.value() {
                    case .number(let number): attributes.extensions[key] = JSONWriter.format(number)
                    case .bool(let flag): attributes.extensions[key] = flag ? "true" : "false"
                    case .null: break
                    case let other: refuse(key, "attribute must be a string, not \(other.typeName)")
                    }
                }
            }
        } catch {
            throw CloudEventKafkaCodec.decodingError(error, pointerPrefix: "")
        }
        guard isObject else {
            // Not an object: whether it is JSON at all says the parser.
            _ = try parse(value, pointerPrefix: "")
            throw CloudEventDecodingError(reason: .notJSON, field: nil, detail: "a structured CloudEvent must be a JSON object")
        }
        if let refusal { throw refusal }
        let contentType = attributes.datacontenttype
        if let contentType, !CloudEventKafkaCodec.isJSON(contentType) {
            throw CloudEventDecodingError(
                reason: .invalidAttribute, field: "datacontenttype",
                detail: "data of type \(contentType) is not accepted; Flywheel events carry JSON data")
        }
        return try event(attributes: attributes, data: data, datacontenttype: contentType ?? "application/json", prefix: "")
    }

    /// The attributes of an event being read: the context attributes by name, the rest as extensions.
    private struct Attributes {
        var specversion: String?
        var id: String?
        var source: String?
        var type: String?
        var time: String?
        var subject: String?
        var dataschema: String?
        var datacontenttype: String?
        var extensions: [String: String] = [:]

        var isEmpty: Bool {
            specversion == nil && id == nil && source == nil && type == nil && time == nil && subject == nil && dataschema == nil
                && datacontenttype == nil && extensions.isEmpty
        }

        /// The attributes a structured event names, and its data.
        enum Field: CustomStringConvertible {
            case specversion, id, source, type, time, subject, dataschema, datacontenttype, data, dataBase64

            /// The member named by these UTF-8 bytes, if it is one.
            init?(_ name: UnsafeBufferPointer<UInt8>) {
                func named(_ literal: StaticString) -> Bool {
                    literal.utf8CodeUnitCount == name.count && memcmp(literal.utf8Start, name.baseAddress!, name.count) == 0
                }
                switch name.count {
                case 2 where named("id"): self = .id
                case 4 where named("type"): self = .type
                case 4 where named("time"): self = .time
                case 4 where named("data"): self = .data
                case 6 where named("source"): self = .source
                case 7 where named("subject"): self = .subject
                case 10 where named("dataschema"): self = .dataschema
                case 11 where named("specversion"): self = .specversion
                case 11 where named("data_base64"): self = .dataBase64
                case 15 where named("datacontenttype"): self = .datacontenttype
                default: return nil
                }
            }

            var description: String {
                switch self {
                case .specversion: "specversion"
                case .id: "id"
                case .source: "source"
                case .type: "type"
                case .time: "time"
                case .subject: "subject"
                case .dataschema: "dataschema"
                case .datacontenttype: "datacontenttype"
                case .data: "data"
                case .dataBase64: "data_base64"
                }
            }
        }

        mutating func set(_ field: Field, _ value: String) {
            switch field {
            case .specversion: specversion = value
            case .id: id = value
            case .source: source = value
            case .type: type = value
            case .time: time = value
            case .subject: subject = value
            case .dataschema: dataschema = value
            case .datacontenttype: datacontenttype = value
            case .data, .dataBase64: preconditionFailure("\(field) is not an attribute")
            }
        }

        /// Records an attribute; a repeated name keeps the last value.
        mutating func set(_ name: String, _ value: String) {
            switch name {
            case "specversion": specversion = value
            case "id": id = value
            case "source": source = value
            case "type": type = value
            case "time": time = value
            case "subject": subject = value
            case "dataschema": dataschema = value
            case "datacontenttype": datacontenttype = value
            default: extensions[name] = value
            }
        }
    }

    private func event(
        attributes: Attributes, data: JSONValue?, datacontenttype: String?, prefix: String
    ) throws(CloudEventDecodingError) -> CloudEvent {
        func required(_ value: String?, _ name: String) throws(CloudEventDecodingError) -> String {
            guard let value else {
                throw CloudEventDecodingError(reason: .missingAttribute, field: prefix + name, detail: "required attribute \(name) is missing")
            }
            guard !value.isEmpty else {
                throw CloudEventDecodingError(reason: .invalidAttribute, field: prefix + name, detail: "attribute \(name) is empty")
            }
            return value
        }
        let specversion = try required(attributes.specversion, "specversion")
        guard specversion == "1.0" else {
            throw CloudEventDecodingError(
                reason: .invalidAttribute, field: prefix + "specversion", detail: "specversion \(specversion) is not 1.0")
        }
        let id = try required(attributes.id, "id")
        let source = try required(attributes.source, "source")
        let type = try required(attributes.type, "type")
        let time = attributes.time
        if let time, RFC3339.milliseconds(time) == nil {
            throw CloudEventDecodingError(
                reason: .invalidAttribute, field: prefix + "time", detail: "time \"\(time.prefix(64))\" is not an RFC 3339 timestamp")
        }
        for name in attributes.extensions.keys where !CloudEvent.isValidExtensionName(name) {
            throw CloudEventDecodingError(
                reason: .invalidAttribute, field: prefix + name,
                detail: "extension attribute names are lower-case letters or digits")
        }
        return CloudEvent(
            id: id, source: source, type: type, subject: attributes.subject, time: time, datacontenttype: datacontenttype,
            dataschema: attributes.dataschema, data: data, extensions: attributes.extensions, specversion: specversion)
    }

    private func parse(_ bytes: [UInt8], pointerPrefix: String) throws(CloudEventDecodingError) -> JSONValue {
        do {
            return try JSONParser.parse(bytes, limits: limits)
        } catch {
            throw CloudEventKafkaCodec.decodingError(error, pointerPrefix: pointerPrefix)
        }
    }

    private static func decodingError(_ error: JSONError, pointerPrefix: String) -> CloudEventDecodingError {
        CloudEventDecodingError(
            reason: CloudEventDecodingError.Reason(error.kind), field: error.pointer.isEmpty ? nil : pointerPrefix + error.pointer,
            detail: error.description)
    }

    private func text(_ header: CloudEventRecord.Header, field: String) throws(CloudEventDecodingError) -> String {
        guard let value = header.value else { return "" }
        guard let text = String(validUTF8: value) else {
            throw CloudEventDecodingError(reason: .invalidUTF8, field: field, detail: "header \(field) is not valid UTF-8")
        }
        return text
    }

    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingWhitespace().lowercased() } ?? ""
        return mediaType == "application/json" || mediaType == "text/json" || mediaType.hasSuffix("+json")
    }

    // MARK: Encoding

    /// The record for `event` keyed by `key` (the entity the event is about, so per-entity order holds).
    ///
    /// The members of `event.data` named in `splicing` are written as the JSON given for them
    /// (`JSONWriter.bytes(_:splicing:)`), which must be their values' JSON.
    public func encode(
        _ event: CloudEvent, key: String?, mode: ContentMode = .binary, splicing fragments: [(name: String, json: [UInt8])] = []
    ) -> CloudEventRecord {
        let keyBytes = key.map { Array($0.utf8) }
        let data = event.data.map { JSONWriter.bytes($0, splicing: fragments) }
        if mode.isStructured {
            var object = JSONObject()
            object["specversion"] = .string(event.specversion)
            object["id"] = .string(event.id)
            object["source"] = .string(event.source)
            object["type"] = .string(event.type)
            if let subject = event.subject { object["subject"] = .string(subject) }
            if let time = event.time { object["time"] = .string(time) }
            if let datacontenttype = event.datacontenttype { object["datacontenttype"] = .string(datacontenttype) }
            if let dataschema = event.dataschema { object["dataschema"] = .string(dataschema) }
            for (name, value) in event.extensions.sorted(by: { $0.key < $1.key }) { object[name] = .string(value) }
            // The data as written above, in its place.
            if data != nil { object["data"] = .null }
            return CloudEventRecord(
                key: keyBytes, value: JSONWriter.bytes(.object(object), splicing: data.map { [("data", $0)] } ?? []),
                headers: [.init(name: "content-type", string: CloudEventKafkaCodec.structuredContentType)])
        }
        var headers: [CloudEventRecord.Header] = [
            .init(name: "ce_specversion", string: event.specversion),
            .init(name: "ce_id", string: event.id),
            .init(name: "ce_source", string: event.source),
            .init(name: "ce_type", string: event.type),
        ]
        if let subject = event.subject { headers.append(.init(name: "ce_subject", string: subject)) }
        if let time = event.time { headers.append(.init(name: "ce_time", string: time)) }
        if let dataschema = event.dataschema { headers.append(.init(name: "ce_dataschema", string: dataschema)) }
        for (name, value) in event.extensions.sorted(by: { $0.key < $1.key }) {
            headers.append(.init(name: "ce_" + name, string: value))
        }
        if let datacontenttype = event.datacontenttype { headers.append(.init(name: "content-type", string: datacontenttype)) }
        return CloudEventRecord(key: keyBytes, value: data, headers: headers)
    }
}

extension Sequence<UInt8> {
    /// Whether the UTF-8 bytes start with `prefix` (lower case), ASCII letters compared without case; no lower-cased
    /// copy is made.
    func hasASCIICaseInsensitivePrefix(_ prefix: StaticString) -> Bool {
        let expected = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        var bytes = makeIterator()
        for wanted in expected {
            guard let byte = bytes.next() else { return false }
            let folded = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
            guard folded == wanted else { return false }
        }
        return true
    }
}

extension String {
    /// Whether the string starts with `prefix` (lower case), ASCII letters compared without case.
    func hasASCIICaseInsensitivePrefix(_ prefix: StaticString) -> Bool {
        utf8.hasASCIICaseInsensitivePrefix(prefix)
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var result = self
        while result.first?.isWhitespace == true { result.removeFirst() }
        while result.last?.isWhitespace == true { result.removeLast() }
        return result
    }
}
