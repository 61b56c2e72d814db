package orders

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Rules for the text of an order (names, modifiers, notes, allergens,
// source IDs and idempotency keys) and of a screen's name, beyond their
// lengths:
//
//   - Text is refused as empty when nothing of it is visible: when it holds
//     only white space (unicode.IsSpace) and invisible characters. Those
//     are the format characters (unicode.Cf: zero-width space U+200B,
//     joiners U+200C and U+200D, word joiner U+2060, byte order mark
//     U+FEFF, soft hyphen U+00AD and the like), the variation selectors,
//     and the fillers that print as nothing (Hangul fillers U+115F,
//     U+1160, U+3164, U+FFA0, and the blank Braille pattern U+2800). They
//     are allowed inside visible text: joiners hold emoji together.
//   - Bidirectional embeddings, overrides and isolates (U+202A to U+202E,
//     U+2066 to U+2069) are refused anywhere: they reorder what follows
//     them on the screen, so that a ticket could show other text than it
//     holds. The marks U+200E, U+200F and U+061C, which reorder nothing
//     beyond the neighbouring characters, are allowed.
//   - Text must be valid UTF-8 without control characters (printable).

// invisible reports whether r prints as nothing.
func invisible(r rune) bool {
	switch r {
	case '\u115f', '\u1160', '\u3164', '\uffa0', '\u2800':
		return true
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r)
}

// visible reports whether s holds something that prints: a character that
// is neither white space nor invisible (see the rules above), or a byte
// that is not UTF-8, which is not text at all and is refused as such.
func visible(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return true
			}
		}
		if !invisible(r) {
			return true
		}
	}
	return false
}

// bidiControl reports whether r is a bidirectional embedding, override or
// isolate.
func bidiControl(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}

// hasBidiControl reports whether s holds a bidirectional embedding,
// override or isolate (U+202A to U+202E, U+2066 to U+2069).
func hasBidiControl(s string) bool {
	for _, r := range s {
		if bidiControl(r) {
			return true
		}
	}
	return false
}

// checkString checks text against the rules above and a maximum length
// in bytes, and returns the problem as a FieldError naming field, or nil.
func checkString(field, s string, max int) error {
	switch {
	case hasBidiControl(s):
		return invalid(field, "must not hold bidirectional control characters")
	case !visible(s):
		return invalid(field, "must not be empty")
	case len(s) > max:
		return invalid(field, fmt.Sprintf("must be at most %d bytes", max))
	case !printable(s):
		return invalid(field, "must be printable UTF-8 text")
	}
	return nil
}
