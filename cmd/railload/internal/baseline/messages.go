package baseline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
)

// Messages are the bytes a baseline sends: what a rail sent a screen when
// it connected, and when one order was placed.
type Messages struct {
	// Snapshot is the first message of every socket.
	Snapshot []byte `json:"snapshot"`
	// Ticket is the message of a new ticket, the one whose id is ID: it
	// holds id="ticket-ID".
	Ticket []byte `json:"ticket"`
	ID     int64  `json:"id"`
}

// ticketAttr is how a message names a ticket: railload knows a ticket has
// arrived by it.
func ticketAttr(id int64) []byte {
	return []byte(`id="ticket-` + strconv.FormatInt(id, 10) + `"`)
}

// Check reports whether m is usable: a snapshot, and a ticket message that
// names its ticket.
func (m Messages) Check() error {
	switch {
	case len(m.Snapshot) == 0:
		return errors.New("baseline: messages: no snapshot")
	case m.ID <= 0 || !bytes.Contains(m.Ticket, ticketAttr(m.ID)):
		return fmt.Errorf("baseline: messages: the ticket message does not hold id=\"ticket-%d\"", m.ID)
	}
	return nil
}

// For returns the message of new ticket id: Ticket with every
// id="ticket-ID" naming id instead. Other mentions of ID stay, so the
// message differs from the rail's own by a few digits at most.
func (m Messages) For(id int64) []byte {
	return bytes.ReplaceAll(m.Ticket, ticketAttr(m.ID), ticketAttr(id))
}

// ReadMessages reads Messages from a JSON file and checks them.
func ReadMessages(name string) (Messages, error) {
	var m Messages
	data, err := os.ReadFile(name)
	if err != nil {
		return m, fmt.Errorf("baseline: %w", err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("baseline: %s: %w", name, err)
	}
	return m, m.Check()
}

// WriteMessages writes m to a JSON file.
func WriteMessages(name string, m Messages) error {
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	return nil
}

// maxOrderBytes bounds the body of POST /api/orders.
const maxOrderBytes = 64 << 10

// order is what POST /api/orders reads. The baselines check it as far as
// decoding it and finding an item, and keep nothing of it.
type order struct {
	Destination string `json:"destination"`
	Items       []struct {
		Name    string `json:"name"`
		Station string `json:"station"`
	} `json:"items"`
	SourceID string `json:"source_id"`
}

// readOrder decodes the order of a POST, or answers 400 and reports false.
func readOrder(w http.ResponseWriter, r *http.Request) bool {
	var o order
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxOrderBytes)).Decode(&o); err != nil {
		http.Error(w, "bad order: "+err.Error(), http.StatusBadRequest)
		return false
	}
	if len(o.Items) == 0 {
		http.Error(w, "bad order: no items", http.StatusBadRequest)
		return false
	}
	return true
}

// created answers the POST of order id.
func created(w http.ResponseWriter, id int64) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, "{\"id\":%d}\n", id)
}
