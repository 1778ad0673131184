package keyschedule

import (
	"fmt"

	"github.com/sealroom/sealroom/frame"
)

// ExporterLabel is the MLS exporter label of RFC 9605 §5.2.
const ExporterLabel = "SFrame 1.0 Base Key"

// An Exporter is the MLS-Exporter of one MLS epoch (RFC 9420 §8.5):
//
//	MLS-Exporter(Label, Context, Length) =
//	    ExpandWithLabel(DeriveSecret(exporter_secret, Label), "exported", Hash(Context), Length)
//
// with the MLS cipher suite's KDF and hash. The MLS group of the e2ee
// layer satisfies it; this package needs nothing else from MLS.
type Exporter interface {
	Export(label string, context []byte, length int) ([]byte, error)
}

// ExportBaseKey returns the SFrame base key of the exporter's epoch for
// suite (RFC 9605 §5.2):
//
//	base_key = MLS-Exporter("SFrame 1.0 Base Key", "", AEAD.Nk)
//
// where Nk is suite.KeySize(). The exporter hashes with the MLS suite's
// hash; the SFrame key derivation that follows (§4.4.2) uses the SFrame
// suite's. The result goes to Schedule.InstallEpoch, which takes it over.
func ExportBaseKey(exp Exporter, suite frame.Suite) (frame.BaseKey, error) {
	nk := suite.KeySize()
	if nk == 0 {
		return frame.BaseKey{}, newError("export base key", ErrInvalidEpoch, "unsupported SFrame suite "+suite.String())
	}
	b, err := exp.Export(ExporterLabel, []byte{}, nk)
	if err != nil {
		return frame.BaseKey{}, newError("export base key", nil, "MLS exporter").wrap(err)
	}
	defer clear(b)
	if len(b) != nk {
		return frame.BaseKey{}, newError("export base key", ErrInvalidEpoch,
			fmt.Sprintf("MLS exporter returned %d bytes, want Nk = %d", len(b), nk))
	}
	return frame.NewBaseKey(b), nil
}
