package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Config is one load run.
type Config struct {
	N        int           // clients
	Duration time.Duration // how long every client sends
	// Drain is the most the receivers wait, after the senders stop, for
	// frames still in flight; they stop earlier once every frame sent has
	// arrived.
	Drain time.Duration
	// RelayBin is the relay binary (see buildRelay).
	RelayBin string
	// RelayLog, if not nil, receives the relay's log.
	RelayLog io.Writer
	// StartRelay, if not nil, starts the relay instead of RelayBin (the
	// tests run one in their own process).
	StartRelay func(maxMembers int) (relayServer, error)
}

// relayServer is a running relay, and the process to measure it by.
type relayServer interface {
	Addr() string
	Pin() []byte // SHA-256 of its certificate
	Pid() int
	Stop()
}

// Result is what one run measured.
type Result struct {
	N        int
	Duration time.Duration // the sending phase, as it ran

	Offered  uint64 // frames the schedule called for: about N * duration * (50 + 30)
	Sent     uint64 // frames the clients sealed and handed to the transport
	Expected uint64 // frames that should arrive: every frame sent, at each of N-1 receivers
	Opened   uint64 // frames received, opened and attributed correctly
	// DecryptFailed counts frames received that Open refused, BadStamp
	// frames that opened but whose stamp named another sender or stream
	// than MLS and the relay did: both must be zero.
	DecryptFailed uint64
	FirstFailure  error
	BadStamp      uint64
	// Lost is Expected - Opened - DecryptFailed - BadStamp: frames that
	// never arrived (dropped by a queue of the relay, of quic-go or of a
	// client, or on a failed stream).
	Lost              int64
	LostByStream      [2]int64 // audio, video; failures count as lost here
	ClientDropped     uint64   // of those, dropped by the clients' transport receive queues
	ClientStreamsFail uint64   // of those, lost on a failed stream into a client
	UDPDrops          uint64   // the kernel's UDP InErrors over the run, machine-wide (/proc/net/snmp)
	SendErrors        uint64
	SealErrors        uint64
	SendLag           Latencies    // how late each frame was sealed against the schedule
	HandshakesDuring  uint64       // handshake messages during the load (none expected)
	Latency           [2]Latencies // audio, video
	LatencyAll        Latencies
	Over20ms          int // latency samples over 20 ms
	SetupTime         time.Duration
	RelayCPU          time.Duration // relay utime+stime during the sending phase
	RelayCPUPercent   float64       // of one core
	RelayRSSMaxKiB    int64         // the largest VmRSS sampled during the sending phase
	RelayHWMKiB       int64         // VmHWM of the relay before it is stopped: its peak RSS over setup, load and drain
	RelayThreads      int
	ClientCPUPercent  float64 // this process (all N clients), of one core
	MachineBusy       float64 // both cores, % busy, all processes
	LoadBefore        string  // /proc/loadavg before the run
	LoadAfter         string
	ReceivedAfterStop time.Duration // how long the drain took
}

// Run starts a relay process, forms a group of cfg.N clients through it,
// runs the load and measures it.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.N < 2 {
		return nil, errors.New("loadtest: at least 2 clients")
	}
	if cfg.Drain <= 0 {
		cfg.Drain = 2 * time.Second
	}
	res := &Result{N: cfg.N, LoadBefore: loadavg()}
	udpBefore := udpInErrors()
	start := cfg.StartRelay
	if start == nil {
		start = func(maxMembers int) (relayServer, error) { return startRelay(cfg.RelayBin, maxMembers, cfg.RelayLog) }
	}
	relay, err := start(max(cfg.N, 64))
	if err != nil {
		return nil, err
	}
	relayDone := false
	defer func() {
		if !relayDone {
			relay.Stop()
		}
	}()

	setupStart := time.Now()
	setupCtx, cancel := context.WithTimeout(ctx, 30*time.Second+time.Duration(cfg.N)*time.Second)
	members, err := formGroup(setupCtx, relay.Addr(), relay.Pin(), "load", cfg.N)
	cancel()
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, m := range members {
			m.close()
		}
	}()
	res.SetupTime = time.Since(setupStart)
	names := make([]string, cfg.N)
	for i, m := range members {
		names[i] = m.name
	}

	recvCtx, stopRecv := context.WithCancel(ctx)
	defer stopRecv()
	var handshakes atomic.Uint64
	recv := make([]recvStats, cfg.N)
	var recvWG sync.WaitGroup
	for i, m := range members {
		recvWG.Go(func() { m.receiveLoop(recvCtx, cfg.N, names, &recv[i]) })
		recvWG.Go(func() { m.drainEvents(recvCtx, &handshakes) })
	}

	// Measure from here: the relay's CPU and the machine's, while the
	// clients send.
	before, err := sampleProc(relay.Pid())
	if err != nil {
		return nil, err
	}
	machineBefore := readCPUStat()
	var selfBefore syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &selfBefore)

	begin := time.Now().Add(50 * time.Millisecond)
	end := begin.Add(cfg.Duration)
	var send sendStats
	var sendMu sync.Mutex
	var sendWG sync.WaitGroup
	sendCtx, stopSend := context.WithCancel(ctx)
	defer stopSend()
	for i, m := range members {
		// Clients do not start in step: each is offset by a fraction of
		// the periods, as independent callers would be.
		audioStart := begin.Add(audioPeriod * time.Duration(i) / time.Duration(cfg.N))
		videoStart := begin.Add(videoPeriod * time.Duration(i) / time.Duration(cfg.N))
		var sealMu sync.Mutex
		sendWG.Go(func() { m.sendLoop(sendCtx, streamAudio, audioStart, end, &sealMu, &send, &sendMu) })
		sendWG.Go(func() { m.sendLoop(sendCtx, streamVideo, videoStart, end, &sealMu, &send, &sendMu) })
	}
	// Sample the relay's memory while the senders run.
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				if s, err := sampleProc(relay.Pid()); err == nil {
					res.RelayRSSMaxKiB = max(res.RelayRSSMaxKiB, s.rssKiB)
					res.RelayThreads = max(res.RelayThreads, s.nthreads)
				}
			case <-sendCtx.Done():
				return
			}
		}
	}()
	sendWG.Wait()
	after, err := sampleProc(relay.Pid())
	if err != nil {
		return nil, err
	}
	var selfAfter syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &selfAfter)
	machineAfter := readCPUStat()
	stopSend()
	<-sampled
	res.Duration = after.at.Sub(begin)
	res.RelayCPU = after.cpu - before.cpu
	wall := after.at.Sub(before.at)
	res.RelayCPUPercent = 100 * res.RelayCPU.Seconds() / wall.Seconds()
	res.RelayRSSMaxKiB = max(res.RelayRSSMaxKiB, after.rssKiB)
	res.ClientCPUPercent = 100 * (rusageCPU(&selfAfter) - rusageCPU(&selfBefore)).Seconds() / wall.Seconds()
	res.MachineBusy = machineAfter.busySince(machineBefore)

	res.Sent = send.sent[0] + send.sent[1]
	res.SendErrors, res.SealErrors, res.SendLag = send.sendErrors, send.sealErrors, send.lag
	res.Offered = send.scheduled
	res.Expected = res.Sent * uint64(cfg.N-1)

	// Drain: wait until every frame sent has arrived and been handled
	// (or dropped by a client's queue), or cfg.Drain.
	stopped := time.Now()
	for time.Since(stopped) < cfg.Drain {
		var handled, received, dropped uint64
		for i, m := range members {
			t := m.conn.Stats()
			handled += recv[i].handled.Load()
			received += t.Received
			dropped += t.Dropped + t.BadFromRelay
		}
		if handled >= received && handled+dropped >= res.Expected {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	res.ReceivedAfterStop = time.Since(stopped)
	stopRecv()
	recvWG.Wait()
	res.HandshakesDuring = handshakes.Load()

	for i := range recv {
		r := &recv[i]
		for _, o := range r.opened {
			res.Opened += o[0] + o[1]
			for k := range o {
				res.LostByStream[k] -= int64(o[k])
			}
		}
		res.DecryptFailed += r.decryptFailed
		if res.FirstFailure == nil && r.firstFailure != nil {
			res.FirstFailure = r.firstFailure
		}
		res.BadStamp += r.badStamp
		for k := range r.latency {
			res.Latency[k].Merge(&r.latency[k])
			res.LatencyAll.Merge(&r.latency[k])
		}
		ts := members[i].conn.Stats()
		res.ClientDropped += ts.Dropped
		res.ClientStreamsFail += ts.StreamsFailed
	}
	res.Lost = int64(res.Expected) - int64(res.Opened+res.DecryptFailed+res.BadStamp)
	for k := range res.LostByStream {
		res.LostByStream[k] += int64(send.sent[k] * uint64(cfg.N-1))
	}
	res.Over20ms = res.LatencyAll.CountAbove(20 * time.Millisecond)

	if s, err := sampleProc(relay.Pid()); err == nil {
		res.RelayHWMKiB = s.hwmKiB
	}
	relay.Stop()
	relayDone = true
	res.LoadAfter = loadavg()
	res.UDPDrops = udpInErrors() - udpBefore
	return res, nil
}

func rusageCPU(ru *syscall.Rusage) time.Duration {
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadavg returns the first three fields of /proc/loadavg.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// cpuStat is the machine's aggregate CPU time from /proc/stat, in ticks.
type cpuStat struct{ busy, total uint64 }

func readCPUStat() cpuStat {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuStat{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var s cpuStat
	for i, v := range f[1:] {
		var n uint64
		fmt.Sscan(v, &n)
		s.total += n
		if i >= 8 {
			break // guest time, already in user time
		}
		if i != 3 && i != 4 { // idle, iowait
			s.busy += n
		}
	}
	return s
}

// busySince returns the percentage of the machine's CPU time that was
// busy between s0 and s.
func (s cpuStat) busySince(s0 cpuStat) float64 {
	if s.total <= s0.total {
		return 0
	}
	return 100 * float64(s.busy-s0.busy) / float64(s.total-s0.total)
}

// udpInErrors returns the kernel's count of UDP datagrams it could not
// deliver (InErrors, which includes RcvbufErrors: a full socket buffer),
// machine-wide, from /proc/net/snmp; 0 if unreadable.
func udpInErrors() uint64 {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return 0
	}
	n, _ := parseUDPInErrors(string(b))
	return n
}

// parseUDPInErrors reads Udp InErrors from the text of /proc/net/snmp: a
// "Udp:" line of field names followed by a "Udp:" line of values.
func parseUDPInErrors(snmp string) (uint64, bool) {
	var names []string
	for l := range strings.Lines(snmp) {
		f := strings.Fields(l)
		if len(f) == 0 || f[0] != "Udp:" {
			continue
		}
		if names == nil {
			names = f
			continue
		}
		for i, name := range names {
			if name == "InErrors" && i < len(f) {
				n, err := strconv.ParseUint(f[i], 10, 64)
				return n, err == nil
			}
		}
		return 0, false
	}
	return 0, false
}
