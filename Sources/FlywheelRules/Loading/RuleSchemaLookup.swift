import FlywheelEvents

/// What an event type's JSON Schema says about a field under `data`, for rule checks.
enum RuleSchemaLookup {
    enum Field {
        /// The schema declares the field with these JSON types (empty: any type).
        case declared([String])
        /// The schema allows no such field (`additionalProperties: false` on the way).
        case absent
        /// The schema does not say.
        case unknown
    }

    static func field(_ path: ArraySlice<String>, in schema: JSONValue) -> Field {
        var current = schema
        for component in path {
            if let property = current[path: "properties"]?.objectValue?[component] {
                current = property
            } else if current[path: "additionalProperties"] == .bool(false) {
                return .absent
            } else {
                return .unknown
            }
        }
        switch current[path: "type"] {
        case .string(let type): return .declared([type])
        case .array(let types): return .declared(types.compactMap(\.stringValue))
        default: return .declared([])
        }
    }
}
