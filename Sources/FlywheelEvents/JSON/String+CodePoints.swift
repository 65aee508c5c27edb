extension String {
    /// Whether both strings have the same code points (JSON's string equality), unlike `==`, which compares by
    /// Unicode canonical equivalence. Compares the UTF-8 bytes directly.
    @inlinable
    public func hasSameCodePoints(as other: String) -> Bool {
        let left = utf8
        let right = other.utf8
        guard left.count == right.count else { return false }
        let contiguous = left.withContiguousStorageIfAvailable { leftBytes in
            right.withContiguousStorageIfAvailable { rightBytes in leftBytes.elementsEqual(rightBytes) }
        }
        return (contiguous ?? nil) ?? left.elementsEqual(right)
    }
}
