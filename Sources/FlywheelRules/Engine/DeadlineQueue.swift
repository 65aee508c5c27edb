/// Absence deadlines in firing order: by time, then rule order, then key (by code points).
///
/// Entries are not removed when a key re-arms; a popped entry is checked against the key's state.
struct DeadlineQueue: Sendable {
    struct Deadline: Sendable {
        var time: Int64
        var rule: Int
        var key: String

        func precedes(_ other: Deadline) -> Bool {
            if time != other.time { return time < other.time }
            if rule != other.rule { return rule < other.rule }
            return key.utf8.lexicographicallyPrecedes(other.key.utf8)
        }
    }

    private var heap: [Deadline] = []

    var count: Int { heap.count }

    mutating func push(_ deadline: Deadline) {
        heap.append(deadline)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest deadline if it is at or before `time`.
    mutating func popDue(at time: Int64) -> Deadline? {
        guard let first = heap.first, first.time <= time else { return nil }
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].precedes(heap[smallest]) { smallest = left }
            if right < heap.count, heap[right].precedes(heap[smallest]) { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
