// Package assets serves the rail's static files: the rail stylesheet, the
// vendored htmx runtime with its WebSocket extension, and the chimes.
//
// The files are embedded into the binary with go:embed and served from
// memory. Every file is reachable under two URL paths:
//
//   - the content-hashed path returned by [Path], such as
//     assets/rail.1a2b3c4d5e6f.css, served with a one-year immutable
//     Cache-Control header, since a change to the file changes its URL;
//   - the plain path, such as assets/rail.css, for pages on other hosts that
//     embed the rail and cannot know the hash, served with Cache-Control:
//     no-cache and a strong ETag so that browsers revalidate cheaply.
//
// The hash is the first 12 hexadecimal digits of the SHA-256 of the file's
// content, inserted before the final extension (htmx.min.js becomes
// htmx.min.<hash>.js).
//
// A file that gzip shrinks by a tenth or more is also kept gzipped, made
// once when the files are first indexed, and served so to a client whose
// Accept-Encoding takes gzip, with Vary: Accept-Encoding and an ETag of its
// own.
//
// [Path] returns a relative URL path (no leading slash), so a page rendered
// at the root of any path prefix, such as / or /kitchen/, resolves it to the
// assets under that same prefix. A page rendered deeper, such as
// /kitchen/orders/12, would resolve it against /kitchen/orders/ instead, so
// such pages need a <base> element or an absolute prefix of their own.
//
// [Handler] expects request paths that start with /assets/ and is meant to
// be mounted at the root of the product's handler:
//
//	mux.Handle("/assets/", assets.Handler())
//
// In a templ component the URLs come from [Path]:
//
//	<link rel="stylesheet" href={ assets.Path("rail.css") }/>
//	<script src={ assets.Path("htmx/htmx.min.js") }></script>
//	<script src={ assets.Path("htmx/hx-ws.min.js") }></script>
//
// The htmx files in htmx/ are byte-identical copies of dist/htmx.min.js and
// dist/ext/hx-ws.min.js from the htmx.org npm package, at the version
// recorded in htmx/VERSION, with the package's LICENSE beside them and their
// checksums in htmx/SHA256SUMS. The script fetch-htmx.sh in this directory
// re-fetches the package to check the copies (--check) or to move to another
// version (--update VERSION); the package tests fail if a vendored file no
// longer matches SHA256SUMS.
package assets
