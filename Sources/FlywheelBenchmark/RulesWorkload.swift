import Foundation
import FlywheelEvents
import FlywheelRules

/// A reproducible rule-engine workload: a mix of rules of every kind over the MLOps event types, and a stream of
/// events in time order with keys spread over datasets, models and repositories.
struct RulesWorkload {
    static let datasets = 1000
    static let models = 500
    static let repositories = 100

    /// `count` rules, cycling through the kinds in a fixed proportion; most match one dataset, model or repository by
    /// equality (as rules written per entity do), a few match by range or prefix only.
    static func rulesYAML(count: Int) -> String {
        var yaml = "rules:\n"
        for index in 0..<count {
            let dataset = String(format: "ds-%04d", index % datasets)
            let model = String(format: "model-%03d", index % models)
            let repository = String(format: "repo-%03d", index % repositories)
            let emit = """
                    emit: {type: retrain.requested, topic: mlops.retrain.requests, data: {target: "{{ key }}", reason: "rule {{ rule.id }}: {{ value }}"}}

                """
            switch index % 20 {
            case 0, 1, 2, 3, 4:
                yaml += """
                      - id: rows-\(index)
                        on: data.arrived
                        match: {data.dataset: \(dataset), data.rows: {gt: 0}}
                        key: data.dataset
                        threshold: {sum: data.rows, gte: 2000000, within: 1h}
                        cooldown: 30m

                    """
            case 5, 6, 7:
                yaml += """
                      - id: batches-\(index)
                        on: data.arrived
                        match: {data.dataset: {in: [\(dataset), ds-x\(index)]}}
                        key: data.dataset
                        threshold: {count: 50}

                    """
            case 8, 9, 10:
                yaml += """
                      - id: drift-\(index)
                        on: monitoring.alert
                        match: {data.model: \(model), data.kind: drift, data.status: firing}
                        key: data.model
                        threshold: {count: 3, within: 10m}
                        cooldown: 1h

                    """
            case 11:
                yaml += """
                      - id: latency-\(index)
                        on: monitoring.alert
                        match: {data.model: \(model), data.metric: latency_p99}
                        key: data.model
                        threshold: {avg: data.value, gt: 0.9, within: 15m}

                    """
            case 12, 13:
                yaml += """
                      - id: code-\(index)
                        on: code.changed
                        match: {data.repository: \(repository), data.branch: main, data.changed_paths: {prefix: "training/"}}
                        key: data.repository
                        cooldown: 30m

                    """
            case 14, 15:
                yaml += """
                      - id: promote-\(index)
                        sequence:
                          - {on: model.registered, key: data.model, match: {data.model: \(model)}}
                          - {on: model.evaluated, key: data.model, match: {data.model: \(model)}, condition: "data.metrics.auc >= data.baseline_metrics.auc + 0.01"}
                        within: 6h

                    """
            case 16:
                yaml += """
                      - id: data-and-code-\(index)
                        all:
                          - {on: data.arrived, key: data.dataset, match: {data.dataset: \(dataset)}}
                          - {on: code.changed, key: data.affected, match: {data.affected: \(dataset)}}
                        within: 2h

                    """
            case 17, 18:
                yaml += """
                      - id: stale-\(index)
                        absent: {on: data.arrived, match: {data.dataset: \(dataset)}, for: 6h}
                        key: data.dataset

                    """
            default:
                // Unindexed: every event of the type reaches these.
                yaml += """
                      - id: huge-batch-\(index)
                        on: data.arrived
                        match: {data.rows: {gt: 99990}}
                        condition: "data.bytes > data.rows * 10"
                        key: data.dataset
                        cooldown: 1h

                    """
            }
            yaml += emit
        }
        return yaml
    }

    /// `count` events 50 ms apart from 2026-03-01: half data arrivals, a quarter monitoring alerts, the rest code
    /// changes and registry events; ids are UUID-shaped like real CloudEvents ids.
    static func events(count: Int, seed: UInt64 = 42) -> [RuleInput] {
        var random = SplitMix64(seed: seed)
        let start = RFC3339.milliseconds("2026-03-01T00:00:00Z")!
        var inputs: [RuleInput] = []
        inputs.reserveCapacity(count)
        for index in 0..<count {
            let time = start + Int64(index) * 50
            let roll = random.next() % 100
            let id = uuidShaped(random.next(), random.next())
            let event: CloudEvent
            switch roll {
            case 0..<50:
                let dataset = String(format: "ds-%04d", Int(random.next() % UInt64(datasets)))
                let rows = Double(random.next() % 100_000)
                event = CloudEvent(
                    id: id, source: "s3://lake", type: "data.arrived", subject: dataset, time: RFC3339.string(milliseconds: time),
                    data: .object(JSONObject([
                        "dataset": .string(dataset), "rows": .number(rows), "bytes": .number(rows * Double(random.next() % 20)),
                        "location": .string("s3://lake/\(dataset)/\(index)"),
                    ])))
            case 50..<75:
                let model = String(format: "model-%03d", Int(random.next() % UInt64(models)))
                let metric = random.next() % 4 == 0 ? "latency_p99" : "psi"
                event = CloudEvent(
                    id: id, source: "prometheus", type: "monitoring.alert", subject: model, time: RFC3339.string(milliseconds: time),
                    data: .object(JSONObject([
                        "model": .string(model), "kind": .string(metric == "psi" ? "drift" : "performance"), "metric": .string(metric),
                        "value": .number(Double(random.next() % 1000) / 1000), "severity": .string("warning"),
                        "status": .string(random.next() % 5 == 0 ? "resolved" : "firing"),
                    ])))
            case 75..<87:
                let repository = String(format: "repo-%03d", Int(random.next() % UInt64(repositories)))
                let dataset = String(format: "ds-%04d", Int(random.next() % UInt64(datasets)))
                event = CloudEvent(
                    id: id, source: "github", type: "code.changed", subject: repository, time: RFC3339.string(milliseconds: time),
                    data: .object(JSONObject([
                        "repository": .string(repository), "branch": .string(random.next() % 3 == 0 ? "dev" : "main"),
                        "commit": .string(String(random.next(), radix: 16)),
                        "changed_paths": .array([.string(random.next() % 2 == 0 ? "training/train.py" : "docs/readme.md")]),
                        "affected": .array([.string(dataset)]),
                    ])))
            default:
                let model = String(format: "model-%03d", Int(random.next() % UInt64(models)))
                let registered = roll < 93
                var data = JSONObject(["model": .string(model), "version": .string("\(index)")])
                if registered {
                    data["artifact_uri"] = .string("s3://models/\(model)/\(index)")
                } else {
                    data["metrics"] = .object(JSONObject(["auc": .number(0.8 + Double(random.next() % 150) / 1000)]))
                    data["baseline_metrics"] = .object(JSONObject(["auc": .number(0.85)]))
                }
                event = CloudEvent(
                    id: id, source: "mlflow", type: registered ? "model.registered" : "model.evaluated", subject: model,
                    time: RFC3339.string(milliseconds: time), data: .object(data))
            }
            inputs.append(RuleInput(event: event, time: time))
        }
        return inputs
    }

    static func uuidShaped(_ high: UInt64, _ low: UInt64) -> String {
        func hex(_ value: UInt64, _ digits: Int) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: max(0, digits - text.count)) + text.suffix(digits)
        }
        return "\(hex(high >> 32, 8))-\(hex((high >> 16) & 0xFFFF, 4))-\(hex(high & 0xFFFF, 4))-\(hex(low >> 48, 4))-\(hex(low & 0xFFFF_FFFF_FFFF, 12))"
    }
}

/// A small, fast, seedable generator, so every run sees the same workload.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
