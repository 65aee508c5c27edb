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
        guard case .object(let object) = try parse(value, pointerPrefix: "") else {
            throw CloudEventDecodingError(reason: .notJSON, field: nil, detail: "a structured CloudEvent must be a JSON object")
        }
        var attributes = Attributes()
        var data: JSONValue?
        for member in object {
            switch (member.key, member.value) {
            case ("data", let value):
                data = value
            case ("data_base64", _):
                throw CloudEventDecodingError(
                    reason: .invalidAttribute, field: "data_base64", detail: "binary data is not accepted; Flywheel events carry JSON data")
            case (_, .string(let text)):
                attributes.set(member.key, text)
            case (_, .number(let number)) where !CloudEvent.contextAttributes.contains(member.key):
                attributes.set(member.key, JSONWriter.format(number))
            case (_, .bool(let flag)) where !CloudEvent.contextAttributes.contains(member.key):
                attributes.set(member.key, flag ? "true" : "false")
            case (_, .null):
                continue
            default:
                throw CloudEventDecodingError(
                    reason: .invalidAttribute, field: member.key, detail: "attribute must be a string, not \(member.value.typeName)")
            }
        }
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
            throw CloudEventDecodingError(
                reason: CloudEventDecodingError.Reason(error.kind), field: error.pointer.isEmpty ? nil : pointerPrefix + error.pointer,
                detail: error.description)
        }
    }

    private func text(_ header: CloudEventRecord.Header, field: String) throws(CloudEventDecodingError) -> String {
        guard let value = header.value else { return "" }
        guard let text = String(validating: value, as: UTF8.self) else {
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
    public func encode(_ event: CloudEvent, key: String?, mode: ContentMode = .binary) -> CloudEventRecord {
        let keyBytes = key.map { Array($0.utf8) }
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
            if let data = event.data { object["data"] = data }
            return CloudEventRecord(
                key: keyBytes, value: JSONWriter.bytes(.object(object)),
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
        return CloudEventRecord(key: keyBytes, value: event.data.map(JSONWriter.bytes), headers: headers)
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
