package mlsgroup

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/sealroom/sealroom/mls"
)

// Cache keeps built fixtures in files (Group.MarshalBinary of the three
// members), so that repeated benchmark runs do not build a group of
// 10,000 members each time. A file is named by a SHA-256 hash of the
// build parameters and CodeID, holds that hash, and is used only if it
// decodes to the group the parameters describe; otherwise the fixture is
// built again and the file replaced. The files hold the members' private
// keys of throwaway test groups; they are written with mode 0600.
type Cache struct {
	// Dir is the directory of the cache files; "" disables caching.
	Dir string
	// CodeID identifies the code that builds and reads the fixtures (the
	// test binary): a file written by other code is not used, so a change
	// to the mls package never meets a state it did not build.
	CodeID string
	// MaxAge is the age beyond which a file is built again; 0 means no
	// limit. The members' KeyPackages are valid for
	// mls.DefaultKeyPackageLifetime from the build.
	MaxAge time.Duration
}

// DefaultMaxAge is the MaxAge of DefaultCache: 30 days, well within the
// 90-day lifetime of the members' leaf nodes.
const DefaultMaxAge = 30 * 24 * time.Hour

// DefaultCache is the cache under the OS temporary directory
// ($TMPDIR/sealroom-bench), keyed by a hash of the running executable.
func DefaultCache() (*Cache, error) {
	id, err := executableHash()
	if err != nil {
		return nil, err
	}
	return &Cache{Dir: filepath.Join(os.TempDir(), "sealroom-bench"), CodeID: id, MaxAge: DefaultMaxAge}, nil
}

// executableHash returns the hex SHA-256 of the running executable.
func executableHash() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("mlsgroup: cache: %w", err)
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", fmt.Errorf("mlsgroup: cache: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("mlsgroup: cache: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Source says where a fixture came from.
type Source int

const (
	Built  Source = iota // built by Build (and stored, if the cache is on)
	Cached               // read from a cache file
)

func (s Source) String() string {
	if s == Cached {
		return "cached"
	}
	return "built"
}

// Load returns the fixture of p: from its cache file if that is valid,
// otherwise built and stored. A nil Cache or one without Dir only builds.
func (c *Cache) Load(p Params) (*Fixture, Source, error) {
	p, err := p.normalize()
	if err != nil {
		return nil, Built, err
	}
	if c == nil || c.Dir == "" {
		f, err := Build(p)
		return f, Built, err
	}
	key := c.key(p)
	path := c.Path(p)
	if fi, err := os.Stat(path); err == nil && (c.MaxAge == 0 || time.Since(fi.ModTime()) < c.MaxAge) {
		if data, err := os.ReadFile(path); err == nil {
			if f, err := decodeFixture(data, key, p); err == nil {
				return f, Cached, nil
			}
		}
	}
	f, err := Build(p)
	if err != nil {
		return nil, Built, err
	}
	data, err := encodeFixture(f, key)
	if err != nil {
		return nil, Built, err
	}
	if err := writeFileAtomic(path, data); err != nil {
		return nil, Built, fmt.Errorf("mlsgroup: cache: %w", err)
	}
	return f, Built, nil
}

// Path returns the cache file of p.
func (c *Cache) Path(p Params) string {
	p, _ = p.normalize()
	key := c.key(p)
	return filepath.Join(c.Dir, "mlsgroup-"+hex.EncodeToString(key[:16])+".state")
}

// fixtureFormat names the build procedure and the file format; changing
// either changes it, and so every key.
const fixtureFormat = "sealroom bench/mlsgroup fixture v1: creator at leaf 0 adds by value without path, in batches; near = leaf 1, far = last leaf"

// key is the content hash naming a fixture: of the format, the
// normalized parameters and the code ID.
func (c *Cache) key(p Params) [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00suite=%d\x00members=%d\x00batch=%d\x00code=%s", fixtureFormat, uint16(p.Suite), p.Members, p.Batch, c.CodeID)
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// fileMagic starts a cache file; the key and the three members' states,
// each with a uvarint length, follow.
const fileMagic = "SRBGFIX1"

// errCacheFile reports a cache file that does not hold the fixture asked
// for.
var errCacheFile = errors.New("mlsgroup: cache file does not match")

func encodeFixture(f *Fixture, key [32]byte) ([]byte, error) {
	out := append([]byte(fileMagic), key[:]...)
	for _, g := range []*mls.Group{f.Committer, f.Near, f.Far} {
		st, err := g.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("mlsgroup: cache: %w", err)
		}
		out = binary.AppendUvarint(out, uint64(len(st)))
		out = append(out, st...)
	}
	return out, nil
}

// decodeFixture reads a cache file, checks that it is the one of key and
// that the members form the group p describes.
func decodeFixture(data []byte, key [32]byte, p Params) (*Fixture, error) {
	rest, ok := bytes.CutPrefix(data, []byte(fileMagic))
	if !ok || len(rest) < len(key) || !bytes.Equal(rest[:len(key)], key[:]) {
		return nil, errCacheFile
	}
	rest = rest[len(key):]
	var gs [3]*mls.Group
	for i := range gs {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			return nil, fmt.Errorf("%w: truncated", errCacheFile)
		}
		st := rest[k : k+int(n)]
		rest = rest[k+int(n):]
		var err error
		if gs[i], err = mls.UnmarshalGroup(st, nil); err != nil {
			return nil, fmt.Errorf("%w: %w", errCacheFile, err)
		}
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errCacheFile, len(rest))
	}
	f := &Fixture{Params: p, Committer: gs[0], Near: gs[1], Far: gs[2]}
	if err := f.check(); err != nil {
		return nil, err
	}
	return f, nil
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it into place, so that a concurrent reader sees the old file or the
// new one.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
