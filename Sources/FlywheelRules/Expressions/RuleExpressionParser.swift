/// Parses rule expressions with the usual precedence: `||` < `&&` < comparisons < `+ -` < `* /` < unary `! -`.
public struct RuleExpressionParser {
    private enum Token: Equatable {
        case number(Double)
        case string(String)
        case identifier(String)
        case symbol(String)
        case end
    }

    private var tokens: [(token: Token, column: Int)] = []
    private var index = 0
    /// How deeply the expression nests so far (parentheses, calls, unary operators).
    private var depth = 0
    /// Deeper expressions are refused, so that parsing and evaluating never exhaust the stack.
    static let maxDepth = 64

    public static func parse(_ text: String) throws(RuleExpressionError) -> RuleExpression {
        var parser = RuleExpressionParser()
        parser.tokens = try tokenize(text)
        let expression = try parser.or()
        guard case .end = parser.current else {
            throw parser.error("unexpected \(parser.describe(parser.current)) after the expression")
        }
        return expression
    }

    // MARK: Grammar

    private mutating func or() throws(RuleExpressionError) -> RuleExpression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= RuleExpressionParser.maxDepth else {
            throw error("the expression nests more than \(RuleExpressionParser.maxDepth) levels deep", hint: "split it, or write it flatter")
        }
        var left = try and()
        while accept("||") { left = .binary(.or, left, try and()) }
        return left
    }

    private mutating func and() throws(RuleExpressionError) -> RuleExpression {
        var left = try comparison()
        while accept("&&") { left = .binary(.and, left, try comparison()) }
        return left
    }

    private mutating func comparison() throws(RuleExpressionError) -> RuleExpression {
        let left = try additive()
        for (symbol, op) in [("==", RuleOperator.equal), ("!=", .notEqual), ("<=", .lessOrEqual), (">=", .greaterOrEqual), ("<", .less), (">", .greater)] where accept(symbol) {
            let right = try additive()
            if case .symbol(let next) = current, ["==", "!=", "<", "<=", ">", ">="].contains(next) {
                throw error("comparisons do not chain", hint: "write a < b && b < c")
            }
            return .binary(op, left, right)
        }
        return left
    }

    private mutating func additive() throws(RuleExpressionError) -> RuleExpression {
        var left = try multiplicative()
        while true {
            if accept("+") { left = .binary(.add, left, try multiplicative()) }
            else if accept("-") { left = .binary(.subtract, left, try multiplicative()) }
            else { return left }
        }
    }

    private mutating func multiplicative() throws(RuleExpressionError) -> RuleExpression {
        var left = try unary()
        while true {
            if accept("*") { left = .binary(.multiply, left, try unary()) }
            else if accept("/") { left = .binary(.divide, left, try unary()) }
            else { return left }
        }
    }

    private mutating func unary() throws(RuleExpressionError) -> RuleExpression {
        if accept("!") || accept("-") {
            let negate = tokens[index - 1].token == .symbol("-")
            depth += 1
            defer { depth -= 1 }
            guard depth <= RuleExpressionParser.maxDepth else {
                throw error("the expression nests more than \(RuleExpressionParser.maxDepth) levels deep", hint: "split it, or write it flatter")
            }
            let operand = try unary()
            return negate ? .negate(operand) : .not(operand)
        }
        return try primary()
    }

    private mutating func primary() throws(RuleExpressionError) -> RuleExpression {
        let (token, _) = tokens[index]
        switch token {
        case .number(let value):
            index += 1
            return .number(value)
        case .string(let value):
            index += 1
            return .string(value)
        case .identifier(let name):
            index += 1
            if name == "true" { return .bool(true) }
            if name == "false" { return .bool(false) }
            if accept("(") {
                guard let function = RuleFunction.all[name] else {
                    throw error("unknown function \(name)", hint: "functions are abs, min and max", back: 2)
                }
                var arguments: [RuleExpression] = []
                if !accept(")") {
                    repeat { arguments.append(try or()) } while accept(",")
                    guard accept(")") else { throw error("expected ',' or ')' in the arguments of \(name)") }
                }
                guard function.arity.contains(arguments.count) else {
                    throw error("\(name) takes \(function.arity.lowerBound == function.arity.upperBound ? "\(function.arity.lowerBound)" : "\(function.arity.lowerBound) to \(function.arity.upperBound)") arguments, not \(arguments.count)")
                }
                return .call(function, arguments)
            }
            return .path(name.split(separator: ".", omittingEmptySubsequences: false).map(String.init))
        case .symbol("("):
            index += 1
            let inner = try or()
            guard accept(")") else { throw error("expected ')'") }
            return inner
        default:
            throw error("expected a value, found \(describe(token))")
        }
    }

    // MARK: Tokens

    private var current: Token { tokens[index].token }

    private mutating func accept(_ symbol: String) -> Bool {
        if case .symbol(symbol) = current {
            index += 1
            return true
        }
        return false
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .number(let value): "number \(value)"
        case .string(let value): "string \"\(value)\""
        case .identifier(let name): "'\(name)'"
        case .symbol(let symbol): "'\(symbol)'"
        case .end: "end of expression"
        }
    }

    private func error(_ message: String, hint: String? = nil, back: Int = 0) -> RuleExpressionError {
        RuleExpressionError(column: tokens[max(0, index - back)].column, message: message, hint: hint)
    }

    private static func tokenize(_ text: String) throws(RuleExpressionError) -> [(token: Token, column: Int)] {
        let characters = Array(text)
        var tokens: [(token: Token, column: Int)] = []
        var position = 0
        func isIdentifierStart(_ character: Character) -> Bool { character.isLetter || character == "_" }
        func isIdentifierPart(_ character: Character) -> Bool {
            character.isLetter || character.isNumber || character == "_" || character == "."
        }
        while position < characters.count {
            let character = characters[position]
            let column = position + 1
            if character.isWhitespace {
                position += 1
            } else if character.isNumber {
                var end = position
                while end < characters.count, characters[end].isNumber || characters[end] == "." || characters[end] == "e"
                    || characters[end] == "E" || ((characters[end] == "+" || characters[end] == "-") && (characters[end - 1] == "e" || characters[end - 1] == "E"))
                {
                    end += 1
                }
                let text = String(characters[position..<end])
                guard let value = Double(text), value.isFinite else {
                    throw RuleExpressionError(column: column, message: "invalid number \(text)")
                }
                tokens.append((.number(value), column))
                position = end
            } else if character == "\"" || character == "'" {
                var end = position + 1
                var value = ""
                while end < characters.count, characters[end] != character {
                    if characters[end] == "\\", end + 1 < characters.count {
                        end += 1
                    }
                    value.append(characters[end])
                    end += 1
                }
                guard end < characters.count else { throw RuleExpressionError(column: column, message: "unterminated string") }
                tokens.append((.string(value), column))
                position = end + 1
            } else if isIdentifierStart(character) {
                var end = position
                while end < characters.count, isIdentifierPart(characters[end]) { end += 1 }
                tokens.append((.identifier(String(characters[position..<end])), column))
                position = end
            } else {
                let two = position + 1 < characters.count ? String(characters[position...position + 1]) : ""
                if ["==", "!=", "<=", ">=", "&&", "||"].contains(two) {
                    tokens.append((.symbol(two), column))
                    position += 2
                } else if "+-*/<>!(),".contains(character) {
                    tokens.append((.symbol(String(character)), column))
                    position += 1
                } else {
                    throw RuleExpressionError(
                        column: column, message: "unexpected character '\(character)'",
                        hint: character == "=" ? "use == to compare" : (character == "&" || character == "|" ? "use && and ||" : nil))
                }
            }
        }
        tokens.append((.end, characters.count + 1))
        return tokens
    }
}
