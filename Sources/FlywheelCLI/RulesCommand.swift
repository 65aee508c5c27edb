import ArgumentParser
import FlywheelEvents
import FlywheelRules
import Foundation

/// Commands about rule files: validate them and run their unit tests.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules", abstract: "Validate rule files and run rule tests.", subcommands: [ValidateCommand.self, TestCommand.self])

    /// Checks rule files as the service does before it runs them.
    struct ValidateCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Check rule files: every error with file:line:column, what is wrong and a hint.",
            discussion: "Errors and warnings go to standard error; exits 1 on any error. Warnings do not fail.")

        @OptionGroup var schemaOptions: SchemaOptions

        @Argument(help: "Rule files (YAML).")
        var files: [String]

        func run() throws {
            let check = RuleSet.check(files: files, schemas: try schemaOptions.load())
            for diagnostic in check.diagnostics { writeToStandardError(diagnostic.description) }
            guard let ruleSet = check.ruleSet else {
                writeToStandardError("\(check.errors.count) error\(check.errors.count == 1 ? "" : "s"), \(check.warnings.count) warning\(check.warnings.count == 1 ? "" : "s")")
                throw ExitCode(1)
            }
            for file in files {
                let rules = ruleSet.rules.filter { $0.location.file == file }
                print("\(file): \(rules.count) rule\(rules.count == 1 ? "" : "s") valid (\(rules.map(\.id).joined(separator: ", ")))")
            }
        }
    }

    /// Runs rule unit tests written in YAML.
    struct TestCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Run rule tests: given these events, expect these triggers and none of those.",
            discussion: "The format is described in docs/rules.md. Exits 1 if a test fails or a file does not validate.")

        @OptionGroup var schemaOptions: SchemaOptions

        @Argument(help: "Rule test files (YAML).")
        var files: [String]

        func run() throws {
            let schemas = try schemaOptions.load()
            var passed = 0
            var failed = 0
            for file in files {
                let testFile: RuleTestFile
                do {
                    testFile = try RuleTestFile(path: file)
                } catch {
                    writeToStandardError(error.description)
                    failed += 1
                    continue
                }
                let check = RuleSet.check(files: testFile.ruleFiles, schemas: schemas)
                guard let ruleSet = check.ruleSet else {
                    check.errors.forEach { writeToStandardError($0.description) }
                    writeToStandardError("\(file): the rules under test do not validate")
                    failed += 1
                    continue
                }
                for result in testFile.run(ruleSet: ruleSet) {
                    if result.passed {
                        passed += 1
                        print("ok    \(result.name) (\(result.location))")
                    } else {
                        failed += 1
                        print("FAIL  \(result.name) (\(result.location))")
                        for failure in result.failures { print("      \(failure)") }
                    }
                }
            }
            print("\(passed) passed, \(failed) failed")
            if failed > 0 { throw ExitCode(1) }
        }
    }
}

/// Where event schemas come from for rule checks.
struct SchemaOptions: ParsableArguments {
    @Option(help: "The directory of versioned event schemas (<type>/v<N>.json) to check rules against; 'none' skips the checks.")
    var schemas = "topics/schemas"

    /// The schemas, or nil when there are none to use (the default directory is optional; a named one is not).
    func load() throws -> EventSchemas? {
        if schemas == "none" { return nil }
        if schemas == "topics/schemas", !FileManager.default.fileExists(atPath: schemas) { return nil }
        do {
            return try EventSchemas(directory: schemas)
        } catch {
            throw ValidationError("--schemas: \(error)")
        }
    }
}
