import ArgumentParser
import FlywheelKafka

@main
struct Flywheel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flywheel",
        abstract: "Event-driven MLOps triggers over Kafka.",
        subcommands: [
            DemoCommand.self, ConsumeCommand.self, IngestCommand.self, EventsCommand.self, EmbeddedBrokerCommand.self, VersionCommand.self,
            TopicsCommand.self, RulesCommand.self, ReplayCommand.self, ServeCommand.self,
        ]
    )
}
