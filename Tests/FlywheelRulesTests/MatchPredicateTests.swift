import FlywheelEvents
import FlywheelRules
import Testing

@Suite("Match predicates")
struct MatchPredicateTests {
    let context = CloudEvent(
        id: "e1", source: "s3://lake", type: "data.arrived", subject: "sales-eu",
        data: try! JSONParser.parse(#"{"dataset":"sales-eu","rows":1200,"paths":["training/a.py","docs/x.md"],"note":null}"#)
    )

    func holds(_ path: String, _ op: MatchPredicate.Operator, _ operand: String) throws -> Bool {
        MatchPredicate(path: path.split(separator: ".").map(String.init), op: op, operand: try JSONParser.parse(operand))
            .matches(context)
    }

    @Test("operators on scalars", arguments: [
        ("data.dataset", MatchPredicate.Operator.eq, #""sales-eu""#, true),
        ("data.dataset", .ne, #""sales-us""#, true),
        ("data.dataset", .prefix, #""sales-""#, true),
        ("data.dataset", .suffix, #""-eu""#, true),
        ("data.dataset", .contains, #""les-e""#, true),
        ("data.dataset", .in, #"["a","sales-eu"]"#, true),
        ("data.dataset", .nin, #"["a","sales-eu"]"#, false),
        ("data.rows", .gt, "0", true),
        ("data.rows", .gte, "1200", true),
        ("data.rows", .lt, "1200", false),
        ("data.rows", .lte, "1200", true),
        ("data.rows", .eq, "1200.0", true),
        ("data.rows", .prefix, #""12""#, false),
        ("type", .eq, #""data.arrived""#, true),
    ])
    func scalars(_ path: String, _ op: MatchPredicate.Operator, _ operand: String, _ expected: Bool) throws {
        #expect(try holds(path, op, operand) == expected)
    }

    @Test("on an array field a predicate holds if it holds for any element")
    func arrays() throws {
        #expect(try holds("data.paths", .prefix, #""training/""#))
        #expect(try !holds("data.paths", .prefix, #""src/""#))
        #expect(try holds("data.paths", .eq, #""docs/x.md""#))
    }

    @Test("a missing (or null) field fails every operator except exists: false, ne and nin", arguments: ["data.nope", "data.note", "data.dataset.deeper"])
    func missing(_ path: String) throws {
        for (op, operand) in [(MatchPredicate.Operator.eq, "1"), (.gt, "0"), (.prefix, #""a""#), (.in, "[1]"), (.exists, "true")] {
            #expect(try !holds(path, op, operand), "\(op)")
        }
        #expect(try holds(path, .exists, "false"))
        #expect(try holds(path, .ne, "1"))
        #expect(try holds(path, .nin, "[1]"))
    }
}
