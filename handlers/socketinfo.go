package handlers

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// socketInfo is who and what one socket serves; set when it opens.
type socketInfo struct {
	id     uint64
	name   string // the paired screen's name, or address · browser
	kind   screenKind
	remote string
	agent  string // the browser's User-Agent
	since  time.Time
	screen int64 // the paired screen, 0 for none
	// acks: the screen acks what it shows (acks=1 in the socket's URL,
	// as the rail's own pages ask) and is held to it (see watch).
	acks bool
	// mini: a miniature on the fleet page (mini=1), neither listed nor
	// watched.
	mini bool
}

// socketIDs numbers the sockets of the process.
var socketIDs atomic.Uint64

// newSocketInfo returns what r, opening a socket of kind k for p, says of
// it at now.
func newSocketInfo(r *http.Request, k screenKind, p Principal, now time.Time) socketInfo {
	q := r.URL.Query()
	i := socketInfo{
		id: socketIDs.Add(1), kind: k, remote: r.RemoteAddr, agent: r.UserAgent(), since: now, screen: p.Screen,
		acks: q.Get("acks") == "1", mini: q.Get("mini") == "1",
	}
	i.name = p.Actor
	if p.Screen == 0 {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		i.name = host + " · " + browserName(i.agent)
	}
	return i
}

// logAttrs are the attributes that name the socket in a log line.
func (i socketInfo) logAttrs() []any {
	return []any{"socket", i.id, "screen", i.name, "view", i.kind.view()}
}

// view names the kind of screen: "expo" or its station, with " view-only"
// for a screen without controls.
func (k screenKind) view() string {
	v := string(k.station)
	if v == "" {
		v = "expo"
	}
	if k.viewOnly {
		v += " view-only"
	}
	return v
}

// browserName is a short name of the browser a User-Agent header names:
// the first product it knows of, or the header's first product.
func browserName(agent string) string {
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"Firefox/", "Firefox"}, {"HeadlessChrome/", "Headless Chrome"},
		{"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(agent, b.token) {
			return b.name
		}
	}
	name, _, _ := strings.Cut(agent, " ")
	name, _, _ = strings.Cut(name, "/")
	if name == "" {
		return "unknown browser"
	}
	if len(name) > 24 {
		name = name[:24]
	}
	return name
}

// closeReason is why a socket ended, as logs and metrics name it.
type closeReason string

// The reasons a socket ends. The server sets one before it closes a
// socket; the others are read from the error that ended it.
var (
	reasonClientGone = closeReason("client_gone") // the page left, reloaded or lost its connection
	reasonSlow       = closeReason("slow")        // a write took longer than the write timeout
	reasonBehind     = closeReason("behind_1013") // it fell behind again while catching up (1013)
	reasonNoPong     = closeReason("no_pong")     // it did not answer a ping
	reasonUnseen     = closeReason("unseen")      // it did not show what it was sent (1013)
	reasonRevoked    = closeReason("revoked")     // its screen was revoked (4001)
	reasonRestart    = closeReason("restart")     // the server is closing (1012)
	reasonBadMessage = closeReason("bad_message") // it sent a binary, oversized or non-UTF-8 message
	reasonError      = closeReason("error")       // anything else
)

// closeReasons lists every closeReason, for metrics.
var closeReasons = []closeReason{reasonClientGone, reasonSlow, reasonBehind, reasonNoPong, reasonUnseen, reasonRevoked, reasonRestart, reasonBadMessage, reasonError}

// endReason is why a socket ended with err, unless the server said why
// before it closed it (set).
func endReason(set *closeReason, err error) closeReason {
	switch {
	case set != nil:
		return *set
	case errors.Is(err, errTooSlow):
		return reasonSlow
	case errors.Is(err, errNoPong):
		return reasonNoPong
	}
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusGoingAway, websocket.StatusNoStatusRcvd:
		return reasonClientGone
	case websocket.StatusServiceRestart:
		return reasonRestart
	}
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) {
		return reasonClientGone
	}
	var ne net.Error
	if errors.As(err, &ne) || err == nil {
		return reasonClientGone
	}
	return reasonError
}
