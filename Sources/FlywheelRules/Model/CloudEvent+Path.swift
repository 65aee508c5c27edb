import FlywheelEvents

extension CloudEvent {
    /// The attributes a rule path can start with, besides extension names and `data`.
    static let pathAttributes: Set<String> = [
        "id", "source", "specversion", "type", "subject", "time", "datacontenttype", "dataschema", "data",
    ]

    /// The value a rule path names: a CloudEvent attribute (`type`, `subject`, ...), an extension by name, or a field
    /// under `data` (`data.metrics.auc`); nil when absent. Array elements are not addressed by paths.
    public func value(at path: [String]) -> JSONValue? {
        guard let first = path.first else { return nil }
        // The usual case, a field under `data`: looked up in place, only the value found is copied.
        if first == "data", path.count > 1 {
            guard case .object(let object)? = data else { return nil }
            return CloudEvent.value(in: object, at: path, from: 1)
        }
        let root: JSONValue?
        switch first {
        case "data": root = data
        case "id": root = .string(id)
        case "source": root = .string(source)
        case "specversion": root = .string(specversion)
        case "type": root = .string(type)
        case "subject": root = subject.map(JSONValue.string)
        case "time": root = time.map(JSONValue.string)
        case "datacontenttype": root = datacontenttype.map(JSONValue.string)
        case "dataschema": root = dataschema.map(JSONValue.string)
        default: root = extensions[first].map(JSONValue.string)
        }
        guard var current = root else { return nil }
        var index = 1
        while index < path.count {
            guard case .object(let object) = current, let next = object[path[index]] else { return nil }
            current = next
            index += 1
        }
        return current
    }

    /// The value at `path[index...]` under `object`.
    private static func value(in object: JSONObject, at path: [String], from index: Int) -> JSONValue? {
        let name = path[index]
        guard let found = object.members.firstIndex(where: { $0.key.hasSameCodePoints(as: name) }) else { return nil }
        if index == path.count - 1 { return object.members[found].value }
        guard case .object(let inner) = object.members[found].value else { return nil }
        return value(in: inner, at: path, from: index + 1)
    }
}
