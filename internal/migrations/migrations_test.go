package migrations

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestRead(t *testing.T) {
	ms, err := Read(fstest.MapFS{
		"0002_fill.sql":  {Data: []byte("INSERT INTO a VALUES (1);")},
		"0001_table.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")},
		"README.md":      {Data: []byte("not a migration")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Version != 1 || ms[0].Name != "0001_table.sql" || ms[1].Version != 2 || !strings.HasPrefix(ms[1].SQL, "INSERT") {
		t.Errorf("Read = %+v", ms)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"no version":   {"table.sql": {}},
		"version 0":    {"0000_table.sql": {}},
		"not a number": {"x1_table.sql": {}},
		"same version": {"0001_a.sql": {}, "01_b.sql": {}},
	} {
		if _, err := Read(fsys); err == nil {
			t.Errorf("%s: Read accepted it", name)
		}
	}
}

func TestCheckKnown(t *testing.T) {
	ms := []Migration{{Version: 1}, {Version: 2}}
	if err := CheckKnown(ms, map[int64]bool{1: true, 2: true}); err != nil {
		t.Errorf("known versions: %v", err)
	}
	if err := CheckKnown(ms, map[int64]bool{1: true, 3: true}); err == nil || !strings.Contains(err.Error(), "version 3") {
		t.Errorf("a newer version: %v", err)
	}
}
