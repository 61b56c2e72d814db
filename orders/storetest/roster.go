package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// testRoster checks, for a store that is an orders.Roster, that each
// instance's report replaces its last, that reports older than since are
// left out, that the data comes back as reported, whatever bytes it
// holds, and that a second process on the same data sees them.
func testRoster(t *testing.T, f *fixture) {
	r, ok := f.s.(orders.Roster)
	if !ok {
		t.Skip("the store is not an orders.Roster")
	}
	ctx := t.Context()
	at := time.Date(2026, time.March, 3, 12, 0, 0, 0, time.UTC)
	for _, rep := range []orders.InstanceReport{
		{Instance: "b:8080", At: at, Data: []byte(`{"screens":1}`)},
		{Instance: "a:8080", At: at, Data: []byte("old")},
		{Instance: "a:8080", At: at.Add(2 * time.Second), Data: []byte{0, 0xff, '\'', '"', 0}},
		{Instance: "gone:8080", At: at.Add(-time.Minute), Data: nil},
	} {
		if err := r.Report(ctx, rep); err != nil {
			t.Fatalf("Report %s: %v", rep.Instance, err)
		}
	}
	check := func(what string, r orders.Roster) {
		t.Helper()
		got, err := r.Reports(ctx, at.Add(-10*time.Second))
		if err != nil {
			t.Fatalf("%s: Reports: %v", what, err)
		}
		if len(got) != 2 || got[0].Instance != "a:8080" || got[1].Instance != "b:8080" {
			t.Fatalf("%s: Reports %+v, want a:8080 then b:8080", what, got)
		}
		if !got[0].At.Equal(at.Add(2*time.Second)) || !bytes.Equal(got[0].Data, []byte{0, 0xff, '\'', '"', 0}) {
			t.Errorf("%s: a's report at %v with %q, want the second one", what, got[0].At, got[0].Data)
		}
		if !got[1].At.Equal(at) || string(got[1].Data) != `{"screens":1}` {
			t.Errorf("%s: b's report at %v with %q", what, got[1].At, got[1].Data)
		}
	}
	check("this store", r)
	if f.h.Share != nil {
		other := f.h.Share(t, f.s)
		if other != f.s {
			t.Cleanup(func() { other.Close() })
		}
		check("another process", other.(orders.Roster))
	}
	if got, err := r.Reports(ctx, at.Add(time.Hour)); err != nil || len(got) != 0 {
		t.Errorf("Reports since an hour later: %+v, %v; want none", got, err)
	}
}
