package spooltest_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"slices"
	"syscall"
	"testing"

	"github.com/connectd/connectd/connector/mqtt/spool"
	"github.com/connectd/connectd/connector/mqtt/spool/spooltest"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func create(t *testing.T, m *spooltest.FS, name string) spool.File {
	t.Helper()
	f, err := m.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func write(t *testing.T, f spool.File, s string) {
	t.Helper()
	if _, err := f.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

func contents(t *testing.T, m *spooltest.FS, name string) string {
	t.Helper()
	b, err := m.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return "<none>"
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A crash keeps file contents up to their last Sync and directory changes up to their last SyncDir; or
// everything, in KeepUnsynced mode.
func TestCrashKeepsWhatWasSynced(t *testing.T) {
	m := spooltest.New()
	if err := m.MkdirAll("/d"); err != nil {
		t.Fatal(err)
	}
	a := create(t, m, "/d/a")
	write(t, a, "synced")
	if err := a.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := m.SyncDir("/d"); err != nil {
		t.Fatal(err)
	}
	write(t, a, "+unsynced")
	b := create(t, m, "/d/b") // never in a synced directory
	write(t, b, "b")
	must(t, b.Sync())
	m.WriteFile("/d/c", []byte("c")) // durable
	if err := m.Remove("/d/c"); err != nil {
		t.Fatal(err)
	}

	lost := m.Crash(spooltest.LoseUnsynced, 0)
	if got := contents(t, lost, "/d/a"); got != "synced" {
		t.Fatalf("lose-unsynced: a = %q", got)
	}
	if got := contents(t, lost, "/d/b"); got != "<none>" {
		t.Fatalf("lose-unsynced: b, created in a directory never synced since, = %q", got)
	}
	if got := contents(t, lost, "/d/c"); got != "c" {
		t.Fatalf("lose-unsynced: c, removed in a directory never synced since, = %q", got)
	}

	kept := m.Crash(spooltest.KeepUnsynced, 0)
	if a, b, c := contents(t, kept, "/d/a"), contents(t, kept, "/d/b"), contents(t, kept, "/d/c"); a != "synced+unsynced" || b != "b" || c != "<none>" {
		t.Fatalf("keep-unsynced: a %q, b %q, c %q", a, b, c)
	}
}

// A torn crash keeps the synced prefix and part of the rest, the same way for the same seed.
func TestTearUnsynced(t *testing.T) {
	m := spooltest.New()
	must(t, m.MkdirAll("/d"))
	f := create(t, m, "/d/f")
	write(t, f, "durable|")
	must(t, f.Sync())
	must(t, m.SyncDir("/d"))
	write(t, f, "0123456789abcdefghijklmnopqrstuvwxyz")
	full, _ := m.ReadFile("/d/f")
	var shapes []string
	for seed := range uint64(20) {
		got := contents(t, m.Crash(spooltest.TearUnsynced, seed), "/d/f")
		if again := contents(t, m.Crash(spooltest.TearUnsynced, seed), "/d/f"); again != got {
			t.Fatalf("seed %d: %q then %q", seed, got, again)
		}
		if len(got) < len("durable|") || got[:8] != "durable|" || len(got) > len(full) {
			t.Fatalf("seed %d: %q lost synced bytes or grew", seed, got)
		}
		shapes = append(shapes, got)
	}
	slices.Sort(shapes)
	if len(slices.Compact(shapes)) < 5 {
		t.Fatalf("20 seeds gave only %d different images", len(slices.Compact(shapes)))
	}
	damaged := slices.ContainsFunc(shapes, func(s string) bool { return !bytes.HasPrefix(full, []byte(s)) })
	if !damaged {
		t.Fatal("no seed damaged the unsynced bytes")
	}
}

// After an injected crash every operation fails; Written bytes of the crashing write reach the file.
func TestCrashAt(t *testing.T) {
	m := spooltest.New()
	must(t, m.MkdirAll("/d"))
	m.Inject(spooltest.CrashAt(3, 2)) // create, write, write
	f := create(t, m, "/d/f")
	write(t, f, "abc")
	if _, err := f.Write([]byte("def")); !errors.Is(err, spooltest.ErrCrashed) {
		t.Fatalf("crashing write: %v", err)
	}
	if err := f.Sync(); !errors.Is(err, spooltest.ErrCrashed) {
		t.Fatalf("sync after the crash: %v", err)
	}
	if _, err := m.ReadDir("/d"); !errors.Is(err, spooltest.ErrCrashed) {
		t.Fatalf("readdir after the crash: %v", err)
	}
	if !m.Crashed() || m.Steps() != 3 {
		t.Fatalf("crashed %v after %d steps", m.Crashed(), m.Steps())
	}
	if got := contents(t, m.Crash(spooltest.KeepUnsynced, 0), "/d/f"); got != "abcde" {
		t.Fatalf("keep-unsynced after the crash: %q", got)
	}
}

// FailAt fails one operation; SetCapacity makes writes past it short, with ENOSPC.
func TestFailAtAndCapacity(t *testing.T) {
	m := spooltest.New()
	must(t, m.MkdirAll("/d"))
	m.Inject(spooltest.FailAt(spooltest.OpSync, 2, syscall.EIO, 0))
	f := create(t, m, "/d/f")
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("second sync: %v", err)
	}
	if err := f.Sync(); err != nil {
		t.Fatalf("third sync: %v", err)
	}
	m.SetCapacity(10)
	n, err := f.Write([]byte("0123456789abc"))
	if n != 10 || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("write past capacity: %d, %v", n, err)
	}
	if _, err := f.WriteAt([]byte("XY"), 0); err != nil {
		t.Fatalf("overwrite on a full disk: %v", err)
	}
	if err := f.Truncate(4); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("456"), 4); err != nil {
		t.Fatalf("write after truncating made room: %v", err)
	}
	if got := contents(t, m, "/d/f"); got != "XY23456" {
		t.Fatalf("contents %q", got)
	}
}

func TestLock(t *testing.T) {
	m := spooltest.New()
	l, err := m.Lock("/d/LOCK")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Lock("/d/LOCK"); !errors.Is(err, spool.ErrLocked) {
		t.Fatalf("second lock: %v", err)
	}
	l.Close()
	l, err = m.Lock("/d/LOCK")
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	l.Close()
}
