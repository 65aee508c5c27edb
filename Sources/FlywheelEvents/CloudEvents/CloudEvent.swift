/// A CloudEvents 1.0 event with JSON data.
public struct CloudEvent: Sendable, Hashable {
    public var id: String
    public var source: String
    public var specversion: String
    public var type: String
    public var subject: String?
    /// RFC 3339 timestamp, as sent.
    public var time: String?
    public var datacontenttype: String?
    public var dataschema: String?
    public var data: JSONValue?
    /// Extension attributes (lower-case alphanumeric names), as strings.
    public var extensions: [String: String]

    public init(
        id: String, source: String, type: String, subject: String? = nil, time: String? = nil,
        datacontenttype: String? = "application/json", dataschema: String? = nil, data: JSONValue? = nil,
        extensions: [String: String] = [:], specversion: String = "1.0"
    ) {
        self.id = id
        self.source = source
        self.specversion = specversion
        self.type = type
        self.subject = subject
        self.time = time
        self.datacontenttype = datacontenttype
        self.dataschema = dataschema
        self.data = data
        self.extensions = extensions
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
