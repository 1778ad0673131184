package gcm

import "unsafe"

// span returns the first and last address of a non-empty slice.
func span(b []byte) (first, last uintptr) {
	first = uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return first, first + uintptr(len(b)) - 1
}

// anyOverlap reports whether a and b share any byte (lengths, not
// capacities, count).
func anyOverlap(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	a0, a1 := span(a)
	b0, b1 := span(b)
	return a0 <= b1 && b0 <= a1
}

// inexactOverlap reports whether a and b share a byte at different indices:
// the overlap crypto/cipher forbids between an output and its input. Slices
// that start at the same address (in-place use) do not overlap inexactly.
func inexactOverlap(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 || unsafe.SliceData(a) == unsafe.SliceData(b) {
		return false
	}
	return anyOverlap(a, b)
}
