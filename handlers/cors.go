package handlers

import (
	"net/http"
	"net/url"
	"path"
	"strings"
)

// origins says which other sites' pages may use the rail
// (Options.OriginPatterns), and guards the routes they may use.
type origins struct {
	patterns []string
	// csrf refuses the cross-site requests that change something, but for
	// those of the listed origins.
	csrf *http.CrossOriginProtection
}

// allowed reports whether a request's Origin header names a page
// that may use the rail: the rail's own origin, or one whose host matches
// Options.OriginPatterns. A request without Origin (curl, a server, a
// plain <script> or <link>) is allowed.
func (o *origins) allowed(r *http.Request) (origin string, listed, ok bool) {
	origin = r.Header.Get("Origin")
	if origin == "" {
		return "", false, true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return origin, false, false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return origin, false, true
	}
	host := strings.ToLower(u.Host)
	for _, p := range o.patterns {
		// The same matching as the socket's origin check.
		if m, err := path.Match(strings.ToLower(p), host); err == nil && m {
			return origin, true, true
		}
	}
	return origin, false, false
}

// cors opens a route to the pages of the listed origins (Options.
// OriginPatterns) with CORS headers, answers their preflight requests, and
// refuses every other foreign origin with 403. methods are the methods the
// route serves.
func (o *origins) cors(methods string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		origin, listed, ok := o.allowed(r)
		if !ok {
			http.Error(w, "this origin may not use the rail; the server lists the ones that may with -allow-origin", http.StatusForbidden)
			return
		}
		if listed {
			w.Header().Set("Access-Control-Allow-Origin", origin)
		}
		if r.Method == http.MethodOptions {
			if listed {
				w.Header().Set("Access-Control-Allow-Methods", methods)
				// htmx sends its own request headers (HX-Request and
				// others); the routes are public, so any may come.
				if hs := r.Header.Get("Access-Control-Request-Headers"); hs != "" {
					w.Header().Set("Access-Control-Allow-Headers", hs)
				}
				w.Header().Set("Access-Control-Max-Age", "600")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// crossSiteSafe guards the page's actions: a listed origin may post them
// (its CORS headers come from cors); every other request must pass
// http.CrossOriginProtection, which refuses cross-site posts.
func (o *origins) crossSiteSafe(next http.Handler) http.Handler {
	protected := o.csrf.Handler(next)
	return o.cors("POST", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, listed, _ := o.allowed(r); listed {
			next.ServeHTTP(w, r)
			return
		}
		protected.ServeHTTP(w, r)
	}))
}
