import FlywheelEvents
import FlywheelRules
import Testing

@Suite("Rule expressions")
struct RuleExpressionTests {
    let event = CloudEvent(
        id: "e1", source: "mlflow://registry", type: "model.evaluated", subject: "churn-model",
        data: try! JSONParser.parse(#"{"model":"churn-model","metrics":{"auc":0.91,"loss":0.2},"baseline":{"auc":0.88},"rows":0}"#))

    func evaluate(_ text: String) throws -> RuleValue {
        try RuleExpressionParser.parse(text).evaluate(on: event)
    }

    @Test("the issue's example and the operators evaluate as written", arguments: [
        ("data.metrics.auc >= data.baseline.auc + 0.01", RuleValue.bool(true)),
        ("data.metrics.auc >= data.baseline.auc + 0.05", .bool(false)),
        ("1 + 2 * 3", .number(7)),
        ("(1 + 2) * 3", .number(9)),
        ("-data.metrics.loss", .number(-0.2)),
        ("abs(data.baseline.auc - data.metrics.auc) < 0.05", .bool(true)),
        ("max(1, data.metrics.auc, 0.5) == 1", .bool(true)),
        ("min(data.metrics.auc, data.metrics.loss)", .number(0.2)),
        ("type == \"model.evaluated\" && subject == 'churn-model'", .bool(true)),
        ("!(data.rows > 0) || false", .bool(true)),
        ("\"a\" < \"b\"", .bool(true)),
    ])
    func evaluates(_ text: String, _ expected: RuleValue) throws {
        let value = try evaluate(text)
        if case .number(let number) = value, case .number(let wanted) = expected {
            #expect(abs(number - wanted) < 1e-12, "\(text)")
        } else {
            #expect(value == expected, "\(text)")
        }
    }

    @Test("missing fields and impossible operations give missing, and fail comparisons except !=", arguments: [
        ("data.nope", RuleValue.missing),
        ("data.nope > 1", .bool(false)),
        ("data.nope == 1", .bool(false)),
        ("data.nope != 1", .bool(true)),
        ("data.metrics.auc / data.rows", .missing),
        ("data.model + 1", .missing),
        ("data.metrics > 1", .bool(false)),
        ("abs(data.model)", .missing),
    ])
    func missing(_ text: String, _ expected: RuleValue) throws {
        #expect(try evaluate(text) == expected, "\(text)")
    }

    @Test("syntax errors give the column and, where it helps, a hint", arguments: [
        ("data.auc = 1", 10, "use == to compare"),
        ("data.auc >= ", 13, nil),
        ("sqrt(data.auc)", 1, "functions are abs, min and max"),
        ("abs(1, 2)", 10, nil),
        ("1 < 2 < 3", 7, "write a < b && b < c"),
        ("(1 + 2", 7, nil),
        ("data.auc & 1", 10, "use && and ||"),
        ("'open", 1, nil),
    ] as [(String, Int, String?)])
    func errors(_ text: String, _ column: Int, _ hint: String?) {
        let error = #expect(throws: RuleExpressionError.self) { _ = try RuleExpressionParser.parse(text) }
        #expect(error?.column == column, "\(text): \(error.map { "\($0)" } ?? "")")
        #expect(error?.hint == hint)
    }
}
