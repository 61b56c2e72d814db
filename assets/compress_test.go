package assets

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// wantGzip says which assets must have a gzipped form. The WAVE files are
// measured like the rest: late.wav is mostly silence and shrinks by more
// than half, arrive.wav by a few per cent, which does not pay.
var wantGzip = map[string]bool{
	"htmx/LICENSE":      true,
	"htmx/htmx.min.js":  true,
	"htmx/hx-ws.min.js": true,
	"rail.css":          true,
	"sounds/arrive.wav": false,
	"sounds/late.wav":   true,
}

func gunzip(t *testing.T, data []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		values []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"identity"}, false},
		{[]string{"br"}, false},
		{[]string{"br;q=1, zstd"}, false},
		{[]string{"gzip"}, true},
		{[]string{"GZip"}, true},
		{[]string{"x-gzip"}, true},
		{[]string{"gzip, deflate, br, zstd"}, true},
		{[]string{"br", "gzip"}, true},
		{[]string{"deflate,gzip;q=0.5"}, true},
		{[]string{" gzip ; q=0.001 "}, true},
		{[]string{"gzip;Q=1.000"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip;q=0.000"}, false},
		{[]string{"gzip;q=0."}, false},
		{[]string{"gzip; q=0, br"}, false},
		{[]string{"gzip;q=0, *"}, false},
		{[]string{"*"}, true},
		{[]string{"*;q=0.1"}, true},
		{[]string{"*;q=0"}, false},
		{[]string{"br, *;q=0"}, false},
		// Media requests in browsers send this: identity only.
		{[]string{"identity;q=1, *;q=0"}, false},
		{[]string{"gzip;q=0.5, identity"}, false},
		{[]string{"gzip;q=0.5, identity;q=0.5"}, true},
		{[]string{"gzip, identity;q=0"}, true},
		{[]string{"gzip;q=0.5, *;q=1"}, false}, // * ranks identity above gzip
		{[]string{"*;q=0.5, identity;q=1"}, false},
		// Weights that are not qvalues void their element.
		{[]string{"gzip;q=2"}, false},
		{[]string{"gzip;q=1.5"}, false},
		{[]string{"gzip;q=1.0001"}, false},
		{[]string{"gzip;q=-1"}, false},
		{[]string{"gzip;q=.5"}, false},
		{[]string{"gzip;q="}, false},
		{[]string{"gzip;q=high, *"}, true},
		{[]string{"gzip;level=9"}, true},
		{[]string{"gzipx"}, false},
		{[]string{"gzip;q=1, gzip;q=0"}, true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.values, " | "), func(t *testing.T) {
			if got := acceptsGzip(tt.values); got != tt.want {
				t.Errorf("acceptsGzip(%q) = %v, want %v", tt.values, got, tt.want)
			}
		})
	}
}

func TestMatchETag(t *testing.T) {
	const a, b = `"aaa"`, `"aaa-gzip"`
	tests := []struct{ field, want string }{
		{`"aaa"`, a},
		{`"aaa-gzip"`, b},
		{`W/"aaa-gzip"`, b},
		{`"zzz", "aaa-gzip"`, b},
		{`"aaa-gzip", "aaa"`, a}, // the first of tags wins
		{"*", a},
		{` "aaa" `, a},
		{`"zzz"`, ""},
		{`"aaa`, ""},
		{`aaa`, ""},
		{`"aaa" junk`, ""},
		{`"a,b", "aaa"`, a}, // a comma inside a tag is part of it
		{`,,"aaa",`, a},
		{`"AAA"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			if got := matchETag(tt.field, a, b); got != tt.want {
				t.Errorf("matchETag(%q) = %q, want %q", tt.field, got, tt.want)
			}
		})
	}
}

// TestGzipSizes checks the catalog's choice for every asset: a gzipped form
// exactly when wantGzip says so, a tenth or more smaller, that inflates to
// the embedded bytes.
func TestGzipSizes(t *testing.T) {
	c := loadCatalog()
	if len(c.byName) != len(wantGzip) {
		t.Fatalf("%d assets, wantGzip lists %d", len(c.byName), len(wantGzip))
	}
	for _, name := range wantNames {
		t.Run(name, func(t *testing.T) {
			data, hash := embedded(t, name)
			a := c.byName[name]
			if got := a.gz != nil; got != wantGzip[name] {
				t.Fatalf("gzipped form: %v, want %v", got, wantGzip[name])
			}
			if a.gz == nil {
				if a.gzETag != "" {
					t.Errorf("gzip ETag %s without gzipped bytes", a.gzETag)
				}
				return
			}
			t.Logf("%d bytes, %d gzipped", len(data), len(a.gz))
			if len(a.gz)*10 > len(data)*9 {
				t.Errorf("gzipped to %d of %d bytes: saves under a tenth", len(a.gz), len(data))
			}
			if !bytes.Equal(gunzip(t, a.gz), data) {
				t.Error("gzipped form does not inflate to the embedded bytes")
			}
			if want := `"` + hash + `-gzip"`; a.gzETag != want {
				t.Errorf("gzip ETag %s, want %s", a.gzETag, want)
			}
		})
	}
}

func TestServeGzip(t *testing.T) {
	encodings := []struct {
		desc string
		ae   []string // Accept-Encoding field lines; nil for none
		gzip bool
	}{
		{"no Accept-Encoding", nil, false},
		{"identity", []string{"identity"}, false},
		{"gzip;q=0", []string{"gzip;q=0"}, false},
		{"br only", []string{"br"}, false},
		{"media request", []string{"identity;q=1, *;q=0"}, false},
		{"gzip", []string{"gzip"}, true},
		{"browser", []string{"gzip, deflate, br, zstd"}, true},
		{"star", []string{"*"}, true},
		{"two lines", []string{"br", "gzip;q=0.8"}, true},
	}
	for _, name := range wantNames {
		data, hash := embedded(t, name)
		for _, target := range []string{"/" + Path(name), "/assets/" + name} {
			for _, enc := range encodings {
				for _, method := range []string{http.MethodGet, http.MethodHead} {
					t.Run(method+" "+target+" "+enc.desc, func(t *testing.T) {
						rec := serve(t, method, target, http.Header{"Accept-Encoding": enc.ae})
						if rec.Code != http.StatusOK {
							t.Fatalf("status = %d, want 200", rec.Code)
						}
						h := rec.Header()
						wantVary := ""
						if wantGzip[name] {
							wantVary = "Accept-Encoding"
						}
						checkHeaders(t, h, map[string]string{
							"Content-Type":           wantTypes[name],
							"X-Content-Type-Options": "nosniff",
							"Vary":                   wantVary,
						})
						if cc := h.Get("Cache-Control"); cc != "no-cache" && cc != "public, max-age=31536000, immutable" {
							t.Errorf("Cache-Control = %q", cc)
						}
						body := rec.Body.Bytes()
						if method == http.MethodHead {
							body = nil
						}
						if enc.gzip && wantGzip[name] {
							gz := loadCatalog().byName[name].gz
							checkHeaders(t, h, map[string]string{
								"Content-Encoding": "gzip",
								"Content-Length":   strconv.Itoa(len(gz)),
								"ETag":             `"` + hash + `-gzip"`,
							})
							if body != nil && !bytes.Equal(gunzip(t, body), data) {
								t.Error("gzipped body does not inflate to the embedded bytes")
							}
							return
						}
						checkHeaders(t, h, map[string]string{
							"Content-Encoding": "",
							"Content-Length":   strconv.Itoa(len(data)),
							"ETag":             `"` + hash + `"`,
						})
						if body != nil && !bytes.Equal(body, data) {
							t.Error("body differs from the embedded bytes")
						}
					})
				}
			}
		}
	}
}

// TestServeGzipNotModified revalidates the plain path of a gzipped asset
// with either ETag, from a client that takes gzip and from one that does
// not: both name the same content, so both get 304 with the ETag they sent.
func TestServeGzipNotModified(t *testing.T) {
	_, hash := embedded(t, "rail.css")
	identity, gz := `"`+hash+`"`, `"`+hash+`-gzip"`
	tests := []struct {
		desc        string
		ae          []string
		ifNoneMatch string
		want        int
		wantETag    string
	}{
		{"gzip tag, gzip client", []string{"gzip"}, gz, http.StatusNotModified, gz},
		{"identity tag, gzip client", []string{"gzip"}, identity, http.StatusNotModified, identity},
		{"gzip tag, identity client", nil, gz, http.StatusNotModified, gz},
		{"identity tag, identity client", nil, identity, http.StatusNotModified, identity},
		{"weak gzip tag", []string{"gzip"}, "W/" + gz, http.StatusNotModified, gz},
		{"list with gzip tag", []string{"gzip"}, `"000000000000", ` + gz, http.StatusNotModified, gz},
		{"both tags, gzip client", []string{"gzip"}, identity + ", " + gz, http.StatusNotModified, gz},
		{"both tags, identity client", nil, gz + ", " + identity, http.StatusNotModified, identity},
		{"star, gzip client", []string{"gzip"}, "*", http.StatusNotModified, gz},
		{"stale gzip tag", []string{"gzip"}, `"000000000000-gzip"`, http.StatusOK, gz},
		{"stale gzip tag, identity client", nil, `"000000000000-gzip"`, http.StatusOK, identity},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			rec := serve(t, http.MethodGet, "/assets/rail.css", http.Header{
				"Accept-Encoding": tt.ae,
				"If-None-Match":   {tt.ifNoneMatch},
			})
			if rec.Code != tt.want {
				t.Fatalf("status = %d, want %d", rec.Code, tt.want)
			}
			checkHeaders(t, rec.Header(), map[string]string{
				"ETag":          tt.wantETag,
				"Cache-Control": "no-cache",
				"Vary":          "Accept-Encoding",
			})
			if tt.want != http.StatusNotModified {
				return
			}
			if rec.Body.Len() != 0 {
				t.Errorf("304 response has a %d-byte body", rec.Body.Len())
			}
			for _, k := range []string{"Content-Encoding", "Content-Length", "Content-Type"} {
				if v := rec.Header().Get(k); v != "" {
					t.Errorf("304 carries %s %q", k, v)
				}
			}
		})
	}
}

// TestServeGzipOverTheWire fetches through a real server, with the client
// asking for gzip itself so that the transport hands back the bytes as
// sent, and checks HEAD and a byte range of the gzipped form.
func TestServeGzipOverTheWire(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	data, _ := embedded(t, "htmx/htmx.min.js")
	gz := loadCatalog().byName["htmx/htmx.min.js"].gz
	tests := []struct {
		method, rangeHdr string
		status           int
		body             []byte
		length           int
	}{
		{http.MethodGet, "", http.StatusOK, gz, len(gz)},
		{http.MethodHead, "", http.StatusOK, nil, len(gz)},
		{http.MethodGet, "bytes=0-9", http.StatusPartialContent, gz[:10], 10},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.rangeHdr, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+"/"+Path("htmx/htmx.min.js"), nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept-Encoding", "gzip")
			if tt.rangeHdr != "" {
				req.Header.Set("Range", tt.rangeHdr)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			checkHeaders(t, resp.Header, map[string]string{
				"Content-Encoding": "gzip",
				"Content-Length":   strconv.Itoa(tt.length),
				"Vary":             "Accept-Encoding",
			})
			if tt.method == http.MethodHead {
				tt.body = []byte{}
			}
			if !bytes.Equal(body, tt.body) {
				t.Errorf("body is %d bytes, not the %d expected", len(body), len(tt.body))
			}
			if tt.status == http.StatusOK && tt.method == http.MethodGet && !bytes.Equal(gunzip(t, body), data) {
				t.Error("body does not inflate to the embedded bytes")
			}
		})
	}
}

// TestWireBytes reports what a first visit to the rail downloads for its
// stylesheet and scripts, with and without gzip, as the handler sends it.
func TestWireBytes(t *testing.T) {
	var identity, gz int
	for _, name := range []string{"htmx/htmx.min.js", "htmx/hx-ws.min.js", "rail.css"} {
		plain := serve(t, http.MethodGet, "/"+Path(name), nil).Body.Len()
		zipped := serve(t, http.MethodGet, "/"+Path(name), http.Header{"Accept-Encoding": {"gzip"}}).Body.Len()
		t.Logf("%-18s %6d bytes identity, %6d gzip (%2d%%)", name, plain, zipped, zipped*100/plain)
		identity += plain
		gz += zipped
	}
	t.Logf("%-18s %6d bytes identity, %6d gzip (%2d%%)", "total", identity, gz, gz*100/identity)
	if gz*2 > identity {
		t.Errorf("gzip sends %d of %d bytes; the text assets should at least halve", gz, identity)
	}
}
