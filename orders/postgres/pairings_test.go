package postgres_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ticketrail/ticketrail/internal/pgtest"
	"github.com/ticketrail/ticketrail/orders"
)

// pairing returns the pairing n of these tests, created at the given time.
func pairing(n int, created time.Time) orders.Pairing {
	h := sha256.Sum256(fmt.Appendf(nil, "browser %d", n))
	return orders.Pairing{Code: fmt.Sprintf("CODE%02d", n), TokenHash: h[:], Created: created}
}

// TestAddPairingConcurrent checks that of two processes adding the same
// code at once one finds it taken, and that however many add pairings at
// once, the oldest give way exactly beyond the limit.
func TestAddPairingConcurrent(t *testing.T) {
	t.Parallel()
	c := pgtest.Start(t)
	url := c.NewDatabase(t)
	stores := []orders.Store{open(t, url), open(t, url)}
	ctx := t.Context()
	at := time.Now()
	for round := range 10 {
		var errs [2]error
		var wg sync.WaitGroup
		for i, s := range stores {
			p := pairing(round, at)
			p.TokenHash = append(p.TokenHash[:31:31], byte(i)) // the same code, another browser
			wg.Go(func() { errs[i] = s.AddPairing(ctx, p, at, 100) })
		}
		wg.Wait()
		if !(errs[0] == nil && errors.Is(errs[1], orders.ErrConflict) || errs[1] == nil && errors.Is(errs[0], orders.ErrConflict)) {
			t.Errorf("round %d: AddPairing through both stores at once: %v and %v; want one nil and one ErrConflict", round, errs[0], errs[1])
		}
	}

	const n, limit = 20, 3
	var wg sync.WaitGroup
	for i := range n {
		s := stores[i%len(stores)]
		wg.Go(func() {
			if err := s.AddPairing(ctx, pairing(100+i, at), at, limit); err != nil {
				t.Errorf("AddPairing(%d): %v", 100+i, err)
			}
		})
	}
	wg.Wait()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var waiting int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pairings`).Scan(&waiting); err != nil {
		t.Fatal(err)
	}
	if waiting != limit {
		t.Errorf("after %d pairings added at once with a limit of %d, %d wait", n, limit, waiting)
	}
}

// TestAddPairingConflictsWithTheOldest checks that a pairing that holds
// the code of one of the oldest ones, which would give way to it, is a
// conflict and removes nothing.
func TestAddPairingConflictsWithTheOldest(t *testing.T) {
	t.Parallel()
	c := pgtest.Start(t)
	s := open(t, c.NewDatabase(t))
	ctx := t.Context()
	at := time.Now()
	for n := 1; n <= 2; n++ {
		if err := s.AddPairing(ctx, pairing(n, at.Add(time.Duration(n)*time.Second)), at, 10); err != nil {
			t.Fatalf("AddPairing(%d): %v", n, err)
		}
	}
	p := pairing(9, at.Add(time.Minute))
	p.Code = pairing(1, at).Code
	if err := s.AddPairing(ctx, p, at, 1); !errors.Is(err, orders.ErrConflict) {
		t.Errorf("AddPairing with the code of the oldest: %v, want ErrConflict", err)
	}
	for n := 1; n <= 2; n++ {
		if _, err := s.PairingByCode(ctx, pairing(n, at).Code, at); err != nil {
			t.Errorf("PairingByCode(%d) after a conflict: %v", n, err)
		}
	}
}

// TestPairingCodeBytes checks that a code is kept byte for byte, and that
// looking up one that is not valid text finds nothing rather than failing.
func TestPairingCodeBytes(t *testing.T) {
	t.Parallel()
	c := pgtest.Start(t)
	s := open(t, c.NewDatabase(t))
	ctx := t.Context()
	at := time.Now()
	p := pairing(1, at)
	p.Code = "K7\x00\xff"
	if err := s.AddPairing(ctx, p, at, 10); err != nil {
		t.Fatalf("AddPairing: %v", err)
	}
	if got, err := s.PairingByCode(ctx, p.Code, at); err != nil || got.Code != p.Code {
		t.Errorf("PairingByCode(%q) = %q, %v", p.Code, got.Code, err)
	}
	if _, err := s.PairingByCode(ctx, "\xfe", at); !errors.Is(err, orders.ErrNotFound) {
		t.Errorf("PairingByCode of bytes that are not text: %v, want ErrNotFound", err)
	}
}
