import Foundation

/// The versioned JSON Schemas of event data, as `topics/schemas/<type>/v<N>.json` holds them.
///
/// Events whose type has no schema pass unvalidated: Flywheel reads topics that also carry events it does not use.
public struct EventSchemas: Sendable {
    /// A schema file that cannot be used, with its path and the place in it.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    /// The `dataschema` URI of a type's version, as Flywheel's own events carry it.
    public static func uri(type: String, version: Int) -> String {
        "https://flywheel.dev/schemas/\(type)/v\(version).json"
    }

    private var schemas: [String: [Int: JSONSchema]]

    public init() {
        schemas = [:]
    }

    /// Loads every `<type>/v<N>.json` under `directory`.
    public init(directory: String) throws(LoadError) {
        schemas = [:]
        let fileManager = FileManager.default
        let types: [String]
        do {
            types = try fileManager.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw LoadError(path: directory, message: "cannot list the schema directory: \(error.localizedDescription)")
        }
        for type in types {
            let typeDirectory = directory + "/" + type
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: typeDirectory, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let files = (try? fileManager.contentsOfDirectory(atPath: typeDirectory)) ?? []
            for file in files.sorted() {
                let path = typeDirectory + "/" + file
                guard file.hasPrefix("v"), file.hasSuffix(".json"), let version = Int(file.dropFirst().dropLast(5)), version > 0 else {
                    throw LoadError(path: path, message: "schema files are named v<N>.json")
                }
                guard let bytes = fileManager.contents(atPath: path) else { throw LoadError(path: path, message: "cannot read the file") }
                do {
                    let schema = try JSONSchema(try JSONParser.parse(Array(bytes)))
                    if let id = schema.id, id != EventSchemas.uri(type: type, version: version) {
                        throw LoadError(path: path, message: "$id \(id) does not match the path; expected \(EventSchemas.uri(type: type, version: version))")
                    }
                    schemas[type, default: [:]][version] = schema
                } catch let error as JSONError {
                    throw LoadError(path: path, message: "line \(error.line), column \(error.column): \(error.message)")
                } catch let error as JSONSchema.CompileError {
                    throw LoadError(path: path, message: error.description)
                } catch let error as LoadError {
                    throw error
                } catch {
                    throw LoadError(path: path, message: "\(error)")
                }
            }
        }
    }

    /// The event types that have a schema.
    public var types: [String] { schemas.keys.sorted() }

    /// The schema of `type` at `version`, or its newest version when `version` is nil.
    public func schema(type: String, version: Int? = nil) -> JSONSchema? {
        guard let versions = schemas[type] else { return nil }
        if let version { return versions[version] }
        return versions.max(by: { $0.key < $1.key })?.value
    }

    /// Checks the event's data against its type's schema, in the version its `dataschema` names (else the newest).
    public func validate(_ event: CloudEvent) throws(CloudEventDecodingError) {
        guard let versions = schemas[event.type] else { return }
        // The usual event names no version: its type's newest, looked up once.
        guard let dataschema = event.dataschema else {
            let (version, schema) = versions.count == 1 ? versions.first! : versions.max(by: { $0.key < $1.key })!
            try EventSchemas.check(event, against: schema, version: version)
            return
        }
        let prefix = "https://flywheel.dev/schemas/\(event.type)/v"
        guard dataschema.hasPrefix(prefix), dataschema.hasSuffix(".json"),
            let named = Int(dataschema.dropFirst(prefix.count).dropLast(5))
        else {
            throw CloudEventDecodingError(
                reason: .unknownSchemaVersion, field: "dataschema",
                detail: "dataschema \(dataschema) is not a schema of \(event.type) (expected \(prefix)<N>.json)")
        }
        guard versions[named] != nil else {
            throw CloudEventDecodingError(
                reason: .unknownSchemaVersion, field: "dataschema",
                detail: "\(event.type) has no schema version \(named); known: \(versions.keys.sorted().map { "v\($0)" }.joined(separator: ", "))")
        }
        try EventSchemas.check(event, against: versions[named]!, version: named)
    }

    private static func check(_ event: CloudEvent, against schema: JSONSchema, version: Int) throws(CloudEventDecodingError) {
        guard let data = event.data else {
            throw CloudEventDecodingError(reason: .schemaViolation, field: "data", detail: "\(event.type) events need data")
        }
        if let first = schema.validate(data).first {
            throw CloudEventDecodingError(
                reason: .schemaViolation, field: "/data" + first.pointer, detail: "\(event.type) v\(version): \(first.message)")
        }
    }
}
