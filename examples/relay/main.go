// Command relay runs the Sealroom relay: the media relay and the MLS
// delivery service of any number of calls, over QUIC. It carries a whole
// call as opaque bytes and holds no key that could read it. See README.md
// for the protocol.
//
// Usage:
//
//	relay [-listen 127.0.0.1:4433] [-db relay.db] [-cert c.pem -key k.pem]
//	      [-token-key-file key] [-max-frame 262144] [-max-message 1048576]
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sealroom/sealroom/examples/internal/relay"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		listen     = flag.String("listen", "127.0.0.1:4433", "UDP address to listen on")
		db         = flag.String("db", "sealroom-relay.db", `SQLite file for KeyPackages, handshake logs and GroupInfos (":memory:" keeps nothing)`)
		certFile   = flag.String("cert", "", "TLS certificate (PEM); default: a self-signed one generated at start")
		keyFile    = flag.String("key", "", "TLS private key (PEM), with -cert")
		tokenKey   = flag.String("token-key-file", "", "file holding the key for room tokens (HMAC-SHA256 of the room name); default: admit everyone")
		maxFrame   = flag.Int("max-frame", 256<<10, "largest media payload in bytes")
		maxMessage = flag.Int("max-message", 1<<20, "largest control message in bytes")
		maxMembers = flag.Int("max-members", 64, "clients per room")
		maxLog     = flag.Int("max-log", 1024, "handshake log entries kept per room")
		verbose    = flag.Bool("v", false, "log debug events (refused messages)")
		printToken = flag.String("print-token", "", "print the token for this room under -token-key-file and exit")
	)
	flag.Parse()
	if flag.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	opts := relay.Options{
		DBPath:     *db,
		Logger:     logger,
		MaxFrame:   *maxFrame,
		MaxMessage: *maxMessage,
		MaxMembers: *maxMembers,
		MaxLog:     *maxLog,
	}
	if *tokenKey != "" {
		key, err := os.ReadFile(*tokenKey)
		if err != nil {
			return err
		}
		key = []byte(strings.TrimSpace(string(key)))
		if len(key) < 16 {
			return fmt.Errorf("token key in %s is shorter than 16 bytes", *tokenKey)
		}
		if *printToken != "" {
			fmt.Println(relay.RoomToken(key, *printToken))
			return nil
		}
		opts.Authorize = relay.RoomTokens(key)
	} else if *printToken != "" {
		return fmt.Errorf("-print-token needs -token-key-file")
	}
	if (*certFile == "") != (*keyFile == "") {
		return fmt.Errorf("-cert and -key go together")
	}
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return err
		}
		opts.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}

	srv, err := relay.New(opts)
	if err != nil {
		return err
	}
	if err := srv.Start(*listen); err != nil {
		srv.Close()
		return err
	}
	// Clients pin this (transport.Config.CertSHA256).
	fmt.Printf("relay listening on %s cert-sha256 %x\n", srv.Addr(), srv.CertificateSHA256())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	logger.Info("shutting down")
	return srv.Close()
}
