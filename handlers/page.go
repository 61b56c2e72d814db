package handlers

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/ticketrail/ticketrail/assets"
	"github.com/ticketrail/ticketrail/orders"
	"github.com/ticketrail/ticketrail/views"
)

// contentSecurityPolicy lets the page load only its own styles, scripts,
// sounds and socket, and run no inline script but its own (allowed by its
// hash). htmx evaluates the page's own hx-on handlers, trigger filters and
// js: values (the bump-bar keys, the connection banner) with Function,
// hence 'unsafe-eval'. Style attributes are allowed (style-src-attr, and
// no <style> element): each ticket carries its clock's custom properties
// in one, numbers the server writes. Every text the page shows is escaped,
// so no order can add attributes of its own.
var contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; " +
	"script-src 'self' 'unsafe-eval' " + views.ScriptHash() + "; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"

// handlePage serves the full page with every open ticket already in the
// HTML, so a screen opened mid-service shows the rail on first paint. A
// browser that is not a screen gets the pairing page instead, unless
// Options.Authorize decides who is who (authorized).
//
// The page's socket URL asks to be held to its receipts (acks=1, see
// watch), but for a fleet page's miniature (mini=1), which is neither
// listed nor watched.
func handlePage(d *door, board *orders.Board, ps *pairings, lk look, wt *watch, authorized bool, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, ok := kindOf(w, r)
		if !ok {
			return
		}
		p, err := d.principal(r)
		switch {
		case err == nil && !p.Sees() && !authorized:
			writePairingPage(w, r, ps, lk, log)
			return
		case err != nil || !p.Sees():
			refuse(w, p, err)
			return
		case !p.Kitchen():
			k.viewOnly = true
		}
		snap := board.Snapshot()
		wsURL := "ws" + k.query(false)
		if r.URL.Query().Get("mini") == "1" {
			wsURL = addQuery(wsURL, "mini=1")
		} else {
			wsURL = addQuery(wsURL, "acks=1")
		}
		var alarms []views.Alarm
		if k.station == "" {
			alarms, _, _ = wt.current()
		}
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
		writeHTML(w, r, log, views.Page(views.PageData{
			Screen:   lk.screen(k),
			Title:    lk.store + " · Kitchen rail",
			CSSURL:   assets.Path("rail.css"),
			HTMXURL:  assets.Path("htmx/htmx.min.js"),
			WSExtURL: assets.Path("htmx/hx-ws.min.js"),
			WSURL:    wsURL,
			Alarms:   alarms,
			Now:      snap.Now,
			Orders:   snap.Orders,
			Recent:   snap.Recent,
			Offline:  snap.Offline,
			Large:    r.URL.Query().Get("size") == "large",
			Sounds: views.Sounds{
				Arrive: assets.Path("sounds/arrive.wav"),
				Late:   assets.Path("sounds/late.wav"),
			},
			ScreensLink: p.Kitchen() && !authorized,
		}))
	})
}

// addQuery adds the query parameter kv (already escaped) to url.
func addQuery(url, kv string) string {
	if strings.Contains(url, "?") {
		return url + "&" + kv
	}
	return url + "?" + kv
}

// writePage writes a whole page under the page's Content-Security-Policy.
func writePage(w http.ResponseWriter, r *http.Request, log *slog.Logger, c templ.Component) {
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
	writeHTML(w, r, log, c)
}

// writePairingPage shows a browser that is not a screen its pairing code,
// the same one on every reload until it expires or is approved.
func writePairingPage(w http.ResponseWriter, r *http.Request, ps *pairings, lk look, log *slog.Logger) {
	secret := ""
	if c, err := r.Cookie(pairingCookie); err == nil {
		secret = c.Value
	}
	secret, code, err := ps.start(r.Context(), secret)
	if err != nil {
		writeError(w, r, log, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: pairingCookie, Value: secret, Path: "/", MaxAge: int(PairingTTL / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
	w.Header().Set("Cache-Control", "no-store")
	writePage(w, r, log, views.PairingPage(lk.frame("Pair this screen"), showCode(code)))
}
