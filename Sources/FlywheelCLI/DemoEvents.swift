import FlywheelKafka

/// The sample events of `flywheel demo`: CloudEvents in Kafka's binary content mode (ce_ headers, JSON value).
enum DemoEvents {
    static func samples(topic: String) -> [KafkaProducerMessage] {
        [
            event(topic, type: "data.arrived", key: "sales-eu", source: "s3://lake/sales-eu",
                  data: #"{"dataset":"sales-eu","version":"2026-11-22","rows":420000,"bytes":91000000,"location":"s3://lake/sales-eu/2026-11-22/"}"#),
            event(topic, type: "data.arrived", key: "sales-eu", source: "s3://lake/sales-eu",
                  data: #"{"dataset":"sales-eu","version":"2026-11-22b","rows":610000,"bytes":133000000,"location":"s3://lake/sales-eu/2026-11-22b/"}"#),
            event(topic, type: "code.changed", key: "churn-model", source: "https://github.com/acme/churn",
                  data: #"{"repository":"acme/churn","branch":"main","commit":"9f1c2e7","changed_paths":["training/features.py"],"affected":["churn-model"]}"#),
            event(topic, type: "monitoring.alert", key: "churn-model", source: "alertmanager://prod",
                  data: #"{"model":"churn-model","model_version":"7","kind":"drift","metric":"psi","value":0.31,"threshold":0.2,"severity":"warning","status":"firing","window":"1h"}"#),
            event(topic, type: "model.registered", key: "churn-model", source: "mlflow://registry",
                  data: #"{"model":"churn-model","version":"8","artifact_uri":"s3://models/churn/8"}"#),
            event(topic, type: "model.evaluated", key: "churn-model", source: "mlflow://registry",
                  data: #"{"model":"churn-model","version":"8","metrics":{"auc":0.91},"baseline_metrics":{"auc":0.88}}"#),
        ]
    }

    /// The demo's events match the schemas in topics/schemas (the sample data is checked against them in tests).
    private static func event(_ topic: String, type: String, key: String, source: String, data: String) -> KafkaProducerMessage {
        KafkaProducerMessage(
            topic: topic, key: key, value: data,
            headers: [
                KafkaHeader(key: "ce_specversion", string: "1.0"),
                KafkaHeader(key: "ce_id", string: "demo-\(type)-\(UInt32.random(in: 0...UInt32.max))"),
                KafkaHeader(key: "ce_source", string: source),
                KafkaHeader(key: "ce_type", string: type),
                KafkaHeader(key: "ce_subject", string: key),
                KafkaHeader(key: "ce_dataschema", string: "https://flywheel.dev/schemas/\(type)/v1.json"),
                KafkaHeader(key: "content-type", string: "application/json"),
            ])
    }

    /// The CloudEvents id of a binary-mode event.
    static func id(of headers: [KafkaHeader]) -> String? {
        headers.last(where: { $0.key == "ce_id" })?.stringValue
    }

    static func describe(_ headers: [KafkaHeader]) -> String {
        let type = headers.last(where: { $0.key == "ce_type" })?.stringValue ?? "?"
        return type.padding(toLength: 17, withPad: " ", startingAt: 0)
    }
}
