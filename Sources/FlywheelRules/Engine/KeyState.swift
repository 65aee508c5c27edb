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
        /// A threshold with a window: the accepted events since the last firing, in time order.
        case window([Entry])
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
