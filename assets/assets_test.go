package assets

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// wantNames lists every asset the package must embed.
var wantNames = []string{
	"htmx/LICENSE",
	"htmx/htmx.min.js",
	"htmx/hx-ws.min.js",
	"rail.css",
	"sounds/arrive.wav",
	"sounds/late.wav",
}

// wantTypes maps each embedded asset to its expected Content-Type.
var wantTypes = map[string]string{
	"htmx/LICENSE":      "text/plain; charset=utf-8",
	"htmx/htmx.min.js":  "text/javascript; charset=utf-8",
	"htmx/hx-ws.min.js": "text/javascript; charset=utf-8",
	"rail.css":          "text/css; charset=utf-8",
	"sounds/arrive.wav": "audio/wav",
	"sounds/late.wav":   "audio/wav",
}

// embedded returns the embedded bytes of name and the first 12 hex digits of
// their SHA-256.
func embedded(t *testing.T, name string) ([]byte, string) {
	t.Helper()
	data, err := files.ReadFile(name)
	if err != nil {
		t.Fatalf("reading embedded %s: %v", name, err)
	}
	sum := sha256.Sum256(data)
	return data, hex.EncodeToString(sum[:])[:12]
}

// serve runs one request through Handler and returns the recorded response.
func serve(t *testing.T, method, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	return rec
}

func TestNames(t *testing.T) {
	got := Names()
	if !slices.Equal(got, wantNames) {
		t.Fatalf("Names() = %q, want %q", got, wantNames)
	}
	got[0] = "changed"
	if again := Names(); !slices.Equal(again, wantNames) {
		t.Fatalf("Names() after modifying an earlier result = %q, want %q", again, wantNames)
	}
}

func TestPath(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		suffix string
	}{
		{"rail.css", "assets/rail.", ".css"},
		{"htmx/htmx.min.js", "assets/htmx/htmx.min.", ".js"},
		{"htmx/hx-ws.min.js", "assets/htmx/hx-ws.min.", ".js"},
		{"htmx/LICENSE", "assets/htmx/LICENSE.", ""},
		{"sounds/arrive.wav", "assets/sounds/arrive.", ".wav"},
		{"sounds/late.wav", "assets/sounds/late.", ".wav"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, hash := embedded(t, tt.name)
			got := Path(tt.name)
			if want := tt.prefix + hash + tt.suffix; got != want {
				t.Errorf("Path(%q) = %q, want %q", tt.name, got, want)
			}
			if strings.HasPrefix(got, "/") {
				t.Errorf("Path(%q) = %q, want a relative path", tt.name, got)
			}
			if again := Path(tt.name); again != got {
				t.Errorf("Path(%q) changed between calls: %q then %q", tt.name, got, again)
			}
		})
	}
}

func TestPathUnknownPanics(t *testing.T) {
	for _, name := range []string{"", "nope.css", "/rail.css", "assets/rail.css", "htmx", "htmx/", "htmx/htmx.js", "htmx/SHA256SUMS"} {
		t.Run(strconv.Quote(name), func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil {
					t.Fatalf("Path(%q) did not panic", name)
				}
				msg, _ := r.(string)
				if !strings.Contains(msg, strconv.Quote(name)) || !strings.Contains(msg, "rail.css") {
					t.Errorf("Path(%q) panic message %q should name the asset and list the known ones", name, msg)
				}
			}()
			Path(name)
		})
	}
}

func TestHashedName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"rail.css", "rail.h.css"},
		{"htmx/htmx.min.js", "htmx/htmx.min.h.js"},
		{"htmx/LICENSE", "htmx/LICENSE.h"},
		{"a.b/c", "a.b/c.h"},
		{".hidden", ".hidden.h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hashedName(tt.name, "h"); got != tt.want {
				t.Errorf("hashedName(%q, \"h\") = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestServeHashed(t *testing.T) {
	for _, name := range wantNames {
		t.Run(name, func(t *testing.T) {
			data, hash := embedded(t, name)
			rec := serve(t, http.MethodGet, "/"+Path(name), nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", rec.Code)
			}
			checkHeaders(t, rec.Header(), map[string]string{
				"Cache-Control":          "public, max-age=31536000, immutable",
				"Content-Type":           wantTypes[name],
				"X-Content-Type-Options": "nosniff",
				"Content-Length":         strconv.Itoa(len(data)),
				"ETag":                   `"` + hash + `"`,
			})
			if !bytes.Equal(rec.Body.Bytes(), data) {
				t.Errorf("body differs from the embedded %s (%d bytes served, %d embedded)", name, rec.Body.Len(), len(data))
			}
		})
	}
}

func TestServePlain(t *testing.T) {
	for _, name := range wantNames {
		t.Run(name, func(t *testing.T) {
			data, hash := embedded(t, name)
			etag := `"` + hash + `"`
			target := "/assets/" + name

			rec := serve(t, http.MethodGet, target, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET status = %d, want 200", rec.Code)
			}
			checkHeaders(t, rec.Header(), map[string]string{
				"Cache-Control":          "no-cache",
				"ETag":                   etag,
				"Content-Type":           wantTypes[name],
				"X-Content-Type-Options": "nosniff",
			})
			if !bytes.Equal(rec.Body.Bytes(), data) {
				t.Errorf("body differs from the embedded %s", name)
			}

			conditional := []struct {
				ifNoneMatch string
				want        int
			}{
				{etag, http.StatusNotModified},
				{`W/` + etag, http.StatusNotModified},
				{`"000000000000", ` + etag, http.StatusNotModified},
				{"*", http.StatusNotModified},
				{`"000000000000"`, http.StatusOK},
			}
			for _, c := range conditional {
				t.Run("If-None-Match "+c.ifNoneMatch, func(t *testing.T) {
					rec := serve(t, http.MethodGet, target, http.Header{"If-None-Match": {c.ifNoneMatch}})
					if rec.Code != c.want {
						t.Fatalf("status = %d, want %d", rec.Code, c.want)
					}
					if c.want == http.StatusNotModified {
						if rec.Body.Len() != 0 {
							t.Errorf("304 response has a %d-byte body", rec.Body.Len())
						}
						checkHeaders(t, rec.Header(), map[string]string{"ETag": etag, "Cache-Control": "no-cache"})
					}
				})
			}
		})
	}
}

func TestServeNotFound(t *testing.T) {
	_, railHash := embedded(t, "rail.css")
	_, htmxHash := embedded(t, "htmx/htmx.min.js")
	tests := []struct{ desc, target string }{
		{"root", "/"},
		{"assets without slash", "/assets"},
		{"assets directory", "/assets/"},
		{"htmx directory", "/assets/htmx/"},
		{"htmx directory without slash", "/assets/htmx"},
		{"unknown name", "/assets/unknown.css"},
		{"unknown hashed name", "/assets/unknown." + railHash + ".css"},
		{"SHA256SUMS is not served", "/assets/htmx/SHA256SUMS"},
		{"VERSION is not served", "/assets/htmx/VERSION"},
		{"Go source is not served", "/assets/assets.go"},
		{"name without assets dir", "/rail.css"},
		{"hashed name without assets dir", "/rail." + railHash + ".css"},
		{"wrong hash", "/assets/rail.000000000000.css"},
		// The vendored htmx's hash has letters; the CSS's may be all digits.
		{"upper-case hash", "/assets/htmx/htmx.min." + strings.ToUpper(htmxHash) + ".js"},
		{"short hash", "/assets/rail." + railHash[:11] + ".css"},
		{"another file's hash", "/assets/htmx/htmx.min." + railHash + ".js"},
		{"hash in the wrong place", "/assets/htmx/htmx." + htmxHash + ".min.js"},
		{"hash appended", "/assets/rail.css." + railHash},
		{"empty hash", "/assets/rail..css"},
		{"trailing slash", "/assets/rail.css/"},
		{"case differs", "/assets/RAIL.css"},
		{"dot-dot up and back", "/assets/../assets/rail.css"},
		{"dot-dot inside", "/assets/htmx/../rail.css"},
		{"dot segment", "/assets/./rail.css"},
		{"double slash", "/assets//rail.css"},
		{"encoded dot-dot", "/assets/%2e%2e/assets/rail.css"},
		{"encoded slash and dot-dot", "/assets/htmx%2f..%2frail.css"},
		{"dot-dot to source", "/assets/../assets/assets.go"},
		{"backslash", `/assets/htmx\htmx.min.js`},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				rec := serve(t, method, tt.target, nil)
				if rec.Code != http.StatusNotFound {
					t.Errorf("%s %s: status = %d, want 404", method, tt.target, rec.Code)
				}
				if cc := rec.Header().Get("Cache-Control"); cc != "" {
					t.Errorf("%s %s: 404 carries Cache-Control %q", method, tt.target, cc)
				}
			}
		})
	}
}

func TestServeMethodNotAllowed(t *testing.T) {
	methods := []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions, "BREW"}
	for _, target := range []string{"/" + Path("rail.css"), "/assets/htmx/htmx.min.js"} {
		for _, method := range methods {
			t.Run(method+" "+target, func(t *testing.T) {
				rec := serve(t, method, target, nil)
				if rec.Code != http.StatusMethodNotAllowed {
					t.Fatalf("status = %d, want 405", rec.Code)
				}
				if allow := rec.Header().Get("Allow"); allow != "GET, HEAD" {
					t.Errorf("Allow = %q, want %q", allow, "GET, HEAD")
				}
				if cc := rec.Header().Get("Cache-Control"); cc != "" {
					t.Errorf("405 carries Cache-Control %q", cc)
				}
			})
		}
	}
}

func TestServeHead(t *testing.T) {
	// A real server, so that the check covers what goes over the wire and
	// not only what the handler writes.
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	for _, name := range wantNames {
		for _, target := range []string{"/" + Path(name), "/assets/" + name} {
			t.Run(target, func(t *testing.T) {
				data, _ := embedded(t, name)
				resp, err := srv.Client().Head(srv.URL + target)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status = %d, want 200", resp.StatusCode)
				}
				if len(body) != 0 {
					t.Errorf("HEAD response has a %d-byte body", len(body))
				}
				checkHeaders(t, resp.Header, map[string]string{
					"Content-Length":         strconv.Itoa(len(data)),
					"Content-Type":           wantTypes[name],
					"X-Content-Type-Options": "nosniff",
				})
				if resp.Header.Get("Cache-Control") == "" {
					t.Error("HEAD response has no Cache-Control")
				}
			})
		}
	}
}

func TestServeBehindStripPrefix(t *testing.T) {
	h := http.StripPrefix("/kitchen", Handler())
	for _, target := range []string{"/kitchen/" + Path("rail.css"), "/kitchen/assets/rail.css"} {
		t.Run(target, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); ct != wantTypes["rail.css"] {
				t.Errorf("Content-Type = %q, want %q", ct, wantTypes["rail.css"])
			}
		})
	}
}

// TestVendoredChecksums fails when an embedded htmx file no longer matches
// htmx/SHA256SUMS, which fetch-htmx.sh writes from the htmx.org package.
func TestVendoredChecksums(t *testing.T) {
	f, err := os.Open("htmx/SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	line := regexp.MustCompile(`^([0-9a-f]{64}) [ *](\S+)$`)
	sums := make(map[string]string)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			t.Fatalf("SHA256SUMS line %d is not in sha256sum format: %q", n, sc.Text())
		}
		if _, dup := sums[m[2]]; dup {
			t.Fatalf("SHA256SUMS lists %s twice", m[2])
		}
		sums[m[2]] = m[1]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	var scripts []string
	for _, name := range Names() {
		if strings.HasPrefix(name, "htmx/") && strings.HasSuffix(name, ".js") {
			scripts = append(scripts, strings.TrimPrefix(name, "htmx/"))
		}
	}
	if want := []string{"htmx.min.js", "hx-ws.min.js"}; !slices.Equal(scripts, want) {
		t.Fatalf("embedded htmx scripts = %q, want %q", scripts, want)
	}
	for _, file := range scripts {
		t.Run(file, func(t *testing.T) {
			want, ok := sums[file]
			if !ok {
				t.Fatalf("SHA256SUMS has no entry for %s", file)
			}
			delete(sums, file)
			data, err := files.ReadFile("htmx/" + file)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			if got := hex.EncodeToString(sum[:]); got != want {
				t.Errorf("embedded htmx/%s has sha256 %s, SHA256SUMS says %s; re-vendor with assets/fetch-htmx.sh --update", file, got, want)
			}
		})
	}
	for file := range sums {
		t.Errorf("SHA256SUMS lists %s, which is not embedded", file)
	}
}

func TestVendoredVersion(t *testing.T) {
	data, err := os.ReadFile("htmx/VERSION")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?\n$`).Match(data) {
		t.Errorf("htmx/VERSION = %q, want one version line such as \"4.0.1\\n\"", data)
	}
}

// checkHeaders reports every header in want whose value in got differs.
func checkHeaders(t *testing.T, got http.Header, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if g := got.Get(k); g != v {
			t.Errorf("%s = %q, want %q", k, g, v)
		}
	}
}

// wantSounds are the chimes of the kitchen page, written by sounds/gen.go.
var wantSounds = []string{"sounds/arrive.wav", "sounds/late.wav"}

// pcm is what a WAVE file of PCM samples says about itself.
type pcm struct {
	channels, rate, bits int
	samples              []int // one channel, full scale ±1<<(bits-1)
}

// parseWAV reads a RIFF WAVE file of uncompressed PCM, checking that its
// chunks and sizes agree with each other and with the file's length.
func parseWAV(data []byte) (pcm, error) {
	var p pcm
	le := binary.LittleEndian
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return p, errors.New("not a RIFF WAVE file")
	}
	if n := le.Uint32(data[4:8]); int(n) != len(data)-8 {
		return p, fmt.Errorf("RIFF size %d, file has %d bytes after it", n, len(data)-8)
	}
	var sawFormat bool
	for rest := data[12:]; len(rest) > 0; {
		if len(rest) < 8 {
			return p, fmt.Errorf("%d stray bytes at the end", len(rest))
		}
		id, size := string(rest[:4]), int(le.Uint32(rest[4:8]))
		if size > len(rest)-8 {
			return p, fmt.Errorf("chunk %q of %d bytes, only %d left", id, size, len(rest)-8)
		}
		body := rest[8 : 8+size]
		rest = rest[8+size+size%2:] // chunks are padded to an even size
		switch id {
		case "fmt ":
			if size < 16 {
				return p, fmt.Errorf("fmt chunk of %d bytes", size)
			}
			if format := le.Uint16(body[0:2]); format != 1 {
				return p, fmt.Errorf("format %d, want 1 (PCM)", format)
			}
			p.channels, p.rate, p.bits = int(le.Uint16(body[2:4])), int(le.Uint32(body[4:8])), int(le.Uint16(body[14:16]))
			block := p.channels * p.bits / 8
			if int(le.Uint32(body[8:12])) != p.rate*block || int(le.Uint16(body[12:14])) != block {
				return p, fmt.Errorf("byte rate %d and block size %d do not fit %d channels of %d bits at %d Hz",
					le.Uint32(body[8:12]), le.Uint16(body[12:14]), p.channels, p.bits, p.rate)
			}
			sawFormat = true
		case "data":
			if !sawFormat {
				return p, errors.New("data before the fmt chunk")
			}
			if p.channels != 1 || p.bits != 8 && p.bits != 16 {
				return p, fmt.Errorf("%d channels of %d bits, want mono of 8 or 16", p.channels, p.bits)
			}
			for i := 0; i+p.bits/8 <= len(body); i += p.bits / 8 {
				if p.bits == 8 {
					p.samples = append(p.samples, int(body[i])-128)
				} else {
					p.samples = append(p.samples, int(int16(le.Uint16(body[i:]))))
				}
			}
		}
	}
	if p.samples == nil {
		return p, errors.New("no data chunk")
	}
	return p, nil
}

// TestSounds checks that each chime is a small, short, valid WAVE file of
// mono PCM, audible, ending in silence (no click), served as audio.
func TestSounds(t *testing.T) {
	for _, name := range wantSounds {
		t.Run(name, func(t *testing.T) {
			data, _ := embedded(t, name)
			if len(data) >= 20<<10 {
				t.Errorf("%d bytes, want under 20 KiB", len(data))
			}
			p, err := parseWAV(data)
			if err != nil {
				t.Fatal(err)
			}
			if p.rate != 8000 && p.rate != 16000 {
				t.Errorf("sample rate %d Hz, want 8000 or 16000", p.rate)
			}
			if d := time.Duration(len(p.samples)) * time.Second / time.Duration(p.rate); d <= 0 || d >= time.Second {
				t.Errorf("lasts %v, want under a second", d)
			}
			full, peak := 1<<(p.bits-1), 0
			for _, s := range p.samples {
				peak = max(peak, s, -s)
			}
			if peak < full/4 || peak >= full-1 {
				t.Errorf("peak %d of %d: too quiet or clipped", peak, full)
			}
			if last := p.samples[len(p.samples)-1]; max(last, -last) > full/100 {
				t.Errorf("last sample %d of %d: the sound ends with a click", last, full)
			}
			rec := serve(t, http.MethodGet, "/"+Path(name), nil)
			if ct := rec.Header().Get("Content-Type"); rec.Code != http.StatusOK || !strings.HasPrefix(ct, "audio/") {
				t.Errorf("served with %d and Content-Type %q, want 200 and audio", rec.Code, ct)
			}
		})
	}
}

// TestSoundsRegenerate runs the generator into a temporary directory: it
// must write exactly the embedded sounds, byte for byte.
func TestSoundsRegenerate(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to run sounds/gen.go")
	}
	dir := t.TempDir()
	cmd := exec.CommandContext(t.Context(), goTool, "run", "sounds/gen.go", "-dir", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run sounds/gen.go: %v\n%s", err, out)
	}
	written, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, path := range written {
		names = append(names, "sounds/"+filepath.Base(path))
	}
	if !slices.Equal(names, wantSounds) {
		t.Fatalf("the generator wrote %q, want %q", names, wantSounds)
	}
	for _, name := range wantSounds {
		data, _ := embedded(t, name)
		got, err := os.ReadFile(filepath.Join(dir, filepath.Base(name)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("regenerated %s differs from the embedded one (%d bytes, %d embedded); run go generate in assets", name, len(got), len(data))
		}
	}
}
