import FlywheelEvents

/// Structured CloudEvents, one JSON object a line (JSON Lines), as `flywheel replay` reads and writes them.
public enum EventLines {
    /// The lines of `bytes` with their numbers (from 1); blank lines are left out.
    public static func lines(_ bytes: [UInt8]) -> [(number: Int, bytes: ArraySlice<UInt8>)] {
        var lines: [(number: Int, bytes: ArraySlice<UInt8>)] = []
        var start = 0
        var number = 1
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            append(bytes[start..<index], number, to: &lines)
            start = index + 1
            number += 1
        }
        append(bytes[start...], number, to: &lines)
        return lines
    }

    private static func append(_ line: ArraySlice<UInt8>, _ number: Int, to lines: inout [(number: Int, bytes: ArraySlice<UInt8>)]) {
        var line = line
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) else { return }
        lines.append((number, line))
    }

    /// Decodes one line as a structured CloudEvent with a valid `time`; errors name the line.
    public static func input(_ line: ArraySlice<UInt8>, number: Int, file: String, codec: CloudEventKafkaCodec = CloudEventKafkaCodec()) throws(RulesError) -> RuleInput {
        let record = CloudEventRecord(
            key: nil, value: Array(line), headers: [.init(name: "content-type", string: CloudEventKafkaCodec.structuredContentType)])
        let event: CloudEvent
        do {
            event = try codec.decode(record)
        } catch {
            throw RulesError(code: .invalidEvent, location: RuleSourceLocation(file: file, line: number), message: "not a CloudEvent: \(error)")
        }
        guard let input = RuleInput(event: event) else {
            throw RulesError(
                code: .invalidEvent, location: RuleSourceLocation(file: file, line: number),
                message: "event \(event.id) has no time", hint: "replay runs on event time; give every event an RFC 3339 time")
        }
        return input
    }

    /// The event as one line of structured CloudEvents JSON (without the newline).
    public static func line(_ event: CloudEvent) -> [UInt8] {
        CloudEventKafkaCodec().encode(event, key: nil, mode: .structured).value ?? []
    }
}
