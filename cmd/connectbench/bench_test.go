package main

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func TestBackgroundFetch(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/done", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "profile") })
	// A profile over the next seconds: part of it, then nothing until the client goes away.
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "part")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	dir := t.TempDir()

	file := filepath.Join(dir, "done.pprof")
	f := startFetch(context.Background(), srv.URL+"/done", file)
	defer f.stop()
	if err := f.wait(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "profile" {
		t.Errorf("file %q, %v; want the body", b, err)
	}
	f.stop() // after wait: nothing to stop
	if b, err := os.ReadFile(file); err != nil || string(b) != "profile" {
		t.Errorf("after stop: file %q, %v; want it kept", b, err)
	}

	// The owner gives up before the fetch is over (its phase failed): stop ends the fetch, and the part of the
	// profile written so far is removed.
	file = filepath.Join(dir, "slow.pprof")
	f = startFetch(context.Background(), srv.URL+"/slow", file)
	waitFor(t, "the partial profile", func() bool {
		b, _ := os.ReadFile(file)
		return string(b) == "part"
	})
	f.stop()
	if _, err := os.Stat(file); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stopped fetch left %s: %v", file, err)
	}
	if err := f.wait(); !errors.Is(err, context.Canceled) {
		t.Errorf("stopped fetch: %v, want context.Canceled", err)
	}

	file = filepath.Join(dir, "missing.pprof")
	f = startFetch(context.Background(), srv.URL+"/missing", file)
	defer f.stop()
	if err := f.wait(); err == nil {
		t.Error("a 404 fetched")
	}
	if _, err := os.Stat(file); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("failed fetch left %s: %v", file, err)
	}
}
