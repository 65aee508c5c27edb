import FlywheelEvents

/// A checked set of rules with unique ids, indexed for evaluation by event type and by one equality predicate.
public struct RuleSet: Sendable {
    public let rules: [Rule]
    let index: RuleIndex

    init(rules: [Rule]) {
        self.rules = rules
        index = RuleIndex(rules: rules)
    }

    /// The distinct keys `event` has for the rules that may take it: where a live service must evaluate it.
    public func routingKeys(of event: CloudEvent) -> [String] {
        index.routingKeys(of: event)
    }

    /// The rule with `id`, if the set has one.
    public func rule(id: String) -> Rule? { rules.first { $0.id == id } }
}

/// Finds the rules (and compound members) an event may concern without looking at the others: by event type, then,
/// where a filter has an equality, `in` or `prefix` predicate on text, by the event's value at that path.
struct RuleIndex: Sendable {
    /// A rule, which of its filters (0 unless the rule is compound), and where the filter's tests are in
    /// `testList`.
    struct Entry: Sendable, Hashable, Comparable {
        var rule: Int
        var member: Int
        var tests: Range<Int>
        static func < (a: Entry, b: Entry) -> Bool { (a.rule, a.member) < (b.rule, b.member) }
    }

    /// Entries by the text a field must equal, or (`prefixLengths` not nil) start with.
    struct FieldTable: Sendable {
        var path: [String]
        var byValue: [String: [Entry]]
        /// For a prefix table: the distinct lengths, in UTF-8 bytes, of its prefixes.
        var prefixLengths: [Int]?

        /// The entries the value selects.
        func entries(for value: String, into result: inout [Entry]) {
            guard let prefixLengths else {
                if let entries = byValue[value] { RuleIndex.merge(entries, into: &result) }
                return
            }
            let bytes = value.utf8
            for length in prefixLengths where length <= bytes.count {
                if let entries = byValue[String(decoding: bytes.prefix(length), as: UTF8.self)] { RuleIndex.merge(entries, into: &result) }
            }
        }
    }

    /// Entries not indexed by value, grouped by their first test: when it fails, the whole group is passed over.
    struct TestGroup: Sendable {
        var test: Int?
        var entries: [Entry]
    }

    struct TypeTable: Sendable {
        var unfiltered: [TestGroup] = []
        var fields: [FieldTable] = []
    }

    enum Test: Sendable, Hashable {
        case predicate(MatchPredicate)
        case condition(RuleExpression)

        func holds(for event: CloudEvent) -> Bool {
            switch self {
            case .predicate(let predicate): predicate.matches(event)
            case .condition(let expression): expression.evaluate(on: event).isTrue
            }
        }
    }

    private var byType: [String: TypeTable] = [:]
    /// Every distinct predicate and condition of the rule set: equal ones of different rules share a number, so
    /// an event evaluates each once however many rules use it.
    private(set) var tests: [Test] = []
    /// The numbers of each filter's tests, one filter after the other.
    private(set) var testList: [Int] = []

    init(rules: [Rule]) {
        var numbers: [Test: Int] = [:]
        var filterTests: [[Range<Int>]] = []
        for rule in rules {
            filterTests.append(rule.filters.map { filter in
                let start = testList.count
                for test in filter.match.map(Test.predicate) + (filter.condition.map { [Test.condition($0)] } ?? []) {
                    if let number = numbers[test] {
                        testList.append(number)
                    } else {
                        numbers[test] = tests.count
                        testList.append(tests.count)
                        tests.append(test)
                    }
                }
                return start..<testList.count
            })
        }
        for (ruleIndex, rule) in rules.enumerated() {
            for (memberIndex, filter) in rule.filters.enumerated() {
                for type in filter.types where !(keyPaths[type]?.contains(filter.key) ?? false) {
                    keyPaths[type, default: []].append(filter.key)
                }
                let entry = Entry(rule: ruleIndex, member: memberIndex, tests: filterTests[ruleIndex][memberIndex])
                // Equality or `in` on text selects best; a prefix on text is next.
                let exact = filter.match.lazy.compactMap { predicate -> ([String], [String], Bool)? in
                    switch (predicate.op, predicate.operand) {
                    case (.eq, .string(let value)): return (predicate.path, [value], false)
                    case (.in, .array(let values)) where values.allSatisfy({ $0.stringValue != nil }):
                        return (predicate.path, values.compactMap(\.stringValue), false)
                    default: return nil
                    }
                }.first
                let prefix = filter.match.lazy.compactMap { predicate -> ([String], [String], Bool)? in
                    guard predicate.op == .prefix, case .string(let value) = predicate.operand else { return nil }
                    return (predicate.path, [value], true)
                }.first
                for type in filter.types {
                    var table = byType[type, default: TypeTable()]
                    if let (path, values, isPrefix) = exact ?? prefix {
                        var position = table.fields.firstIndex { $0.path == path && ($0.prefixLengths != nil) == isPrefix }
                        if position == nil {
                            table.fields.append(FieldTable(path: path, byValue: [:], prefixLengths: isPrefix ? [] : nil))
                            position = table.fields.count - 1
                        }
                        for value in values where table.fields[position!].byValue[value]?.last != entry {
                            table.fields[position!].byValue[value, default: []].append(entry)
                            if isPrefix, !table.fields[position!].prefixLengths!.contains(value.utf8.count) {
                                table.fields[position!].prefixLengths!.append(value.utf8.count)
                            }
                        }
                    } else {
                        let first = entry.tests.isEmpty ? nil : testList[entry.tests.lowerBound]
                        if let group = table.unfiltered.firstIndex(where: { $0.test == first }) {
                            table.unfiltered[group].entries.append(entry)
                        } else {
                            table.unfiltered.append(TestGroup(test: first, entries: [entry]))
                        }
                    }
                    byType[type] = table
                }
            }
        }
    }

    /// Per event type, the distinct key paths of the filters that read it, in rule order.
    private var keyPaths: [String: [[String]]] = [:]

    /// The distinct values the event has at the key paths of the filters that read its type.
    func routingKeys(of event: CloudEvent) -> [String] {
        var keys: [String] = []
        for path in keyPaths[event.type] ?? [] {
            if let key = EventFilter.keyText(event.value(at: path)), !keys.contains(key) { keys.append(key) }
        }
        return keys
    }

    /// The rules (and members) that read events of `type`, or nil if none does.
    func table(for type: String) -> TypeTable? { byType[type] }

    /// Adds to `result` (kept in rule order) the entries the event's values select in the table's field indexes.
    static func addFieldMatches(of table: TypeTable, for event: CloudEvent, into result: inout [Entry]) {
        for field in table.fields {
            switch event.value(at: field.path) {
            case .string(let value):
                field.entries(for: value, into: &result)
            case .array(let items):
                for case .string(let value) in items { field.entries(for: value, into: &result) }
            default:
                continue
            }
        }
    }

    /// Inserts `entries` (few, in rule order) into the ordered `result`, leaving out ones already there.
    static func merge(_ entries: [Entry], into result: inout [Entry]) {
        for entry in entries {
            if let last = result.last, last < entry {
                result.append(entry)
                continue
            }
            var low = 0
            var high = result.count
            while low < high {
                let middle = (low + high) / 2
                if result[middle] < entry { low = middle + 1 } else { high = middle }
            }
            if low == result.count || result[low] != entry { result.insert(entry, at: low) }
        }
    }
}
