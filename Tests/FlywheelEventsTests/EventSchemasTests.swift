import FlywheelEvents
import Foundation
import Testing

@Suite("Event schemas")
struct EventSchemasTests {
    static let schemasDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("topics/schemas").path

    let schemas: EventSchemas

    init() throws {
        schemas = try EventSchemas(directory: Self.schemasDirectory)
    }

    func event(_ type: String, _ data: String, dataschema: String? = nil) throws -> CloudEvent {
        CloudEvent(id: "1", source: "test", type: type, dataschema: dataschema, data: try JSONParser.parse(data))
    }

    @Test("the repository's schemas load, one or more versions per event type")
    func loads() {
        #expect(schemas.types.contains("data.arrived"))
        #expect(schemas.types.contains("flywheel.deadletter"))
        #expect(schemas.types.count >= 10)
    }

    @Test("valid data passes; a violation names the JSON pointer under /data")
    func validates() throws {
        try schemas.validate(try event("data.arrived", #"{"dataset":"sales-eu","version":"7","rows":1,"bytes":2,"location":"s3://lake/x"}"#))
        let error = #expect(throws: CloudEventDecodingError.self) {
            try schemas.validate(try event("data.arrived", #"{"dataset":"sales-eu","version":"7","rows":-1,"bytes":2,"location":"s3://lake/x"}"#))
        }
        #expect(error?.reason == .schemaViolation)
        #expect(error?.field == "/data/rows")
    }

    @Test("an unknown schema version or a foreign dataschema is refused")
    func versions() throws {
        let unknown = #expect(throws: CloudEventDecodingError.self) {
            try schemas.validate(try event("code.changed", "{}", dataschema: EventSchemas.uri(type: "code.changed", version: 9)))
        }
        #expect(unknown?.reason == .unknownSchemaVersion)
        #expect(unknown?.field == "dataschema")
        let foreign = #expect(throws: CloudEventDecodingError.self) {
            try schemas.validate(try event("code.changed", "{}", dataschema: "https://example.org/other.json"))
        }
        #expect(foreign?.reason == .unknownSchemaVersion)
    }

    @Test("an event that names no version is checked against its type's newest; one that names a version, against it")
    func newestVersion() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("schemas-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("x.y"), withIntermediateDirectories: true)
        for (version, field) in [(1, "a"), (2, "b"), (10, "c")] {
            try #"{"type": "object", "required": ["\#(field)"]}"#.write(
                to: directory.appendingPathComponent("x.y/v\(version).json"), atomically: true, encoding: .utf8)
        }
        let schemas = try EventSchemas(directory: directory.path)
        try schemas.validate(try event("x.y", #"{"c": 1}"#))
        let newest = #expect(throws: CloudEventDecodingError.self) { try schemas.validate(try event("x.y", #"{"b": 1}"#)) }
        #expect(newest?.detail.hasPrefix("x.y v10: ") == true)
        try schemas.validate(try event("x.y", #"{"a": 1}"#, dataschema: EventSchemas.uri(type: "x.y", version: 1)))
        let named = #expect(throws: CloudEventDecodingError.self) {
            try schemas.validate(try event("x.y", #"{"c": 1}"#, dataschema: EventSchemas.uri(type: "x.y", version: 2)))
        }
        #expect(named?.detail.hasPrefix("x.y v2: ") == true)
    }

    @Test("event types without a schema pass through; typed events without data do not")
    func passThroughAndMissingData() throws {
        try schemas.validate(try event("com.example.unrelated", "[1, 2]"))
        let error = #expect(throws: CloudEventDecodingError.self) {
            try schemas.validate(CloudEvent(id: "1", source: "test", type: "data.arrived"))
        }
        #expect(error?.field == "data")
    }

    @Test("a schema using a keyword the validator does not implement is refused at load, naming it")
    func unsupportedKeyword() throws {
        let error = #expect(throws: JSONSchema.CompileError.self) {
            _ = try JSONSchema(try JSONParser.parse(#"{"type":"object","properties":{"a":{"dependentRequired":{}}}}"#))
        }
        #expect(error?.pointer == "/properties/a/dependentRequired")
    }

    @Test("combinators and conditionals", arguments: [
        (#"{"anyOf":[{"type":"string"},{"type":"integer"}]}"#, "3", true),
        (#"{"anyOf":[{"type":"string"},{"type":"integer"}]}"#, "3.5", false),
        (#"{"oneOf":[{"minimum":0},{"maximum":10}]}"#, "5", false),
        (#"{"if":{"required":["a"]},"then":{"required":["b"]}}"#, #"{"a":1}"#, false),
        (#"{"if":{"required":["a"]},"then":{"required":["b"]}}"#, #"{"c":1}"#, true),
        (#"{"not":{"const":"x"}}"#, #""x""#, false),
        // Required properties, counted while the members are checked; `not` asks the conformance question alone.
        (#"{"properties":{"a":{},"b":{}},"required":["a","b"]}"#, #"{"b":2,"a":1}"#, true),
        (#"{"properties":{"a":{},"b":{}},"required":["a","b"]}"#, #"{"a":1,"c":2}"#, false),
        (#"{"not":{"properties":{"a":{},"b":{}},"required":["a","b"]}}"#, #"{"b":2,"a":1}"#, false),
        (#"{"not":{"properties":{"a":{},"b":{}},"required":["a","b"]}}"#, #"{"a":1}"#, true),
        (#"{"not":{"properties":{"a":{}},"required":["a","z"]}}"#, #"{"z":1,"a":2}"#, false),
        (#"{"not":{"properties":{"a":{}},"required":["a","z"]}}"#, #"{"a":2}"#, true),
        (#"{"not":{"properties":{"a":{}},"required":["a","a"]}}"#, #"{"a":2}"#, false),
        (#"{"not":{"properties":{"e\u0301":{}},"required":["\u00e9"]}}"#, #"{"\u00e9":1}"#, false),
        (#"{"not":{"properties":{"e\u0301":{}},"required":["\u00e9"]}}"#, #"{"e\u0301":1}"#, true),
        (#"{"propertyNames":{"pattern":"^[a-z]+$"}}"#, #"{"Bad":1}"#, false),
        (#"{"type":"string","maxLength":2}"#, #""😀😀""#, true),
        (#"{"type":"string","maxLength":2}"#, #""😀😀😀""#, false),
        (#"{"type":"string","maxLength":2}"#, #""abc""#, false),
        (#"{"type":"string","minLength":1}"#, #""""#, false),
        (#"{"type":"string","minLength":1}"#, #""a""#, true),
        (#"{"type":"string","minLength":2}"#, #""😀""#, false),
        (#"{"type":"string","minLength":2}"#, #""éé""#, true),
        (#"{"type":"string","minLength":3,"maxLength":3}"#, #""aé😀""#, true),
        (#"{"type":"string","format":"date-time"}"#, #""2026-11-22T10:00:00Z""#, true),
        (#"{"type":"string","format":"date-time"}"#, #""tomorrow""#, false),
    ])
    func keywords(_ schema: String, _ document: String, _ valid: Bool) throws {
        let compiled = try JSONSchema(try JSONParser.parse(schema))
        #expect(compiled.validate(try JSONParser.parse(document)).isEmpty == valid)
    }
}
