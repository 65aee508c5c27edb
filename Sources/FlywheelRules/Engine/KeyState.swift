import FlywheelEvents

/// What the engine keeps for one key of one rule.
struct KeyState: Sendable {
    /// Times of the key's last firings, in firing order (at most `firingHistory`): the latest one starts the cooldown,
    /// and a firing at a time already in the list gets an ordinal, so that its trigger id differs.
    var firingTimes: [Int64] = []
    var body: Body

    static let firingHistory = 16

    /// The latest firing time.
    var lastFiring: Int64? { firingTimes.max() }

    /// Records a firing at `time`; returns how many of the remembered firings had that time.
    mutating func recordFiring(at time: Int64) -> Int32 {
        let ordinal = Int32(firingTimes.count(where: { $0 == time }))
        firingTimes.append(time)
        if firingTimes.count > KeyState.firingHistory { firingTimes.removeFirst() }
        return ordinal
    }

    enum Body: Sendable {
        /// `each` and `any`: nothing but the firing time.
        case none
        /// A threshold without a window: the aggregate since the last firing.
        case running(Running)
        /// A threshold with a window: the accepted events since the last firing, in time order.
        case window([Entry])
        /// `all` and `sequence`: each member's accepted events since the last firing, in time order.
        case members([[Entry]])
        case absence(Absence)
    }

    struct Running: Sendable, Equatable {
        var count: Int = 0
        var sum: Double = 0
        var min: Double = .infinity
        var max: Double = -.infinity
        /// The latest causes, oldest first; `omitted` older ones are counted only.
        var causes: [Entry] = []
        var omitted: Int = 0
    }

    /// An accepted event: its time, processing order, aggregated value and identity.
    struct Entry: Sendable, Equatable {
        var time: Int64
        var sequence: UInt64
        var value: Double
        var cause: StoredCause

        /// Order by time, then by processing order.
        func precedes(_ other: Entry) -> Bool { (time, sequence) < (other.time, other.sequence) }
    }

    struct Absence: Sendable, Equatable {
        var lastSeen: Int64
        var armed: Bool
        var cause: StoredCause
        /// The last accepted event's values at the template's `event.` paths.
        var values: [JSONValue?]
    }
}

/// An `EventCause` with its type and topic interned in the engine's symbol table, to keep state small.
struct StoredCause: Sendable, Equatable {
    var id: String
    var type: UInt32
    var topic: UInt32
    var partition: Int32
    var offset: Int64

    static let noTopic = UInt32.max
}

extension Array where Element == KeyState.Entry {
    /// Inserts keeping time order; in-order input appends.
    mutating func insertOrdered(_ entry: Element) {
        if let last, !entry.precedes(last) {
            append(entry)
            return
        }
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle].precedes(entry) { low = middle + 1 } else { high = middle }
        }
        insert(entry, at: low)
    }

    /// The index of the first entry with a time after `time`.
    func firstIndex(after time: Int64) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle].time <= time { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
