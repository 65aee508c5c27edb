import Foundation

/// Paths of what `swift build` built next to the running test bundle.
public enum BuiltProducts {
    /// The executable `name` from the same build folder as this test binary.
    public static func executable(_ name: String) throws -> String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // On Linux the test binary is <build>/<Package>PackageTests.xctest; on macOS a bundle inside <build>.
        if directory.lastPathComponent == "MacOS" {
            directory = directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        }
        let path = directory.appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestSupportError("\(path) is not built: run `swift build --build-tests` (scripts/test does)")
        }
        return path
    }
}
