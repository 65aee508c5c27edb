import Metrics
import Synchronization

/// Counters by label and dimensions, made once: a metrics factory lookup per event would sit on the hot path.
final class PipelineCounters: Sendable {
    private struct Key: Hashable {
        var label: String
        var first: String
        var second: String
    }

    private let counters = Mutex<[Key: Counter]>([:])

    func counter(_ label: String, _ first: (String, String), _ second: (String, String)) -> Counter {
        let key = Key(label: label, first: first.1, second: second.1)
        return counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(label: label, dimensions: [first, second])
            counters[key] = counter
            return counter
        }
    }
}
