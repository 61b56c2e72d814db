package orders

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// Roster is a Store that several processes share and on which each
// reports what it serves (its screens, say), so that every one of them
// can show the whole fleet. Reports are opaque to the store.
type Roster interface {
	// Report records r as the latest report of r.Instance, replacing the
	// one before.
	Report(ctx context.Context, r InstanceReport) error
	// Reports returns every instance's latest report made at or after
	// since, by instance name.
	Reports(ctx context.Context, since time.Time) ([]InstanceReport, error)
}

// InstanceReport is what one process reports of itself on a Roster.
type InstanceReport struct {
	// Instance names the process; unique among those sharing the store.
	Instance string
	// At is when the report was made.
	At time.Time
	// Data is the report itself.
	Data []byte
}

// Report implements Roster, for boards that share a MemoryStore.
func (m *MemoryStore) Report(ctx context.Context, r InstanceReport) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.reports == nil {
		m.reports = make(map[string]InstanceReport)
	}
	r.Data = slices.Clone(r.Data)
	m.reports[r.Instance] = r
	return nil
}

// Reports implements Roster.
func (m *MemoryStore) Reports(ctx context.Context, since time.Time) ([]InstanceReport, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []InstanceReport
	for _, r := range m.reports {
		if !r.At.Before(since) {
			r.Data = slices.Clone(r.Data)
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b InstanceReport) int { return cmp.Compare(a.Instance, b.Instance) })
	return out, nil
}
