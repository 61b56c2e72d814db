//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package sqlite

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockDatabase takes an exclusive lock on the lock file of the database at
// path (path + LockSuffix, created if need be) with flock(2), or returns
// an error wrapping ErrInUse at once if another open file holds it. The
// lock lasts until the returned file is closed or the process ends, also
// when it is killed. Close the file to release it.
//
// The lock is on a file of its own, not on the database, whose locks
// belong to SQLite.
func lockDatabase(path string) (*os.File, error) {
	name := path + LockSuffix
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &inUseError{path: path, pid: lockHolder(name)}
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	if err := writePID(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock file %s: %w", name, err)
	}
	return f, nil
}
