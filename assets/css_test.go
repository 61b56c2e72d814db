package assets

import (
	"regexp"
	"strings"
	"testing"
)

// TestRailCSSIsScoped checks that rail.css styles only the rail's own
// elements, so that a page of another site that includes it to embed the
// rail keeps its own look: no selector may reach html, body, :root or
// every element, except the kitchen page's own <body class="kitchen">.
func TestRailCSSIsScoped(t *testing.T) {
	data, err := files.ReadFile("rail.css")
	if err != nil {
		t.Fatal(err)
	}
	css := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(string(data), "")
	// The selectors: what stands before each '{' that opens a rule, not
	// an at-rule or a keyframe.
	var selectors []string
	for _, m := range regexp.MustCompile(`(?m)([^{};]+)\{`).FindAllStringSubmatch(css, -1) {
		head := strings.TrimSpace(m[1])
		if strings.HasPrefix(head, "@") || regexp.MustCompile(`^(from|to|[0-9.]+%)(\s*,\s*(from|to|[0-9.]+%))*$`).MatchString(head) {
			continue
		}
		selectors = append(selectors, splitSelectors(head)...)
	}
	if len(selectors) < 100 {
		t.Fatalf("found only %d selectors in rail.css", len(selectors))
	}
	global := regexp.MustCompile(`(^|[\s>+~(])(html|body|:root|\*)([\s>+~:.,)\[]|$)`)
	for _, sel := range selectors {
		if !global.MatchString(sel) {
			continue
		}
		switch {
		case strings.HasPrefix(sel, "html:has(> body.kitchen"),
			strings.HasPrefix(sel, "body.kitchen"),
			strings.HasPrefix(sel, ":where(.kitchen, .rail-frame, .rail, .ticket)"):
		default:
			t.Errorf("rail.css selector %q reaches beyond the rail", sel)
		}
	}
}

// splitSelectors splits a selector list at its commas, not those inside
// :is(), :where() and the like.
func splitSelectors(list string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range list {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(list[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(list[start:]))
}
