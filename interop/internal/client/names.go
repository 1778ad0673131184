package client

import (
	"strconv"
	"strings"

	"github.com/sealroom/sealroom/mls"
)

// indexed names element i of a repeated field: "proposal[2]".
func indexed(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}

// wireFormatList renders wire formats for an error message.
func wireFormatList(list []mls.WireFormat) string {
	names := make([]string, len(list))
	for i, w := range list {
		names[i] = w.String()
	}
	return strings.Join(names, " or ")
}
