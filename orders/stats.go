package orders

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Times summarises how long tickets took, from received to bumped.
type Times struct {
	Count int `json:"count"`
	// Median and P90 are in seconds; zero when Count is zero.
	MedianSeconds float64 `json:"median_seconds"`
	P90Seconds    float64 `json:"p90_seconds"`
}

// Stats is the kitchen's speed of service over a period: all bumped
// tickets, and per destination.
type Stats struct {
	Since         time.Time             `json:"since"`
	Times                               // embedded: the overall figures
	ByDestination map[Destination]Times `json:"by_destination"`
}

// Summarize returns the speed of service of the orders bumped at or after
// since.
func Summarize(bumped []Order, since time.Time) Stats {
	st := Stats{Since: since, ByDestination: make(map[Destination]Times)}
	var all []time.Duration
	per := make(map[Destination][]time.Duration)
	for _, o := range bumped {
		if o.Status != Bumped || o.BumpedAt.Before(since) {
			continue
		}
		d := o.BumpedAt.Sub(o.PlacedAt)
		all = append(all, d)
		per[o.Destination] = append(per[o.Destination], d)
	}
	st.Times = times(all)
	for _, dest := range Destinations() {
		st.ByDestination[dest] = times(per[dest])
	}
	return st
}

func times(ds []time.Duration) Times {
	if len(ds) == 0 {
		return Times{}
	}
	slices.Sort(ds)
	return Times{Count: len(ds), MedianSeconds: percentile(ds, 50).Seconds(), P90Seconds: percentile(ds, 90).Seconds()}
}

// percentile returns the p-th percentile of sorted ds by the nearest-rank
// method: the smallest value that at least p percent of ds do not exceed.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	return sorted[max(rank, 1)-1]
}

// Report is the speed of service for the last hour and for today.
type Report struct {
	LastHour Stats `json:"last_hour"`
	Today    Stats `json:"today"`
}

// Stats returns the speed of service for the last hour and for today (since
// midnight in the board clock's time zone).
func (b *Board) Stats(ctx context.Context) (Report, error) {
	now := b.now()
	hour := now.Add(-time.Hour)
	y, m, d := now.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	bumped, err := b.store.Bumped(ctx, earlier(hour, midnight))
	if err != nil {
		return Report{}, fmt.Errorf("orders: stats: %w", err)
	}
	return Report{LastHour: Summarize(bumped, hour), Today: Summarize(bumped, midnight)}, nil
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
