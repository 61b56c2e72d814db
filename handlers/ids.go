package handlers

import (
	"fmt"
	"strconv"

	"github.com/ticketrail/ticketrail/orders"
)

// parseID is the one parser of the ID of an order or a screen as a URL or
// a message sends it: a whole number from 1. Anything else names nothing,
// so the error wraps orders.ErrNotFound; what says what the ID is of
// ("order", "screen", "ticket").
func parseID(what, s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s id must be a positive whole number, got %.40q: %w", what, s, orders.ErrNotFound)
	}
	return n, nil
}

// parseIndex parses the index of an item in an order: a whole number from
// 0. Anything else names no item, so the error wraps orders.ErrNotFound.
func parseIndex(s string) (int, error) {
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 {
		return 0, fmt.Errorf("the item must be a whole number from 0, got %.40q: %w", s, orders.ErrNotFound)
	}
	return i, nil
}
