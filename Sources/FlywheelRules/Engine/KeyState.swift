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
        /// A threshold without a window: the aggregate since the last firing (boxed, to keep every key's state small).
        indirect case running(Running)
        /// A threshold with a window: the accepted events since the last firing, all exact.
        case window([Entry])
        /// A threshold with a window that has panes (boxed: few keys have them, and a larger or boxed `window`
        /// made every key's state larger and the engine slower).
        indirect case panedWindow(Window)
        /// `all` and `sequence`: each member's accepted events since the last firing, in time order.
        case members([[Entry]])
        indirect case absence(Absence)
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

    /// A threshold's accepted events for one key since its last firing: the latest ones exactly, in time order, and
    /// the older ones past a limit as panes, aggregates of the events of one slice of time each, in time order too.
    ///
    /// So a key's window keeps at most `Options.windowEventLimit` events (an eighth more between trims) and
    /// `Window.paneLimit` panes, however many events it takes. Panes hold disjoint slices; an event is either exact
    /// or in a pane, never both.
    struct Window: Sendable, Equatable {
        var panes: [Pane] = []
        var entries: [Entry] = []

        /// As a key state's body: boxed only with panes.
        var body: Body { panes.isEmpty ? .window(entries) : .panedWindow(self) }

        /// Slices per window length: a pane is a hundredth of the window, or one millisecond.
        static let panesPerWindow: Int64 = 100
        /// Panes kept at most: the window's length three times over; older panes go first.
        static let paneLimit = 300

        /// The length of a pane's slice of time for a window of `within` milliseconds.
        static func paneWidth(within: Int64) -> Int64 {
            Swift.max(1, within / panesPerWindow + (within % panesPerWindow == 0 ? 0 : 1))
        }

        /// The time of the key's latest accepted event, if any.
        var latest: Int64? {
            switch (entries.last?.time, panes.last?.last) {
            case (let entry?, let pane?): Swift.max(entry, pane)
            case (let entry, let pane): entry ?? pane
            }
        }

        /// Drops the events at or before `horizon`: exact ones, and the panes whose every event is.
        mutating func prune(upTo horizon: Int64) {
            if let first = entries.first, first.time <= horizon { entries.removeFirst(entries.firstIndex(after: horizon)) }
            if let first = panes.first, first.last <= horizon { panes.removeFirst(panes.partitionPoint { $0.last <= horizon }) }
        }

        /// Drops what a firing at `time` consumes: the exact events up to it and every pane with an event up to it
        /// (a pane that straddles a late firing's time goes whole, so that its events never count twice).
        mutating func consume(upTo time: Int64) {
            entries.removeFirst(entries.firstIndex(after: time))
            panes.removeFirst(panes.partitionPoint { $0.first <= time })
        }

        /// Once there are more exact entries than `limit` and an eighth, moves the oldest past `limit` into the
        /// panes of `width` milliseconds that hold their times (in runs, so that a busy key does not shift its
        /// entries at every event); then drops the oldest panes past `paneLimit`.
        mutating func trim(width: Int64, limit: Int) {
            let excess = entries.count - limit
            guard excess > limit / 8 else { return }
            for entry in entries.prefix(excess) {
                let start = Pane.start(of: entry.time, width: width)
                let position = panes.partitionPoint { Pane.start(of: $0.first, width: width) < start }
                if position < panes.count, Pane.start(of: panes[position].first, width: width) == start {
                    panes[position].add(entry)
                } else {
                    panes.insert(Pane(entry), at: position)
                }
            }
            entries.removeFirst(excess)
            if panes.count > Window.paneLimit { panes.removeFirst(panes.count - Window.paneLimit) }
        }

        /// The panes wholly in (after, upTo]: a pane that straddles either end does not count (so a window reaches
        /// a threshold no earlier than its exact events would make it, for counts and sums of positive values).
        func panes(after lower: Int64, upTo upper: Int64) -> ArraySlice<Pane> {
            guard !panes.isEmpty else { return [] }
            let start = panes.partitionPoint { $0.first <= lower }
            let end = panes.partitionPoint { $0.last <= upper }
            return start < end ? panes[start..<end] : []
        }
    }

    /// The aggregates of a window's events in one slice of time: their earliest and latest times, count, sum,
    /// minimum and maximum.
    struct Pane: Sendable, Equatable {
        var first: Int64
        var last: Int64
        var count: Int
        var sum: Double
        var min: Double
        var max: Double

        init(first: Int64, last: Int64, count: Int, sum: Double, min: Double, max: Double) {
            (self.first, self.last, self.count, self.sum, self.min, self.max) = (first, last, count, sum, min, max)
        }

        init(_ entry: Entry) {
            self.init(first: entry.time, last: entry.time, count: 1, sum: entry.value, min: entry.value, max: entry.value)
        }

        mutating func add(_ entry: Entry) {
            first = Swift.min(first, entry.time)
            last = Swift.max(last, entry.time)
            count += 1
            sum += entry.value
            min = Swift.min(min, entry.value)
            max = Swift.max(max, entry.value)
        }

        /// The start of the slice of `width` milliseconds that holds `time` (slices start at multiples of the width);
        /// wrapping, not trapping, at the ends of the range.
        static func start(of time: Int64, width: Int64) -> Int64 {
            let remainder = time % width
            return time &- (remainder < 0 ? remainder &+ width : remainder)
        }
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
        /// The deadline this key has in the engine's queue, if any (not saved: a restore queues armed keys anew).
        var queued: Int64?
    }
}

/// An `EventCause` with its type and topic interned in the engine's symbol table, to keep state small.
struct StoredCause: Sendable, Equatable {
    var compactID: CompactEventID
    var type: UInt32
    var topic: UInt32
    var partition: Int32
    var offset: Int64

    static let noTopic = UInt32.max

    init(id: String, type: UInt32, topic: UInt32, partition: Int32, offset: Int64) {
        compactID = CompactEventID(id)
        self.type = type
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    var id: String { compactID.text }
}

/// An event id as the engine keeps it: a lower-case UUID in 16 bytes, anything else as its text.
enum CompactEventID: Sendable, Equatable {
    case uuid(UInt64, UInt64)
    case text(String)

    init(_ text: String) {
        var text = text
        let packed = text.withUTF8 { bytes -> (UInt64, UInt64)? in
            guard bytes.count == 36 else { return nil }
            var words: (UInt64, UInt64) = (0, 0)
            var digits = 0
            for position in 0..<36 {
                let byte = bytes[position]
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    guard byte == UInt8(ascii: "-") else { return nil }
                    continue
                }
                let nibble: UInt8
                if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                    nibble = byte - UInt8(ascii: "0")
                } else if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f") {
                    nibble = byte - UInt8(ascii: "a") + 10
                } else {
                    return nil
                }
                if digits < 16 { words.0 = words.0 << 4 | UInt64(nibble) } else { words.1 = words.1 << 4 | UInt64(nibble) }
                digits += 1
            }
            return words
        }
        self = packed.map { .uuid($0.0, $0.1) } ?? .text(text)
    }

    var text: String {
        switch self {
        case .text(let text):
            return text
        case .uuid(let high, let low):
            let hex = Array("0123456789abcdef".utf8)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(36)
            for index in 0..<32 {
                if index == 8 || index == 12 || index == 16 || index == 20 { bytes.append(UInt8(ascii: "-")) }
                let word = index < 16 ? high : low
                bytes.append(hex[Int((word >> UInt64(60 - 4 * (index % 16))) & 0xF)])
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

extension Array {
    /// The index of the first element for which `belongs` is false, in an array where it is true for a prefix.
    func partitionPoint(_ belongs: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if belongs(self[middle]) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

extension Array where Element == KeyState.Entry {
    /// Inserts keeping time order; in-order input appends.
    mutating func insertOrdered(_ entry: Element) {
        if let last, !entry.precedes(last) {
            append(entry)
            return
        }
        insert(entry, at: partitionPoint { $0.precedes(entry) })
    }

    /// The index of the first entry with a time after `time`.
    func firstIndex(after time: Int64) -> Int {
        partitionPoint { $0.time <= time }
    }
}
