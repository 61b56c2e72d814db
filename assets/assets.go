package assets

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// files holds every asset the package serves. Its names are the asset names
// accepted by Path. The sounds are written by sounds/gen.go.
//
//go:generate go run sounds/gen.go -dir sounds
//go:embed rail.css htmx/*.js htmx/LICENSE sounds/*.wav
var files embed.FS

const (
	// urlDir is the directory, relative to the mount point, under which the
	// assets are served.
	urlDir = "assets/"

	// hashLen is the number of hexadecimal digits of the SHA-256 of a file
	// that go into its hashed name and its ETag.
	hashLen = 12

	cacheImmutable   = "public, max-age=31536000, immutable"
	cacheRevalidate  = "no-cache"
	allowedMethods   = "GET, HEAD"
	defaultMediaType = "application/octet-stream"
)

// asset is one embedded file together with everything needed to serve it.
type asset struct {
	name        string // embedded name, such as "htmx/htmx.min.js"
	hashedPath  string // relative URL path returned by Path
	plainPath   string // relative URL path without the hash
	etag        string // quoted content hash
	contentType string
	data        []byte

	// gz is data gzipped, or nil when gzip does not pay; gzETag is its
	// ETag, the content hash with gzipSuffix inside the quotes.
	gz     []byte
	gzETag string
}

// route is what one request path resolves to.
type route struct {
	asset     *asset
	immutable bool // true for the hashed path, false for the plain one
}

// catalog indexes the embedded assets by name and by request path.
type catalog struct {
	byName map[string]*asset
	routes map[string]route // keyed by request path, with the leading slash
	names  []string         // sorted
}

// loadCatalog builds the catalog from the embedded files once.
var loadCatalog = sync.OnceValue(buildCatalog)

func buildCatalog() *catalog {
	c := &catalog{
		byName: make(map[string]*asset),
		routes: make(map[string]route),
	}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		hash := hex.EncodeToString(sum[:])[:hashLen]
		a := &asset{
			name:        name,
			hashedPath:  urlDir + hashedName(name, hash),
			plainPath:   urlDir + name,
			etag:        `"` + hash + `"`,
			contentType: contentType(name),
			data:        data,
		}
		if gz := gzipped(data); gz != nil {
			a.gz, a.gzETag = gz, `"`+hash+gzipSuffix+`"`
		}
		c.byName[name] = a
		c.names = append(c.names, name)
		for _, rt := range []route{{a, true}, {a, false}} {
			p := "/" + a.plainPath
			if rt.immutable {
				p = "/" + a.hashedPath
			}
			if other, dup := c.routes[p]; dup {
				return fmt.Errorf("URL path %s is claimed by both %s and %s", p, other.asset.name, name)
			}
			c.routes[p] = rt
		}
		return nil
	})
	if err != nil {
		panic("assets: cannot index embedded files: " + err.Error())
	}
	slices.Sort(c.names)
	return c
}

// hashedName inserts hash before the final extension of name's last element,
// or appends it when there is no extension.
func hashedName(name, hash string) string {
	dir, file := path.Split(name)
	ext := path.Ext(file)
	if ext == "" || ext == file {
		return name + "." + hash
	}
	return dir + strings.TrimSuffix(file, ext) + "." + hash + ext
}

// contentType returns the Content-Type header value for an asset name.
func contentType(name string) string {
	switch ext := path.Ext(path.Base(name)); ext {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".wav":
		// System MIME tables disagree (audio/x-wav, audio/wave, or
		// nothing); every browser plays audio/wav.
		return "audio/wav"
	case "":
		return "text/plain; charset=utf-8"
	default:
		if t := mime.TypeByExtension(ext); t != "" {
			return t
		}
		return defaultMediaType
	}
}

// Path returns the content-hashed URL path of the embedded asset name, such
// as "assets/rail.1a2b3c4d5e6f.css" for "rail.css" or
// "assets/htmx/htmx.min.<hash>.js" for "htmx/htmx.min.js". The path is
// relative (it has no leading slash) so that it resolves under whatever path
// prefix the page is served at. Path panics if name is not one of [Names],
// since that is a programming error.
func Path(name string) string {
	c := loadCatalog()
	a, ok := c.byName[name]
	if !ok {
		panic(fmt.Sprintf("assets.Path: unknown asset %q (embedded assets: %s)",
			name, strings.Join(c.names, ", ")))
	}
	return a.hashedPath
}

// Names returns the names of the embedded assets, sorted. Each is a valid
// argument to [Path]. The caller may modify the returned slice.
func Names() []string {
	return slices.Clone(loadCatalog().names)
}

// Handler returns an http.Handler that serves the embedded assets from
// memory for GET and HEAD requests whose URL path is "/" followed by a path
// returned by [Path], with Cache-Control "public, max-age=31536000,
// immutable", or "/assets/" followed by an asset name, with Cache-Control
// "no-cache" and a strong ETag honoured through If-None-Match. Responses
// carry the asset's Content-Type and X-Content-Type-Options: nosniff. Any
// other path, including directories, paths with dot segments and hashed
// paths whose hash does not match the content, gets 404 Not Found; a known
// path with any other method gets 405 Method Not Allowed with an Allow
// header.
//
// Every asset that gzip shrinks by a tenth or more (the stylesheet, the
// scripts, the licence text, a chime with long silences) is gzipped once,
// when the catalog is built, and served so to requests whose
// Accept-Encoding allows gzip, with Content-Encoding: gzip and an ETag of
// its own, the identity ETag with "-gzip" inside the quotes. Its responses
// carry Vary: Accept-Encoding in either encoding. If-None-Match naming
// either ETag of the file gets 304 Not Modified with the ETag it named.
func Handler() http.Handler {
	c := loadCatalog()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt, ok := c.routes[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", allowedMethods)
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		a := rt.asset
		if rt.immutable {
			h.Set("Cache-Control", cacheImmutable)
		} else {
			h.Set("Cache-Control", cacheRevalidate)
		}
		h.Set("X-Content-Type-Options", "nosniff")
		body, etag, other := a.data, a.etag, ""
		if a.gz != nil {
			h.Add("Vary", "Accept-Encoding")
			other = a.gzETag
			if acceptsGzip(r.Header.Values("Accept-Encoding")) {
				body, etag, other = a.gz, a.gzETag, a.etag
				h.Set("Content-Encoding", "gzip")
				// ServeContent leaves Content-Length unset once
				// Content-Encoding is; the length is known here.
				h.Set("Content-Length", strconv.Itoa(len(body)))
			}
		}
		h.Set("ETag", etag)
		// A cache holding one encoding may revalidate it from a
		// request that would now get the other: both are the same
		// content, so either validator is current. The 304 names the
		// one the cache holds, so that the cache can find it. If-Match,
		// which If-None-Match yields to, is left to ServeContent.
		if inm := r.Header.Get("If-None-Match"); inm != "" && other != "" && r.Header.Get("If-Match") == "" {
			if matched := matchETag(inm, etag, other); matched != "" {
				h.Set("ETag", matched)
				h.Del("Content-Encoding")
				h.Del("Content-Length")
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		h.Set("Content-Type", a.contentType)
		http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
	})
}
