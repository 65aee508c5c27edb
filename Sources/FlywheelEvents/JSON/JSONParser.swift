#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A strict JSON (RFC 8259) parser: rejects invalid UTF-8, duplicate keys, nesting deeper than the limit, numbers
/// a Double cannot hold, and trailing content, and says where.
public struct JSONParser {
    public static func parse(_ bytes: [UInt8], limits: JSONLimits = JSONLimits()) throws(JSONError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONError) -> JSONValue in
            var parser = Reader(bytes: buffer, limits: limits)
            return try parser.document()
        }
    }

    public static func parse(_ text: String, limits: JSONLimits = JSONLimits()) throws(JSONError) -> JSONValue {
        try parse(Array(text.utf8), limits: limits)
    }

    /// Reads a document that is an object member by member, without making a value of it: `member` is given each
    /// name (its UTF-8, unescaped) and reads the value, all of it, from the reader it is given. The same checks as
    /// `parse` apply, duplicate names included.
    ///
    /// Returns false, having read nothing, if the document is not an object: `parse` then says what it is.
    static func readMembers(
        of bytes: [UInt8], limits: JSONLimits,
        _ member: (_ name: UnsafeBufferPointer<UInt8>, _ value: inout JSONMemberReader) throws(JSONError) -> Void
    ) throws(JSONError) -> Bool {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONError) -> Bool in
            var reader = JSONMemberReader(reader: Reader(bytes: buffer, limits: limits))
            return try reader.readDocument(member)
        }
    }
}

/// Reads the members of a document's top-level object in place (`JSONParser.readMembers`): the value of each
/// member, as a string or as any JSON value.
struct JSONMemberReader {
    fileprivate var reader: Reader

    /// Whether the value is a string.
    var isString: Bool { reader.peek(UInt8(ascii: "\"")) }

    mutating func string() throws(JSONError) -> String { try reader.string() }

    mutating func value() throws(JSONError) -> JSONValue { try reader.value() }

    fileprivate mutating func readDocument(
        _ member: (_ name: UnsafeBufferPointer<UInt8>, _ value: inout JSONMemberReader) throws(JSONError) -> Void
    ) throws(JSONError) -> Bool {
        try reader.checkDocument()
        reader.skipWhitespace()
        guard reader.peek(UInt8(ascii: "{")) else { return false }
        try reader.enter()
        reader.position += 1
        // Names seen, as offsets of their opening quotes, compared by their bytes as written while they are few
        // and none has an escape; then hashed, by code points (many names compared pairwise would take quadratic
        // time: a 1 MiB document can hold 100,000 of them).
        var seen: [Int] = []
        seen.reserveCapacity(16)  // one allocation for a usual envelope's names, not one per doubling
        var escaped: Set<CodePointKey>?
        reader.skipWhitespace()
        if reader.peek(UInt8(ascii: "}")) {
            reader.position += 1
        } else {
            while true {
                reader.skipWhitespace()
                guard reader.peek(UInt8(ascii: "\"")) else { throw reader.error(.syntax, "expected a member name in double quotes") }
                let keyStart = reader.position
                let key = try reader.rawString()
                // The name as a string, where it was needed: to compare it by code points.
                var text: String?
                if key.escaped || escaped != nil || seen.count >= 16 {
                    if escaped == nil {
                        escaped = Set(seen.map { CodePointKey(text: (try? reader.name(at: $0)) ?? "") })
                    }
                    let name = try reader.name(at: keyStart)
                    text = name
                    if !escaped!.insert(CodePointKey(text: name)).inserted {
                        reader.path.append(keyStart)
                        throw reader.error(.duplicateKey, "duplicate key \"\(name)\"", at: keyStart)
                    }
                } else {
                    let bytes = reader.bytes
                    let isDuplicate = seen.contains { start in
                        let count = key.end - keyStart
                        return bytes[start + count - 1] == UInt8(ascii: "\"")
                            && memcmp(bytes.baseAddress! + start, bytes.baseAddress! + keyStart, count) == 0
                    }
                    if isDuplicate {
                        reader.path.append(keyStart)
                        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[keyStart + 1..<key.end - 1]), as: UTF8.self)
                        throw reader.error(.duplicateKey, "duplicate key \"\(text)\"", at: keyStart)
                    }
                }
                seen.append(keyStart)
                reader.skipWhitespace()
                guard reader.peek(UInt8(ascii: ":")) else {
                    throw reader.error(.syntax, "expected ':' after member name \"\((try? reader.name(at: keyStart)) ?? "")\"")
                }
                reader.position += 1
                reader.skipWhitespace()
                reader.path.append(keyStart)
                let valueStart = reader.position
                if key.escaped {
                    let unescaped = Array(text!.utf8)  // an escaped name is compared by code points, so it was read
                    try unescaped.withUnsafeBufferPointer { (name) throws(JSONError) in try member(name, &self) }
                } else {
                    try member(UnsafeBufferPointer(rebasing: reader.bytes[keyStart + 1..<key.end - 1]), &self)
                }
                precondition(reader.position > valueStart, "a member's value was not read")
                reader.path.removeLast()
                reader.skipWhitespace()
                if reader.peek(UInt8(ascii: ",")) {
                    reader.position += 1
                    continue
                }
                if reader.peek(UInt8(ascii: "}")) {
                    reader.position += 1
                    break
                }
                throw reader.error(
                    .syntax, reader.position < reader.bytes.count ? "expected ',' or '}' in an object" : "unexpected end of input in an object")
            }
        }
        reader.depth -= 1
        reader.skipWhitespace()
        if reader.position < reader.bytes.count { throw reader.error(.syntax, "unexpected content after the JSON value") }
        return true
    }
}

private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    let limits: JSONLimits
    var position = 0
    var depth = 0
    /// Where the reader is, for errors: a member by the offset of its name's opening quote, an array element by its
    /// index as `-1 - index`. Names are read again only when an error needs them.
    var path: [Int] = []

    init(bytes: UnsafeBufferPointer<UInt8>, limits: JSONLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    mutating func document() throws(JSONError) -> JSONValue {
        try checkDocument()
        skipWhitespace()
        let value = try self.value()
        skipWhitespace()
        if position < bytes.count { throw error(.syntax, "unexpected content after the JSON value") }
        return value
    }

    /// The checks of the document as a whole: its size and its UTF-8.
    func checkDocument() throws(JSONError) {
        if bytes.count > limits.maxBytes {
            throw error(.tooLarge, "the document has \(bytes.count) bytes, more than the limit of \(limits.maxBytes)", at: limits.maxBytes)
        }
        if let invalid = UTF8Validation.firstInvalid(bytes) {
            throw error(.invalidUTF8, "invalid UTF-8", at: invalid)
        }
    }

    // MARK: Values

    mutating func value() throws(JSONError) -> JSONValue {
        guard position < bytes.count else { throw error(.syntax, "unexpected end of input, expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error(.syntax, "unexpected character '\(Reader.show(bytes[position]))', expected a value")
        }
    }

    mutating func object() throws(JSONError) -> JSONValue {
        try enter()
        position += 1
        var object = JSONObject()
        // Small objects compare a new name with the earlier ones; large ones hash.
        var seen: Set<CodePointKey>?
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            position += 1
            depth -= 1
            return .object(object)
        }
        // One allocation for the members of a typical object instead of a few growing ones.
        object.reserveCapacity(8)
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else { throw error(.syntax, "expected a member name in double quotes") }
            let keyStart = position
            let key = try string()
            let duplicate: Bool
            if seen == nil, object.count < 16 {
                duplicate = object.members.contains { $0.key.hasSameCodePoints(as: key) }
            } else {
                if seen == nil { seen = Set(object.members.map { CodePointKey(text: $0.key) }) }
                duplicate = !seen!.insert(CodePointKey(text: key)).inserted
            }
            if duplicate {
                path.append(keyStart)
                throw error(.duplicateKey, "duplicate key \"\(key)\"", at: keyStart)
            }
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw error(.syntax, "expected ':' after member name \"\(key)\"") }
            position += 1
            skipWhitespace()
            path.append(keyStart)
            let value = try self.value()
            path.removeLast()
            object.appendUnchecked(key, value)
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                position += 1
                continue
            }
            if peek(UInt8(ascii: "}")) {
                position += 1
                depth -= 1
                return .object(object)
            }
            throw error(.syntax, position < bytes.count ? "expected ',' or '}' in an object" : "unexpected end of input in an object")
        }
    }

    mutating func array() throws(JSONError) -> JSONValue {
        try enter()
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            path.append(-1 - elements.count)
            elements.append(try value())
            path.removeLast()
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                position += 1
                continue
            }
            if peek(UInt8(ascii: "]")) {
                position += 1
                depth -= 1
                return .array(elements)
            }
            throw error(.syntax, position < bytes.count ? "expected ',' or ']' in an array" : "unexpected end of input in an array")
        }
    }

    mutating func enter() throws(JSONError) {
        depth += 1
        if depth > limits.maxDepth {
            throw error(.tooDeep, "nesting deeper than the limit of \(limits.maxDepth)")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONError) {
        let count = word.utf8CodeUnitCount
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
        guard position + count <= bytes.count, (0..<count).allSatisfy({ bytes[position + $0] == expected[$0] }) else {
            throw error(.syntax, "invalid literal, expected \(word)")
        }
        position += count
    }

    mutating func number() throws(JSONError) -> Double {
        let start = position
        if peek(UInt8(ascii: "-")) { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw error(.syntax, "invalid number: expected a digit") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) { throw error(.syntax, "invalid number: leading zero", at: start) }
        } else {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if peek(UInt8(ascii: ".")) {
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw error(.syntax, "invalid number: expected a digit after '.'") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            position += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { throw error(.syntax, "invalid number: expected an exponent") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        // An integer of up to 15 digits, the usual count or size, is exact as a Double: computed directly.
        let digitsStart = bytes[start] == UInt8(ascii: "-") ? start + 1 : start
        if position - digitsStart <= 15, bytes[digitsStart..<position].allSatisfy(isDigit) {
            var magnitude: Int64 = 0
            for byte in bytes[digitsStart..<position] { magnitude = magnitude * 10 + Int64(byte - UInt8(ascii: "0")) }
            return digitsStart == start ? Double(magnitude) : -Double(magnitude)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error(.numberOutOfRange, "number \(text.prefix(40)) is out of range", at: start)
        }
        return value
    }

    /// The string that starts at `offset` (a member's name, read again), wherever the reader is.
    func name(at offset: Int) throws(JSONError) -> String {
        var reader = Reader(bytes: bytes, limits: limits)
        reader.position = offset
        return try reader.string()
    }

    /// Reads past a string without making it, with the checks of `string()`: where it ends (after its closing
    /// quote) and whether it has escapes.
    mutating func rawString() throws(JSONError) -> (end: Int, escaped: Bool) {
        let start = position
        var index = position + 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                guard index - start <= limits.maxStringBytes else { break }
                position = index + 1
                return (position, false)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            index += 1
        }
        // Escapes, or an error to report: read as a string.
        _ = try string()
        return (position, true)
    }

    mutating func string() throws(JSONError) -> String {
        let start = position
        position += 1
        var scalars: [UInt8] = []
        var segmentStart = position
        while true {
            guard position < bytes.count else { throw error(.syntax, "unterminated string", at: start) }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let result: String
                if scalars.isEmpty {
                    result = String(decoding: UnsafeBufferPointer(rebasing: bytes[segmentStart..<position]), as: UTF8.self)
                } else {
                    scalars.append(contentsOf: bytes[segmentStart..<position])
                    result = String(decoding: scalars, as: UTF8.self)
                }
                if position - start > limits.maxStringBytes {
                    throw error(.tooLarge, "string of \(position - start) bytes, more than the limit of \(limits.maxStringBytes)", at: start)
                }
                position += 1
                return result
            }
            if byte < 0x20 { throw error(.syntax, "unescaped control character in a string") }
            if byte == UInt8(ascii: "\\") {
                scalars.append(contentsOf: bytes[segmentStart..<position])
                try escape(into: &scalars)
                segmentStart = position
                continue
            }
            position += 1
        }
    }

    mutating func escape(into output: inout [UInt8]) throws(JSONError) {
        position += 1
        guard position < bytes.count else { throw error(.syntax, "unterminated escape") }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""): output.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): output.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "f"): output.append(0x0C)
        case UInt8(ascii: "n"): output.append(0x0A)
        case UInt8(ascii: "r"): output.append(0x0D)
        case UInt8(ascii: "t"): output.append(0x09)
        case UInt8(ascii: "u"):
            var code = try hex4()
            if (0xD800...0xDBFF).contains(code) {
                guard peek(UInt8(ascii: "\\")), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") else {
                    throw error(.invalidUTF8, "lone UTF-16 surrogate in \\u escape")
                }
                position += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw error(.invalidUTF8, "invalid UTF-16 surrogate pair") }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(code) {
                throw error(.invalidUTF8, "lone UTF-16 surrogate in \\u escape")
            }
            output.append(contentsOf: Array(String(Character(Unicode.Scalar(code)!)).utf8))
        default:
            throw error(.syntax, "invalid escape '\\\(Reader.show(byte))'", at: position - 2)
        }
    }

    mutating func hex4() throws(JSONError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw error(.syntax, "unterminated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error(.syntax, "invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    // MARK: Helpers

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    func peek(_ byte: UInt8) -> Bool { position < bytes.count && bytes[position] == byte }
    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    static func show(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "0x" + String(byte, radix: 16)
    }

    func error(_ kind: JSONError.Kind, _ message: String, at offset: Int? = nil) -> JSONError {
        let offset = min(offset ?? position, bytes.count)
        var line = 1
        var lineStart = 0
        for index in 0..<offset where bytes[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        let pointer = JSONPointer.make(path.map { component in
            component >= 0 ? (try? name(at: component)) ?? "" : String(-1 - component)
        })
        return JSONError(kind: kind, message: message, offset: offset, line: line, column: offset - lineStart + 1, pointer: pointer)
    }

}

/// A member name compared by code points, as JSON compares names (String's own equality is canonical equivalence).
private struct CodePointKey: Hashable {
    let text: String

    static func == (lhs: CodePointKey, rhs: CodePointKey) -> Bool { lhs.text.hasSameCodePoints(as: rhs.text) }

    func hash(into hasher: inout Hasher) {
        for byte in text.utf8 { hasher.combine(byte) }
    }
}
