import ArgumentParser
import FlywheelEvents
import Foundation

/// Commands about events and their schemas.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Work with event schemas.", subcommands: [ValidateCommand.self])

    /// Checks event data files against the schemas, as the service does for every inbound event.
    struct ValidateCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Validate event data (JSON files) against the schema of their type.",
            discussion: "Prints `FILE: valid` or `FILE: invalid: POINTER: reason` per file; exits 1 if any is invalid.")

        @Option(help: "The directory of versioned schemas (<type>/v<N>.json).")
        var schemas = "topics/schemas"

        @Option(help: "The event type, e.g. data.arrived.")
        var type: String

        @Option(help: "The schema version; the newest when omitted.")
        var version: Int?

        @Argument(help: "Files holding the event's data object.")
        var files: [String]

        func run() throws {
            let registry: EventSchemas
            do {
                registry = try EventSchemas(directory: schemas)
            } catch {
                throw ValidationError("\(error)")
            }
            guard registry.schema(type: type, version: version) != nil else {
                throw ValidationError("no schema for \(type)\(version.map { " v\($0)" } ?? "") in \(schemas)")
            }
            var invalid = 0
            for file in files {
                guard let bytes = FileManager.default.contents(atPath: file) else {
                    throw ValidationError("\(file): cannot read the file")
                }
                let event = CloudEvent(
                    id: file, source: "file", type: type,
                    dataschema: version.map { EventSchemas.uri(type: type, version: $0) })
                do {
                    var parsed = event
                    parsed.data = try JSONParser.parse(Array(bytes))
                    try registry.validate(parsed)
                    print("\(file): valid")
                } catch let error as JSONError {
                    invalid += 1
                    print("\(file): invalid: \(error.pointer.isEmpty ? "/" : error.pointer): \(error.kind): \(error)")
                } catch let error as CloudEventDecodingError {
                    invalid += 1
                    print("\(file): invalid: \(error.field ?? "/"): \(error.detail)")
                }
            }
            if invalid > 0 { throw ExitCode(1) }
        }
    }
}
