package mlsgroup

import (
	"fmt"
	"strconv"
	"strings"
)

// SizesFlag is the test binary flag that sets the group sizes of
// BenchmarkGroup: go test -bench Group ./bench/mlsgroup -args
// -mlsgroup.sizes=2,10,100.
const SizesFlag = "mlsgroup.sizes"

// DefaultSizes are the group sizes BenchmarkGroup measures by default.
const DefaultSizes = "2,10,100,1000,10000"

// ParseSizes reads a comma-separated list of group sizes, each at least
// 2.
func ParseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 2 {
			return nil, fmt.Errorf("mlsgroup: bad group size %q in %q: need integers of at least 2", f, s)
		}
		out = append(out, n)
	}
	return out, nil
}
