package postgres

// Silence makes s write without notifying Channel, for the benchmarks that
// measure what a notification costs. Call it before s is used.
func Silence(s *Store) { s.silent = true }
