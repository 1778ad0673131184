package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat:
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// buildRelay builds the relay command (examples/relay) into dir and
// returns the binary's path.
func buildRelay(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "relay")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/sealroom/sealroom/examples/relay")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("loadtest: go build of the relay: %w\n%s", err, out.Bytes())
	}
	return bin, nil
}

// relayProc is the relay running as a child process, measured from
// outside through /proc.
type relayProc struct {
	cmd    *exec.Cmd
	addr   string
	pin    []byte
	exited chan struct{}
	stderr *tailBuffer
}

// startRelay starts bin on a free loopback port with an in-memory
// database and waits for the line that gives its address and certificate
// hash.
func startRelay(bin string, maxMembers int, log io.Writer) (*relayProc, error) {
	cmd := exec.Command(bin, "-listen", "127.0.0.1:0", "-db", ":memory:", "-max-members", strconv.Itoa(maxMembers))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &relayProc{cmd: cmd, exited: make(chan struct{}), stderr: &tailBuffer{max: 4096}}
	cmd.Stderr = p.stderr
	if log != nil {
		cmd.Stderr = io.MultiWriter(p.stderr, log)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("loadtest: starting the relay: %w", err)
	}
	go func() {
		cmd.Wait()
		close(p.exited)
	}()
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case line <- sc.Text():
			default:
			}
		}
	}()
	select {
	case l := <-line:
		// relay listening on 127.0.0.1:PORT cert-sha256 HEX
		f := strings.Fields(l)
		if len(f) != 6 || f[4] != "cert-sha256" {
			p.Stop()
			return nil, fmt.Errorf("loadtest: relay printed %q", l)
		}
		if p.pin, err = hex.DecodeString(f[5]); err != nil {
			p.Stop()
			return nil, fmt.Errorf("loadtest: relay certificate hash: %w", err)
		}
		p.addr = f[3]
	case <-p.exited:
		return nil, fmt.Errorf("loadtest: relay exited at start: %s", p.stderr)
	case <-time.After(10 * time.Second):
		p.Stop()
		return nil, errors.New("loadtest: relay did not start within 10 s")
	}
	return p, nil
}

func (p *relayProc) Addr() string { return p.addr }
func (p *relayProc) Pin() []byte  { return p.pin }
func (p *relayProc) Pid() int     { return p.cmd.Process.Pid }

// Stop ends the relay with SIGTERM (it closes its connections) and waits
// for it, killing it after 5 s.
func (p *relayProc) Stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// procSample is one reading of a process's CPU time and memory.
type procSample struct {
	at       time.Time
	cpu      time.Duration // utime + stime
	rssKiB   int64         // VmRSS
	hwmKiB   int64         // VmHWM: peak RSS so far
	nthreads int
}

// sampleProc reads /proc/PID/stat and /proc/PID/status.
func sampleProc(pid int) (procSample, error) {
	s := procSample{at: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields after the last ')'. utime and stime are fields 14 and
	// 15 of the line, 12 and 13 after the name.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return s, fmt.Errorf("loadtest: /proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 18 {
		return s, fmt.Errorf("loadtest: /proc/%d/stat: %d fields", pid, len(f))
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	nthreads, err3 := strconv.Atoi(f[17])
	if err := errors.Join(err1, err2, err3); err != nil {
		return s, fmt.Errorf("loadtest: /proc/%d/stat: %w", pid, err)
	}
	s.cpu = time.Duration(utime+stime) * time.Second / clockTicks
	s.nthreads = nthreads
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for l := range strings.Lines(string(status)) {
		k, v, ok := strings.Cut(l, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return s, fmt.Errorf("loadtest: /proc/%d/status %s: %w", pid, k, err)
		}
		if k == "VmRSS" {
			s.rssKiB = n
		} else {
			s.hwmKiB = n
		}
	}
	return s, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	b   []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }
