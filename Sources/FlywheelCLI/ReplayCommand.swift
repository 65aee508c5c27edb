import ArgumentParser
import FlywheelEvents
import FlywheelRules
import Foundation

/// Runs rules over recorded events offline, with the engine the service runs.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run rules over recorded CloudEvents and print the triggers they fire.",
        discussion: """
            Reads structured CloudEvents, one JSON object a line, in file order; time is each event's `time`. \
            Writes the triggers as structured CloudEvents JSON, one a line, to standard output and a summary to \
            standard error. With --explain, each trigger is followed by its trigger.audit record (rule version, \
            values evaluated, causes and an explanation). Lines that are not usable events are reported on standard \
            error and make the exit status 1, after the rest has been replayed.
            """)

    @Option(name: .customLong("rules"), parsing: .upToNextOption, help: "Rule files (YAML).")
    var ruleFiles: [String]

    @Option(name: .customLong("events"), help: "Events file (JSON Lines); '-' reads standard input.")
    var eventsFile: String

    @Option(help: "At the end, advance the clock to this RFC 3339 time, so absences due by then fire.")
    var until: String?

    @Flag(help: "Follow each trigger with its trigger.audit record, which says why it fired.")
    var explain = false

    @OptionGroup var schemaOptions: SchemaOptions

    func validate() throws {
        if let until, RFC3339.milliseconds(until) == nil {
            throw ValidationError("--until: '\(until)' is not an RFC 3339 time, like 2026-03-01T00:00:00Z")
        }
        if ruleFiles.isEmpty { throw ValidationError("--rules: give at least one rule file") }
    }

    func run() throws {
        let check = RuleSet.check(files: ruleFiles, schemas: try schemaOptions.load())
        for diagnostic in check.diagnostics { writeToStandardError(diagnostic.description) }
        guard let ruleSet = check.ruleSet else { throw ExitCode(1) }
        let bytes: [UInt8]
        if eventsFile == "-" {
            bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
        } else {
            guard let data = FileManager.default.contents(atPath: eventsFile) else {
                throw ValidationError("--events: cannot read \(eventsFile)")
            }
            bytes = Array(data)
        }
        let started = ContinuousClock.now
        var output = BufferedOutput()
        var replay = RuleReplay(ruleSet: ruleSet)
        let write = { (firing: RuleFiring) in
            output.writeLine(EventLines.line(firing.trigger))
            if explain { output.writeLine(EventLines.line(firing.audit)) }
        }
        replay.run(file: eventsFile == "-" ? "<stdin>" : eventsFile, bytes: bytes, onFiring: write) { error in
            writeToStandardError(error.description)
        }
        replay.finish(until: until.flatMap(RFC3339.milliseconds), onFiring: write)
        output.flush()

        let elapsed = ContinuousClock.now - started
        let statistics = replay.engine.statistics
        var summary = "replayed \(statistics.events) events"
        if replay.invalidEvents > 0 { summary += " (\(replay.invalidEvents) invalid lines skipped)" }
        summary += " in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))"
        summary += "; \(statistics.firings) trigger\(statistics.firings == 1 ? "" : "s")"
        if statistics.suppressed > 0 { summary += ", \(statistics.suppressed) held back by cooldowns" }
        writeToStandardError(summary)
        for (index, rule) in ruleSet.rules.enumerated() {
            writeToStandardError("  \(rule.id): \(statistics.evaluations[index]) accepted, \(statistics.firingsByRule[index]) fired")
        }
        if statistics.keyless > 0 { writeToStandardError("  \(statistics.keyless) accepted events had no key and were skipped") }
        if statistics.notNumeric > 0 { writeToStandardError("  \(statistics.notNumeric) accepted events had no number to aggregate and were skipped") }
        if statistics.late > 0 { writeToStandardError("  \(statistics.late) events were later than the allowed lateness") }
        let approximated = statistics.approximatedByRule.reduce(0, +)
        if approximated > 0 {
            writeToStandardError(
                "  \(approximated) trigger\(approximated == 1 ? "" : "s") counted events kept in panes (a key's window past 1,000 events;"
                    + " each audit record says how many)")
        }
        if replay.invalidEvents > 0 { throw ExitCode(1) }
    }
}
