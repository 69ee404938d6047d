package simkit_test

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/zhixing-court/zhixing/internal/sim/simkit"
)

var quiet = slog.New(slog.DiscardHandler)

func open(t *testing.T, path string) *simkit.Journal {
	t.Helper()
	j, err := simkit.OpenJournal(path, "test sim", "测试模拟器")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(j.Abandon)
	return j
}

type line struct {
	text string
	off  int64
}

// readAll reads the journal, refusing lines that are not JSON objects.
func readAll(j *simkit.Journal) ([]line, error) {
	var out []line
	err := j.Read(quiet, func(b []byte, off int64) error {
		if b[0] != '{' || b[len(b)-1] != '}' {
			return errors.New("not an object")
		}
		out = append(out, line{string(b), off})
		return nil
	})
	return out, err
}

func TestJournalAppendReadBack(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "new", "dir", "j.jsonl")
	j := open(t, path)
	if _, err := readAll(j); err != nil {
		t.Fatal(err)
	}
	off, err := j.Append([]byte("{\"a\":1}\n"))
	if err != nil || off != 8 || j.Written() != 8 {
		t.Fatalf("append: %d, %v, written %d", off, err, j.Written())
	}
	if err := j.Sync(off); err != nil {
		t.Fatal(err)
	}
	if err := j.AppendSync([]byte("  {\"b\":22}\n\n")); err != nil {
		t.Fatal(err)
	}
	if b, err := j.ReadAt(10, 8); err != nil || string(b) != `{"b":22}` {
		t.Errorf("ReadAt: %q, %v", b, err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	j = open(t, path)
	got, err := readAll(j)
	if err != nil {
		t.Fatal(err)
	}
	want := []line{{`{"a":1}`, 0}, {`{"b":22}`, 10}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("read %v, want %v", got, want)
	}
	// Appends go after what was read, offsets count from the start.
	if off, err := j.Append([]byte("{\"c\":3}\n")); err != nil || off != 28 {
		t.Errorf("append after read: %d, %v", off, err)
	}
}

func TestJournalTornTail(t *testing.T) {
	t.Parallel()
	good := "{\"a\":1}\n{\"b\":2}\n"
	for name, tail := range map[string]string{
		"incomplete": `{"c":`,
		"unreadable": "garbage\n",
		"zeros":      "\x00\x00\x00",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "j.jsonl")
			if err := os.WriteFile(path, []byte(good+tail), 0o600); err != nil {
				t.Fatal(err)
			}
			j := open(t, path)
			got, err := readAll(j)
			if err != nil || len(got) != 2 {
				t.Fatalf("read %v, %v", got, err)
			}
			if j.Written() != int64(len(good)) {
				t.Errorf("written %d, want %d", j.Written(), len(good))
			}
			if err := j.AppendSync([]byte("{\"d\":4}\n")); err != nil {
				t.Fatal(err)
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(path)
			if string(data) != good+"{\"d\":4}\n" {
				t.Errorf("file %q: the torn tail was not cut off", data)
			}
		})
	}
}

func TestJournalCorrupt(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j.jsonl")
	if err := os.WriteFile(path, []byte("{\"a\":1}\nnonsense\n{\"b\":2}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	j := open(t, path)
	if _, err := readAll(j); err == nil || !strings.Contains(err.Error(), "test sim: journal") || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("corrupt journal: %v", err)
	}
}

func TestJournalLocked(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j := open(t, path)
	if _, err := simkit.OpenJournal(path, "test sim", "测试模拟器"); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second open: %v", err)
	}
	j.Abandon()
	open(t, path) // the lock is released by Abandon
}

func TestJournalClosed(t *testing.T) {
	t.Parallel()
	j := open(t, filepath.Join(t.TempDir(), "j.jsonl"))
	if _, err := readAll(j); err != nil {
		t.Fatal(err)
	}
	off, err := j.Append([]byte("{}\n"))
	if err != nil {
		t.Fatal(err)
	}
	j.Abandon()
	if _, err := j.Append([]byte("{}\n")); !errors.Is(err, simkit.ErrClosed) || !strings.HasPrefix(err.Error(), "test sim: ") {
		t.Errorf("append after abandon: %v", err)
	}
	if err := j.Sync(off); !errors.Is(err, simkit.ErrClosed) {
		t.Errorf("sync after abandon: %v", err)
	}
	if err := j.AppendSync([]byte("{}\n")); !errors.Is(err, simkit.ErrClosed) {
		t.Errorf("append and sync after abandon: %v", err)
	}
}

func TestJournalNil(t *testing.T) {
	t.Parallel()
	var j *simkit.Journal // memory only
	if off, err := j.Append([]byte("{}\n")); off != 0 || err != nil {
		t.Errorf("append: %d, %v", off, err)
	}
	if err := j.Sync(10); err != nil || j.Written() != 0 {
		t.Errorf("sync: %v, written %d", err, j.Written())
	}
}

func TestJournalConcurrentAppends(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j := open(t, path)
	if _, err := readAll(j); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				off, err := j.Append(fmt.Appendf(nil, "{\"g\":%d,\"i\":%d}\n", g, i))
				if err == nil {
					err = j.Sync(off)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j = open(t, path)
	got, err := readAll(j)
	if err != nil || len(got) != 400 {
		t.Fatalf("read %d lines, %v", len(got), err)
	}
	for _, l := range got {
		if b, err := j.ReadAt(l.off, int32(len(l.text))); err != nil || string(b) != l.text {
			t.Fatalf("ReadAt(%d) = %q, %v, want %q", l.off, b, err, l.text)
		}
	}
}
