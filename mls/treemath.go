package mls

// LeafIndex numbers the leaves of the ratchet tree from the left, starting
// at 0 (RFC 9420 §4.1, §7).
type LeafIndex uint32

// NodeIndex numbers all nodes of the ratchet tree in the array
// representation of RFC 9420 Appendix C: leaves at even indices, parents
// at odd ones.
type NodeIndex uint32
