/// A JSON Schema `pattern`: an ECMA-262 regular expression, searched for anywhere in a string, code point by code
/// point, with `\d`, `\w` and `\s` ASCII-only.
///
/// The syntax event schemas use — literals, escapes, classes, `.`, groups, alternation, quantifiers, `^` and `$` —
/// compiles to a program for a backtracking matcher that never visits a (step, position) pair twice, so matching
/// takes time linear in the input whatever the pattern (no catastrophic backtracking on hostile input). ASCII text,
/// the usual case, steps a deterministic automaton made of the program instead, where it is small. Anything
/// else (look-around, back-references, word boundaries, Unicode properties) falls back to Swift's `Regex`.
///
/// A class, so that the schema holding it reads it without copying its tables; immutable after init, and Regex is
/// not Sendable, so it vouches for itself.
final class SchemaPattern: @unchecked Sendable {
    /// The compiled program, with the automaton made of it when it is small enough; or else the Regex.
    private let program: [Instruction]?
    private let automaton: ASCIIAutomaton?
    private let regex: Regex<AnyRegexOutput>?

    /// Compiles `source`; nil if it is not a valid regular expression.
    init?(_ source: String) {
        var parser = PatternParser(Array(source.unicodeScalars))
        if let node = parser.parse() {
            var program: [Instruction] = []
            node.compile(into: &program)
            program.append(.match)
            self.program = program
            automaton = ASCIIAutomaton(program)
            regex = nil
        } else if let regex = try? Regex(source).matchingSemantics(.unicodeScalar).asciiOnlyDigits()
            .asciiOnlyWordCharacters().asciiOnlyWhitespace()
        {
            program = nil
            automaton = nil
            self.regex = regex
        } else {
            return nil
        }
    }

    /// Whether the pattern is matched by the compiled program (false: by Swift's Regex).
    var isCompiled: Bool { program != nil }

    /// Whether ASCII text is matched by the automaton (false: by the program).
    var hasAutomaton: Bool { automaton != nil }

    /// Whether the pattern matches somewhere in `text`.
    func matches(_ text: String) -> Bool {
        var text = text
        if let automaton, let matched = text.withUTF8({ automaton.search($0) }) { return matched }
        return programMatches(text) ?? ((try? regex?.firstMatch(in: text)) != nil)
    }

    /// Whether the program alone (without the automaton) matches somewhere in `text`; nil if there is no program.
    func programMatches(_ text: String) -> Bool? {
        guard let program else { return nil }
        var text = text
        return text.withUTF8 { Self.search(program, in: $0) }
    }

    // MARK: Matching

    fileprivate enum Instruction {
        case scalar(UInt32)
        case set(ScalarSet)
        /// Try the first target; on failure, the second.
        case split(Int, Int)
        case jump(Int)
        case start
        case end
        case match
    }

    private static func search(_ program: [Instruction], in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // A (step, position) pair that failed once fails again, whatever the start: visit each at most once. So
        // the pairs pushed for later (at a split) are at most one per split and position.
        let positions = bytes.count + 1
        let splits = program.reduce(0) { count, instruction in
            if case .split = instruction { return count + 1 }
            return count
        }
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: (program.count * positions + 63) / 64) { visited in
            visited.initialize(repeating: 0)
            return withUnsafeTemporaryAllocation(of: (step: Int, position: Int).self, capacity: splits * positions + 1) { stack in
                search(program, in: bytes, visited: visited, stack: stack)
            }
        }
    }

    private static func search(
        _ program: [Instruction], in bytes: UnsafeBufferPointer<UInt8>, visited: UnsafeMutableBufferPointer<UInt64>,
        stack: UnsafeMutableBufferPointer<(step: Int, position: Int)>
    ) -> Bool {
        let positions = bytes.count + 1
        var depth = 0
        var start = 0
        while start <= bytes.count {
            stack[0] = (0, start)
            depth = 1
            while depth > 0 {
                depth -= 1
                var (step, position) = stack[depth]
                thread: while true {
                    let bit = step * positions + position
                    if visited[bit >> 6] & (1 << UInt64(bit & 63)) != 0 { break }
                    visited[bit >> 6] |= 1 << UInt64(bit & 63)
                    switch program[step] {
                    case .scalar(let expected):
                        guard position < bytes.count else { break thread }
                        let (scalar, length) = decode(bytes, at: position)
                        guard scalar == expected else { break thread }
                        step += 1
                        position += length
                    case .set(let set):
                        guard position < bytes.count else { break thread }
                        let (scalar, length) = decode(bytes, at: position)
                        guard set.contains(scalar) else { break thread }
                        step += 1
                        position += length
                    case .split(let first, let second):
                        stack[depth] = (second, position)
                        depth += 1
                        step = first
                    case .jump(let target):
                        step = target
                    case .start:
                        guard position == 0 else { break thread }
                        step += 1
                    case .end:
                        guard position == bytes.count else { break thread }
                        step += 1
                    case .match:
                        return true
                    }
                }
            }
            // Next start: the next code point.
            start += start < bytes.count ? decode(bytes, at: start).length : 1
        }
        return false
    }

    /// The code point at `index` of valid UTF-8, and its length in bytes.
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (scalar: UInt32, length: Int) {
        let lead = UInt32(bytes[index])
        if lead < 0x80 { return (lead, 1) }
        func continuation(_ offset: Int) -> UInt32 { UInt32(bytes[index + offset]) & 0x3F }
        if lead < 0xE0 { return ((lead & 0x1F) << 6 | continuation(1), 2) }
        if lead < 0xF0 { return ((lead & 0x0F) << 12 | continuation(1) << 6 | continuation(2), 3) }
        return ((lead & 0x07) << 18 | continuation(1) << 12 | continuation(2) << 6 | continuation(3), 4)
    }
}

/// A program as a deterministic automaton over ASCII text: one table lookup per byte, where the program keeps a set
/// of threads. Each state is the set of the program's steps that threads can be at (from every start position, as a
/// search has them), made when the pattern is compiled; a program that would need more than `maxStates` states has
/// none. Text with a byte past ASCII is left to the program.
private final class ASCIIAutomaton {
    static let maxStates = 256

    /// `transitions[state * 128 + byte]`: the state after `byte`.
    private let transitions: [UInt16]
    /// By state: a match ends here, so the search is over.
    private let matched: [Bool]
    /// By state: nothing can match from here on, whatever follows.
    private let dead: [Bool]
    /// By state: the pattern matches if the text (not empty) ends here.
    private let matchedAtEnd: [Bool]
    /// Whether the empty text matches (where `^` and `$` both hold).
    private let matchesEmpty: Bool

    init?(_ program: [SchemaPattern.Instruction]) {
        // Where threads stand: consuming steps, `$` not yet at the end, and the match.
        func closure(_ seeds: [Int], atStart: Bool, atEnd: Bool) -> [Int] {
            var seen = Set<Int>()
            var members: [Int] = []
            var pending = seeds
            while let step = pending.popLast() {
                guard seen.insert(step).inserted else { continue }
                switch program[step] {
                case .split(let first, let second):
                    pending.append(second)
                    pending.append(first)
                case .jump(let target): pending.append(target)
                case .start: if atStart { pending.append(step + 1) }
                case .end: if atEnd { pending.append(step + 1) } else { members.append(step) }
                case .scalar, .set, .match: members.append(step)
                }
            }
            return members.sorted()
        }
        func hasMatch(_ members: [Int]) -> Bool {
            members.contains { if case .match = program[$0] { return true } else { return false } }
        }
        let restart = closure([0], atStart: false, atEnd: false)
        let first = closure([0], atStart: true, atEnd: false)
        var states: [[Int]] = [first]
        var numbers: [[Int]: Int] = [first: 0]
        var transitions: [UInt16] = []
        var next = 0
        while next < states.count {
            let members = states[next]
            next += 1
            for byte in UInt32(0)..<128 {
                var seeds: [Int] = []
                for step in members {
                    switch program[step] {
                    case .scalar(let expected) where expected == byte: seeds.append(step + 1)
                    case .set(let set) where set.contains(byte): seeds.append(step + 1)
                    default: break
                    }
                }
                let target = Array(Set(closure(seeds, atStart: false, atEnd: false) + restart)).sorted()
                if let number = numbers[target] {
                    transitions.append(UInt16(number))
                } else {
                    guard states.count < ASCIIAutomaton.maxStates else { return nil }
                    numbers[target] = states.count
                    transitions.append(UInt16(states.count))
                    states.append(target)
                }
            }
        }
        self.transitions = transitions
        matched = states.map(hasMatch)
        dead = states.map(\.isEmpty)
        matchedAtEnd = states.map { hasMatch(closure($0, atStart: false, atEnd: true)) }
        matchesEmpty = hasMatch(closure(first, atStart: true, atEnd: true))
    }

    /// Whether the pattern matches somewhere in `bytes`; nil if they are not all ASCII.
    func search(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        var state = 0
        if matched[0] { return true }
        if bytes.isEmpty { return matchesEmpty }
        for byte in bytes {
            guard byte < 0x80 else { return nil }
            state = Int(transitions[state &* 128 &+ Int(byte)])
            if matched[state] { return true }
            // No thread left, and none starts after the first position (the pattern begins with `^`).
            if dead[state] { return false }
        }
        return matchedAtEnd[state]
    }
}

/// A set of code points: sorted, disjoint, inclusive ranges.
private struct ScalarSet {
    var ranges: [ClosedRange<UInt32>]

    static let digits = ScalarSet(ranges: [0x30...0x39])
    static let word = ScalarSet(ranges: [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
    /// ASCII white space: tab, line feed, vertical tab, form feed, carriage return, space.
    static let space = ScalarSet(ranges: [0x09...0x0D, 0x20...0x20])
    /// What `.` matches: anything but the line terminators \n, \r, U+2028 and U+2029.
    static let dot = ScalarSet(ranges: [0x0A...0x0A, 0x0D...0x0D, 0x2028...0x2029]).inverted

    init(ranges: [ClosedRange<UInt32>]) {
        var merged: [ClosedRange<UInt32>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        self.ranges = merged
    }

    var inverted: ScalarSet {
        var result: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for range in ranges {
            if range.lowerBound > next { result.append(next...(range.lowerBound - 1)) }
            next = range.upperBound + 1
        }
        if next <= 0x10FFFF { result.append(next...0x10FFFF) }
        return ScalarSet(ranges: result)
    }

    func union(_ other: ScalarSet) -> ScalarSet { ScalarSet(ranges: ranges + other.ranges) }

    func contains(_ scalar: UInt32) -> Bool {
        for range in ranges {
            if scalar < range.lowerBound { return false }
            if scalar <= range.upperBound { return true }
        }
        return false
    }
}

/// A parsed pattern.
private indirect enum PatternNode {
    case scalar(UInt32)
    case set(ScalarSet)
    case start
    case end
    case sequence([PatternNode])
    case alternation([PatternNode])
    case repetition(PatternNode, min: Int, max: Int?)

    func compile(into program: inout [SchemaPattern.Instruction]) {
        switch self {
        case .scalar(let scalar): program.append(.scalar(scalar))
        case .set(let set): program.append(.set(set))
        case .start: program.append(.start)
        case .end: program.append(.end)
        case .sequence(let parts):
            for part in parts { part.compile(into: &program) }
        case .alternation(let branches):
            // split B1, next; B1; jump end; next: split B2, … ; last branch
            var jumps: [Int] = []
            for (index, branch) in branches.enumerated() {
                if index < branches.count - 1 {
                    let split = program.count
                    program.append(.split(split + 1, -1))
                    branch.compile(into: &program)
                    jumps.append(program.count)
                    program.append(.jump(-1))
                    program[split] = .split(split + 1, program.count)
                } else {
                    branch.compile(into: &program)
                }
            }
            for jump in jumps { program[jump] = .jump(program.count) }
        case .repetition(let body, let min, let max):
            for _ in 0..<min { body.compile(into: &program) }
            if let max {
                // Each optional copy: split body, end.
                var splits: [Int] = []
                for _ in min..<max {
                    splits.append(program.count)
                    program.append(.split(program.count + 1, -1))
                    body.compile(into: &program)
                }
                for split in splits { program[split] = .split(split + 1, program.count) }
            } else {
                let loop = program.count
                program.append(.split(loop + 1, -1))
                body.compile(into: &program)
                program.append(.jump(loop))
                program[loop] = .split(loop + 1, program.count)
            }
        }
    }
}

/// Parses the supported subset of ECMA-262 pattern syntax; nil for anything else (or invalid syntax), which the
/// caller leaves to Swift's Regex.
private struct PatternParser {
    let scalars: [Unicode.Scalar]
    var index = 0
    /// Repetition bounds beyond this are left to Swift's Regex, so a program stays small.
    static let maxRepetition = 1000

    init(_ scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    mutating func parse() -> PatternNode? {
        guard let node = alternation(), index == scalars.count else { return nil }
        return node
    }

    private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private mutating func alternation() -> PatternNode? {
        var branches: [PatternNode] = []
        while true {
            guard let branch = sequence() else { return nil }
            branches.append(branch)
            guard current == "|" else { break }
            index += 1
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func sequence() -> PatternNode? {
        var parts: [PatternNode] = []
        while let scalar = current, scalar != "|", scalar != ")" {
            guard let atom = atom() else { return nil }
            guard let quantified = quantifier(on: atom) else { return nil }
            parts.append(quantified)
        }
        return parts.count == 1 ? parts[0] : .sequence(parts)
    }

    private mutating func atom() -> PatternNode? {
        guard let scalar = current else { return nil }
        index += 1
        switch scalar {
        case "^": return .start
        case "$": return .end
        case ".": return .set(.dot)
        case "(":
            if current == "?" {
                // Only non-capturing groups; look-around and named groups go to Regex.
                guard index + 1 < scalars.count, scalars[index + 1] == ":" else { return nil }
                index += 2
            }
            guard let inner = alternation(), current == ")" else { return nil }
            index += 1
            return inner
        case "[": return characterClass()
        case "\\": return escape(inClass: false).map { $0.count == 1 ? .scalar($0.ranges[0].lowerBound) : .set($0) }
        case "*", "+", "?", "{", "}", "]", ")": return nil
        default: return .scalar(scalar.value)
        }
    }

    private mutating func quantifier(on atom: PatternNode) -> PatternNode? {
        let bounds: (Int, Int?)
        switch current {
        case "*": index += 1; bounds = (0, nil)
        case "+": index += 1; bounds = (1, nil)
        case "?": index += 1; bounds = (0, 1)
        case "{":
            index += 1
            guard let min = number() else { return nil }
            var max: Int? = min
            if current == "," {
                index += 1
                max = current == "}" ? nil : number()
                if max == nil, current != "}" { return nil }
            }
            guard current == "}", max.map({ $0 >= min }) ?? true, min <= Self.maxRepetition, (max ?? 0) <= Self.maxRepetition else {
                return nil
            }
            index += 1
            bounds = (min, max)
        default:
            return atom
        }
        switch atom {
        case .start, .end: return nil
        default: break
        }
        // Lazy quantifiers match the same strings as greedy ones; only whether there is a match is asked.
        if current == "?" { index += 1 }
        return .repetition(atom, min: bounds.0, max: bounds.1)
    }

    private mutating func number() -> Int? {
        var value = 0
        var digits = 0
        while let scalar = current, ("0"..."9").contains(scalar), digits < 6 {
            value = value * 10 + Int(scalar.value - 48)
            digits += 1
            index += 1
        }
        return digits == 0 ? nil : value
    }

    private mutating func characterClass() -> PatternNode? {
        var negated = false
        if current == "^" {
            negated = true
            index += 1
        }
        // `[]` matches nothing and `[^]` anything, as in ECMA-262.
        var set = ScalarSet(ranges: [])
        while let scalar = current, scalar != "]" {
            index += 1
            let low: ScalarSet
            if scalar == "\\" {
                guard let escaped = escape(inClass: true) else { return nil }
                low = escaped
            } else if scalar == "[" {
                return nil  // nested or POSIX classes: not ECMA-262 syntax worth guessing at
            } else {
                low = ScalarSet(ranges: [scalar.value...scalar.value])
            }
            if current == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                // A range: both ends must be single code points.
                index += 1
                guard let high = current, low.count == 1 else { return nil }
                index += 1
                let upper: ScalarSet
                if high == "\\" {
                    guard let escaped = escape(inClass: true), escaped.count == 1 else { return nil }
                    upper = escaped
                } else {
                    upper = ScalarSet(ranges: [high.value...high.value])
                }
                let from = low.ranges[0].lowerBound
                let to = upper.ranges[0].lowerBound
                guard from <= to else { return nil }
                set = set.union(ScalarSet(ranges: [from...to]))
            } else {
                set = set.union(low)
            }
        }
        guard current == "]" else { return nil }
        index += 1
        return .set(negated ? set.inverted : set)
    }

    /// After a backslash: the code points the escape stands for.
    private mutating func escape(inClass: Bool) -> ScalarSet? {
        guard let scalar = current else { return nil }
        index += 1
        func single(_ value: UInt32) -> ScalarSet { ScalarSet(ranges: [value...value]) }
        switch scalar {
        case "d": return .digits
        case "D": return ScalarSet.digits.inverted
        case "w": return .word
        case "W": return ScalarSet.word.inverted
        case "s": return .space
        case "S": return ScalarSet.space.inverted
        case "t": return single(0x09)
        case "n": return single(0x0A)
        case "v": return single(0x0B)
        case "f": return single(0x0C)
        case "r": return single(0x0D)
        case "0" where !(current.map { ("0"..."9").contains($0) } ?? false): return single(0)
        case "x": return hex(digits: 2).map(single)
        case "u": return hex(digits: 4).map(single)
        case "-" where inClass: return single(0x2D)
        default:
            let syntax: Set<Unicode.Scalar> = ["^", "$", "\\", ".", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|", "/"]
            return syntax.contains(scalar) ? single(scalar.value) : nil
        }
    }

    private mutating func hex(digits: Int) -> UInt32? {
        guard index + digits <= scalars.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<digits {
            let scalar = scalars[index]
            let digit: UInt32
            switch scalar {
            case "0"..."9": digit = scalar.value - 0x30
            case "a"..."f": digit = scalar.value - 0x61 + 10
            case "A"..."F": digit = scalar.value - 0x41 + 10
            default: return nil
            }
            value = value * 16 + digit
            index += 1
        }
        // Surrogate code points cannot occur in a Swift string; leave such patterns to Regex.
        return (0xD800...0xDFFF).contains(value) ? nil : value
    }
}

extension ScalarSet {
    /// How many code points the set holds, up to 2 (enough to tell a single code point).
    fileprivate var count: Int {
        guard let first = ranges.first else { return 0 }
        return ranges.count > 1 || first.upperBound > first.lowerBound ? 2 : 1
    }
}
