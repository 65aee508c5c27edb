import FlywheelEvents
import FlywheelKafka
import Foundation

/// What `flywheel demo`'s simulator sends: a day of MLOps life around a churn model and a sales dataset, as
/// CloudEvents in Kafka's binary content mode, each on the topic of its stream and keyed by its entity.
enum DemoEvents {
    struct Event {
        var topic: String
        var key: String
        var event: CloudEvent
    }

    /// The topics of the demo's four input streams.
    static let dataTopic = "mlops.data.arrivals"
    static let codeTopic = "mlops.code.changes"
    static let alertTopic = "mlops.monitoring.alerts"
    static let registryTopic = "mlops.model.registry"

    /// The story, in time order, ending a few minutes before `now`: two data drops that add up to over a million
    /// rows, a training-code change, a new model version that beats its baseline, and three drift alerts.
    ///
    /// `tag` is appended to the dataset, model and repository names, so that on a shared cluster a run's keys do not
    /// meet an earlier run's events.
    static func story(now: Date = Date(), tag: String = "") -> [Event] {
        let end = Int64(now.timeIntervalSince1970 * 1000)
        let run = UInt32.random(in: 0...UInt32.max)
        var events: [Event] = []
        func add(_ topic: String, _ key: String, _ type: String, _ source: String, minutesAgo: Int64, _ data: String) {
            let time = RFC3339.string(milliseconds: end - minutesAgo * 60_000)
            let key = key + tag
            let data = data.replacingOccurrences(of: "sales-eu", with: "sales-eu" + tag)
                .replacingOccurrences(of: "churn-model", with: "churn-model" + tag)
                .replacingOccurrences(of: "acme/churn", with: "acme/churn" + tag)
            let event = CloudEvent(
                id: "demo-\(run)-\(events.count + 1)", source: source, type: type, subject: key, time: time,
                dataschema: EventSchemas.uri(type: type, version: 1), data: try! JSONParser.parse(data))
            events.append(Event(topic: topic, key: key, event: event))
        }
        add(dataTopic, "sales-eu", "data.arrived", "s3://lake/sales-eu", minutesAgo: 180,
            #"{"dataset":"sales-eu","version":"2026-11-22a","rows":620000,"bytes":91000000,"location":"s3://lake/sales-eu/2026-11-22a/"}"#)
        add(codeTopic, "acme/churn", "code.changed", "https://github.com/acme/churn", minutesAgo: 150,
            #"{"repository":"acme/churn","branch":"main","commit":"9f1c2e7","changed_paths":["training/features.py"],"affected":["churn-model"]}"#)
        add(dataTopic, "sales-eu", "data.arrived", "s3://lake/sales-eu", minutesAgo: 120,
            #"{"dataset":"sales-eu","version":"2026-11-22b","rows":480000,"bytes":70000000,"location":"s3://lake/sales-eu/2026-11-22b/"}"#)
        add(registryTopic, "churn-model", "model.registered", "mlflow://registry", minutesAgo: 90,
            #"{"model":"churn-model","version":"8","artifact_uri":"s3://models/churn/8"}"#)
        add(registryTopic, "churn-model", "model.evaluated", "mlflow://registry", minutesAgo: 80,
            #"{"model":"churn-model","version":"8","metrics":{"auc":0.93},"baseline_metrics":{"auc":0.90}}"#)
        add(alertTopic, "churn-model", "monitoring.alert", "alertmanager://prod", minutesAgo: 30,
            #"{"model":"churn-model","model_version":"8","kind":"drift","metric":"psi","value":0.31,"threshold":0.2,"severity":"warning","status":"firing","window":"1h"}"#)
        add(alertTopic, "churn-model", "monitoring.alert", "alertmanager://prod", minutesAgo: 20,
            #"{"model":"churn-model","model_version":"8","kind":"drift","metric":"psi","value":0.34,"threshold":0.2,"severity":"warning","status":"firing","window":"1h"}"#)
        add(alertTopic, "churn-model", "monitoring.alert", "alertmanager://prod", minutesAgo: 10,
            #"{"model":"churn-model","model_version":"8","kind":"drift","metric":"psi","value":0.37,"threshold":0.2,"severity":"critical","status":"firing","window":"1h"}"#)
        return events
    }

    /// The event as a binary-mode record of its topic.
    static func message(_ event: Event) -> KafkaProducerMessage {
        let record = CloudEventKafkaCodec().encode(event.event, key: event.key, mode: .binary)
        return KafkaProducerMessage(
            topic: event.topic, key: record.key, value: record.value, headers: record.headers.map { KafkaHeader(key: $0.name, value: $0.value) })
    }
}
