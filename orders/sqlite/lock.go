package sqlite

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrInUse means that another Store, in this process or another, has the
// database open: Open refuses a database that a running server uses, so
// that two servers never hold two rails of the same orders.
var ErrInUse = errors.New("the database is in use by another server")

// LockSuffix is what Open appends to a database's path to name its lock
// file. The file holds the process ID of the server that has the
// database open; it is left in place when the server stops, and a stale
// one is harmless: the lock, not the file, says the database is in use.
const LockSuffix = ".lock"

// inUseError is the error Open returns for a database that is in use.
type inUseError struct {
	path string
	pid  int // 0 when the lock file does not say
}

func (e *inUseError) Error() string {
	if e.pid > 0 {
		return fmt.Sprintf("%s is in use by another server (pid %d)", e.path, e.pid)
	}
	return e.path + " is in use by another server"
}

// Unwrap lets errors.Is(err, ErrInUse) hold.
func (e *inUseError) Unwrap() error { return ErrInUse }

// lockHolder returns the process ID that the lock file at name holds, or 0.
func lockHolder(name string) int {
	b, err := os.ReadFile(name)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid < 1 {
		return 0
	}
	return pid
}

// writePID records this process as the lock's holder in f.
func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}
