package client

import (
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sealroom/sealroom/mls"
)

// invalidArg reports a request field that is missing or malformed.
func invalidArg(rpc, field, format string, args ...any) error {
	return status.Errorf(codes.InvalidArgument, "%s: %s: %s", rpc, field, fmt.Sprintf(format, args...))
}

// failedPrecondition reports a request the state it names cannot serve.
func failedPrecondition(rpc, format string, args ...any) error {
	return status.Errorf(codes.FailedPrecondition, "%s: %s", rpc, fmt.Sprintf(format, args...))
}

// internalErr reports a failure of this implementation rather than of the
// request.
func internalErr(rpc string, err error) error {
	return status.Errorf(codes.Internal, "%s: %v", rpc, err)
}

// stateErrors are the mls sentinels that say the state cannot do what was
// asked now: answered with codes.FailedPrecondition.
var stateErrors = []error{
	mls.ErrPendingCommit, mls.ErrNoPendingCommit, mls.ErrStaleCommit,
	mls.ErrPendingProposals, mls.ErrNotMember, mls.ErrReInitPending,
	mls.ErrMissingPSK, mls.ErrOwnMessage,
}

// inputErrors are the mls sentinels that say what the request carried (a
// message, KeyPackage, GroupInfo, Welcome, tree, label or length) was
// rejected: answered with codes.InvalidArgument.
var inputErrors = []error{
	// codec
	mls.ErrMalformed, mls.ErrTrailingData, mls.ErrUnsupportedVersion,
	mls.ErrUnknownWireFormat, mls.ErrUnknownProposalType,
	// cryptography
	mls.ErrUnsupportedCipherSuite, mls.ErrInvalidPublicKey, mls.ErrInvalidPrivateKey,
	mls.ErrSignatureVerification, mls.ErrDecryption, mls.ErrInvalidLength,
	mls.ErrLeafOutOfRange, mls.ErrGenerationTooFar, mls.ErrGenerationConsumed,
	mls.ErrRatchetExhausted, mls.ErrConfirmationTag, mls.ErrReservedLabel,
	// group
	mls.ErrInvalidProposal, mls.ErrInvalidCommit, mls.ErrUnknownProposal,
	mls.ErrInvalidWelcome, mls.ErrNoMatchingKeyPackage, mls.ErrInvalidGroupInfo,
	// message protection
	mls.ErrWrongGroup, mls.ErrWrongEpoch, mls.ErrMembershipTag,
	mls.ErrInvalidSender, mls.ErrInvalidContent,
	// trees, leaves, key packages
	mls.ErrInvalidRatchetTree, mls.ErrTreeHashMismatch, mls.ErrParentHashMismatch,
	mls.ErrUnmergedLeaves, mls.ErrDuplicateKey, mls.ErrInvalidLeafNode, mls.ErrInvalidKeyPackage,
	mls.ErrLifetime, mls.ErrUnsupportedCapability, mls.ErrInvalidCredential,
	mls.ErrInvalidUpdatePath,
}

// mlsErr turns an error of package mls into a gRPC status: the state's
// condition (FailedPrecondition), a bound of the group (ResourceExhausted)
// or rejected input (InvalidArgument), by the sentinel it wraps. An error
// that wraps none of them is this implementation's failure (Internal).
func mlsErr(rpc string, err error) error {
	code := codes.Internal
	switch {
	case errors.Is(err, mls.ErrLimitExceeded):
		code = codes.ResourceExhausted
	case isAny(err, stateErrors):
		code = codes.FailedPrecondition
	case isAny(err, inputErrors):
		code = codes.InvalidArgument
	}
	return status.Errorf(code, "%s: %v", rpc, err)
}

func isAny(err error, targets []error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
