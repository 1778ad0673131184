// Command loadtest measures the relay under a call's load: N clients on
// loopback, all members of one MLS group whose keys they agree through
// the relay as delivery service, each sending 50 audio frames (160 B) and
// 30 video frames (10 KB) a second, sealed with SFrame through e2ee, and
// each opening every other client's frames. The relay runs as a separate
// process (examples/relay, built by go build) so that its CPU time and
// memory are measured apart from the clients'.
//
// Usage:
//
//	go run ./examples/loadtest [-n 8 | -sweep 2,4,8,12,16] [-duration 10s]
//	      [-drain 2s] [-relay bin] [-report bench/report/loadtest.md]
//
// It prints, for each N, the frames sent and opened, decrypt failures,
// frames lost, the latency from sealing to receipt through the relay
// (p50, p99), the relay's CPU and memory, and a verdict. See report.go
// for what each figure means exactly.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		n         = flag.Int("n", 4, "clients (ignored with -sweep)")
		sweep     = flag.String("sweep", "", "comma-separated client counts to run one after another, e.g. 2,4,8,12,16")
		duration  = flag.Duration("duration", 10*time.Second, "how long the clients send, per run")
		drain     = flag.Duration("drain", 2*time.Second, "the most to wait after sending for frames in flight")
		relayBin  = flag.String("relay", "", "relay binary; default: go build ./examples/relay into a temporary directory")
		relayLog  = flag.String("relay-log", "", "file for the relay's log (default: discarded)")
		report    = flag.String("report", "", "write the results as a Markdown report to this file")
		stopAfter = flag.Int("stop-after", 2, "with -sweep, stop after this many failing runs in a row (0: never)")
		pause     = flag.Duration("pause", 2*time.Second, "pause between the runs of a sweep")
		repeat    = flag.Int("repeat", 1, "runs of each client count")
	)
	flag.Parse()
	if flag.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	counts := []int{*n}
	if *sweep != "" {
		counts = counts[:0]
		for f := range strings.SplitSeq(*sweep, ",") {
			v, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || v < 2 {
				return fmt.Errorf("-sweep: %q is not a client count of 2 or more", f)
			}
			counts = append(counts, v)
		}
	}
	if *repeat < 1 {
		return fmt.Errorf("-repeat %d: want 1 or more", *repeat)
	}
	var runs []int
	for _, c := range counts {
		for range *repeat {
			runs = append(runs, c)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	bin := *relayBin
	if bin == "" {
		dir, err := os.MkdirTemp("", "sealroom-loadtest")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		fmt.Fprintln(os.Stderr, "building the relay (go build ./examples/relay)")
		if bin, err = buildRelay(ctx, dir); err != nil {
			return err
		}
	}
	cfg := Config{Duration: *duration, Drain: *drain, RelayBin: bin}
	if *relayLog != "" {
		f, err := os.Create(*relayLog)
		if err != nil {
			return err
		}
		defer f.Close()
		cfg.RelayLog = f
	}

	env := machineInfo()
	fmt.Println(env.summary())
	printHeader(os.Stdout)
	var results []*Result
	fails := 0
	for i, c := range runs {
		if i > 0 {
			time.Sleep(*pause)
		}
		cfg.N = c
		res, err := Run(ctx, cfg)
		if err != nil {
			return fmt.Errorf("%d clients: %w", c, err)
		}
		results = append(results, res)
		printRow(os.Stdout, res)
		if res.Verdict().OK {
			fails = 0
		} else if fails++; *stopAfter > 0 && fails >= *stopAfter {
			fmt.Printf("stopping: %d failing runs in a row\n", fails)
			break
		}
		if ctx.Err() != nil {
			break
		}
	}
	fmt.Println("runs passed:", passCounts(results))
	if best := largestPassing(results); best > 0 {
		fmt.Printf("largest N sustained: %d\n", best)
	} else {
		fmt.Println("no N sustained")
	}
	if *report != "" {
		cmdline := "go run ./examples/loadtest " + strings.Join(os.Args[1:], " ")
		if err := writeReport(*report, env, cfg, cmdline, results); err != nil {
			return err
		}
		fmt.Println("wrote", *report)
	}
	return nil
}
