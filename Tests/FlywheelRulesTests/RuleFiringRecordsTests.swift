import FlywheelEvents
import FlywheelRules
import Testing

@Suite("Rule firings as Kafka records")
struct RuleFiringRecordsTests: RuleEngineTesting {
    @Test("a firing's records, its causes written once for both, are the trigger and audit record encoded whole", arguments: [
        CloudEventKafkaCodec.ContentMode.binary, .structured,
    ])
    func recordsEqualEncodedEvents(mode: CloudEventKafkaCodec.ContentMode) throws {
        let set = try rules(
            """
            rules:
              - id: three-arrivals
                on: data.arrived
                threshold: {count: 3}
                emit: {type: retrain.requested, topic: mlops.retrain.requests, data: {target: "train-{{ key }}", note: "a \\"quoted\\" word"}}
            """)
        let firings = run(set, (1...6).map { event("e\($0)-\(String(repeating: "x", count: $0 * 7))", "data.arrived", at: at("00:00:0\($0)")) })
        try #require(firings.count == 2)
        let codec = CloudEventKafkaCodec()
        for firing in firings {
            let records = firing.records(codec: codec, mode: mode)
            #expect(records.trigger == codec.encode(firing.trigger, key: firing.key, mode: mode))
            #expect(records.audit == codec.encode(firing.audit, key: firing.key, mode: mode))
            #expect(records.trigger.value.map { String(decoding: $0, as: UTF8.self) }?.contains(#""cause":[{"id":"e"#) == true)
        }
        // Causes changed after the engine made the trigger: the audit record's are made anew, the trigger keeps its own.
        var trimmed = firings[0]
        trimmed.causes.removeFirst()
        let records = trimmed.records(codec: codec, mode: mode)
        #expect(records.trigger == codec.encode(trimmed.trigger, key: trimmed.key, mode: mode))
        #expect(records.audit == codec.encode(trimmed.audit, key: trimmed.key, mode: mode))
    }
}
