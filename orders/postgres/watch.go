package postgres

import (
	"context"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// How Watch and Lead look after their connections.
const (
	// watchQuiet is how long Watch waits for a notification before it
	// checks that its connection is alive: a connection lost without a
	// word from the network would otherwise be waited on forever.
	watchQuiet = 20 * time.Second
	// leadRetry is how often Lead tries again for a lock another process
	// holds, or to connect.
	leadRetry = 2 * time.Second
	// leadCheck is how often Lead checks, while it leads, that the
	// connection that holds the lock is alive.
	leadCheck = 2 * time.Second
)

// leadLockClass is the first key of the advisory locks of Lead, whose
// second is the hash of the name led for: the two-key form keeps them
// apart from migrateLock.
const leadLockClass int32 = 0x6c656164 // "lead"

// Watch implements orders.Watcher. It listens on Channel on a connection
// of its own, outside the pool, and calls committed with the version of
// every change that any process commits, in the order committed. It
// returns ctx's error when ctx is done, an error when the store is closed,
// and an error wrapping orders.ErrUnavailable when it cannot connect or
// its connection fails. A connection that stays quiet for 20 seconds is
// checked with a query.
func (s *Store) Watch(ctx context.Context, listening func(), committed func(version uint64)) error {
	sctx, done, err := s.session(ctx)
	if err != nil {
		return fail("watch", err)
	}
	defer done()
	conn, err := s.connect(sctx)
	if err != nil {
		return s.watchEnd(ctx, sctx, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(sctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		return s.watchEnd(ctx, sctx, err)
	}
	listening()
	for {
		wctx, cancel := context.WithTimeout(sctx, watchQuiet)
		n, err := conn.WaitForNotification(wctx)
		quiet := wctx.Err() != nil
		cancel()
		if err == nil {
			// A payload that is not a version is not one of this
			// package's: ignore it.
			if v, perr := strconv.ParseUint(n.Payload, 10, 64); perr == nil {
				committed(v)
			}
			continue
		}
		if sctx.Err() == nil && quiet {
			err = ping(sctx, conn)
			if err == nil {
				continue
			}
		}
		return s.watchEnd(ctx, sctx, err)
	}
}

// watchEnd returns why Watch ends with err: ctx's error or the store's
// closing if the session context sctx is done, else err.
func (s *Store) watchEnd(ctx, sctx context.Context, err error) error {
	if sctx.Err() != nil {
		return fail("watch", s.sessionEnd(ctx))
	}
	return fail("watch", err)
}

// ping checks that conn is alive, within pingTimeout.
func ping(ctx context.Context, conn *pgx.Conn) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	_, err := conn.Exec(ctx, `SELECT 1`)
	return err
}

// leadKey returns the second key of the advisory lock for leading name.
// Two names with the same hash share their lead.
func leadKey(name string) int32 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int32(h.Sum32())
}

// Lead implements orders.Leader. The process leads for name while a
// connection of its own, outside the pool, holds a session-level advisory
// lock for it, which the server releases when the connection goes, also
// when the process is killed. Lead tries for the lock every 2 seconds
// while another process holds it and, while it leads, checks the
// connection every 2 seconds: run's context is done once the check fails,
// ctx is done, or the store is closed. When run returns, Lead lets the
// lock go and waits 2 seconds before it tries again, so that run may
// return to let another process lead.
//
// Lead returns ctx's error when ctx is done, or an error when the store is
// closed; Close waits for run to return.
func (s *Store) Lead(ctx context.Context, name string, run func(ctx context.Context)) error {
	sctx, done, err := s.session(ctx)
	if err != nil {
		return fail("lead", err)
	}
	defer done()
	key := leadKey(name)
	retry := time.NewTicker(leadRetry)
	defer retry.Stop()
	for {
		if conn, err := s.connect(sctx); err == nil {
			leadOn(sctx, conn, key, retry.C, run)
			conn.Close(context.Background())
		}
		select {
		case <-sctx.Done():
			return fail("lead", s.sessionEnd(ctx))
		case <-retry.C:
		}
	}
}

// leadOn tries for the lock (leadLockClass, key) on conn at every tick
// until it has it, then runs run until run returns. It returns when it
// has run, when ctx is done, or when conn fails; conn must then be closed,
// which lets the lock go.
func leadOn(ctx context.Context, conn *pgx.Conn, key int32, tick <-chan time.Time, run func(context.Context)) {
	for {
		var locked bool
		err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, leadLockClass, key).Scan(&locked)
		if err != nil {
			return
		}
		if locked {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
	}
	rctx, cancel := context.WithCancel(ctx)
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		defer cancel()
		check := time.NewTicker(leadCheck)
		defer check.Stop()
		for {
			select {
			case <-rctx.Done():
				return
			case <-check.C:
				if err := ping(rctx, conn); err != nil {
					return
				}
			}
		}
	}()
	run(rctx)
	cancel()
	<-checked // conn is the caller's again
}
