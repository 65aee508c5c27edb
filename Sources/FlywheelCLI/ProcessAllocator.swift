#if canImport(CJemalloc)
import CJemalloc
#endif

/// The allocator the process's malloc is: jemalloc when the binary links it (Linux) and its malloc is the one in
/// use, else the C library's.
enum ProcessAllocator {
    static let description: String = {
        #if canImport(CJemalloc)
        if let version = jemallocVersion, servesThisThread { return "jemalloc \(version)" }
        #endif
        return "the C library's malloc"
    }()

    #if canImport(CJemalloc)
    private static var jemallocVersion: String? {
        var version: UnsafePointer<CChar>?
        var length = MemoryLayout<UnsafePointer<CChar>?>.size
        guard mallctl("version", &version, &length, nil, 0) == 0, let version else { return nil }
        return String(cString: version)
    }

    /// Whether an allocation made here is counted by jemalloc, that is whether its malloc is the one in use.
    private static var servesThisThread: Bool {
        func allocated() -> UInt64? {
            var bytes: UInt64 = 0
            var length = MemoryLayout<UInt64>.size
            return mallctl("thread.allocated", &bytes, &length, nil, 0) == 0 ? bytes : nil
        }
        guard let before = allocated() else { return false }
        let block = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 8)
        defer { block.deallocate() }
        guard let after = allocated() else { return false }
        return after >= before + 4096
    }
    #endif
}
