@testable import FlywheelEvents
import Testing

@Suite("CloudEvents Kafka binding")
struct CloudEventKafkaCodecTests {
    let codec = CloudEventKafkaCodec()
    let event = CloudEvent(
        id: "evt-1", source: "s3://lake/sales-eu", type: "data.arrived", subject: "sales-eu",
        time: "2026-11-22T10:00:00Z", dataschema: "https://flywheel.dev/schemas/data.arrived/v1.json",
        data: .object(JSONObject(["dataset": .string("sales-eu"), "rows": .number(420_000)])),
        extensions: ["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "partitionkey": "sales-eu"])

    @Test("an event survives a round trip in both content modes, keyed by its entity",
          arguments: [CloudEventKafkaCodec.ContentMode.binary, .structured])
    func roundTrip(mode: CloudEventKafkaCodec.ContentMode) throws {
        let record = codec.encode(event, key: "sales-eu", mode: mode)
        #expect(record.key == Array("sales-eu".utf8))
        #expect(try codec.decode(record) == event)
        #expect(event.timeMilliseconds == 1_795_341_600_000)
    }

    @Test("binary mode puts attributes in ce_ headers and the data, as JSON, in the value")
    func binaryLayout() throws {
        let record = codec.encode(event, key: "sales-eu")
        #expect(record.header("ce_type")?.value == Array("data.arrived".utf8))
        #expect(record.header("ce_traceparent") != nil)
        #expect(record.header("content-type")?.value == Array("application/json".utf8))
        #expect(String(decoding: record.value ?? [], as: UTF8.self) == #"{"dataset":"sales-eu","rows":420000}"#)
    }

    @Test("structured mode is one JSON object with content-type application/cloudevents+json")
    func structuredLayout() throws {
        let record = codec.encode(event, key: "sales-eu", mode: .structured)
        #expect(record.header("content-type")?.value == Array(CloudEventKafkaCodec.structuredContentType.utf8))
        let value = try JSONParser.parse(record.value ?? [])
        #expect(value[path: "type"] == .string("data.arrived"))
        #expect(value[path: "data.rows"] == .number(420_000))
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        let name: String
        let record: CloudEventRecord
        let reason: CloudEventDecodingError.Reason
        let field: String?
        var testDescription: String { name }
    }

    static func binary(_ headers: [(String, String)], value: String? = "{}") -> CloudEventRecord {
        CloudEventRecord(key: nil, value: value.map { Array($0.utf8) }, headers: headers.map { .init(name: $0.0, string: $0.1) })
    }

    static let required = [("ce_specversion", "1.0"), ("ce_id", "1"), ("ce_source", "s"), ("ce_type", "data.arrived")]

    static let bad: [Bad] = [
        Bad(name: "no CloudEvents headers at all", record: binary([]), reason: .missingAttribute, field: "ce_specversion"),
        Bad(name: "missing type", record: binary(Array(required.dropLast())), reason: .missingAttribute, field: "ce_type"),
        Bad(name: "wrong specversion", record: binary([("ce_specversion", "0.3")] + required.dropFirst()), reason: .invalidAttribute, field: "ce_specversion"),
        Bad(name: "bad time", record: binary(required + [("ce_time", "yesterday")]), reason: .invalidAttribute, field: "ce_time"),
        Bad(name: "bad extension name", record: binary(required + [("ce_Trace-Parent", "x")]), reason: .invalidAttribute, field: "ce_Trace-Parent"),
        Bad(name: "data not JSON", record: binary(required, value: "rows=12"), reason: .notJSON, field: nil),
        Bad(name: "duplicate key in data", record: binary(required, value: #"{"rows":1,"rows":2}"#), reason: .duplicateKey, field: "/rows"),
        Bad(name: "non-JSON content type", record: binary(required + [("content-type", "application/avro")]), reason: .invalidAttribute, field: "content-type"),
        Bad(name: "header not UTF-8",
            record: CloudEventRecord(key: nil, value: nil, headers: binary(required).headers + [.init(name: "ce_subject", value: [0xFF, 0xFE])]),
            reason: .invalidUTF8, field: "ce_subject"),
        Bad(name: "structured but an array",
            record: binary([("content-type", "application/cloudevents+json")], value: "[]"), reason: .notJSON, field: nil),
        Bad(name: "structured with a numeric id",
            record: binary([("content-type", "application/cloudevents+json")], value: #"{"specversion":"1.0","id":7,"source":"s","type":"t"}"#),
            reason: .invalidAttribute, field: "id"),
        Bad(name: "structured without source",
            record: binary([("content-type", "application/cloudevents+json")], value: #"{"specversion":"1.0","id":"7","type":"t"}"#),
            reason: .missingAttribute, field: "source"),
        Bad(name: "structured batch",
            record: binary([("content-type", "application/cloudevents-batch+json")], value: "[]"), reason: .invalidAttribute, field: "content-type"),
    ]

    @Test("malformed records are refused with the reason and the field", arguments: bad)
    func refuses(_ input: Bad) {
        let error = #expect(throws: CloudEventDecodingError.self) { _ = try codec.decode(input.record) }
        #expect(error?.reason == input.reason, "\(error.map { "\($0)" } ?? "no error")")
        #expect(error?.field == input.field)
    }

    @Test("a value over the size limit is refused before it is parsed")
    func sizeLimit() {
        let codec = CloudEventKafkaCodec(limits: JSONLimits(maxBytes: 64))
        let record = Self.binary(Self.required, value: "[" + String(repeating: "1,", count: 100) + "1]")
        let error = #expect(throws: CloudEventDecodingError.self) { _ = try codec.decode(record) }
        #expect(error?.reason == .tooLarge)
    }
}

@Suite("CloudEvents Kafka binding, properties")
struct CloudEventKafkaCodecPropertyTests {
    static func randomEvent(_ rng: inout JSONParserTests.SplitMix64) -> CloudEvent {
        let alphabet = Array("abcxyz019-_./:é😀 ")
        func text(_ range: ClosedRange<Int>) -> String {
            String((0..<Int.random(in: range, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
        }
        func maybe(_ value: String) -> String? { Bool.random(using: &rng) ? value : nil }
        var extensions: [String: String] = [:]
        let extensionAlphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            let name = String((0..<Int.random(in: 1...12, using: &rng)).map { _ in extensionAlphabet.randomElement(using: &rng)! })
            guard !["id", "source", "specversion", "type", "subject", "time", "datacontenttype", "dataschema", "data"].contains(name) else { continue }
            extensions[name] = text(0...20)
        }
        let millis = Int64.random(in: 0...4_000_000_000_000, using: &rng)
        let time = RFC3339.string(milliseconds: millis)
        return CloudEvent(
            id: "id-" + text(1...16), source: "src:" + text(1...16), type: "t." + text(1...10),
            subject: maybe(text(1...16)), time: maybe(time), dataschema: maybe("https://flywheel.dev/schemas/x/v1.json"),
            data: Bool.random(using: &rng) ? JSONParserTests.randomValue(&rng) : nil, extensions: extensions)
    }

    @Test("encode then decode gives the same event, in both modes (property, 400 random events)", arguments: 0..<4)
    func roundTrip(seed: UInt64) throws {
        var rng = JSONParserTests.SplitMix64(state: 1000 + seed)
        let codec = CloudEventKafkaCodec()
        for _ in 0..<100 {
            let event = Self.randomEvent(&rng)
            for mode in [CloudEventKafkaCodec.ContentMode.binary, .structured] {
                let record = codec.encode(event, key: event.subject, mode: mode)
                var decoded = try codec.decode(record)
                // Binary mode carries no data for a null value; structured mode omits a null data member.
                if event.data == nil || event.data == .null { decoded.data = event.data }
                #expect(decoded == event, "seed \(seed): \(event)")
                #expect(decoded.timeMilliseconds == event.timeMilliseconds)
            }
            if let time = event.time { #expect(RFC3339.string(milliseconds: RFC3339.milliseconds(time)!) == time) }
        }
    }
}

@Suite("Structured CloudEvents read in place")
struct StructuredEnvelopeTests {
    /// An envelope written by hand: names sometimes escaped or repeated, values of every type, spacing anywhere.
    static func randomEnvelope(_ rng: inout JSONParserTests.SplitMix64) -> [UInt8] {
        let names = [
            "specversion", "id", "source", "type", "time", "subject", "dataschema", "datacontenttype", "data", "data_base64",
            "traceparent", "x1", "Bad-Name", "",
        ]
        func escapedName(_ name: String) -> String {
            // The same name with one character as a \u escape, which a reader must match like the plain name.
            guard !name.isEmpty, Int.random(in: 0..<4, using: &rng) == 0 else { return name }
            let index = Int.random(in: 0..<name.count, using: &rng)
            let scalar = name.unicodeScalars[name.unicodeScalars.index(name.unicodeScalars.startIndex, offsetBy: index)]
            let hex = String(scalar.value, radix: 16)
            return String(name.unicodeScalars.prefix(index)) + "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                + String(name.unicodeScalars.dropFirst(index + 1))
        }
        func space() -> String { ["", "", " ", "\n\t "].randomElement(using: &rng)! }
        func value(for name: String) -> String {
            switch Int.random(in: 0..<14, using: &rng) {
            case 0...8:
                switch name {
                case "specversion": return #""1.0""#
                case "time": return #""2026-11-22T10:00:00.5Z""#
                case "datacontenttype": return [#""application/json""#, #""text/plain""#].randomElement(using: &rng)!
                default: return [#""v""#, #""v\"x""#, #""v\u00e9 x""#, #""v\u00"#].randomElement(using: &rng)!
                }
            case 9: return JSONWriter.string(JSONParserTests.randomValue(&rng))
            case 10: return "null"
            case 11: return ["7", "-0.5e3", "true", "false"].randomElement(using: &rng)!
            default: return #"{"rows":1,"nested":[1,{"a":"b"}]}"#
            }
        }
        var members: [String] = []
        var required = ["specversion", "id", "source", "type"].filter { _ in Int.random(in: 0..<8, using: &rng) > 0 }
        for _ in 0..<Int.random(in: 0...3, using: &rng) { required.append(names.randomElement(using: &rng)!) }
        if Int.random(in: 0..<6, using: &rng) == 0, let repeated = required.randomElement(using: &rng) { required.append(repeated) }
        for name in required.shuffled(using: &rng) {
            members.append(space() + "\"" + escapedName(name) + "\"" + space() + ":" + space() + value(for: name) + space())
        }
        var bytes = Array(("{" + members.joined(separator: ",") + "}").utf8)
        switch Int.random(in: 0..<16, using: &rng) {
        case 0: bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
        case 1: bytes.insert([0x22, 0x5C, 0x2C, 0x7D, 0x01, 0xFF, 0x20].randomElement(using: &rng)!, at: Int.random(in: 0...bytes.count, using: &rng))
        case 2: bytes = Array("[".utf8) + bytes + Array("]".utf8)
        case 3: bytes += Array(" x".utf8)
        default: break
        }
        return bytes
    }

    @Test("an envelope of 100,000 members is read in linear time: a repeated name at its end is found, distinct ones pass",
          .timeLimit(.minutes(1)))
    func manyMembers() throws {
        let codec = CloudEventKafkaCodec(limits: JSONLimits(maxBytes: 4 << 20))
        let members = (0..<100_000).map { #""x\#($0)":0"# }.joined(separator: ",")
        let envelope = #"{"specversion":"1.0","id":"1","source":"s","type":"t","# + members
        guard case .event(let event) = Self.outcome(codec, Array((envelope + "}").utf8)) else {
            Issue.record("100,000 distinct extensions were refused")
            return
        }
        #expect(event.extensions.count == 100_000)
        guard case .refused(let reason, let field, _) = Self.outcome(codec, Array((envelope + #","x99999":1}"#).utf8)) else {
            Issue.record("a repeated name was not found")
            return
        }
        #expect(reason == .duplicateKey)
        #expect(field == "/x99999")
    }

    enum Outcome: Equatable {
        case event(CloudEvent)
        case refused(CloudEventDecodingError.Reason, field: String?, detail: String)

        var reason: CloudEventDecodingError.Reason? {
            if case .refused(let reason, _, _) = self { return reason }
            return nil
        }
    }

    static func outcome(_ codec: CloudEventKafkaCodec, _ value: [UInt8]) -> Outcome {
        let record = CloudEventRecord(key: nil, value: value, headers: [.init(name: "content-type", string: "application/cloudevents+json")])
        do {
            return .event(try codec.decode(record))
        } catch {
            return .refused(error.reason, field: error.field, detail: error.detail)
        }
    }

    @Test("an envelope read in place decodes as its parsed and rewritten form does, flaws and all (property, 3,000 envelopes)", arguments: 0..<3)
    func sameAsParsed(seed: UInt64) throws {
        var rng = JSONParserTests.SplitMix64(state: 7000 + seed)
        let codec = CloudEventKafkaCodec(limits: JSONLimits(maxDepth: 4))
        var kinds: Set<String> = []
        for _ in 0..<1000 {
            let bytes = Self.randomEnvelope(&rng)
            let text = String(decoding: bytes, as: UTF8.self)
            let expected: Outcome
            do {
                // What the whole-document parser says: its error, or the document rewritten without escapes in names,
                // spacing or repeats, which is read member by member the plain way.
                let parsed = try JSONParser.parse(bytes, limits: codec.limits)
                if case .object = parsed {
                    expected = Self.outcome(codec, JSONWriter.bytes(parsed))
                } else {
                    expected = .refused(.notJSON, field: nil, detail: "a structured CloudEvent must be a JSON object")
                }
            } catch {
                expected = .refused(
                    CloudEventDecodingError.Reason(error.kind), field: error.pointer.isEmpty ? nil : error.pointer, detail: error.description)
            }
            #expect(Self.outcome(codec, bytes) == expected, "\(text)")
            switch expected {
            case .event: kinds.insert("event")
            case .refused(let reason, _, _): kinds.insert(reason.name)
            }
        }
        // The envelopes reach every outcome.
        #expect(kinds.isSuperset(of: ["event", "not_json", "duplicate_key", "invalid_utf8", "too_deep", "missing_attribute", "invalid_attribute"]), "\(kinds)")
    }
}
