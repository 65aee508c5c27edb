import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn and reaped with waitpid: Foundation's `Process.waitUntilExit` can hang
/// when called from a Swift concurrency thread on Linux.
public final class ChildProcess: Sendable {
    public let pid: pid_t

    /// Starts `arguments[0]` (a full path) with the arguments; standard output and error go to the given files.
    /// `environment` entries are added to (or replace) this process's environment.
    public init(
        _ arguments: [String], standardOutput: String = "/dev/null", standardError: String = "/dev/null",
        environment: [String: String] = [:]
    ) throws {
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 1, standardOutput, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&fileActions, 2, standardError, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Swift's worker threads block signals and a spawned child inherits that mask: clear it, so SIGTERM works.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaultSignals, signal) }
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var inherited: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if !environment.keys.contains(where: { text.hasPrefix("\($0)=") }) { inherited.append(text) }
            entry += 1
        }
        var envp: [UnsafeMutablePointer<CChar>?] =
            (inherited + environment.map { "\($0.key)=\($0.value)" }).map { strdup($0) } + [nil]
        defer { for variable in envp { free(variable) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &fileActions, &attributes, &argv, &envp)
        guard result == 0 else {
            throw TestSupportError("cannot start \(arguments[0]): \(String(cString: strerror(result)))")
        }
        self.pid = pid
    }

    /// Whether the process still runs (and has not been reaped).
    public var isRunning: Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    /// Waits up to `timeout` for the process to end; returns its exit status, or nil if it still runs.
    /// A process killed by a signal reports 128 + the signal number, as shells do.
    public func waitForExit(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let signal = status & 0x7f
                return signal == 0 ? (status >> 8) & 0xff : 128 + signal
            }
            // A child's exit is not an event Swift concurrency can await; poll it.
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    public func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Kills the process and reaps it on a thread of its own, so that the caller (often a deinit on Swift's
    /// cooperative pool) never blocks waiting for it.
    public func terminate() {
        kill(pid, SIGKILL)
        let pid = self.pid
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        }
    }
}
