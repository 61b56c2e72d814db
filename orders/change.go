package orders

import (
	"context"
	"fmt"
	"time"
)

// Change is one entry of an order's history: who changed it, when, and
// what they did. The board records one with every change it makes, in the
// same store write as the change itself, so an order's history is never
// behind the order.
type Change struct {
	// At is when the change was made, by the board's clock.
	At time.Time `json:"at"`
	// Actor is who made it, as the caller named itself with WithActor:
	// a screen's name, "api" or "demo"; UnknownActor when it did not.
	Actor string `json:"actor"`
	// Action is what was done: one of the Action constants, "done grill"
	// (StationDoneAction) or "item 2 done" and "item 2 undone"
	// (ItemAction).
	Action string `json:"action"`
}

// The actions of a Change that concern the whole order.
const (
	ActionPlaced    = "placed"
	ActionFired     = "fired"
	ActionBumped    = "bumped"
	ActionRecalled  = "recalled"
	ActionCancelled = "cancelled"
)

// StationDoneAction returns the action of a Change that marks station's
// part of an order done, such as "done grill".
func StationDoneAction(station Station) string { return "done " + string(station) }

// ItemAction returns the action of a Change that marks the item at index
// item (from 0, into the order's Items) done, "item 2 done", or not done,
// "item 2 undone".
func ItemAction(item int, done bool) string {
	if done {
		return fmt.Sprintf("item %d done", item)
	}
	return fmt.Sprintf("item %d undone", item)
}

// UnknownActor is the actor the board records for a change whose context
// names none.
const UnknownActor = "unknown"

// actorKey is the context key under which WithActor keeps the actor.
type actorKey struct{}

// WithActor returns a copy of ctx that names actor as the one making the
// changes asked for with it: the board records it in each order's history.
// Screens name themselves by their screen's name, the order API by "api",
// the demo by "demo".
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFrom returns the actor that WithActor put in ctx, or "" when there
// is none.
func ActorFrom(ctx context.Context) string {
	actor, _ := ctx.Value(actorKey{}).(string)
	return actor
}

// changeOf returns the Change that records e, a change the board is about
// to write, made at when by the actor of ctx.
func changeOf(ctx context.Context, e Entry, at time.Time) Change {
	c := Change{At: at, Actor: ActorFrom(ctx)}
	if c.Actor == "" {
		c.Actor = UnknownActor
	}
	switch e.Kind {
	case EventPlaced:
		c.Action = ActionPlaced
	case EventFired:
		c.Action = ActionFired
	case EventBumped:
		c.Action = ActionBumped
	case EventRecalled:
		c.Action = ActionRecalled
	case EventCancelled:
		c.Action = ActionCancelled
	case EventStationDone:
		c.Action = StationDoneAction(e.Station)
	case EventItemDone:
		c.Action = ItemAction(e.Item, true)
	case EventItemUndone:
		c.Action = ItemAction(e.Item, false)
	default:
		c.Action = string(e.Kind)
	}
	return c
}
