#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension String {
    /// Whether both strings have the same code points (JSON's string equality), unlike `==`, which compares by
    /// Unicode canonical equivalence. Compares the UTF-8 bytes directly.
    @inlinable
    public func hasSameCodePoints(as other: String) -> Bool {
        let count = utf8.count
        guard count == other.utf8.count else { return false }
        guard count > 0 else { return true }
        let compared = utf8.withContiguousStorageIfAvailable { left in
            other.utf8.withContiguousStorageIfAvailable { right in memcmp(left.baseAddress!, right.baseAddress!, count) == 0 }
        }
        if let compared, let equal = compared { return equal }
        return utf8.elementsEqual(other.utf8)
    }
}
