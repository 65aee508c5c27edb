import FlywheelEvents

extension CloudEvent {
    /// The event as rule paths see it: `id`, `source`, `type`, `subject`, `time`, `dataschema`, extensions by name,
    /// and `data`.
    public var expressionContext: JSONValue {
        var object = JSONObject()
        object["id"] = .string(id)
        object["source"] = .string(source)
        object["specversion"] = .string(specversion)
        object["type"] = .string(type)
        if let subject { object["subject"] = .string(subject) }
        if let time { object["time"] = .string(time) }
        if let dataschema { object["dataschema"] = .string(dataschema) }
        for (name, value) in extensions.sorted(by: { $0.key < $1.key }) where object[name] == nil { object[name] = .string(value) }
        if let data { object["data"] = data }
        return .object(object)
    }
}
