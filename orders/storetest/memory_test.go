package storetest_test

import (
	"testing"

	"github.com/ticketrail/ticketrail/orders"
	"github.com/ticketrail/ticketrail/orders/storetest"
)

// TestMemoryStore runs the suite against the reference store.
func TestMemoryStore(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) orders.Store { return orders.NewMemoryStore() },
		// A MemoryStore survives only within its process, so a restart
		// is simulated by going on with the same store, without closing
		// it: this checks the suite's reopen scenarios against the
		// reference semantics, not persistence.
		Reopen: func(t *testing.T, s orders.Store) orders.Store { return s },
		// Two boards in one process share the one store.
		Share: func(t *testing.T, s orders.Store) orders.Store { return s },
	})
}
