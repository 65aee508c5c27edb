import Foundation
import FlywheelEvents

extension RuleSet {
    /// The outcome of checking rule files: the rule set when there is no error, and every diagnostic.
    public struct Check: Sendable {
        public var ruleSet: RuleSet?
        public var diagnostics: [RuleDiagnostic]
        public var errors: [RuleDiagnostic] { diagnostics.filter { $0.severity == .error } }
        public var warnings: [RuleDiagnostic] { diagnostics.filter { $0.severity == .warning } }
    }

    /// Checks rule files given as text, `(file name, YAML)`; ids must be unique across all of them.
    ///
    /// With `schemas`, rules are also checked against the event types' JSON Schemas: an aggregate over a field the
    /// schema says is not a number is an error; a field the schema rules out is a warning.
    public static func check(sources: [(file: String, yaml: String)], schemas: EventSchemas? = nil) -> Check {
        var diagnostics: [RuleDiagnostic] = []
        var rules: [Rule] = []
        var firstDefinition: [String: RuleSourceLocation] = [:]
        for source in sources {
            var reader = RuleFileReader(file: source.file, schemas: schemas)
            for (rule, node) in reader.read(source.yaml) {
                if let first = firstDefinition[rule.id] {
                    let idNode = node.mapping?["id"]
                    reader.yaml.error(idNode ?? node, "duplicate rule id \(rule.id)", hint: "first defined at \(first); ids must be unique across all rule files")
                    continue
                }
                firstDefinition[rule.id] = rule.location
                rules.append(rule)
            }
            diagnostics += reader.yaml.diagnostics.enumerated().sorted { a, b in
                let left = (a.element.location.line ?? 0, a.element.location.column ?? 0, a.offset)
                let right = (b.element.location.line ?? 0, b.element.location.column ?? 0, b.offset)
                return left < right
            }.map(\.element)
        }
        let failed = diagnostics.contains { $0.severity == .error }
        return Check(ruleSet: failed ? nil : RuleSet(rules: rules), diagnostics: diagnostics)
    }

    /// Reads and checks rule files; an unreadable file is an error of its own.
    public static func check(files: [String], schemas: EventSchemas? = nil) -> Check {
        var sources: [(file: String, yaml: String)] = []
        var unreadable: [RuleDiagnostic] = []
        for file in files {
            do {
                sources.append((file, try String(contentsOfFile: file, encoding: .utf8)))
            } catch {
                unreadable.append(RuleDiagnostic(location: RuleSourceLocation(file: file), message: "cannot read the file: \(error.localizedDescription)"))
            }
        }
        if files.isEmpty {
            return Check(ruleSet: nil, diagnostics: [RuleDiagnostic(location: RuleSourceLocation(file: "-"), message: "no rule files given")])
        }
        var check = check(sources: sources, schemas: schemas)
        if !unreadable.isEmpty {
            check.ruleSet = nil
            check.diagnostics = unreadable + check.diagnostics
        }
        return check
    }

    /// Reads and checks rule files, throwing every error (warnings are dropped; use `check` to see them).
    public static func load(files: [String], schemas: EventSchemas? = nil) throws(RulesError) -> RuleSet {
        let check = check(files: files, schemas: schemas)
        guard let ruleSet = check.ruleSet else { throw RulesError(code: .invalidRules, diagnostics: check.errors) }
        return ruleSet
    }
}
