package assets_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/ticketrail/ticketrail/assets"
)

// The htmx paths are fixed by the vendored htmx version; the stylesheet's
// hash changes with its content, so only its shape is shown.
func ExamplePath() {
	fmt.Println(assets.Path("htmx/htmx.min.js"))
	fmt.Println(assets.Path("htmx/hx-ws.min.js"))

	css := assets.Path("rail.css")
	fmt.Println(strings.HasPrefix(css, "assets/rail.") && strings.HasSuffix(css, ".css"))
	// Output:
	// assets/htmx/htmx.min.a0abb04f2f45.js
	// assets/htmx/hx-ws.min.a7c11e4eca05.js
	// true
}

func ExampleHandler() {
	mux := http.NewServeMux()
	mux.Handle("/assets/", assets.Handler())

	for _, target := range []string{
		"/" + assets.Path("htmx/htmx.min.js"),
		"/assets/htmx/htmx.min.js",
		"/assets/htmx/htmx.min.000000000000.js",
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		fmt.Printf("%d %q\n", rec.Code, rec.Header().Get("Cache-Control"))
	}
	// Output:
	// 200 "public, max-age=31536000, immutable"
	// 200 "no-cache"
	// 404 ""
}

func ExampleNames() {
	for _, name := range assets.Names() {
		fmt.Println(name)
	}
	// Output:
	// htmx/LICENSE
	// htmx/htmx.min.js
	// htmx/hx-ws.min.js
	// rail.css
	// sounds/arrive.wav
	// sounds/late.wav
}
