import ArgumentParser
import FlywheelKafka

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print Flywheel's and the linked librdkafka's versions and features, and the allocator.")

    func run() throws {
        print("flywheel 0.1.0")
        print("librdkafka \(LibRdKafka.versionString) (\(LibRdKafka.builtinFeatures.sorted().joined(separator: ",")))")
        print("allocator \(ProcessAllocator.description)")
        try LibRdKafka.checkSupported()
    }
}
