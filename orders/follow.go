package orders

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// How Follow paces itself: how often it reads the log although nothing
// told it to (a safety net for a notification lost in the store), and how
// long it waits before listening again after losing the store, doubling
// from the first to the last.
const (
	followPoll        = 5 * time.Second
	followRetryFirst  = 250 * time.Millisecond
	followRetryLatest = 2 * time.Second
)

// Follow keeps the board current with the changes that other processes
// commit to its store, until ctx is done. It does something only for a
// store that several processes share (a Watcher): it reads the log from
// the board's version each time the store's listener (re)connects, each
// time it hears of a version the board has not applied, and every few
// seconds in case a notification went missing. For any other store it
// returns at once: the board is the only writer, and applies its own
// changes as it makes them.
//
// While Follow cannot reach the store, the board is offline: it keeps the
// last rail it knew, publishes a tick with Offline set, and refuses
// changes with an error wrapping ErrUnavailable instead of trying them.
// It goes back online by itself once it reaches the store and has caught
// up with the log.
func (b *Board) Follow(ctx context.Context) {
	w, ok := b.store.(Watcher)
	if !ok {
		return
	}
	poll := make(chan struct{})
	defer close(poll)
	go b.poll(ctx, poll)
	wait := followRetryFirst
	for ctx.Err() == nil {
		listened := false
		err := w.Watch(ctx, func() {
			listened = true
			b.catchUpOrGoOffline(ctx)
		}, func(v uint64) {
			if v > b.Version() {
				b.catchUpOrGoOffline(ctx)
			}
		})
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("the store stopped listening")
		}
		b.setOffline(fmt.Errorf("listen for changes: %w", err))
		if listened {
			wait = followRetryFirst
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, followRetryLatest)
	}
}

// poll reads the log every followPoll until ctx is done or stop is
// closed.
func (b *Board) poll(ctx context.Context, stop <-chan struct{}) {
	t := time.NewTicker(followPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-stop:
			return
		case <-t.C:
			b.catchUpOrGoOffline(ctx)
		}
	}
}

// catchUpOrGoOffline reads the log to its end: the board is online if that
// worked and offline, for that reason, if it did not.
func (b *Board) catchUpOrGoOffline(ctx context.Context) {
	err := b.Sync(ctx)
	if ctx.Err() != nil {
		return
	}
	b.setOffline(err)
}

// setOffline records why the board cannot reach its store (nil: it can)
// and, when that turns it offline or back online, says so in the log and
// to every screen with a tick. The reason always wraps ErrUnavailable.
func (b *Board) setOffline(why error) {
	if why != nil && !errors.Is(why, ErrUnavailable) {
		why = fmt.Errorf("%w: %w", ErrUnavailable, why)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	was := b.offline != nil
	b.offline = why
	switch {
	case why != nil && !was:
		b.logger.Warn("the store is unavailable: changes are paused", "err", why)
	case why == nil && was:
		b.logger.Info("the store is back: changes go on", "version", b.version)
	default:
		return
	}
	b.publish(Event{Kind: EventTick, OfflineChanged: true})
}

// Offline returns why the board cannot reach its store, or nil while it
// can (see Follow).
func (b *Board) Offline() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.offline
}
