package client

import (
	"context"
	"log/slog"
	"runtime/debug"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/sealroom/sealroom/interop/proto"
)

// NewGRPCServer returns a gRPC server that serves srv, with the recovery
// interceptor installed. The caller starts it with Serve and stops it with
// GracefulStop or Stop.
func NewGRPCServer(srv *Server, opts ...grpc.ServerOption) *grpc.Server {
	opts = append([]grpc.ServerOption{grpc.ChainUnaryInterceptor(recoverUnary(srv.log))}, opts...)
	gs := grpc.NewServer(opts...)
	pb.RegisterMLSClientServer(gs, srv)
	return gs
}

// recoverUnary is the last line of defence against a bug: a panic in an RPC
// is logged with its stack and answered with codes.Internal instead of
// taking down every other client's state. The request is not logged: it can
// carry secrets.
func recoverUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if p := recover(); p != nil {
				log.Error("panic in RPC", "method", info.FullMethod, "panic", p, "stack", string(debug.Stack()))
				resp, err = nil, status.Errorf(codes.Internal, "%s: internal error (panic recovered and logged)", info.FullMethod)
			}
		}()
		return handler(ctx, req)
	}
}
