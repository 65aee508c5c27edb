/// A JSON object inside a source payload together with its place, so that adapters name the field at fault.
///
/// Required members throw `missingAttribute` when absent or null and `invalidAttribute` when of the wrong type or
/// empty; optional members read as nil when absent, null, empty or of another type.
struct PayloadObject {
    let object: JSONObject
    let path: [String]

    init(_ object: JSONObject, path: [String] = []) {
        self.object = object
        self.path = path
    }

    /// The JSON pointer of member `key` (and deeper components) of this object.
    func pointer(_ key: String, _ more: String...) -> String {
        JSONPointer.make(path + [key] + more)
    }

    /// The member `key`, with null read as absent.
    func value(_ key: String) -> JSONValue? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    func string(_ key: String) throws(CloudEventDecodingError) -> String {
        let value = try required(key)
        guard case .string(let text) = value, !text.isEmpty else {
            throw invalid(key, value.stringValue == "" ? "\(key) is empty" : "\(key) must be a string, not \(value.typeName)")
        }
        return text
    }

    func optionalString(_ key: String) -> String? {
        guard case .string(let text) = value(key), !text.isEmpty else { return nil }
        return text
    }

    func object(_ key: String) throws(CloudEventDecodingError) -> PayloadObject {
        let value = try required(key)
        guard case .object(let member) = value else { throw invalid(key, "\(key) must be an object, not \(value.typeName)") }
        return PayloadObject(member, path: path + [key])
    }

    func optionalObject(_ key: String) -> PayloadObject? {
        guard case .object(let member) = value(key) else { return nil }
        return PayloadObject(member, path: path + [key])
    }

    /// The elements of array `key`, each of which must be an object.
    func objects(_ key: String) throws(CloudEventDecodingError) -> [PayloadObject] {
        let value = try required(key)
        guard case .array(let elements) = value else { throw invalid(key, "\(key) must be an array, not \(value.typeName)") }
        var result: [PayloadObject] = []
        for (index, element) in elements.enumerated() {
            guard case .object(let member) = element else {
                throw CloudEventDecodingError(
                    reason: .invalidAttribute, field: pointer(key, String(index)),
                    detail: "elements of \(key) must be objects, not \(element.typeName)")
            }
            result.append(PayloadObject(member, path: path + [key, String(index)]))
        }
        return result
    }

    /// The strings of the optional array `key`; any other element type is refused.
    func strings(_ key: String) throws(CloudEventDecodingError) -> [String] {
        guard let value = value(key) else { return [] }
        guard case .array(let elements) = value else { throw invalid(key, "\(key) must be an array, not \(value.typeName)") }
        var result: [String] = []
        for (index, element) in elements.enumerated() {
            guard case .string(let text) = element else {
                throw CloudEventDecodingError(
                    reason: .invalidAttribute, field: pointer(key, String(index)),
                    detail: "elements of \(key) must be strings, not \(element.typeName)")
            }
            result.append(text)
        }
        return result
    }

    /// A whole number of at least zero, given as a JSON number.
    func count(_ key: String) throws(CloudEventDecodingError) -> Int64 {
        let value = try required(key)
        guard case .number(let number) = value, let count = PayloadObject.count(number) else {
            throw invalid(key, "\(key) must be a whole number of at least 0, not \(JSONWriter.string(value).prefix(64))")
        }
        return count
    }

    /// An RFC 3339 timestamp, as sent.
    func timestamp(_ key: String) throws(CloudEventDecodingError) -> String {
        let text = try string(key)
        guard RFC3339.milliseconds(text) != nil else {
            throw invalid(key, "\(key) \"\(text.prefix(64))\" is not an RFC 3339 timestamp")
        }
        return text
    }

    /// Refuses `text` (read from member `key`) if it is longer than the schemas allow for names and versions.
    func bounded(_ text: String, _ key: String, _ more: String..., maxLength: Int = 256) throws(CloudEventDecodingError) -> String {
        guard text.unicodeScalars.count <= maxLength else {
            throw CloudEventDecodingError(
                reason: .invalidAttribute, field: JSONPointer.make(path + [key] + more),
                detail: "\"\(text.prefix(64))…\" is longer than \(maxLength) characters")
        }
        return text
    }

    func invalid(_ key: String, _ detail: String) -> CloudEventDecodingError {
        CloudEventDecodingError(reason: .invalidAttribute, field: pointer(key), detail: detail)
    }

    private func required(_ key: String) throws(CloudEventDecodingError) -> JSONValue {
        guard let value = value(key) else {
            throw CloudEventDecodingError(reason: .missingAttribute, field: pointer(key), detail: "required field \(key) is missing")
        }
        return value
    }

    /// `number` as a count, if it is a whole number from 0 to 2^53.
    static func count(_ number: Double) -> Int64? {
        guard number >= 0, number == number.rounded(), number <= 9_007_199_254_740_992 else { return nil }
        return Int64(number)
    }
}
