package transport

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/sealroom/sealroom/examples/wire"
)

// Config says which room to join as whom, and how to trust the relay.
type Config struct {
	Room     string
	ClientID string
	// Token is the relay's admission token for Room, if it requires one.
	// It rations relay resources; it is not member authentication (MLS
	// authenticates members, end to end).
	Token string

	// How to verify the relay. TLS protects metadata only (the media and
	// MLS content are end-to-end encrypted whatever TLS does), so for
	// loopback demos InsecureSkipVerify is acceptable. Exactly one of the
	// three may be set; none means verification against system roots.
	//
	// CertSHA256 pins the SHA-256 of the relay's certificate (DER), as
	// the relay prints it at start.
	CertSHA256         []byte
	InsecureSkipVerify bool
	TLSConfig          *tls.Config

	// CatchUp asks the relay to replay the room's handshake log from
	// epoch CatchUpSince on, atomically with joining: the replayed
	// HandshakeEvents and a CaughtUpEvent come first on Events, before
	// anything live. A reconnecting client sets it to its current epoch.
	CatchUp      bool
	CatchUpSince uint64

	MaxMessage  int // largest control message accepted; default 1 MiB
	MaxFrame    int // largest media payload sent or accepted; default 256 KiB
	MediaBuffer int // received media frames buffered; default 256, then dropped
	EventBuffer int // events buffered unread; default 16384, then the connection fails

	// KeepAlive is the QUIC keep-alive period; default 5 s.
	KeepAlive time.Duration
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MaxMessage, 1<<20)
	def(&c.MaxFrame, 256<<10)
	def(&c.MediaBuffer, 256)
	def(&c.EventBuffer, 16384)
	if c.KeepAlive <= 0 {
		c.KeepAlive = 5 * time.Second
	}
	return c
}

// tlsConfig builds the TLS configuration for dialing addr.
func (c *Config) tlsConfig(addr string) (*tls.Config, error) {
	n := 0
	for _, set := range []bool{c.CertSHA256 != nil, c.InsecureSkipVerify, c.TLSConfig != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return nil, errors.New("transport: set only one of CertSHA256, InsecureSkipVerify and TLSConfig")
	}
	var conf *tls.Config
	switch {
	case c.TLSConfig != nil:
		conf = c.TLSConfig.Clone()
	case c.CertSHA256 != nil:
		if len(c.CertSHA256) != sha256.Size {
			return nil, fmt.Errorf("transport: CertSHA256 has %d bytes, want %d", len(c.CertSHA256), sha256.Size)
		}
		pin := bytes.Clone(c.CertSHA256)
		conf = &tls.Config{
			// Verification is the pin below instead of a chain.
			InsecureSkipVerify: true,
			VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
				if len(raw) == 0 {
					return errors.New("transport: relay sent no certificate")
				}
				if sum := sha256.Sum256(raw[0]); !bytes.Equal(sum[:], pin) {
					return fmt.Errorf("transport: relay certificate SHA-256 %x does not match the pin", sum)
				}
				return nil
			},
		}
	case c.InsecureSkipVerify:
		conf = &tls.Config{InsecureSkipVerify: true}
	default:
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("transport: relay address: %w", err)
		}
		conf = &tls.Config{ServerName: host}
	}
	conf.MinVersion = tls.VersionTLS13
	conf.NextProtos = []string{wire.ALPN}
	return conf, nil
}
