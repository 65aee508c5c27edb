import FlywheelEvents
import Foundation
import Testing

@Suite("Event intake and dead letters")
struct EventIntakeTests {
    let intake = EventIntake(schemas: try! EventSchemas(directory: EventSchemasTests.schemasDirectory))
    let source = SourceCoordinates(topic: "mlops.data.arrivals", partition: 3, offset: 1234)

    static let goodData = #"{"dataset":"sales-eu","version":"7","rows":10,"bytes":20,"location":"s3://lake/sales-eu/7/"}"#

    static func binary(data: String, extra: [(String, String)] = []) -> CloudEventRecord {
        let headers = [("ce_specversion", "1.0"), ("ce_id", "e1"), ("ce_source", "s3://lake"), ("ce_type", "data.arrived"),
                       ("ce_time", "2026-11-22T10:00:00Z")] + extra
        return CloudEventRecord(key: Array("sales-eu".utf8), value: Array(data.utf8), headers: headers.map { .init(name: $0.0, string: $0.1) })
    }

    @Test("a valid CloudEvent comes through with its Kafka key")
    func goodEvent() {
        guard case .events(let events) = intake.process(Self.binary(data: Self.goodData), source: source) else {
            Issue.record("expected events")
            return
        }
        #expect(events.map(\.key) == ["sales-eu"])
        #expect(events.first?.event.data?[path: "rows"] == .number(10))
    }

    @Test("a structured CloudEvent is recognized by its content type in any case, and nothing else is", arguments: [
        ("application/cloudevents+json", true), ("Application/CloudEvents+JSON; charset=UTF-8", true),
        ("application/cloudevent", false), ("application/json", false),
    ])
    func structuredContentType(_ contentType: String, _ isCloudEvent: Bool) {
        let value = #"{"specversion":"1.0","id":"e1","source":"s3://lake","type":"data.arrived","data":\#(Self.goodData)}"#
        let record = CloudEventRecord(key: nil, value: Array(value.utf8), headers: [.init(name: "content-type", string: contentType)])
        switch intake.process(record, source: source) {
        case .events(let events): #expect(isCloudEvent && events.first?.event.id == "e1")
        case .deadLetter: #expect(!isCloudEvent)
        }
    }

    struct Poison: Sendable, CustomTestStringConvertible {
        let name: String
        let record: CloudEventRecord
        let reason: String
        let field: String?
        var testDescription: String { name }
    }

    static let poison: [Poison] = [
        Poison(name: "truncated JSON", record: binary(data: #"{"dataset":"sales-eu","rows":1"#), reason: "not_json", field: nil),
        Poison(name: "deep nesting", record: binary(data: String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)), reason: "too_deep", field: String(repeating: "/0", count: 64)),
        Poison(name: "huge string", record: binary(data: "{\"dataset\":\"" + String(repeating: "x", count: 300_000) + "\"}"), reason: "too_large", field: "/dataset"),
        Poison(name: "invalid UTF-8", record: CloudEventRecord(key: nil, value: [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], headers: binary(data: "").headers), reason: "invalid_utf8", field: nil),
        Poison(name: "duplicate keys", record: binary(data: #"{"dataset":"a","dataset":"b"}"#), reason: "duplicate_key", field: "/dataset"),
        Poison(name: "number out of range", record: binary(data: #"{"dataset":"a","rows":1e999}"#), reason: "number_out_of_range", field: "/rows"),
        Poison(name: "missing attribute", record: CloudEventRecord(key: nil, value: Array(goodData.utf8), headers: [.init(name: "ce_specversion", string: "1.0")]), reason: "missing_attribute", field: "ce_id"),
        Poison(name: "wrong type in data", record: binary(data: #"{"dataset":"sales-eu","version":"7","rows":"ten","bytes":20,"location":"s3://x/y"}"#), reason: "schema_violation", field: "/data/rows"),
        Poison(name: "unknown schema version", record: binary(data: goodData, extra: [("ce_dataschema", "https://flywheel.dev/schemas/data.arrived/v7.json")]), reason: "unknown_schema_version", field: "dataschema"),
        Poison(name: "not an event nor a known payload", record: CloudEventRecord(key: nil, value: Array(#"{"hello":"world"}"#.utf8), headers: []), reason: "missing_attribute", field: "specversion"),
        Poison(name: "empty record", record: CloudEventRecord(key: nil, value: nil, headers: []), reason: "missing_attribute", field: "specversion"),
    ]

    @Test("malformed and hostile records become dead letters: unchanged, with reason, field and coordinates", arguments: poison)
    func deadLetters(_ input: Poison) {
        guard case .deadLetter(let letter, let error) = intake.process(input.record, source: source) else {
            Issue.record("expected a dead letter")
            return
        }
        #expect(error.reason.name == input.reason, "\(error)")
        #expect(error.field == input.field)
        #expect(letter.key == input.record.key)
        #expect(letter.value == input.record.value)
        #expect(Array(letter.headers.prefix(input.record.headers.count)) == input.record.headers)
        func header(_ name: String) -> String? { letter.header(name)?.value.map { String(decoding: $0, as: UTF8.self) } }
        #expect(header(DeadLetter.reasonHeader) == input.reason)
        #expect(header(DeadLetter.fieldHeader) == input.field)
        #expect(header(DeadLetter.topicHeader) == "mlops.data.arrivals")
        #expect(header(DeadLetter.partitionHeader) == "3")
        #expect(header(DeadLetter.offsetHeader) == "1234")
        #expect(header(DeadLetter.detailHeader)?.isEmpty == false)
    }
}
