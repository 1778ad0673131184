package client

import (
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// invalidArg reports a request field that is missing or malformed.
func invalidArg(rpc, field, format string, args ...any) error {
	return status.Errorf(codes.InvalidArgument, "%s: %s: %s", rpc, field, fmt.Sprintf(format, args...))
}

// needsGroupAPI is the answer of an RPC whose work the mls package cannot
// do yet; fn names the Group API function the RPC waits for.
func needsGroupAPI(rpc, fn string) error {
	return status.Errorf(codes.Unimplemented, "%s: needs the mls Group API (%s)", rpc, fn)
}

// internalErr reports a failure of this implementation rather than of the
// request.
func internalErr(rpc string, err error) error {
	return status.Errorf(codes.Internal, "%s: %v", rpc, err)
}
