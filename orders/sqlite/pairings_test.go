package sqlite

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// TestPairingQueryPlans checks that the queries of pairings use the
// indexes they are written for and never sort.
func TestPairingQueryPlans(t *testing.T) {
	s := open(t, MemoryPath)
	for _, tc := range []struct {
		query string
		plan  []string // what the plan must say
	}{
		{pairingSQL(matchCode, "created >= ?"), []string{"SEARCH pairings USING INDEX sqlite_autoindex_pairings_1 (code=?)"}},
		{pairingSQL(matchTokenHash, "created >= ?"), []string{"SEARCH pairings USING INDEX sqlite_autoindex_pairings_2 (token_hash=?)"}},
		{pairingSQL(matchCode, "1"), []string{"SEARCH pairings USING INDEX sqlite_autoindex_pairings_1 (code=?)"}},
		{expiredPairingsSQL("(created IS NULL OR created < ?)"), []string{"INDEX pairings_created (created=?)", "INDEX pairings_created (created<?)"}},
		{expiredPairingsSQL("created IS NULL"), []string{"INDEX pairings_created (created=?)"}},
		{trimPairingsSQL, []string{"SCAN pairings USING COVERING INDEX pairings_created", "SEARCH pairings USING INTEGER PRIMARY KEY"}},
		{deletePairingSQL, []string{"SEARCH pairings USING INDEX sqlite_autoindex_pairings_1 (code=?)"}},
	} {
		plan := queryPlan(t, s, tc.query)
		for _, want := range tc.plan {
			if !strings.Contains(plan, want) {
				t.Errorf("the plan of\n%s\nis\n%s\nwhich does not say %s", tc.query, plan, want)
			}
		}
		if strings.Contains(plan, "TEMP B-TREE") || slices.Contains(strings.Split(plan, "\n"), "SCAN pairings") {
			t.Errorf("the plan of\n%s\nis\n%s\nwhich reads the table or sorts", tc.query, plan)
		}
	}
}

// TestAddPairingConflictsWithTheOldest checks that a pairing that holds
// the code of one of the oldest ones, which would give way to it, is a
// conflict and removes nothing.
func TestAddPairingConflictsWithTheOldest(t *testing.T) {
	s := open(t, MemoryPath)
	ctx := t.Context()
	at := time.Date(2026, time.March, 14, 11, 30, 0, 0, time.UTC)
	hash := func(b byte) []byte { return append(make([]byte, 31), b) }
	for i, code := range []string{"AAAAAA", "BBBBBB"} {
		p := orders.Pairing{Code: code, TokenHash: hash(byte(i)), Created: at.Add(time.Duration(i) * time.Second)}
		if err := s.AddPairing(ctx, p, at, 10); err != nil {
			t.Fatalf("AddPairing(%s): %v", code, err)
		}
	}
	p := orders.Pairing{Code: "AAAAAA", TokenHash: hash(9), Created: at.Add(time.Minute)}
	if err := s.AddPairing(ctx, p, at, 1); !errors.Is(err, orders.ErrConflict) {
		t.Errorf("AddPairing with the code of the oldest: %v, want ErrConflict", err)
	}
	for _, code := range []string{"AAAAAA", "BBBBBB"} {
		if _, err := s.PairingByCode(ctx, code, at); err != nil {
			t.Errorf("PairingByCode(%s) after a conflict: %v", code, err)
		}
	}
}

// TestPairingZeroTime checks that a pairing created at the zero time is
// before every other time: it is found only with a zero since and expires
// at any other.
func TestPairingZeroTime(t *testing.T) {
	s := open(t, MemoryPath)
	ctx := t.Context()
	p := orders.Pairing{Code: "ZZZZZZ", TokenHash: make([]byte, 32)}
	if err := s.AddPairing(ctx, p, time.Time{}, 10); err != nil {
		t.Fatalf("AddPairing: %v", err)
	}
	if _, err := s.PairingByCode(ctx, p.Code, time.Time{}); err != nil {
		t.Errorf("PairingByCode since the zero time: %v", err)
	}
	since := time.Unix(0, 1)
	if _, err := s.PairingByCode(ctx, p.Code, since); !errors.Is(err, orders.ErrNotFound) {
		t.Errorf("PairingByCode since %v: %v, want ErrNotFound", since, err)
	}
	again := orders.Pairing{Code: p.Code, TokenHash: p.TokenHash, Created: since}
	if err := s.AddPairing(ctx, again, since, 10); err != nil {
		t.Errorf("AddPairing with the code of the expired one: %v", err)
	}
}
