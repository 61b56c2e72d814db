package postgres_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/internal/pgtest"
	"github.com/ticketrail/ticketrail/orders"
	"github.com/ticketrail/ticketrail/orders/postgres"
	"github.com/ticketrail/ticketrail/orders/sqlite"
)

// BenchmarkChange measures what a change to the rail costs its writer, on
// SQLite and on PostgreSQL, and what LISTEN/NOTIFY adds to it. One op is
// an order inserted and then bumped, two changes and two transactions,
// made by one writer one after the other; ns/change is half of ns/op.
//
//   - sqlite: a file in WAL mode with full sync, as cmd/web keeps it.
//   - postgres-fsync and postgres-nofsync: a server that syncs to disk,
//     as one in service does, and one that does not (the tests' kind),
//     each with four cases:
//   - quiet: the writes notify no one (the NOTIFY left out);
//   - notify: they notify, as they always do, and no one listens;
//   - followed: another board follows the database (LISTEN, and it reads
//     each change from the log) while the writer goes on;
//   - followed-wait: the writer also waits, after each bump, until the
//     other board has applied it: a change crossing from one instance to
//     another.
//
// Without PostgreSQL the postgres cases are skipped.
func BenchmarkChange(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "rail.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		benchChanges(b, s, nil)
	})
	nofsync := pgtest.Start(b)
	fsync, err := pgtest.Launch()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { fsync.Close() })
	for _, server := range []struct {
		name    string
		cluster *pgtest.Cluster
	}{{"postgres-fsync", fsync}, {"postgres-nofsync", nofsync}} {
		db := func(b *testing.B) string {
			// NewDatabase would name it after a test of the cluster's.
			return server.cluster.NewDatabase(b)
		}
		b.Run(server.name+"/quiet", func(b *testing.B) {
			s := benchStore(b, db(b))
			postgres.Silence(s)
			benchChanges(b, s, nil)
		})
		b.Run(server.name+"/notify", func(b *testing.B) {
			benchChanges(b, benchStore(b, db(b)), nil)
		})
		b.Run(server.name+"/followed", func(b *testing.B) {
			url := db(b)
			s := benchStore(b, url)
			follower := benchFollower(b, s, url)
			benchChanges(b, s, func(context.Context, uint64) {})
			follower.Close()
		})
		b.Run(server.name+"/followed-wait", func(b *testing.B) {
			url := db(b)
			s := benchStore(b, url)
			follower := benchFollower(b, s, url)
			benchChanges(b, s, func(ctx context.Context, v uint64) { follower.wait(ctx, b, v) })
			follower.Close()
		})
	}
}

// benchChanges runs the benchmark's loop on s: each op inserts an order
// and bumps it. With followed, the first order is placed before the timer
// starts and followed is called with each bump's version.
func benchChanges(b *testing.B, s orders.Store, followed func(ctx context.Context, version uint64)) {
	ctx := b.Context()
	n := 0
	change := func() uint64 {
		n++
		now := time.Now()
		o := orders.Order{
			SourceID:    fmt.Sprintf("bench-%d", n),
			Destination: orders.Takeout,
			Status:      orders.Received,
			Items:       []orders.Item{{Quantity: 1, Name: "Socket Burger", Station: orders.Grill}},
			PlacedAt:    now,
		}
		e, err := s.Insert(ctx, o, orders.Idempotency{}, now.Add(-orders.IdempotencyWindow),
			orders.Change{At: now, Actor: "bench", Action: orders.ActionPlaced})
		if err != nil {
			b.Fatal(err)
		}
		e, err = s.Update(ctx, e.Order.ID, bump)
		if err != nil {
			b.Fatal(err)
		}
		return e.Version
	}
	if followed != nil {
		followed(ctx, change()) // the follower is there
	}
	for b.Loop() {
		v := change()
		if followed != nil {
			followed(ctx, v)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*b.N), "ns/change")
}

// bump is an Edit that bumps an open order.
func bump(o *orders.Order) (orders.Entry, error) {
	now := time.Now()
	o.Status, o.BumpedAt = orders.Bumped, now
	return orders.Entry{Kind: orders.EventBumped, Change: orders.Change{At: now, Actor: "bench", Action: orders.ActionBumped}}, nil
}

// benchStore opens the store at url for the benchmark.
func benchStore(b *testing.B, url string) *postgres.Store {
	b.Helper()
	s, err := postgres.Open(b.Context(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// follower is a board that follows a database another store writes to,
// as another instance's does.
type follower struct {
	board *orders.Board
	sub   *orders.Subscription
	stop  context.CancelFunc
	done  chan struct{}
}

// benchFollower opens a board on a store of its own at url and follows
// the changes that w, or anyone, writes there. Its clock runs ahead by more
// than the recall window, so that it forgets each bumped order at once,
// as a board at a kitchen's pace keeps a short recall list.
func benchFollower(b *testing.B, w orders.Store, url string) *follower {
	b.Helper()
	ahead := orders.RecallWindow + time.Minute
	board, err := orders.OpenBoard(b.Context(), benchStore(b, url), orders.BoardConfig{
		Now: func() time.Time { return time.Now().Add(ahead) },
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	f := &follower{board: board, sub: board.Subscribe(), stop: stop, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		board.Follow(ctx)
	}()
	b.Cleanup(f.Close)
	return f
}

// wait returns once the follower's board has applied version v.
func (f *follower) wait(ctx context.Context, b *testing.B, v uint64) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		e, err := f.sub.Next(ctx)
		if err != nil {
			b.Fatalf("the follower has not applied version %d: %v (it is at %d)", v, err, f.board.Version())
		}
		if e.Version >= v {
			return
		}
	}
}

// Close stops following; it may be called more than once.
func (f *follower) Close() {
	f.stop()
	<-f.done
	f.sub.Close()
}
