/// Compact, deterministic JSON: members in their order, integral numbers without a fraction, minimal escaping.
///
/// A value is measured first and then written into an array of exactly that size: no growing, and no uniqueness
/// check per byte appended.
public enum JSONWriter {
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        bytes(value, splicing: [])
    }

    /// `value`, an object, with each member named in `fragments` written as the JSON given for it instead of its
    /// value: JSON written once and shared by several records (a firing's causes, in its trigger and its audit
    /// record). A value that is not an object is written as it is.
    public static func bytes(_ value: JSONValue, splicing fragments: [(name: String, json: [UInt8])]) -> [UInt8] {
        let object: JSONObject? = if !fragments.isEmpty, case .object(let object) = value { object } else { nil }
        let count = object.map { length(of: $0, splicing: fragments) } ?? length(of: value)
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var cursor = buffer.baseAddress!
            if let object { write(object, splicing: fragments, at: &cursor) } else { write(value, at: &cursor) }
            initialized = cursor - buffer.baseAddress!
            precondition(initialized == count, "JSONWriter measured \(count) bytes and wrote \(initialized)")
        }
    }

    /// The JSON given for the member `name`, if it is spliced.
    private static func fragment(_ name: String, in fragments: [(name: String, json: [UInt8])]) -> [UInt8]? {
        fragments.isEmpty ? nil : fragments.first { $0.name == name }?.json
    }

    public static func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    /// Integral values up to 2^53 print as integers; others in Swift's shortest round-tripping form. JSON has no
    /// infinity or NaN: they print as null (Flywheel's parser never makes them; arithmetic might).
    public static func format(_ number: Double) -> String {
        guard number.isFinite else { return "null" }
        if let integer = integral(number) { return String(integer) }
        return "\(number)"
    }

    /// The number as an integer, if it prints as one.
    private static func integral(_ number: Double) -> Int64? {
        guard number.isFinite, number == number.rounded(), abs(number) < 9_007_199_254_740_992 else { return nil }
        return number == 0 ? 0 : Int64(number)
    }

    // MARK: Measuring

    private static func length(of value: JSONValue) -> Int {
        switch value {
        case .null: return 4
        case .bool(let flag): return flag ? 4 : 5
        case .number(let number):
            guard let integer = integral(number) else { return format(number).utf8.count }
            return digits(integer.magnitude) + (integer < 0 ? 1 : 0)
        case .string(let text): return length(of: text)
        case .array(let elements):
            var total = 2 + Swift.max(0, elements.count - 1)
            for element in elements { total += length(of: element) }
            return total
        case .object(let object): return length(of: object, splicing: [])
        }
    }

    private static func length(of object: JSONObject, splicing fragments: [(name: String, json: [UInt8])]) -> Int {
        var total = 2 + Swift.max(0, object.count - 1)
        for member in object.members {
            total += length(of: member.key) + 1 + (fragment(member.key, in: fragments)?.count ?? length(of: member.value))
        }
        return total
    }

    private static func digits(_ magnitude: UInt64) -> Int {
        var count = 1
        var rest = magnitude
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
    }

    /// A string's length written: its bytes, their escapes and the quotes.
    private static func length(of text: String) -> Int {
        func escaped(_ bytes: some Sequence<UInt8>) -> Int { bytes.reduce(2) { $0 + escapedLength($1) } }
        return text.utf8.withContiguousStorageIfAvailable { bytes in
            needsEscape(bytes) ? escaped(bytes) : bytes.count + 2
        } ?? escaped(text.utf8)
    }

    /// Whether any byte needs an escape (a quote, a backslash or a control character), looked at eight bytes at a
    /// time: most strings need none.
    static func needsEscape(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let count = bytes.count
        guard count >= 8 else { return bytes.contains { escapedLength($0) != 1 } }
        var index = 0
        while index + 8 <= count {
            if hasEscapedByte(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) { return true }
            index += 8
        }
        // The last bytes, in the word that ends with them.
        return index < count && hasEscapedByte(UnsafeRawPointer(base + count - 8).loadUnaligned(as: UInt64.self))
    }

    /// Whether any of the eight bytes is below 0x20, a quote or a backslash (bytes of 0x80 and up never are).
    private static func hasEscapedByte(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ value: UInt64) -> Bool { (value &- ones) & ~value & highs != 0 }
        let control = (word &- 0x20 &* ones) & ~word & highs != 0
        return control || hasZeroByte(word ^ (UInt64(UInt8(ascii: "\"")) &* ones))
            || hasZeroByte(word ^ (UInt64(UInt8(ascii: "\\")) &* ones))
    }

    private static func escapedLength(_ byte: UInt8) -> Int {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x0A, 0x0D, 0x09: 2
        case 0..<0x20: 6
        default: 1
        }
    }

    // MARK: Writing

    private static func write(_ value: JSONValue, at cursor: inout UnsafeMutablePointer<UInt8>) {
        switch value {
        case .null: put("null", at: &cursor)
        case .bool(let flag): put(flag ? "true" : "false", at: &cursor)
        case .number(let number): write(number, at: &cursor)
        case .string(let text): write(text, at: &cursor)
        case .array(let elements):
            put(UInt8(ascii: "["), at: &cursor)
            var separator = false
            for element in elements {
                if separator { put(UInt8(ascii: ","), at: &cursor) }
                separator = true
                write(element, at: &cursor)
            }
            put(UInt8(ascii: "]"), at: &cursor)
        case .object(let object): write(object, splicing: [], at: &cursor)
        }
    }

    private static func write(
        _ object: JSONObject, splicing fragments: [(name: String, json: [UInt8])], at cursor: inout UnsafeMutablePointer<UInt8>
    ) {
        put(UInt8(ascii: "{"), at: &cursor)
        var separator = false
        for member in object.members {
            if separator { put(UInt8(ascii: ","), at: &cursor) }
            separator = true
            write(member.key, at: &cursor)
            put(UInt8(ascii: ":"), at: &cursor)
            if let json = fragment(member.key, in: fragments) {
                json.withUnsafeBufferPointer { json in
                    if let base = json.baseAddress { cursor.update(from: base, count: json.count) }
                    cursor += json.count
                }
            } else {
                write(member.value, at: &cursor)
            }
        }
        put(UInt8(ascii: "}"), at: &cursor)
    }

    private static func write(_ number: Double, at cursor: inout UnsafeMutablePointer<UInt8>) {
        guard let integer = integral(number) else {
            for byte in format(number).utf8 { put(byte, at: &cursor) }
            return
        }
        if integer < 0 { put(UInt8(ascii: "-"), at: &cursor) }
        // Digits from the last, then the cursor past them.
        var rest = integer.magnitude
        let count = digits(rest)
        var position = cursor + count
        repeat {
            position -= 1
            position.pointee = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        } while rest > 0
        cursor += count
    }

    private static func write(_ text: String, at cursor: inout UnsafeMutablePointer<UInt8>) {
        put(UInt8(ascii: "\""), at: &cursor)
        // Most strings need no escape: copied in one go.
        let copied = text.utf8.withContiguousStorageIfAvailable { bytes in
            guard !needsEscape(bytes) else { return false }
            if let base = bytes.baseAddress { cursor.update(from: base, count: bytes.count) }
            cursor += bytes.count
            return true
        }
        if copied != true {
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "\""): put("\\\"", at: &cursor)
                case UInt8(ascii: "\\"): put("\\\\", at: &cursor)
                case 0x0A: put("\\n", at: &cursor)
                case 0x0D: put("\\r", at: &cursor)
                case 0x09: put("\\t", at: &cursor)
                case 0..<0x20:
                    put("\\u00", at: &cursor)
                    put(hexDigit(byte >> 4), at: &cursor)
                    put(hexDigit(byte & 0x0F), at: &cursor)
                default: put(byte, at: &cursor)
                }
            }
        }
        put(UInt8(ascii: "\""), at: &cursor)
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    private static func put(_ byte: UInt8, at cursor: inout UnsafeMutablePointer<UInt8>) {
        cursor.pointee = byte
        cursor += 1
    }

    private static func put(_ text: StaticString, at cursor: inout UnsafeMutablePointer<UInt8>) {
        cursor.update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        cursor += text.utf8CodeUnitCount
    }
}
