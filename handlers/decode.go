package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ticketrail/ticketrail/orders"
)

// MaxBodyBytes is the largest order the API accepts; a larger body is
// refused with 413.
const MaxBodyBytes = 64 << 10

// orderRequest is the JSON body of POST /api/orders.
type orderRequest struct {
	SourceID    string        `json:"source_id"`
	Destination string        `json:"destination"`
	Rush        bool          `json:"rush"`
	Items       []itemRequest `json:"items"`
	Notes       []string      `json:"notes"`
	Allergens   []string      `json:"allergens"`
}

type itemRequest struct {
	Name      string   `json:"name"`
	Quantity  *int     `json:"quantity"`
	Station   string   `json:"station"`
	Modifiers []string `json:"modifiers"`
	Allergens []string `json:"allergens"`
}

// destinationAliases maps what senders commonly write to a Destination.
var destinationAliases = map[string]orders.Destination{
	"dining room": orders.DiningRoom, "dine in": orders.DiningRoom, "eat in": orders.DiningRoom, "dining": orders.DiningRoom,
	"takeout": orders.Takeout, "take out": orders.Takeout, "takeaway": orders.Takeout, "to go": orders.Takeout,
	"drive thru": orders.DriveThru, "drive through": orders.DriveThru, "drivethru": orders.DriveThru,
}

// decodeOrder reads one JSON order from r and turns it into a NewOrder,
// filling in defaults (quantity 1, the station guessed from the name),
// normalising allergen names (see orders.NormalizeAllergen) and validating
// it (see orders.NewOrder.Validate for the rules of its text). A string
// that is not valid UTF-8, or holds an escaped lone surrogate such as
// "\ud800", is refused naming its field (items[2].name): encoding/json
// would quietly replace it with U+FFFD, so it is looked for in the body
// as sent. Errors are *orders.FieldError (wrapping ErrInvalid) or wrap
// those of r (such as *http.MaxBytesError).
func decodeOrder(r io.Reader) (orders.NewOrder, error) {
	body, err := io.ReadAll(r)
	if err != nil {
		return orders.NewOrder{}, fmt.Errorf("read order: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var req orderRequest
	if err := dec.Decode(&req); err != nil {
		return orders.NewOrder{}, jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return orders.NewOrder{}, &orders.FieldError{Field: "", Problem: "the body must hold one JSON object and nothing after it"}
	}
	if err := checkStrings(body); err != nil {
		return orders.NewOrder{}, err
	}
	n := orders.NewOrder{
		SourceID:  strings.TrimSpace(req.SourceID),
		Rush:      req.Rush,
		Notes:     trimAll(req.Notes),
		Allergens: normalizeAll(req.Allergens),
	}
	dest := strings.Join(strings.Fields(strings.ToLower(strings.NewReplacer("-", " ", "_", " ").Replace(req.Destination))), " ")
	if d, ok := destinationAliases[dest]; ok {
		n.Destination = d
	} else {
		n.Destination = orders.Destination(req.Destination) // Validate names the problem
	}
	if len(req.Items) > orders.MaxItems {
		return orders.NewOrder{}, &orders.FieldError{Field: "items", Problem: fmt.Sprintf("must hold at most %d items", orders.MaxItems)}
	}
	for _, it := range req.Items {
		item := orders.Item{Name: strings.TrimSpace(it.Name), Quantity: 1, Modifiers: trimAll(it.Modifiers),
			Allergens: normalizeAll(it.Allergens)}
		if it.Quantity != nil {
			item.Quantity = *it.Quantity
		}
		if it.Station == "" {
			item.Station = orders.GuessStation(item.Name)
		} else {
			item.Station = orders.Station(strings.ToLower(strings.TrimSpace(it.Station)))
		}
		n.Items = append(n.Items, item)
	}
	if err := n.Validate(); err != nil {
		return orders.NewOrder{}, err
	}
	return n, nil
}

// checkStrings walks the strings of body, one JSON value that decodes,
// and returns a FieldError naming the first that is not text: one holding
// bytes that are not UTF-8, or an escape of half a surrogate pair, both of
// which encoding/json decodes as U+FFFD. The field is named by its path,
// such as items[2].modifiers[0] (or items[2] for an object key).
func checkStrings(body []byte) error {
	if utf8.Valid(body) && !bytes.Contains(body, []byte(`\u`)) {
		return nil // nothing encoding/json could replace
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	// stack holds, for each container the walk is in, the key of the
	// value being read (objects) or its index (arrays).
	type level struct {
		array bool
		key   string // the current key in an object
		index int    // the next index in an array
		onKey bool   // an object's next string is a key
	}
	var stack []level
	field := func() string {
		var b strings.Builder
		for _, l := range stack {
			if l.array {
				fmt.Fprintf(&b, "[%d]", l.index-1)
				continue
			}
			if l.key == "" {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(l.key)
		}
		return b.String()
	}
	prev := int64(0)
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // io.EOF; anything else Decode reported already
		}
		raw := body[prev:dec.InputOffset()]
		prev = dec.InputOffset()
		top := len(stack) - 1
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if top >= 0 && stack[top].array {
					stack[top].index++
				}
				stack = append(stack, level{array: d == '[', onKey: d == '{'})
			default:
				stack = stack[:top]
				if top > 0 && !stack[top-1].array {
					stack[top-1].onKey = true
				}
			}
			continue
		}
		isKey := top >= 0 && !stack[top].array && stack[top].onKey
		if top >= 0 {
			if stack[top].array {
				stack[top].index++
			} else {
				stack[top].onKey = !isKey
			}
		}
		s, ok := tok.(string)
		if !ok {
			continue
		}
		problem := stringProblem(raw)
		if problem == "" {
			if isKey {
				stack[top].key = s
			}
			continue
		}
		if isKey {
			stack[top].key = "" // the path of the object that has the key
			return &orders.FieldError{Field: field(), Problem: "has a field name that " + problem}
		}
		return &orders.FieldError{Field: field(), Problem: "must be text: it " + problem}
	}
}

// stringProblem says what is wrong with a JSON string token as sent, raw
// (with the white space and punctuation before it), or returns "".
func stringProblem(raw []byte) string {
	if !utf8.Valid(raw) {
		return "is not valid UTF-8"
	}
	hex4 := func(b []byte) rune {
		n, _ := strconv.ParseUint(string(b[:4]), 16, 32) // a token that decoded has four hex digits here
		return rune(n)
	}
	for i := bytes.IndexByte(raw, '"') + 1; i > 0 && i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		i++ // the escaped character, which is not the end of the string
		if raw[i] != 'u' {
			continue
		}
		r := hex4(raw[i+1:])
		i += 4 // the last hex digit
		if !utf16.IsSurrogate(r) {
			continue
		}
		if r < 0xdc00 && i+7 <= len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
			if low := hex4(raw[i+3:]); low >= 0xdc00 && low <= 0xdfff {
				i += 6 // a pair: one character
				continue
			}
		}
		return "holds an escaped half of a surrogate pair (such as \\ud800 alone), which is no character"
	}
	return ""
}

func trimAll(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.TrimSpace(s)
	}
	return out
}

// normalizeAll returns each allergen name normalised, in the same places,
// so that a problem Validate finds names the index the sender used.
func normalizeAll(names []string) []string {
	if names == nil {
		return nil
	}
	out := make([]string, len(names))
	for i, a := range names {
		out[i] = orders.NormalizeAllergen(a)
	}
	return out
}

// jsonError turns a decoding error into a FieldError that says what is
// wrong, or returns errors that are not the body's fault as they are.
func jsonError(err error) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.Is(err, io.EOF):
		return &orders.FieldError{Problem: "the body is empty; send a JSON order"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &orders.FieldError{Problem: "the JSON ends too early"}
	case errors.As(err, &syntax):
		return &orders.FieldError{Problem: fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, err)}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return &orders.FieldError{Field: field, Problem: "must be " + jsonType(typ.Type.Kind().String())}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return &orders.FieldError{Field: name, Problem: "is not a field of an order"}
	}
	return err
}

func jsonType(kind string) string {
	switch kind {
	case "int", "int64":
		return "a whole number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct":
		return "an object"
	case "ptr":
		return "a whole number"
	}
	return "of another type"
}
