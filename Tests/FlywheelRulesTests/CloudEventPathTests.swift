import FlywheelEvents
import FlywheelRules
import Testing

@Suite("Rule paths into CloudEvents")
struct CloudEventPathTests {
    static let event = CloudEvent(
        id: "e1", source: "/tests", type: "model.evaluated", subject: "churn", time: "2026-03-01T00:00:00Z",
        data: try! JSONParser.parse(#"{"model":"churn","metrics":{"auc":0.91,"by":{"eu":{"auc":0.88}}},"tags":["a"],"n":null}"#),
        extensions: ["traceparent": "00-abc-def-01"])

    @Test("a field under data is found at any depth; a missing one, or one under a value that is not an object, is nil")
    func dataFields() {
        let event = Self.event
        let paths = [
            "data.model", "data.metrics", "data.metrics.auc", "data.metrics.by.eu.auc", "data.metrics.by.us.auc", "data.missing",
            "data.tags", "data.tags.0", "data.model.x", "data.n", "data.n.x", "data.metrics.auc.x",
        ]
        for path in paths {
            let components = path.split(separator: ".").map(String.init)
            #expect(event.value(at: components) == event.data?[path: path.dropFirst(5)], "\(path)")
        }
        #expect(event.value(at: ["data", "metrics", "by", "eu", "auc"]) == .number(0.88))
        #expect(event.value(at: ["data"]) == event.data)
        #expect(CloudEvent(id: "e2", source: "/tests", type: "t").value(at: ["data", "x"]) == nil)
    }

    @Test("attributes and extensions are found by name")
    func attributes() {
        let event = Self.event
        #expect(event.value(at: ["type"]) == .string("model.evaluated"))
        #expect(event.value(at: ["subject"]) == .string("churn"))
        #expect(event.value(at: ["traceparent"]) == .string("00-abc-def-01"))
        #expect(event.value(at: ["dataschema"]) == nil)
        #expect(event.value(at: []) == nil)
    }
}
