package assets

import (
	"bytes"
	"compress/gzip"
	"strings"
)

// gzipSuffix goes inside the quotes of a gzipped asset's ETag, after the
// content hash, so that the two encodings of one file never share a
// validator.
const gzipSuffix = "-gzip"

// gzipped returns data compressed with gzip at [gzip.BestCompression], or
// nil when that does not save at least a tenth of the bytes: a response the
// browser must inflate for a few bytes' gain (a WAVE file of noisy samples,
// say) is not worth the Vary header and the second cache entry. The gzip
// header carries no name and no time, so the output depends on data alone.
func gzipped(data []byte) []byte {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		panic("assets: " + err.Error()) // only for an invalid level
	}
	if _, err := zw.Write(data); err != nil {
		panic("assets: gzip: " + err.Error()) // a bytes.Buffer does not fail
	}
	if err := zw.Close(); err != nil {
		panic("assets: gzip: " + err.Error())
	}
	if buf.Len()*10 > len(data)*9 {
		return nil
	}
	return buf.Bytes()
}

// acceptsGzip reports whether the Accept-Encoding field values allow a
// gzip-coded response and the client does not rank identity above it
// (RFC 9110, section 12.5.3). gzip's weight is that of a gzip or x-gzip
// element, or else that of "*", or else zero; a weight of zero means "not
// acceptable". identity's is that of an identity element, or else that of
// "*"; left unranked, identity gives way to any acceptable coding. Codings
// are case-insensitive; an element whose weight does not parse is ignored.
// No field at all, or an empty one, asks for identity.
func acceptsGzip(values []string) bool {
	gz, identity, star := -1, -1, -1 // weights in thousandths; -1 is unranked
	for _, v := range values {
		for elem := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(elem, ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding == "" {
				continue
			}
			q, ok := weight(params)
			if !ok {
				continue
			}
			switch coding {
			case "gzip", "x-gzip":
				gz = max(gz, q)
			case "identity":
				identity = max(identity, q)
			case "*":
				star = max(star, q)
			}
		}
	}
	if gz < 0 {
		gz = star
	}
	if identity < 0 {
		identity = star
	}
	return gz > 0 && gz >= identity
}

// weight returns the q parameter among params (the part of an
// Accept-Encoding element after its first semicolon) in thousandths, 1000
// when there is none. ok is false when a q parameter is not a valid qvalue:
// "0" or "1", optionally followed by a dot and up to three digits, no more
// than 1.
func weight(params string) (q int, ok bool) {
	q = 1000
	for p := range strings.SplitSeq(params, ";") {
		name, value, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		return qvalue(strings.TrimSpace(value))
	}
	return q, true
}

// qvalue parses one qvalue (RFC 9110, section 12.4.2) in thousandths.
func qvalue(s string) (int, bool) {
	if s == "" || s[0] != '0' && s[0] != '1' {
		return 0, false
	}
	q := int(s[0]-'0') * 1000
	rest := s[1:]
	if rest == "" {
		return q, true
	}
	if rest[0] != '.' || len(rest) > 4 {
		return 0, false
	}
	scale := 100
	for _, c := range []byte(rest[1:]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		q += int(c-'0') * scale
		scale /= 10
	}
	if q > 1000 {
		return 0, false
	}
	return q, true
}

// matchETag returns which of tags, if any, an If-None-Match field value
// names, by the weak comparison that field calls for: W/"x" matches "x".
// The first of tags wins when the field is "*" or names several of them.
// It returns "" when the field names none of tags or does not parse.
func matchETag(field string, tags ...string) string {
	field = strings.TrimSpace(field)
	if field == "*" {
		return tags[0]
	}
	var named []string
	for field != "" {
		field = strings.TrimLeft(field, " \t,")
		if field == "" {
			break
		}
		field = strings.TrimPrefix(field, "W/")
		if !strings.HasPrefix(field, `"`) {
			return ""
		}
		end := strings.IndexByte(field[1:], '"')
		if end < 0 {
			return ""
		}
		named = append(named, field[:end+2])
		field = strings.TrimLeft(field[end+2:], " \t")
		if field != "" && field[0] != ',' {
			return ""
		}
	}
	for _, t := range tags {
		for _, n := range named {
			if n == t {
				return t
			}
		}
	}
	return ""
}
