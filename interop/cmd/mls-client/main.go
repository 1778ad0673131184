// Command mls-client serves Sealroom's MLS implementation to the MLS working
// group's interop test harness: the MLSClient gRPC service of
// mls_client.proto (mlswg/mls-implementations, interop/).
//
// Usage:
//
//	mls-client [-host 127.0.0.1] [-port 50051]
//
// It listens on the loopback interface unless -host says otherwise, logs to
// standard error, and shuts down gracefully on SIGINT or SIGTERM: in-flight
// RPCs finish (for at most ten seconds), new ones are refused.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/sealroom/sealroom/interop/internal/client"
)

// drainTimeout bounds how long a shutdown waits for in-flight RPCs.
const drainTimeout = 10 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "mls-client:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done. ready, when not nil, is called with the
// listening address once the server accepts connections.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(net.Addr)) error {
	fs := flag.NewFlagSet("mls-client", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host := fs.String("host", "127.0.0.1", "address to listen on (loopback by default)")
	port := fs.Int("port", 50051, "TCP port to listen on (0 picks a free one)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *port < 0 || *port > 65535 {
		return fmt.Errorf("-port %d out of range", *port)
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	lis, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		return err
	}
	gs := client.NewGRPCServer(client.New(log))

	served := make(chan error, 1)
	go func() { served <- gs.Serve(lis) }()
	log.Info("serving the MLS interop client", "name", client.Name, "addr", lis.Addr().String())
	if ready != nil {
		ready(lis.Addr())
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	drained := make(chan struct{})
	go func() {
		gs.GracefulStop()
		close(drained)
	}()
	select {
	case <-drained:
	case <-time.After(drainTimeout):
		log.Warn("in-flight RPCs did not finish; stopping", "after", drainTimeout)
		gs.Stop()
		<-drained
	}
	if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}
