import FlywheelEvents
import FlywheelYAML
import Yams

/// Reads the rules of one YAML rule file, collecting every problem with its `file:line:column` instead of stopping
/// at the first.
struct RuleFileReader {
    static let fileFields = ["version", "rules"]
    static let ruleFields = [
        "id", "description", "on", "match", "condition", "key", "threshold", "all", "any", "sequence", "within",
        "absent", "cooldown", "lateness", "emit",
    ]
    static let memberFields = ["on", "match", "condition", "key"]
    static let absentFields = ["on", "match", "condition", "for"]
    static let thresholdFields = ["count", "sum", "avg", "min", "max", "gt", "gte", "lt", "lte", "eq", "within"]
    static let emitFields = ["type", "topic", "data"]
    static let kindFields = ["threshold", "all", "any", "sequence", "absent"]

    var yaml: YAMLReader
    let schemas: EventSchemas?

    init(file: String, schemas: EventSchemas?) {
        yaml = YAMLReader(file: file)
        self.schemas = schemas
    }

    // MARK: The file

    /// The rules of the file, each paired with its YAML node; a rule with errors is left out.
    mutating func read(_ text: String) -> [(Rule, Node)] {
        guard let composed = yaml.compose(text) else { return [] }
        guard let root = composed else {
            yaml.diagnostics.append(
                YAMLDiagnostic(
                    location: YAMLLocation(file: yaml.file, line: 1, column: 1), message: "the file is empty",
                    hint: "a rule file is a mapping with a list of rules under 'rules:'"))
            return []
        }
        guard let fields = yaml.fields(of: root, known: RuleFileReader.fileFields, what: "a rule file") else { return [] }
        if let version = fields["version"], version.int != 1 {
            yaml.error(version, "version must be 1, not \(YAMLReader.shown(version))", hint: "this Flywheel reads rule files of version 1")
        }
        guard let list = fields["rules"] else {
            yaml.error(root, "missing field rules", hint: "list the rules under 'rules:'")
            return []
        }
        guard case .sequence(let sequence) = list else {
            yaml.error(list, "rules must be a list of rules, not \(YAMLReader.shown(list))", hint: "start each rule with '- id: ...'")
            return []
        }
        var rules: [(Rule, Node)] = []
        for node in sequence {
            if let rule = rule(node) { rules.append((rule, node)) }
        }
        return rules
    }

    // MARK: A rule

    mutating func rule(_ node: Node) -> Rule? {
        let before = yaml.errorCount
        guard let fields = yaml.fields(of: node, known: RuleFileReader.ruleFields, what: "a rule") else { return nil }
        let id = ruleID(fields["id"], rule: node)
        let what = id.map { "rule \($0)" } ?? "the rule"
        let description = fields["description"].flatMap { yaml.text($0, field: "description") }
        let key = fields["key"].flatMap { path($0, field: "key") } ?? ["subject"]
        let cooldown = fields["cooldown"].flatMap { yaml.duration($0, field: "cooldown") }
        let lateness = fields["lateness"].flatMap { yaml.duration($0, field: "lateness", allowsZero: true) }

        let kinds = RuleFileReader.kindFields.filter { fields[$0] != nil }
        if kinds.count > 1 {
            yaml.error(fields.key(kinds[1]), "\(what) has both \(kinds[0]) and \(kinds[1])", hint: "a rule has at most one of \(RuleFileReader.kindFields.joined(separator: ", ")); write two rules")
        }
        let kind = kinds.first
        if fields["within"] != nil, kind != "all", kind != "sequence" {
            yaml.error(
                fields.key("within"), "within at the rule level applies to all and sequence only",
                hint: kind == nil || kind == "threshold" ? "put the window inside the threshold: threshold: {count: 3, within: 1h}" : "\(kind!) takes no window")
        }
        let windowed = kind == "threshold" ? fields["threshold"]?.mapping?["within"] != nil : (kind == "all" || kind == "sequence") && fields["within"] != nil
        if fields["lateness"] != nil, !windowed {
            yaml.error(
                fields.key("lateness"), "lateness applies to rules with a window only",
                hint: "give the threshold a window (threshold: {count: 3, within: 1h}) or all and sequence a within; without one, nothing is dropped")
        }
        if kind == "all" || kind == "any" || kind == "sequence" || kind == "absent" {
            for field in ["on", "match", "condition"] where fields[field] != nil {
                yaml.error(fields.key(field), "\(field) does not apply to a rule with \(kind!)", hint: kind == "absent" ? "put it inside absent" : "put it in each member of \(kind!)")
            }
        }

        var logic: Rule.Logic?
        switch kind {
        case nil, "threshold":
            var types: [String] = []
            let filter = self.filter(on: fields["on"], match: fields["match"], condition: fields["condition"], key: key, owner: node, what: what, types: &types)
            if kind == nil {
                logic = filter.map(Rule.Logic.each)
            } else if let threshold = threshold(fields["threshold"]!, types: types), let filter {
                logic = .threshold(filter, threshold)
            }
        case "all", "any", "sequence":
            let members = self.members(fields[kind!]!, kind: kind!, key: key)
            let within = fields["within"].flatMap { yaml.duration($0, field: "within") }
            if let members {
                switch kind {
                case "all": logic = .all(members, within: within)
                case "any": logic = .any(members)
                default: logic = .sequence(members, within: within)
                }
            }
        default:
            logic = absent(fields["absent"]!, key: key)
        }

        let emit: Rule.Emit?
        if let emitNode = fields["emit"] {
            emit = self.emit(emitNode, logic: logic)
        } else {
            yaml.error(node, "\(what) has no emit", hint: "say what a firing sends: emit: {type: retrain.requested, topic: mlops.retrain.requests}")
            emit = nil
        }
        guard yaml.errorCount == before, let id, let logic, let emit else { return nil }
        return Rule(
            id: id, description: description, version: RuleVersion.hash(of: node), location: yaml.location(node), logic: logic,
            cooldown: cooldown, lateness: lateness, emit: emit)
    }

    mutating func ruleID(_ node: Node?, rule: Node) -> String? {
        guard let node else {
            yaml.error(rule, "the rule has no id", hint: "give every rule a unique id of a-z, 0-9 and '-'")
            return nil
        }
        guard let id = yaml.text(node, field: "id") else { return nil }
        guard id.count <= 128, id.utf8.allSatisfy({ ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-") }) else {
            yaml.error(node, "id \(YAMLReader.shown(node)) must be made of a-z, 0-9 and '-' (at most 128)", hint: "like retrain-on-fresh-data")
            return nil
        }
        return id
    }

    // MARK: Filters

    /// The filter, or nil after reporting its errors; `types` gets the event types even then, for later checks.
    mutating func filter(on: Node?, match: Node?, condition: Node?, key: [String], owner: Node, what: String, types: inout [String]) -> EventFilter? {
        guard let on else {
            yaml.error(owner, "\(what) has no on", hint: "name the CloudEvent type it reads: on: data.arrived")
            return nil
        }
        let before = yaml.errorCount
        types = eventTypes(on)
        let types = types
        let predicates = match.map { self.match($0, types: types) } ?? []
        let expression = condition.flatMap { self.condition($0, types: types) }
        guard yaml.errorCount == before else { return nil }
        return EventFilter(types: types, match: predicates, condition: expression, key: key)
    }

    mutating func filter(on: Node?, match: Node?, condition: Node?, key: [String], owner: Node, what: String) -> EventFilter? {
        var types: [String] = []
        return filter(on: on, match: match, condition: condition, key: key, owner: owner, what: what, types: &types)
    }

    mutating func eventTypes(_ node: Node) -> [String] {
        var types: [String] = []
        let items: [Node]
        switch node {
        case .sequence(let sequence) where !sequence.isEmpty: items = Array(sequence)
        case .scalar: items = [node]
        default:
            yaml.error(node, "on must be a CloudEvent type or a list of them, not \(YAMLReader.shown(node))", hint: "on: data.arrived")
            return []
        }
        for item in items {
            guard let type = yaml.text(item, field: "on") else { continue }
            if types.contains(type) {
                yaml.error(item, "on lists \(type) twice")
            } else {
                types.append(type)
                if let schemas, !schemas.types.isEmpty, schemas.schema(type: type) == nil {
                    yaml.warning(item, "no schema for event type \(type)", hint: "known types: \(schemas.types.joined(separator: ", "))")
                }
            }
        }
        return types
    }

    mutating func match(_ node: Node, types: [String]) -> [MatchPredicate] {
        guard case .mapping(let mapping) = node else {
            yaml.error(node, "match must be a mapping of paths to values or operators, not \(YAMLReader.shown(node))", hint: "match: {data.dataset: {prefix: \"sales-\"}}")
            return []
        }
        var predicates: [MatchPredicate] = []
        for (keyNode, value) in mapping {
            guard let path = path(keyNode, field: "match") else { continue }
            checkAgainstSchemas(path, types: types, at: keyNode, needsNumber: false)
            switch value {
            case .scalar:
                predicates.append(MatchPredicate(path: path, op: .eq, operand: YAMLReader.json(value)))
            case .sequence:
                yaml.error(value, "a list is no value to compare \(path.joined(separator: ".")) with", hint: "to accept one of several values write {in: [a, b]}")
            case .mapping(let operators):
                if operators.isEmpty { yaml.error(value, "no operator for \(path.joined(separator: "."))", hint: "like {gt: 0}") }
                for (opNode, operand) in operators {
                    guard let name = opNode.scalar?.string, let op = MatchPredicate.Operator.all[name] else {
                        let name = opNode.scalar?.string ?? ""
                        let known = MatchPredicate.Operator.all.keys.sorted()
                        yaml.error(
                            opNode, "unknown operator \(YAMLReader.shown(opNode))",
                            hint: YAMLReader.closest(to: name, in: known).map { "did you mean \($0)?" } ?? "operators are \(known.joined(separator: ", "))")
                        continue
                    }
                    if let operand = self.operand(operand, for: op) {
                        predicates.append(MatchPredicate(path: path, op: op, operand: operand))
                    }
                }
            case .alias:
                yaml.error(value, "aliases are not supported in rule files")
            }
        }
        return predicates
    }

    mutating func operand(_ node: Node, for op: MatchPredicate.Operator) -> JSONValue? {
        let value = YAMLReader.json(node)
        switch op {
        case .in, .nin:
            guard case .array(let items) = value, items.allSatisfy({ !$0.isStructured }) else {
                yaml.error(node, "\(op) takes a list of values, not \(YAMLReader.shown(node))", hint: "\(op): [a, b]")
                return nil
            }
        case .prefix, .suffix, .contains:
            guard case .string = value else {
                yaml.error(node, "\(op) takes text, not \(YAMLReader.shown(node))", hint: "quote numbers: \(op): \"2026\"")
                return nil
            }
        case .exists:
            guard case .bool = value else {
                yaml.error(node, "exists takes true or false, not \(YAMLReader.shown(node))")
                return nil
            }
        case .gt, .gte, .lt, .lte:
            switch value {
            case .number, .string: break
            default:
                yaml.error(node, "\(op) takes a number or text, not \(YAMLReader.shown(node))")
                return nil
            }
        default:
            guard !value.isStructured else {
                yaml.error(node, "\(op) takes a single value, not \(YAMLReader.shown(node))")
                return nil
            }
        }
        return value
    }

    mutating func condition(_ node: Node, types: [String]) -> RuleExpression? {
        guard let text = yaml.text(node, field: "condition") else { return nil }
        do {
            let expression = try RuleExpressionParser.parse(text)
            for path in expression.paths {
                if let problem = RulePath.problem(path) {
                    yaml.error(node, "condition: \(problem.message)", hint: problem.hint)
                } else {
                    checkAgainstSchemas(path, types: types, at: node, needsNumber: false)
                }
            }
            return expression
        } catch {
            yaml.error(node, atValueOffset: error.column - 1, "condition: \(error.message)", hint: error.hint)
            return nil
        }
    }

    mutating func members(_ node: Node, kind: String, key: [String]) -> [EventFilter]? {
        guard case .sequence(let sequence) = node, sequence.count >= (kind == "any" ? 1 : 2) else {
            yaml.error(
                node, "\(kind) must be a list of \(kind == "any" ? "at least one member" : "at least two members"), not \(YAMLReader.shown(node))",
                hint: "each member: {on: TYPE, match: ..., condition: ..., key: PATH}")
            return nil
        }
        let before = yaml.errorCount
        var members: [EventFilter] = []
        for item in sequence {
            guard let fields = yaml.fields(of: item, known: RuleFileReader.memberFields, what: "a member of \(kind)") else { continue }
            let memberKey = fields["key"].flatMap { path($0, field: "key") } ?? key
            if let filter = filter(on: fields["on"], match: fields["match"], condition: fields["condition"], key: memberKey, owner: item, what: "the member") {
                members.append(filter)
            }
        }
        return yaml.errorCount == before ? members : nil
    }

    mutating func absent(_ node: Node, key: [String]) -> Rule.Logic? {
        guard let fields = yaml.fields(of: node, known: RuleFileReader.absentFields, what: "absent") else { return nil }
        let filter = filter(on: fields["on"], match: fields["match"], condition: fields["condition"], key: key, owner: node, what: "absent")
        guard let forNode = fields["for"] else {
            yaml.error(node, "absent has no for", hint: "how long a key must be silent: for: 6h")
            return nil
        }
        guard let silence = yaml.duration(forNode, field: "for"), let filter else { return nil }
        return .absent(filter, silence: silence)
    }

    // MARK: Threshold

    mutating func threshold(_ node: Node, types: [String]) -> Threshold? {
        guard let fields = yaml.fields(of: node, known: RuleFileReader.thresholdFields, what: "threshold") else { return nil }
        let aggregates = Threshold.Aggregate.all.filter { fields[$0.name] != nil }
        let comparators = Threshold.Comparator.all.filter { fields[$0.name] != nil }
        let within = fields["within"].flatMap { yaml.duration($0, field: "within") }
        guard let aggregate = aggregates.first else {
            yaml.error(node, "threshold needs one of count, sum, avg, min, max", hint: "threshold: {count: 3} or {sum: data.rows, gte: 1000000}")
            return nil
        }
        if aggregates.count > 1 {
            yaml.error(fields.key(aggregates[1].name), "threshold has both \(aggregates[0].name) and \(aggregates[1].name)", hint: "one aggregate per rule")
            return nil
        }
        let valueNode = fields[aggregate.name]!
        if aggregate == .count {
            if let comparator = comparators.first {
                yaml.error(fields.key(comparator.name), "count takes no comparator", hint: "count: N fires at N matching events; use sum with a comparator for other tests")
                return nil
            }
            guard let count = valueNode.int, count >= 1, valueNode.tag.rawValue == Tag.Name.int.rawValue else {
                yaml.error(valueNode, "count must be a whole number of at least 1, not \(YAMLReader.shown(valueNode))")
                return nil
            }
            return Threshold(aggregate: .count, path: nil, comparator: .gte, bound: Double(count), within: within)
        }
        guard let path = path(valueNode, field: aggregate.name) else { return nil }
        if path.first != "data" {
            yaml.error(valueNode, "\(aggregate.name) needs a number field under data, not \(path.joined(separator: "."))", hint: "like \(aggregate.name): data.rows")
            return nil
        }
        checkAgainstSchemas(path, types: types, at: valueNode, needsNumber: true, aggregate: aggregate.name)
        guard comparators.count == 1, let comparator = comparators.first else {
            yaml.error(
                comparators.count > 1 ? fields.key(comparators[1].name) : node,
                comparators.isEmpty ? "\(aggregate.name) needs a comparator" : "threshold has more than one comparator",
                hint: "one of gt, gte, lt, lte, eq with a number: {\(aggregate.name): \(path.joined(separator: ".")), gte: 100}")
            return nil
        }
        let boundNode = fields[comparator.name]!
        guard case .number(let bound) = YAMLReader.json(boundNode) else {
            yaml.error(boundNode, "\(comparator.name) takes a number, not \(YAMLReader.shown(boundNode))")
            return nil
        }
        return Threshold(aggregate: aggregate, path: path, comparator: comparator, bound: bound, within: within)
    }

    /// Errors where the event schemas of `types` say `path` cannot hold what the rule needs.
    mutating func checkAgainstSchemas(_ path: [String], types: [String], at node: Node, needsNumber: Bool, aggregate: String? = nil) {
        guard let schemas else { return }
        if path.count == 1, !CloudEvent.pathAttributes.contains(path[0]) {
            // A lone name is an extension attribute; if the payload has a field of that name, it was likely meant.
            for type in types {
                guard let schema = schemas.schema(type: type), case .declared = RuleSchemaLookup.field(path[...], in: schema.document) else { continue }
                yaml.warning(node, "\(path[0]) names an extension attribute, but \(type) events have data.\(path[0])", hint: "did you mean data.\(path[0])?")
                return
            }
            return
        }
        guard path.first == "data" else { return }
        for type in types {
            guard let schema = schemas.schema(type: type) else { continue }
            switch RuleSchemaLookup.field(path.dropFirst(), in: schema.document) {
            case .unknown:
                continue
            case .absent:
                let message = "\(path.joined(separator: ".")) is not a field of \(type) events (their schema allows no other fields)"
                if needsNumber { yaml.error(node, message, hint: "see \(schema.id ?? "the schema of \(type)")") } else { yaml.warning(node, message, hint: "this never matches") }
            case .declared(let jsonTypes):
                if needsNumber, !jsonTypes.isEmpty, !jsonTypes.contains("number"), !jsonTypes.contains("integer") {
                    yaml.error(
                        node, "\(aggregate ?? "aggregate") over \(path.joined(separator: ".")), which the schema of \(type) says is \(jsonTypes.joined(separator: " or ")), not a number",
                        hint: "aggregate a number field, or use count")
                }
            }
        }
    }

    // MARK: Emit

    mutating func emit(_ node: Node, logic: Rule.Logic?) -> Rule.Emit? {
        guard let fields = yaml.fields(of: node, known: RuleFileReader.emitFields, what: "emit") else { return nil }
        guard let typeNode = fields["type"] else {
            yaml.error(node, "emit has no type", hint: "the CloudEvent type of the trigger, like retrain.requested")
            return nil
        }
        guard let topicNode = fields["topic"] else {
            yaml.error(node, "emit has no topic", hint: "the Kafka topic the trigger goes to, like mlops.retrain.requests")
            return nil
        }
        guard let type = yaml.text(typeNode, field: "emit.type"), let topic = yaml.text(topicNode, field: "emit.topic") else { return nil }
        if !YAMLReader.isTopicName(topic) {
            yaml.error(topicNode, "emit.topic \(YAMLReader.shown(topicNode)) is not a Kafka topic name", hint: "a-z, A-Z, 0-9, '.', '_', '-'; at most 249 characters")
        }
        var data = Template.object([])
        if let dataNode = fields["data"] {
            guard case .mapping = dataNode else {
                yaml.error(dataNode, "emit.data must be a mapping, not \(YAMLReader.shown(dataNode))", hint: "the trigger's data object; Flywheel adds cause to it")
                return nil
            }
            guard let template = template(dataNode) else { return nil }
            data = template
            if case .object(let members) = template, members.contains(where: { $0.key == "cause" }) {
                yaml.error(dataNode, "emit.data must not set cause", hint: "Flywheel sets cause to the events that led to the firing")
            }
        }
        if let schemas, let schema = schemas.schema(type: type), case .object(let members) = data,
            let required = schema.document[path: "required"]?.arrayValue
        {
            let missing = required.compactMap(\.stringValue).filter { name in name != "cause" && !members.contains { $0.key == name } }
            if !missing.isEmpty {
                yaml.warning(
                    fields.key("data") ?? node, "the schema of \(type) requires \(missing.joined(separator: ", ")) in data, which emit.data does not set",
                    hint: "downstream consumers validating \(type) would refuse these triggers")
            }
        }
        return Rule.Emit(type: type, topic: topic, data: data)
    }

    mutating func template(_ node: Node) -> Template? {
        switch node {
        case .scalar(let scalar):
            guard node.tag.rawValue == Tag.Name.str.rawValue else { return .literal(YAMLReader.json(node)) }
            do {
                return try Template.parse(scalar.string)
            } catch {
                yaml.error(node, atValueOffset: error.offset, error.message, hint: error.hint)
                return nil
            }
        case .mapping(let mapping):
            var members: [Template.Member] = []
            var failed = false
            for (key, value) in mapping {
                guard let name = key.scalar?.string else {
                    yaml.error(key, "field names must be text")
                    failed = true
                    continue
                }
                if let template = template(value) { members.append(.init(key: name, value: template)) } else { failed = true }
            }
            return failed ? nil : .object(members)
        case .sequence(let sequence):
            var items: [Template] = []
            for item in sequence {
                guard let template = template(item) else { return nil }
                items.append(template)
            }
            return .array(items)
        case .alias:
            yaml.error(node, "aliases are not supported in rule files")
            return nil
        }
    }

    // MARK: Values

    mutating func path(_ node: Node, field: String) -> [String]? {
        guard let text = yaml.text(node, field: field) else { return nil }
        let path = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if let problem = RulePath.problem(path) {
            yaml.error(node, "\(field): \(problem.message)", hint: problem.hint)
            return nil
        }
        return path
    }
}

extension JSONValue {
    var isStructured: Bool {
        switch self {
        case .array, .object: true
        default: false
        }
    }
}
