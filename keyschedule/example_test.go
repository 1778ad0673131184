package keyschedule_test

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"log"

	"github.com/sealroom/sealroom/keyschedule"
)

// fakeGroup stands in for an MLS group in one epoch: the e2ee layer passes
// the real group, whose Export is the MLS-Exporter of RFC 9420 §8.5.
type fakeGroup struct{ epochSecret []byte }

func (g fakeGroup) Export(label string, context []byte, length int) ([]byte, error) {
	return hkdf.Expand(sha256.New, g.epochSecret, label, length)
}

// install exports the epoch's SFrame base key and installs it.
func install(ks *keyschedule.Schedule, g fakeGroup, epoch uint64, self uint32, members []uint32) {
	base, err := keyschedule.ExportBaseKey(g, ks.Suite())
	if err != nil {
		log.Fatal(err)
	}
	// InstallEpoch takes the base key over and zeroes it when the epoch
	// goes.
	if err := ks.InstallEpoch(keyschedule.Epoch{Number: epoch, BaseKey: base, Self: self, Members: members}); err != nil {
		log.Fatal(err)
	}
}

// A sender (leaf 3) and a receiver (leaf 0) go through two epochs. The
// sender switches to epoch 8 as soon as it installs it; the receiver
// still opens a frame of epoch 7 that was in flight, until it drops the
// epoch after the grace period.
func Example() {
	members := []uint32{0, 3}
	sender, _ := keyschedule.New(keyschedule.Config{}) // AES_256_GCM_SHA512_128, S = 10, E = 4
	receiver, _ := keyschedule.New(keyschedule.Config{})

	epoch7 := fakeGroup{[]byte("epoch 7 secret")}
	install(sender, epoch7, 7, 3, members)
	install(receiver, epoch7, 7, 0, members)
	inFlight, err := sender.Seal(nil, 0, nil, []byte("sent in epoch 7"))
	if err != nil {
		log.Fatal(err)
	}

	epoch8 := fakeGroup{[]byte("epoch 8 secret")}
	install(sender, epoch8, 8, 3, members)
	install(receiver, epoch8, 8, 0, members)
	current, err := sender.Seal(nil, 0, nil, []byte("sent in epoch 8"))
	if err != nil {
		log.Fatal(err)
	}

	for _, ct := range [][]byte{current, inFlight} {
		pt, src, err := receiver.Open(nil, nil, ct)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("KID %#x: leaf %d, epoch %d: %s\n", src.Header.KID, src.Leaf, src.Epoch, pt)
	}

	// After the grace period the e2ee session drops the old epoch.
	if err := receiver.DropEpoch(7); err != nil {
		log.Fatal(err)
	}
	_, _, err = receiver.Open(nil, nil, inFlight)
	fmt.Println(err)
	// Output:
	// KID 0x38: leaf 3, epoch 8: sent in epoch 8
	// KID 0x37: leaf 3, epoch 7: sent in epoch 7
	// keyschedule: open leaf 3: epoch not live: no live epoch has low bits 7
}

// The KIDs of the example in RFC 9605 §5.2 (E = 4, S = 6).
func ExampleLayout_KID() {
	l := keyschedule.Layout{ContextBits: 2, LeafBits: 6, EpochBits: 4}
	for _, p := range []keyschedule.KIDParts{
		{Leaf: 3, Epoch: 14},
		{Leaf: 20, Epoch: 14},
		{Leaf: 2, Epoch: 16, Context: 3},
		{Leaf: 51, Epoch: 17},
	} {
		kid, err := l.KID(p)
		if err != nil {
			log.Fatal(err)
		}
		back, _ := l.ParseKID(kid)
		fmt.Printf("%#x %+v\n", kid, back)
	}
	// Output:
	// 0x3e {Context:0 Step:0 Leaf:3 Epoch:14}
	// 0x14e {Context:0 Step:0 Leaf:20 Epoch:14}
	// 0xc20 {Context:3 Step:0 Leaf:2 Epoch:0}
	// 0x331 {Context:0 Step:0 Leaf:51 Epoch:1}
}

// With ratchet bits in the layout, members ratchet their epoch's base key
// on a common schedule (RFC 9605 §5.1) for forward secrecy within a long
// epoch; the step travels in the KID.
func ExampleSchedule_Ratchet() {
	cfg := keyschedule.Config{Layout: keyschedule.Layout{RatchetBits: 2, LeafBits: 10, EpochBits: 4}}
	members := []uint32{0, 1}
	g := fakeGroup{[]byte("epoch 1 secret")}
	a, _ := keyschedule.New(cfg)
	b, _ := keyschedule.New(cfg)
	install(a, g, 1, 0, members)
	install(b, g, 1, 1, members)
	for range 2 {
		for _, m := range []*keyschedule.Schedule{a, b} {
			if _, err := m.Ratchet(); err != nil {
				log.Fatal(err)
			}
		}
		ct, _ := a.Seal(nil, 0, nil, []byte("ratcheted"))
		_, src, err := b.Open(nil, nil, ct)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("KID %#x: leaf %d, epoch %d, step %d\n", src.Header.KID, src.Leaf, src.Epoch, src.Step)
	}
	// Output:
	// KID 0x4001: leaf 0, epoch 1, step 1
	// KID 0x8001: leaf 0, epoch 1, step 2
}
