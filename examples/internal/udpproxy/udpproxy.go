// Package udpproxy relays UDP datagrams between clients and a server on
// loopback, dropping, duplicating and reordering them on the way: a
// lossy network for the examples' tests, under QUIC. Every client
// address the proxy sees gets its own socket towards the server, so the
// server sees one peer per client, as through a NAT.
//
// The impairment pattern comes from a seeded math/rand generator, not
// from crypto: it is reproducible for a given interleaving of packets.
package udpproxy

import (
	"errors"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
)

// Config says how to impair the packets, in both directions. Each packet
// is dropped with probability Drop, else sent twice with probability
// Duplicate, else held back and sent after the next packet with
// probability Reorder. The zero value forwards everything unchanged.
type Config struct {
	Drop, Duplicate, Reorder float64
	// Seed seeds the generator (zero: a fixed default).
	Seed uint64
}

// Stats counts what the proxy did.
type Stats struct {
	Forwarded, Dropped, Duplicated, Reordered uint64
}

// Proxy relays UDP between the clients that send to Addr and the server.
type Proxy struct {
	cfg    Config
	front  *net.UDPConn
	server *net.UDPAddr

	mu      sync.Mutex
	rng     *rand.Rand
	flows   map[string]*flow
	closed  bool
	blocked bool

	wg                                        sync.WaitGroup
	forwarded, dropped, duplicated, reordered atomic.Uint64
}

// flow is one client's path: its address and the socket that speaks for
// it to the server.
type flow struct {
	client *net.UDPAddr
	back   *net.UDPConn
}

// maxDatagram is the largest UDP payload.
const maxDatagram = 65535

// New starts a proxy on a fresh loopback port that relays to the UDP
// address server.
func New(server string, cfg Config) (*Proxy, error) {
	sa, err := net.ResolveUDPAddr("udp", server)
	if err != nil {
		return nil, err
	}
	if !sa.IP.IsLoopback() {
		return nil, errors.New("udpproxy: the server must be on loopback")
	}
	front, err := net.ListenUDP("udp", &net.UDPAddr{IP: sa.IP})
	if err != nil {
		return nil, err
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = 1
	}
	p := &Proxy{cfg: cfg, front: front, server: sa, rng: rand.New(rand.NewPCG(seed, 2)), flows: make(map[string]*flow)}
	p.wg.Go(p.readClients)
	return p, nil
}

// Addr is the address clients send to instead of the server's.
func (p *Proxy) Addr() string { return p.front.LocalAddr().String() }

// Stats returns the proxy's counters.
func (p *Proxy) Stats() Stats {
	return Stats{Forwarded: p.forwarded.Load(), Dropped: p.dropped.Load(), Duplicated: p.duplicated.Load(), Reordered: p.reordered.Load()}
}

// Block makes the proxy drop every packet from now on, in both
// directions, as if the network had gone: the peers learn of it only by
// their timeouts.
func (p *Proxy) Block() {
	p.mu.Lock()
	p.blocked = true
	p.mu.Unlock()
}

// Close stops the proxy and closes its sockets.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	err := p.front.Close()
	for _, f := range p.flows {
		f.back.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

// readClients reads what clients send and passes it on to the server
// through each client's own socket.
func (p *Proxy) readClients() {
	var q impairer
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := p.front.ReadFromUDP(buf)
		if err != nil {
			return
		}
		f := p.flowFor(from)
		if f == nil {
			return
		}
		q.pass(p, buf[:n], func(b []byte) { f.back.WriteToUDP(b, p.server) })
	}
}

// flowFor returns the flow of client addr, opening its socket and its
// reader the first time; nil once the proxy is closed.
func (p *Proxy) flowFor(addr *net.UDPAddr) *flow {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	if f := p.flows[addr.String()]; f != nil {
		return f
	}
	back, err := net.ListenUDP("udp", &net.UDPAddr{IP: p.server.IP})
	if err != nil {
		return nil
	}
	f := &flow{client: addr, back: back}
	p.flows[addr.String()] = f
	p.wg.Go(func() {
		var q impairer
		buf := make([]byte, maxDatagram)
		for {
			n, _, err := back.ReadFromUDP(buf)
			if err != nil {
				return
			}
			q.pass(p, buf[:n], func(b []byte) { p.front.WriteToUDP(b, f.client) })
		}
	})
	return f
}

// impairer is one direction of one path, with the packet it holds back
// to reorder.
type impairer struct{ held []byte }

// pass sends pkt on with out, impaired. A reordered packet is held back
// and sent after the next one.
func (q *impairer) pass(p *Proxy, pkt []byte, out func([]byte)) {
	p.mu.Lock()
	r, blocked := p.rng.Float64(), p.blocked
	p.mu.Unlock()
	cfg := &p.cfg
	switch {
	case blocked || r < cfg.Drop:
		p.dropped.Add(1)
		return
	case r < cfg.Drop+cfg.Duplicate:
		p.duplicated.Add(1)
		out(pkt)
	case r < cfg.Drop+cfg.Duplicate+cfg.Reorder && q.held == nil:
		p.reordered.Add(1)
		q.held = append([]byte(nil), pkt...)
		return
	}
	out(pkt)
	p.forwarded.Add(1)
	if q.held != nil {
		out(q.held)
		p.forwarded.Add(1)
		q.held = nil
	}
}
