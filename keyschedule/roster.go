package keyschedule

import "slices"

// roster is the set of leaf indices that are members of one epoch, sorted
// and without duplicates. It is built once when the epoch is installed and
// never changes, so it is read without a lock. It is consulted only when a
// KID is seen for the first time, so a binary search is fast enough, and
// its size follows the number of members rather than the largest index.
type roster []uint32

// newRoster returns the set of leaves, copied.
func newRoster(leaves []uint32) roster {
	r := slices.Clone(leaves)
	slices.Sort(r)
	return slices.Compact(r)
}

// has reports whether leaf is a member.
func (r roster) has(leaf uint32) bool {
	_, ok := slices.BinarySearch(r, leaf)
	return ok
}
