package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// pairing returns the n-th pairing of the suite, created at the given
// time.
func pairing(n int, created time.Time) orders.Pairing {
	return orders.Pairing{Code: fmt.Sprintf("CODE%02d", n), TokenHash: token(n), Created: created}
}

// checkPairing fails the test unless got is want.
func checkPairing(t *testing.T, what string, got, want orders.Pairing) {
	t.Helper()
	if got.Code != want.Code || !bytes.Equal(got.TokenHash, want.TokenHash) || !got.Created.Equal(want.Created) {
		t.Errorf("%s = %q %x %v, want %q %x %v", what, got.Code, got.TokenHash, got.Created, want.Code, want.TokenHash, want.Created)
	}
}

// testPairings checks that waiting browsers are found by code and by
// token while they have not expired, that codes and tokens are not given
// twice, that the oldest give way beyond the limit, and that they can be
// forgotten.
func testPairings(t *testing.T, f *fixture) {
	ctx := t.Context()
	b := base()
	since := b.Add(-time.Minute)
	_, err := f.s.PairingByCode(ctx, "CODE01", since)
	wantNotFound(t, "PairingByCode on an empty store", err)
	for n := 1; n <= 3; n++ {
		if err := f.s.AddPairing(ctx, pairing(n, b.Add(time.Duration(n)*time.Second)), since, 10); err != nil {
			t.Fatalf("AddPairing(%d): %v", n, err)
		}
	}
	for n := 1; n <= 3; n++ {
		want := pairing(n, b.Add(time.Duration(n)*time.Second))
		got, err := f.s.PairingByCode(ctx, want.Code, since)
		if err != nil {
			t.Fatalf("PairingByCode(%s): %v", want.Code, err)
		}
		checkPairing(t, "PairingByCode", got, want)
		got, err = f.s.PairingByToken(ctx, want.TokenHash, since)
		if err != nil {
			t.Fatalf("PairingByToken(%d): %v", n, err)
		}
		checkPairing(t, "PairingByToken", got, want)
	}
	// Taken codes and tokens.
	taken := pairing(1, b.Add(time.Minute))
	taken.TokenHash = token(9)
	if err := f.s.AddPairing(ctx, taken, since, 10); !errors.Is(err, orders.ErrConflict) {
		t.Errorf("AddPairing with a taken code: %v, want ErrConflict", err)
	}
	taken = pairing(9, b.Add(time.Minute))
	taken.TokenHash = token(2)
	if err := f.s.AddPairing(ctx, taken, since, 10); !errors.Is(err, orders.ErrConflict) {
		t.Errorf("AddPairing with a taken token: %v, want ErrConflict", err)
	}
	// Expired ones are not found, and give way.
	later := b.Add(2 * time.Second)
	_, err = f.s.PairingByCode(ctx, "CODE01", later)
	wantNotFound(t, "PairingByCode of an expired pairing", err)
	again := pairing(1, b.Add(time.Hour))
	if err := f.s.AddPairing(ctx, again, later, 10); err != nil {
		t.Errorf("AddPairing with the code of an expired pairing: %v", err)
	}
	if got, err := f.s.PairingByCode(ctx, "CODE01", since); err != nil {
		t.Errorf("PairingByCode(CODE01) after it was given again: %v", err)
	} else {
		checkPairing(t, "PairingByCode after the code was given again", got, again)
	}
	// Beyond the limit the oldest give way: 2, 3 and 1 wait; with room
	// for 2, adding 4 leaves 1 and 4.
	if err := f.s.AddPairing(ctx, pairing(4, b.Add(2*time.Hour)), since, 2); err != nil {
		t.Fatalf("AddPairing(4): %v", err)
	}
	for n, want := range map[int]bool{1: true, 2: false, 3: false, 4: true} {
		_, err := f.s.PairingByToken(ctx, token(n), since)
		if (err == nil) != want {
			t.Errorf("PairingByToken(%d) after the limit: %v, want found %v", n, err, want)
		}
	}
	// Forgetting.
	if err := f.s.DeletePairing(ctx, "CODE04"); err != nil {
		t.Errorf("DeletePairing(CODE04): %v", err)
	}
	_, err = f.s.PairingByCode(ctx, "CODE04", since)
	wantNotFound(t, "PairingByCode after DeletePairing", err)
	if err := f.s.DeletePairing(ctx, "CODE04"); err != nil {
		t.Errorf("DeletePairing of a pairing that is gone: %v", err)
	}
	_, err = f.s.PairingByToken(ctx, nil, time.Time{})
	wantNotFound(t, "PairingByToken(nil)", err)
}
