package orders_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

func next(t *testing.T, s *orders.Subscription) orders.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	e, err := s.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return e
}

func TestFirstEventIsSnapshotThenEachEventOnce(t *testing.T) {
	b := orders.NewBoard(orders.BoardConfig{})
	b.Place(t.Context(), burger())
	b.Place(t.Context(), burger())
	s := b.Subscribe()
	defer s.Close()
	b.Place(t.Context(), burger()) // before the first Next: covered by the snapshot

	snap := next(t, s)
	if snap.Kind != orders.EventSnapshot || snap.Seq != 3 || len(snap.Orders) != 3 {
		t.Fatalf("first event %s v%d with %d orders, want a snapshot v3 with 3", snap.Kind, snap.Seq, len(snap.Orders))
	}
	o, _, _ := b.Place(t.Context(), burger())
	b.Bump(t.Context(), o.ID)
	for _, want := range []orders.EventKind{orders.EventPlaced, orders.EventBumped} {
		e := next(t, s)
		if e.Kind != want || e.Order.ID != o.ID {
			t.Fatalf("got %s of %d, want %s of %d", e.Kind, e.Order.ID, want, o.ID)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if e, err := s.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("an extra event arrived: %s v%d", e.Kind, e.Seq)
	}
}

// TestStalledSubscriberDelaysNobody publishes far more events than a queue
// holds while one subscriber never reads: the publisher and the reading
// subscriber go on, and the stalled one is brought current by one snapshot.
func TestStalledSubscriberDelaysNobody(t *testing.T) {
	const queue, events = 8, 1000
	b := orders.NewBoard(orders.BoardConfig{QueueLen: queue})
	stalled := b.Subscribe()
	defer stalled.Close()
	next(t, stalled) // the initial snapshot; then it stops reading

	live := b.Subscribe()
	defer live.Close()
	next(t, live)
	got := make(chan []uint64)
	go func() {
		var vs []uint64
		for len(vs) == 0 || vs[len(vs)-1] < events {
			e, err := live.Next(t.Context())
			if err != nil {
				break
			}
			vs = append(vs, e.Seq)
		}
		got <- vs
	}()
	for i := range events {
		if _, _, err := b.Place(t.Context(), burger()); err != nil {
			t.Fatal(err)
		}
		if i%queue == 0 {
			runtime.Gosched() // let the live reader keep up, as a real one would
		}
	}
	// The live subscriber may itself have fallen behind on a loaded
	// machine; then it received a snapshot instead of a run of events,
	// which is the contract too. Check versions only grow and end at the
	// last one.
	vs := <-got
	if !slices.IsSorted(vs) {
		t.Fatal("live subscriber saw versions out of order")
	}

	if n := stalled.Overflows(); n != 1 {
		t.Errorf("stalled subscriber overflowed %d times, want once (no repeated cut-offs)", n)
	}
	e := next(t, stalled)
	if e.Kind != orders.EventSnapshot || e.Seq != events || len(e.Orders) != events {
		t.Fatalf("stalled subscriber got %s v%d (%d orders), want one snapshot at v%d", e.Kind, e.Seq, len(e.Orders), events)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if e, err := stalled.Next(ctx); err == nil {
		t.Fatalf("after the snapshot a backlog event arrived: %s v%d", e.Kind, e.Seq)
	}
	// And it follows new events again.
	o, _, _ := b.Place(t.Context(), burger())
	if e := next(t, stalled); e.Kind != orders.EventPlaced || e.Order.ID != o.ID {
		t.Fatalf("after catching up got %s of %d, want placed %d", e.Kind, e.Order.ID, o.ID)
	}
}

// TestSubscribersConvergeUnderLoad has writers place and bump concurrently
// while subscribers with tiny queues replay what they receive: every
// subscriber ends with exactly the board's rail, having seen no ticket twice
// and no bump of a ticket it did not have.
func TestSubscribersConvergeUnderLoad(t *testing.T) {
	b := orders.NewBoard(orders.BoardConfig{QueueLen: 2})
	const subscribers, writers, perWriter = 8, 4, 200
	var target atomic.Uint64 // the final version, once the writers are done

	type result struct {
		ids       []int64
		snapshots int
		err       error
	}
	results := make(chan result, subscribers)
	for range subscribers {
		s := b.Subscribe()
		go func() {
			defer s.Close()
			var r result
			var version uint64
			for {
				if v := target.Load(); v != 0 && version == v {
					results <- r
					return
				}
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
				e, err := s.Next(ctx)
				cancel()
				if errors.Is(err, context.DeadlineExceeded) {
					continue
				}
				if err != nil {
					r.err = err
					results <- r
					return
				}
				if e.Seq <= version && version != 0 {
					r.err = fmt.Errorf("version went from %d to %d", version, e.Seq)
					results <- r
					return
				}
				version = e.Seq
				switch e.Kind {
				case orders.EventSnapshot:
					r.snapshots++
					r.ids = r.ids[:0]
					for _, o := range e.Orders {
						r.ids = append(r.ids, o.ID)
					}
				case orders.EventPlaced:
					if slices.Contains(r.ids, e.Order.ID) {
						r.err = fmt.Errorf("ticket %d placed twice", e.Order.ID)
					}
					r.ids = append(r.ids, e.Order.ID)
				case orders.EventBumped:
					i := slices.Index(r.ids, e.Order.ID)
					if i < 0 {
						r.err = fmt.Errorf("bump of ticket %d it never had", e.Order.ID)
						results <- r
						return
					}
					r.ids = slices.Delete(r.ids, i, i+1)
				}
			}
		}()
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				o, _, err := b.Place(t.Context(), burger())
				if err != nil {
					t.Error(err)
					return
				}
				if (i+w)%3 == 0 {
					if _, err := b.Bump(t.Context(), o.ID); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	final := b.Snapshot()
	target.Store(final.Seq)
	var want []int64
	for _, o := range final.Orders {
		want = append(want, o.ID)
	}
	for range subscribers {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		if !slices.Equal(r.ids, want) {
			t.Fatalf("a subscriber ended with %d tickets, the board has %d", len(r.ids), len(want))
		}
	}
}

// TestNoLeaksAfterManySubscriptions opens and closes thousands of
// subscriptions, each with a goroutine waiting in Next, and checks that
// nothing stays behind.
func TestNoLeaksAfterManySubscriptions(t *testing.T) {
	b := orders.NewBoard(orders.BoardConfig{})
	before := runtime.NumGoroutine()
	for round := range 5 {
		var wg sync.WaitGroup
		subs := make([]*orders.Subscription, 1000)
		for i := range subs {
			s := b.Subscribe()
			subs[i] = s
			wg.Go(func() {
				for {
					if _, err := s.Next(t.Context()); err != nil {
						return
					}
				}
			})
		}
		b.Place(t.Context(), burger())
		for _, s := range subs {
			s.Close()
		}
		wg.Wait()
		if n := b.Subscribers(); n != 0 {
			t.Fatalf("round %d: %d subscribers left after closing all", round, n)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines before, %d after", before, after)
	}
}

// TestQueueGrowsToItsLength queues as many events as the queue holds
// without reading: each arrives once, in order, however the queue grew to
// hold them. One more is an overflow, answered by one snapshot.
func TestQueueGrowsToItsLength(t *testing.T) {
	for _, queue := range []int{1, 3, 4, 5, orders.DefaultQueueLen} {
		t.Run(fmt.Sprint(queue), func(t *testing.T) {
			var version atomic.Uint64
			h := orders.NewHub(queue, func() orders.Event {
				return orders.Event{Kind: orders.EventSnapshot, Seq: version.Load()}
			})
			s := h.Subscribe()
			defer s.Close()
			publish := func(n int) {
				for range n {
					h.Publish(orders.Event{Kind: orders.EventTick, Seq: version.Add(1)})
				}
			}
			next(t, s)
			for round := range 3 { // the queue keeps its room between rounds
				publish(queue)
				for i := range queue {
					want := uint64(round*queue + i + 1)
					if e := next(t, s); e.Kind != orders.EventTick || e.Seq != want {
						t.Fatalf("round %d: got %s v%d, want tick v%d", round, e.Kind, e.Seq, want)
					}
				}
			}
			if n := s.Overflows(); n != 0 {
				t.Fatalf("%d overflows of a queue never over its length", n)
			}
			publish(queue + 1)
			if e := next(t, s); e.Kind != orders.EventSnapshot || e.Seq != version.Load() || s.Overflows() != 1 {
				t.Fatalf("after overflowing got %s v%d and %d overflows, want a snapshot v%d and 1", e.Kind, e.Seq, s.Overflows(), version.Load())
			}
			publish(1)
			if e := next(t, s); e.Kind != orders.EventTick || e.Seq != version.Load() {
				t.Fatalf("after the snapshot got %s v%d, want tick v%d", e.Kind, e.Seq, version.Load())
			}
		})
	}
}

// BenchmarkSubscribe measures what one idle subscriber costs: the bytes a
// Subscribe allocates, reported as B/sub.
func BenchmarkSubscribe(b *testing.B) {
	h := orders.NewHub(orders.DefaultQueueLen, func() orders.Event {
		return orders.Event{Kind: orders.EventSnapshot}
	})
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		h.Subscribe().Close()
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N), "B/sub")
}

// BenchmarkPublish1000 publishes to 1,000 subscribers that keep up: every
// few events, with the timer stopped, each reads what it was given.
func BenchmarkPublish1000(b *testing.B) {
	const subscribers = 1000
	h := orders.NewHub(orders.DefaultQueueLen, func() orders.Event {
		return orders.Event{Kind: orders.EventSnapshot}
	})
	subs := make([]*orders.Subscription, subscribers)
	for i := range subs {
		subs[i] = h.Subscribe()
		defer subs[i].Close()
	}
	drain := func() {
		for _, s := range subs {
			for {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				if _, err := s.Next(ctx); err != nil {
					break
				}
			}
		}
	}
	drain() // the first snapshots
	o := orders.Order{ID: 1, Number: 1, Items: []orders.Item{{Name: "burger"}}}
	e := orders.Event{Kind: orders.EventPlaced, Order: o, Orders: []orders.Order{o}}
	const batch = orders.DefaultQueueLen / 2
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		e.Seq = uint64(i + 1)
		h.Publish(e)
		if i%batch == batch-1 {
			b.StopTimer()
			drain()
			b.StartTimer()
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/subscribers, "ns/delivery")
}

// TestResync checks that a resync replaces what a subscriber has queued
// with one snapshot, even when it had seen every event, and counts no
// overflow.
func TestResync(t *testing.T) {
	b := orders.NewBoard(orders.BoardConfig{})
	sub := b.Subscribe()
	defer sub.Close()
	ctx := t.Context()
	if e, err := sub.Next(ctx); err != nil || e.Kind != orders.EventSnapshot {
		t.Fatalf("first event %v, %v", e.Kind, err)
	}
	if _, _, err := b.Place(ctx, orders.NewOrder{Destination: orders.DiningRoom, Items: []orders.Item{{Name: "Fries", Quantity: 1, Station: orders.Fry}}}); err != nil {
		t.Fatal(err)
	}
	if e, err := sub.Next(ctx); err != nil || e.Kind != orders.EventPlaced {
		t.Fatalf("second event %v, %v", e.Kind, err)
	}
	sub.Resync()
	e, ok, err := sub.TryNext()
	if err != nil || !ok || e.Kind != orders.EventSnapshot || len(e.Orders) != 1 {
		t.Fatalf("after Resync: %v %v %v, %d orders; want a snapshot of the rail", e.Kind, ok, err, len(e.Orders))
	}
	if _, ok, _ := sub.TryNext(); ok {
		t.Error("more than one snapshot")
	}
	if n := sub.Overflows(); n != 0 {
		t.Errorf("Overflows %d after a resync", n)
	}
	sub.Close()
	sub.Resync() // no effect after Close
	if _, _, err := sub.TryNext(); err != orders.ErrClosed {
		t.Errorf("after Close: %v", err)
	}
}
