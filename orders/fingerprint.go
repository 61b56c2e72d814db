package orders

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
)

// FingerprintSize is the length in bytes of a NewOrder's fingerprint.
const FingerprintSize = sha256.Size

// Fingerprint returns the SHA-256 of a canonical encoding of what n asks
// for: its source ID, destination, rush flag, items (quantity, name,
// station, modifiers and allergens of each, in order), notes and
// allergens, as given (a nil and an empty list are the same). The
// idempotency key is not part of it: it names the order rather than being
// part of it. Two orders with the same fingerprint make the same ticket,
// so a retry is told from another order that reuses its key by comparing
// fingerprints (see Board.Place).
//
// The encoding is the package's own and is versioned, so that stored
// fingerprints keep their meaning: every string is its length as a
// varint and its bytes, every list its length and its elements.
func (n NewOrder) Fingerprint() []byte {
	f := fingerprinter{h: sha256.New()}
	f.str("ticketrail order v1")
	f.str(n.SourceID)
	f.str(string(n.Destination))
	f.flag(n.Rush)
	f.num(uint64(len(n.Items)))
	for _, it := range n.Items {
		f.num(uint64(it.Quantity))
		f.str(it.Name)
		f.str(string(it.Station))
		f.strs(it.Modifiers)
		f.strs(it.Allergens)
	}
	f.strs(n.Notes)
	f.strs(n.Allergens)
	return f.h.Sum(nil)
}

// fingerprinter writes the canonical encoding of Fingerprint to a hash.
type fingerprinter struct {
	h   hash.Hash
	buf [binary.MaxVarintLen64]byte
}

func (f *fingerprinter) num(n uint64) { f.h.Write(binary.AppendUvarint(f.buf[:0], n)) }

func (f *fingerprinter) str(s string) {
	f.num(uint64(len(s)))
	f.h.Write([]byte(s))
}

func (f *fingerprinter) strs(ss []string) {
	f.num(uint64(len(ss)))
	for _, s := range ss {
		f.str(s)
	}
}

func (f *fingerprinter) flag(b bool) {
	if b {
		f.num(1)
	} else {
		f.num(0)
	}
}
