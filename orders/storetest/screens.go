package storetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ticketrail/ticketrail/orders"
)

// token returns the token hash of the suite's screen n.
func token(n int) []byte {
	h := sha256.Sum256(fmt.Appendf(nil, "secret %d", n))
	return h[:]
}

// screen returns the suite's screen n, not yet added.
func screen(n int, name string, role orders.Role, st orders.Station) orders.Screen {
	return orders.Screen{Name: name, Role: role, Station: st, TokenHash: token(n),
		PairedAt: base().Add(time.Duration(n)*time.Minute + time.Duration(n))}
}

// diffScreen describes how got differs from want, or returns "".
func diffScreen(got, want orders.Screen) string {
	if got.ID != want.ID || got.Name != want.Name || got.Role != want.Role || got.Station != want.Station ||
		!bytes.Equal(got.TokenHash, want.TokenHash) || !got.PairedAt.Equal(want.PairedAt) || !got.LastSeen.Equal(want.LastSeen) {
		return fmt.Sprintf("got %+v, want %+v", got, want)
	}
	return ""
}

// checkScreens fails the test unless the store holds exactly want, by ID,
// each found by its token too.
func (f *fixture) checkScreens(what string, want []orders.Screen) {
	f.t.Helper()
	got, err := f.s.Screens(f.t.Context())
	if err != nil {
		f.t.Fatalf("%s: Screens: %v", what, err)
	}
	if len(got) != len(want) {
		f.t.Errorf("%s: %d screens, want %d: %+v", what, len(got), len(want), got)
		return
	}
	for i := range got {
		if d := diffScreen(got[i], want[i]); d != "" {
			f.t.Errorf("%s: Screens()[%d]: %s", what, i, d)
		}
		s, err := f.s.ScreenByToken(f.t.Context(), want[i].TokenHash)
		if err != nil {
			f.t.Errorf("%s: ScreenByToken(screen %d): %v", what, want[i].ID, err)
		} else if d := diffScreen(s, want[i]); d != "" {
			f.t.Errorf("%s: ScreenByToken(screen %d): %s", what, want[i].ID, d)
		}
	}
}

func testScreens(t *testing.T, f *fixture) {
	ctx := t.Context()
	f.checkScreens("an empty store", nil)
	_, err := f.s.ScreenByToken(ctx, token(1))
	wantNotFound(t, "ScreenByToken on an empty store", err)

	var want []orders.Screen
	for i, s := range []orders.Screen{
		screen(1, "expo", orders.RoleKitchen, ""),
		screen(2, "grill left", orders.RoleKitchen, orders.Grill),
		screen(3, "Lobby 📺 caf\u00e9", orders.RoleView, ""),
		screen(4, strings.Repeat("s", orders.MaxScreenNameLength), orders.RoleView, orders.Shake),
		screen(5, `'; DROP TABLE screens; --`, orders.RoleKitchen, orders.Fry),
	} {
		added, err := f.s.AddScreen(ctx, s)
		if err != nil {
			t.Fatalf("AddScreen(%q): %v", s.Name, err)
		}
		if i > 0 && added.ID <= want[i-1].ID || added.ID < 1 {
			t.Errorf("AddScreen(%q) gave ID %d after %d, want IDs counting up from 1", s.Name, added.ID, len(want))
		}
		s.ID = added.ID
		if d := diffScreen(added, s); d != "" {
			t.Errorf("AddScreen(%q): %s", s.Name, d)
		}
		want = append(want, s)
	}
	f.checkScreens("after AddScreen", want)

	// What AddScreen and ScreenByToken return is the caller's.
	got, _ := f.s.ScreenByToken(ctx, token(1))
	got.TokenHash[0]++
	f.checkScreens("after changing a returned token hash", want)

	seen := base().Add(time.Hour + 7)
	if err := f.s.TouchScreen(ctx, want[1].ID, seen); err != nil {
		t.Fatalf("TouchScreen: %v", err)
	}
	want[1].LastSeen = seen
	f.checkScreens("after TouchScreen", want)
	if err := f.s.TouchScreen(ctx, want[1].ID, seen.Add(time.Minute)); err != nil {
		t.Fatalf("TouchScreen: %v", err)
	}
	want[1].LastSeen = seen.Add(time.Minute)
	f.checkScreens("after a second TouchScreen", want)

	if err := f.s.DeleteScreen(ctx, want[2].ID); err != nil {
		t.Fatalf("DeleteScreen: %v", err)
	}
	_, err = f.s.ScreenByToken(ctx, want[2].TokenHash)
	wantNotFound(t, "ScreenByToken of a deleted screen", err)
	deleted := want[2]
	want = append(want[:2], want[3:]...)
	f.checkScreens("after DeleteScreen", want)

	for _, id := range []int64{0, -1, deleted.ID, 1 << 40} {
		wantNotFound(t, fmt.Sprintf("DeleteScreen(%d)", id), f.s.DeleteScreen(ctx, id))
		wantNotFound(t, fmt.Sprintf("TouchScreen(%d)", id), f.s.TouchScreen(ctx, id, seen))
	}
	for _, hash := range [][]byte{nil, {}, token(99), token(1)[:16]} {
		_, err := f.s.ScreenByToken(ctx, hash)
		wantNotFound(t, fmt.Sprintf("ScreenByToken(%x)", hash), err)
	}

	// IDs are never reused: a deleted screen's ID names no other.
	last := want[len(want)-1]
	added, err := f.s.AddScreen(ctx, screen(3, "lobby again", orders.RoleView, ""))
	if err != nil {
		t.Fatalf("AddScreen after DeleteScreen: %v", err)
	}
	if added.ID <= last.ID {
		t.Errorf("AddScreen after DeleteScreen gave ID %d, want one above %d", added.ID, last.ID)
	}
	want = append(want, added)

	// A token another screen has is refused.
	if _, err := f.s.AddScreen(ctx, screen(2, "impostor", orders.RoleKitchen, "")); !errors.Is(err, orders.ErrConflict) {
		t.Errorf("AddScreen with a taken token hash: %v, want ErrConflict", err)
	}
	f.checkScreens("after refused AddScreen", want)

	if f.h.Reopen == nil {
		return
	}
	f.reopen()
	f.checkScreens("after reopening", want)
	added, err = f.s.AddScreen(ctx, screen(7, "after restart", orders.RoleKitchen, ""))
	if err != nil || added.ID <= want[len(want)-1].ID {
		t.Errorf("AddScreen after reopening = ID %d, %v; want one above %d", added.ID, err, want[len(want)-1].ID)
	}
}

func testAddScreenInvalid(t *testing.T, f *fixture) {
	ok := screen(1, "expo", orders.RoleKitchen, "")
	for _, tc := range []struct {
		name  string
		edit  func(s *orders.Screen)
		field string
	}{
		{"empty name", func(s *orders.Screen) { s.Name = "" }, "name"},
		{"blank name", func(s *orders.Screen) { s.Name = " \t " }, "name"},
		{"invisible name", func(s *orders.Screen) { s.Name = "\u200b\u2060\ufeff" }, "name"},
		{"long name", func(s *orders.Screen) { s.Name = strings.Repeat("x", orders.MaxScreenNameLength+1) }, "name"},
		{"long name in bytes", func(s *orders.Screen) { s.Name = strings.Repeat("\u00e9", 21) }, "name"},
		{"control character", func(s *orders.Screen) { s.Name = "grill\nleft" }, "name"},
		{"not UTF-8", func(s *orders.Screen) { s.Name = "grill \xff" }, "name"},
		{"bidi override", func(s *orders.Screen) { s.Name = "expo \u202e" }, "name"},
		{"no role", func(s *orders.Screen) { s.Role = "" }, "role"},
		{"unknown role", func(s *orders.Screen) { s.Role = "admin" }, "role"},
		{"unknown station", func(s *orders.Screen) { s.Station = "salad" }, "station"},
		{"no token", func(s *orders.Screen) { s.TokenHash = nil }, "token_hash"},
		{"short token", func(s *orders.Screen) { s.TokenHash = s.TokenHash[:31] }, "token_hash"},
	} {
		s := ok
		s.TokenHash = token(1)
		tc.edit(&s)
		_, err := f.s.AddScreen(t.Context(), s)
		var fe *orders.FieldError
		if !errors.Is(err, orders.ErrInvalid) || !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("AddScreen with %s: %v, want a FieldError for %s", tc.name, err, tc.field)
		}
	}
	f.checkScreens("after refused AddScreens", nil)
	if _, err := f.s.AddScreen(t.Context(), ok); err != nil {
		t.Errorf("AddScreen after refused ones: %v", err)
	}
}
