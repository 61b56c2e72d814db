package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/handlers"
	"github.com/ticketrail/ticketrail/orders"
)

// awayStore is a MemoryStore whose writes fail with orders.ErrUnavailable
// while down is set, as a database server that is down makes them fail.
type awayStore struct {
	*orders.MemoryStore
	down atomic.Bool
}

func (s *awayStore) away() error {
	if s.down.Load() {
		return fmt.Errorf("connect to the database: %w", orders.ErrUnavailable)
	}
	return nil
}

func (s *awayStore) Insert(ctx context.Context, o orders.Order, idem orders.Idempotency, since time.Time, c orders.Change) (orders.Entry, error) {
	if err := s.away(); err != nil {
		return orders.Entry{}, err
	}
	return s.MemoryStore.Insert(ctx, o, idem, since, c)
}

func (s *awayStore) Update(ctx context.Context, id int64, edit orders.Edit) (orders.Entry, error) {
	if err := s.away(); err != nil {
		return orders.Entry{}, err
	}
	return s.MemoryStore.Update(ctx, id, edit)
}

func (s *awayStore) Ready(ctx context.Context) error {
	if err := s.away(); err != nil {
		return err
	}
	return s.MemoryStore.Ready(ctx)
}

// TestDatabaseAwayAnswers503 checks that while the database is away every
// change is refused with 503 and Retry-After, through the API and the
// page's forms alike, /readyz says 503, and that all of it works again once
// the database is back, with nothing lost.
func TestDatabaseAwayAnswers503(t *testing.T) {
	store := &awayStore{MemoryStore: orders.NewMemoryStore()}
	board, err := orders.OpenBoard(t.Context(), store, orders.BoardConfig{})
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, handlers.Options{Board: board, Pairing: handlers.PairOff})
	first := r.place(t)

	store.down.Store(true)
	for _, tc := range []struct {
		what, method, path, body string
	}{
		{"create", "POST", "/api/orders", validOrder},
		{"bump", "POST", fmt.Sprintf("/api/orders/%d/bump", first.ID), ""},
	} {
		resp := call(t, tc.method, r.srv.URL+tc.path, tc.body)
		if resp.status != http.StatusServiceUnavailable || resp.header.Get("Retry-After") != "2" {
			t.Errorf("%s while the database is away: %d, Retry-After %q; want 503 and 2", tc.what, resp.status, resp.header.Get("Retry-After"))
		}
		if msg, _ := resp.problem(t); !strings.Contains(msg, "offline") {
			t.Errorf("%s while the database is away: error %q, want it to say the kitchen is offline", tc.what, msg)
		}
	}
	form, err := http.PostForm(r.srv.URL+fmt.Sprintf("/orders/%d/bump", first.ID), url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	form.Body.Close()
	if form.StatusCode != http.StatusServiceUnavailable || form.Header.Get("Retry-After") != "2" {
		t.Errorf("the page's bump form while the database is away: %d, Retry-After %q; want 503 and 2", form.StatusCode, form.Header.Get("Retry-After"))
	}
	if resp := call(t, "GET", r.srv.URL+"/readyz", ""); resp.status != http.StatusServiceUnavailable {
		t.Errorf("/readyz while the database is away: %d, want 503", resp.status)
	}
	if open := board.Open(); len(open) != 1 || open[0].ID != first.ID {
		t.Errorf("rail while the database is away: %v, want the ticket placed before", open)
	}

	store.down.Store(false)
	if resp := call(t, "GET", r.srv.URL+"/readyz", ""); resp.status != http.StatusOK {
		t.Errorf("/readyz once the database is back: %d, want 200", resp.status)
	}
	if resp := call(t, "POST", r.srv.URL+"/api/orders", validOrder); resp.status != http.StatusCreated {
		t.Errorf("create once the database is back: %d %s", resp.status, resp.body)
	}
	if resp := call(t, "POST", r.srv.URL+fmt.Sprintf("/api/orders/%d/bump", first.ID), ""); resp.status != http.StatusOK {
		t.Errorf("bump once the database is back: %d %s", resp.status, resp.body)
	}
}
