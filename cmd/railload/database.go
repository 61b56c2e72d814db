package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ticketrail/ticketrail/internal/pgtest"
)

// databaseTimeout bounds each statement railload sends the database
// server: creating or dropping a database, and the questions it asks.
const databaseTimeout = time.Minute

// openDatabase returns the server at pg, a postgres:// URL whose host is
// this machine, or without it a server of railload's own from
// pgtest.Launch, which close stops and removes.
func openDatabase(ctx context.Context, pg string, logw io.Writer) (*database, error) {
	d := &database{close: func() {}, logw: logw}
	if pg == "" {
		fmt.Fprintln(logw, "railload: starting PostgreSQL")
		c, err := pgtest.Launch()
		if err != nil {
			return nil, fmt.Errorf("start PostgreSQL (or give -pg): %w", err)
		}
		d.close = func() {
			if err := c.Close(); err != nil {
				fmt.Fprintf(logw, "railload: stop PostgreSQL: %v\n", err)
			}
		}
		pg, d.origin = c.URL("postgres"), "started by railload, syncing to disk"
	} else {
		d.origin = "-pg"
	}
	var err error
	if d.admin, err = url.Parse(pg); err != nil {
		d.close()
		return nil, fmt.Errorf("-pg: %w", err)
	}
	if err := d.ask(ctx, pg); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

// ask checks that the server at pg is on this machine and asks it its
// version and, through the process of its own connection, the server's
// main process.
func (d *database) ask(ctx context.Context, pg string) error {
	cfg, err := pgx.ParseConfig(pg)
	if err != nil {
		return fmt.Errorf("-pg: %w", err)
	}
	if !strings.HasPrefix(cfg.Host, "/") { // a Unix socket is on this machine
		if _, err := loopbackIP(ctx, cfg.Host); err != nil {
			return fmt.Errorf("-pg: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, databaseTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var backend int
	if err := conn.QueryRow(ctx, `SELECT current_setting('server_version'), pg_backend_pid()`).Scan(&d.version, &backend); err != nil {
		return fmt.Errorf("ask PostgreSQL: %w", err)
	}
	d.pid = postmaster(backend)
	if d.pid == 0 {
		fmt.Fprintln(d.logw, "railload: PostgreSQL's processes not found: its CPU is not measured")
	}
	return nil
}

// postmaster returns the parent of the server process backend when both
// are PostgreSQL's, or 0.
func postmaster(backend int) int {
	fields, err := statFields(backend)
	if err != nil || !isPostgres(backend) {
		return 0
	}
	parent, err := strconv.Atoi(fields[1])
	if err != nil || !isPostgres(parent) {
		return 0
	}
	return parent
}

// isPostgres reports whether process pid runs PostgreSQL's server.
func isPostgres(pid int) bool {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err == nil {
		return strings.HasSuffix(exe, "/postgres")
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return err == nil && strings.TrimSpace(string(comm)) == "postgres"
}

// exec runs one statement on the server's admin database.
func (d *database) exec(ctx context.Context, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, databaseTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, d.admin.String())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

// create makes a new, empty database and returns its URL.
func (d *database) create(ctx context.Context, name string) (string, error) {
	if err := d.exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return databaseURL(d.admin, name), nil
}

// drop removes a database that create made, once its run is over; it
// says so when it cannot.
func (d *database) drop(name string) {
	if err := d.exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		fmt.Fprintf(d.logw, "railload: drop database %s: %v\n", name, err)
	}
}
