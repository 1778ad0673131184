package main

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sealroom/sealroom/interop/internal/client"
	pb "github.com/sealroom/sealroom/interop/proto"
)

// syncBuffer collects the server's log from its goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeAndShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var log syncBuffer
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-port", "0"}, &log, func(a net.Addr) { addrs <- a }) }()

	var addr net.Addr
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("run returned before serving: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	if ip := addr.(*net.TCPAddr).IP; !ip.IsLoopback() {
		t.Errorf("listening on %v, want loopback by default", addr)
	}

	conn, err := grpc.NewClient(addr.String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := pb.NewMLSClientClient(conn)
	nr, err := c.Name(ctx, &pb.NameRequest{})
	if err != nil || nr.Name != client.Name {
		t.Fatalf("Name = %v, %v", nr, err)
	}

	cancel() // as SIGINT or SIGTERM would
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after shutdown: %v", err)
		}
	case <-time.After(drainTimeout + 5*time.Second):
		t.Fatal("server did not shut down")
	}
	for _, want := range []string{"serving the MLS interop client", "shutting down"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-port", "70000"},
		{"-port", "x"},
		{"-nosuchflag"},
		{"extra"},
		{"-host", "256.0.0.1", "-port", "0"},
	} {
		var log syncBuffer
		if err := run(context.Background(), args, &log, nil); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
