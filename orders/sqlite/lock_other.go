//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package sqlite

import "os"

// lockDatabase takes no lock on systems without flock(2): there, nothing
// keeps a second server from opening the same database.
func lockDatabase(path string) (*os.File, error) { return nil, nil }
