package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/ticketrail/ticketrail/orders"
	"github.com/ticketrail/ticketrail/orders/postgres"
	"github.com/ticketrail/ticketrail/orders/sqlite"
)

// isPostgresURL reports whether db names a PostgreSQL database rather than
// an SQLite file.
func isPostgresURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// openStore opens the store that db names: a postgres:// URL is a
// PostgreSQL database that several instances may share; anything else is
// an SQLite file (or :memory:) that this instance alone holds.
func openStore(ctx context.Context, db string) (orders.Store, error) {
	if isPostgresURL(db) {
		s, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	s, err := sqlite.Open(ctx, db)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// redactDB returns db fit for a log line: a URL without its password.
func redactDB(db string) string {
	if !isPostgresURL(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}

// demoLead is the name under which instances that share a database elect
// the one that runs the demo.
const demoLead = "demo"

// runDemo runs the demo with gen until ctx is done: at once on a store of
// its own, or while this instance leads for demoLead on a store that
// several instances share (orders.Leader), so that the demo runs once.
func runDemo(ctx context.Context, board *orders.Board, store orders.Store, gen *orders.Generator, cfg orders.DemoConfig, log *slog.Logger) {
	demo := func(ctx context.Context) {
		if err := gen.Demo(ctx, board, cfg); err != nil && ctx.Err() == nil {
			log.Error("demo stopped", "err", err)
		}
	}
	leader, ok := store.(orders.Leader)
	if !ok {
		demo(ctx)
		return
	}
	err := leader.Lead(ctx, demoLead, func(ctx context.Context) {
		log.Info("this instance runs the demo")
		demo(ctx)
		log.Info("this instance no longer runs the demo")
	})
	if err != nil && ctx.Err() == nil {
		log.Error("demo election stopped", "err", fmt.Errorf("lead %s: %w", demoLead, err))
	}
}
