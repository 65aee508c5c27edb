import FlywheelEvents
import FlywheelRules
import FlywheelYAML

/// The rules and schemas `flywheel serve` runs with, checked against its configuration.
public struct ServeRules: Sendable {
    public let ruleSet: RuleSet
    public let schemas: EventSchemas
    /// Problems that do not stop the service.
    public let warnings: [YAMLDiagnostic]

    /// Loads the schemas and the rule files; fails on any error, or when a rule emits to a topic the configuration
    /// does not list under `outputs.topics`.
    public static func load(_ configuration: ServeConfiguration) throws(ServiceError) -> ServeRules {
        var schemas = EventSchemas()
        if let directory = configuration.schemasDirectory {
            do {
                schemas = try EventSchemas(directory: directory)
            } catch {
                throw ServiceError(code: .invalidConfiguration, message: "schemas: \(error)")
            }
        }
        let check = RuleSet.check(files: configuration.ruleFiles, schemas: configuration.schemasDirectory == nil ? nil : schemas)
        guard let ruleSet = check.ruleSet else { throw ServiceError(code: .invalidRules, diagnostics: check.errors) }
        if !configuration.outputTopics.isEmpty {
            let refused = ruleSet.rules.filter { !configuration.outputTopics.contains($0.emit.topic) }
            if !refused.isEmpty {
                throw ServiceError(
                    code: .invalidRules,
                    diagnostics: refused.map { rule in
                        YAMLDiagnostic(
                            location: rule.location,
                            message: "rule \(rule.id) emits to \(rule.emit.topic), which outputs.topics in the configuration does not list",
                            hint: "add the topic to outputs.topics, or emit to one of \(configuration.outputTopics.joined(separator: ", "))")
                    })
            }
        }
        return ServeRules(ruleSet: ruleSet, schemas: schemas, warnings: check.warnings)
    }
}
