import FlywheelEvents
import Testing

@Suite("Alertmanager source adapter")
struct AlertmanagerAdapterTests {
    @Test("each alert of a v4 webhook becomes a monitoring.alert, firing and resolved alike")
    func firingAndResolved() throws {
        let events = try adapt(AdapterFixtures.alertmanager)
        try #require(events.count == 2)

        let firing = events[0]
        #expect(firing.key == "churn-model")
        #expect(firing.original == Array(AdapterFixtures.alertmanager.utf8))
        #expect(firing.event.id == "a1b2c3d4e5f60718-2026-11-22T10:00:00.123456789Z")
        #expect(firing.event.type == "monitoring.alert")
        #expect(firing.event.source == "http://alertmanager.example.internal:9093")
        #expect(firing.event.subject == "churn-model")
        #expect(firing.event.time == "2026-11-22T10:00:00.123456789Z")
        #expect(firing.event.datacontenttype == "application/json")
        #expect(firing.event.dataschema == "https://flywheel.dev/schemas/monitoring.alert/v1.json")
        #expect(firing.event.extensions == ["originaltype": "alertmanager"])
        #expect(firing.event.data.map(JSONWriter.string) == #"""
            {"model":"churn-model","model_version":"8","kind":"drift","metric":"psi","value":0.31,"threshold":0.2,\#
            "severity":"critical","window":"1h","status":"firing"}
            """#)

        // No kind or metric label: both come from the alert name; model from model_name; window from the annotation.
        let resolved = events[1]
        #expect(resolved.key == "fraud-scorer")
        #expect(resolved.event.id == "0f1e2d3c4b5a6978-2026-11-22T09:00:00Z-resolved")
        #expect(resolved.event.source == "http://alertmanager.example.internal:9093")
        #expect(resolved.event.subject == "fraud-scorer")
        #expect(resolved.event.time == "2026-11-22T09:45:30Z")
        #expect(resolved.event.extensions == ["originaltype": "alertmanager"])
        #expect(resolved.event.data.map(JSONWriter.string) == #"""
            {"model":"fraud-scorer","kind":"high_p99_latency","metric":"HighP99Latency","value":412.5,\#
            "severity":"warning","window":"15m","status":"resolved"}
            """#)
    }

    static func payload(labels: String, annotations: String, external: String = #""externalURL": "","#) -> String {
        #"""
        {"version": "4", "status": "firing", "receiver": "r", \#(external) "groupLabels": {}, "commonLabels": {},
         "commonAnnotations": {}, "groupKey": "{}:{}", "alerts": [{"status": "firing", "labels": \#(labels),
         "annotations": \#(annotations), "startsAt": "2026-11-22T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
         "generatorURL": "", "fingerprint": "ffee"}]}
        """#
    }

    @Test("severity labels map to info, warning or critical", arguments: [
        ("page", "critical"), ("Critical", "critical"), ("error", "critical"), ("warning", "warning"), ("warn", "warning"),
        ("none", "info"), (nil, "info"),
    ] as [(String?, String)])
    func severity(label: String?, expected: String) throws {
        let severity = label.map { #", "severity": "\#($0)""# } ?? ""
        let events = try adapt(Self.payload(labels: #"{"alertname": "X", "model": "m"\#(severity)}"#, annotations: #"{"value": "1"}"#))
        #expect(events.first?.event.data?[path: "severity"] == .string(expected))
    }

    @Test("without externalURL the source is alertmanager; unusable threshold and window are left out")
    func defaults() throws {
        let events = try adapt(Self.payload(
            labels: #"{"alertname": "ErrorRate-Too high", "model": "m", "window": "1w"}"#,
            annotations: #"{"value": "-2e-1", "threshold": "NaN"}"#))
        #expect(events.first?.event.source == "alertmanager")
        #expect(events.first?.event.data.map(JSONWriter.string)
            == #"{"model":"m","kind":"error_rate_too_high","metric":"ErrorRate-Too high","value":-0.2,"severity":"info","status":"firing"}"#)
    }

    @Test("alert names become snake-case kinds", arguments: [
        ("ModelDriftHigh", "model_drift_high"), ("HTTPErrorRate", "http_error_rate"), ("data-quality", "data_quality"),
        ("P99Latency", "p99_latency"), ("decay", "decay"),
    ])
    func kind(alertname: String, expected: String) throws {
        let events = try adapt(Self.payload(labels: #"{"alertname": "\#(alertname)", "model": "m"}"#, annotations: #"{"value": "1"}"#))
        #expect(events.first?.event.data?[path: "kind"] == .string(expected))
        #expect(events.first?.event.data?[path: "metric"] == .string(alertname))
    }

    @Test("windows are kept only in the schema's form", arguments: [
        ("1h30m", true), ("90s", true), ("7d", true), ("1h30", false), ("m", false), ("30m1h", false), ("5ms", false),
    ])
    func window(window: String, kept: Bool) throws {
        let events = try adapt(Self.payload(labels: #"{"alertname": "X", "model": "m", "window": "\#(window)"}"#, annotations: #"{"value": "1"}"#))
        #expect(events.first?.event.data?[path: "window"] == (kept ? .string(window) : nil))
    }

    @Test("an alert whose value annotation is not a number cannot be adapted, and the error names the field")
    func valueNotNumeric() {
        let payload = AdapterFixtures.alertmanager.replacing(#""value": "0.31""#, with: #""value": "high""#, maxReplacements: 1)
        let error = adaptationError(payload)
        #expect(error?.reason == .invalidAttribute)
        #expect(error?.field == "/alerts/0/annotations/value")
    }

    @Test("an alert without a value annotation, or about no model, cannot be adapted", arguments: [
        (#"{"alertname": "X", "model": "m"}"#, #"{"summary": "s"}"#, "/alerts/0/annotations/value"),
        (#"{"alertname": "X"}"#, #"{"value": "1"}"#, "/alerts/0/labels/model"),
        (#"{"alertname": "42", "model": "m"}"#, #"{"value": "1"}"#, "/alerts/0/labels/alertname"),
    ])
    func missing(labels: String, annotations: String, field: String) {
        let error = adaptationError(Self.payload(labels: labels, annotations: annotations))
        #expect(error?.field == field)
    }
}
