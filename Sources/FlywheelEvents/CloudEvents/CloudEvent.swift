/// A CloudEvents 1.0 event with JSON data.
///
/// A value type whose attributes are kept in one immutable, shared box: copying an event (into a rule's input, a
/// batch, a firing) retains one object instead of each of its strings, and setting an attribute makes a new box.
public struct CloudEvent: Sendable, Hashable {
    @usableFromInline var storage: Storage

    @inlinable public var id: String {
        _read { yield storage.attributes.id }
        set { update { $0.id = newValue } }
    }
    @inlinable public var source: String {
        _read { yield storage.attributes.source }
        set { update { $0.source = newValue } }
    }
    @inlinable public var specversion: String {
        _read { yield storage.attributes.specversion }
        set { update { $0.specversion = newValue } }
    }
    @inlinable public var type: String {
        _read { yield storage.attributes.type }
        set { update { $0.type = newValue } }
    }
    @inlinable public var subject: String? {
        _read { yield storage.attributes.subject }
        set { update { $0.subject = newValue } }
    }
    /// RFC 3339 timestamp, as sent.
    @inlinable public var time: String? {
        _read { yield storage.attributes.time }
        set { update { $0.time = newValue } }
    }
    @inlinable public var datacontenttype: String? {
        _read { yield storage.attributes.datacontenttype }
        set { update { $0.datacontenttype = newValue } }
    }
    @inlinable public var dataschema: String? {
        _read { yield storage.attributes.dataschema }
        set { update { $0.dataschema = newValue } }
    }
    @inlinable public var data: JSONValue? {
        _read { yield storage.attributes.data }
        set { update { $0.data = newValue } }
    }
    /// Extension attributes (lower-case alphanumeric names), as strings.
    @inlinable public var extensions: [String: String] {
        _read { yield storage.attributes.extensions }
        set { update { $0.extensions = newValue } }
    }

    public init(
        id: String, source: String, type: String, subject: String? = nil, time: String? = nil,
        datacontenttype: String? = "application/json", dataschema: String? = nil, data: JSONValue? = nil,
        extensions: [String: String] = [:], specversion: String = "1.0"
    ) {
        storage = Storage(
            Attributes(
                id: id, source: source, specversion: specversion, type: type, subject: subject, time: time,
                datacontenttype: datacontenttype, dataschema: dataschema, data: data, extensions: extensions))
    }

    @usableFromInline mutating func update(_ change: (inout Attributes) -> Void) {
        var attributes = storage.attributes
        change(&attributes)
        storage = Storage(attributes)
    }

    public static func == (lhs: CloudEvent, rhs: CloudEvent) -> Bool {
        lhs.storage === rhs.storage || lhs.storage.attributes == rhs.storage.attributes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.attributes)
    }

    @usableFromInline struct Attributes: Sendable, Hashable {
        @usableFromInline var id: String
        @usableFromInline var source: String
        @usableFromInline var specversion: String
        @usableFromInline var type: String
        @usableFromInline var subject: String?
        @usableFromInline var time: String?
        @usableFromInline var datacontenttype: String?
        @usableFromInline var dataschema: String?
        @usableFromInline var data: JSONValue?
        @usableFromInline var extensions: [String: String]
    }

    @usableFromInline final class Storage: Sendable {
        @usableFromInline let attributes: Attributes

        init(_ attributes: Attributes) {
            self.attributes = attributes
        }
    }

    /// The event time in milliseconds since the Unix epoch, if `time` is present and valid RFC 3339.
    public var timeMilliseconds: Int64? { time.flatMap(RFC3339.milliseconds) }

    /// Attribute names the spec defines; everything else in an envelope is an extension.
    static let contextAttributes: Set<String> = [
        "id", "source", "specversion", "type", "subject", "time", "datacontenttype", "dataschema",
    ]

    /// An extension name per the spec: lower-case letters and digits (it SHOULD NOT exceed 20, which is not enforced).
    static func isValidExtensionName(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }
    }
}
