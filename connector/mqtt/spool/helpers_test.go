package spool_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/connectd/connectd/connector/mqtt/spool"
)

// memDir is the spool directory on a spooltest.FS.
const memDir = "/data/spool"

// waitLimit bounds a wait for something the test caused, so that a bug fails the test instead of hanging it.
const waitLimit = 10 * time.Second

// running is a spool whose Run goroutine the test owns.
type running struct {
	*spool.Spool
	cancel context.CancelFunc
	done   chan error
	err    error
	once   sync.Once
}

// openRunning opens a spool and runs it until the test ends.
func openRunning(t *testing.T, dir string, opts spool.Options) *running {
	t.Helper()
	s, err := spool.Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return run(t, s)
}

// run starts s's Run; the test's cleanup stops it and closes s.
func run(t *testing.T, s *spool.Spool) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Spool: s, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx) }()
	t.Cleanup(func() {
		r.Stop()
		s.Close()
	})
	return r
}

// Stop ends Run and returns what it returned.
func (r *running) Stop() error {
	r.once.Do(func() {
		r.cancel()
		r.err = <-r.done
	})
	return r.err
}

// appendAll appends entries, waits for all their durable callbacks and checks that they came in sequence
// order; it returns the sequence numbers and the callbacks' errors. An Append that fails ends the batch.
func appendAll(t *testing.T, s *spool.Spool, entries ...[]byte) ([]uint64, []error, error) {
	t.Helper()
	type result struct {
		seq uint64
		err error
	}
	results := make(chan result, len(entries))
	var seqs []uint64
	var appendErr error
	for _, data := range entries {
		seq, err := s.Append(context.Background(), data, func(seq uint64, err error) { results <- result{seq, err} })
		if err != nil {
			appendErr = err
			break
		}
		seqs = append(seqs, seq)
	}
	errs := make([]error, len(seqs))
	timeout := time.NewTimer(waitLimit)
	defer timeout.Stop()
	for i := range seqs {
		select {
		case r := <-results:
			if r.seq != seqs[i] {
				t.Fatalf("durable callback %d is for entry %d, want %d (callbacks out of order)", i, r.seq, seqs[i])
			}
			errs[i] = r.err
		case <-timeout.C:
			t.Fatalf("durable callbacks: %d of %d after %v", i, len(seqs), waitLimit)
		}
	}
	return seqs, errs, appendErr
}

// mustAppend appends entries that must all become durable.
func mustAppend(t *testing.T, s *spool.Spool, entries ...[]byte) []uint64 {
	t.Helper()
	seqs, errs, err := appendAll(t, s, entries...)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("entry %d: durable callback: %v", seqs[i], err)
		}
	}
	return seqs
}

// readN reads exactly n entries.
func readN(t *testing.T, s *spool.Spool, n int) []spool.Entry {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	var out []spool.Entry
	for len(out) < n {
		got, err := s.Read(ctx, n-len(out))
		if err != nil {
			t.Fatalf("Read after %d of %d entries: %v", len(out), n, err)
		}
		out = append(out, got...)
	}
	return out
}

// readAll reads every durable entry without waiting for more.
func readAll(t *testing.T, s *spool.Spool) []spool.Entry {
	t.Helper()
	var out []spool.Entry
	for s.Stats().Read < s.Stats().Durable {
		out = append(out, readN(t, s, 1)...)
	}
	return out
}

// payload is entry i's data: size bytes that say which entry they are.
func payload(i, size int) []byte {
	p := fmt.Appendf(nil, "entry %d:", i)
	for len(p) < size {
		p = append(p, byte('a'+i%26))
	}
	return p[:size]
}

func payloads(from, n, size int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = payload(from+i, size)
	}
	return out
}

// checkEntries checks that entries are the ones with sequence numbers first, first+1, ... and the data
// want gives.
func checkEntries(t *testing.T, entries []spool.Entry, first uint64, want func(seq uint64) []byte) {
	t.Helper()
	for i, e := range entries {
		if e.Seq != first+uint64(i) {
			t.Fatalf("entry %d has sequence number %d, want %d", i, e.Seq, first+uint64(i))
		}
		if w := want(e.Seq); !bytes.Equal(e.Data, w) {
			t.Fatalf("entry %d: data %q, want %q", e.Seq, e.Data, w)
		}
	}
}

// logBuffer collects a logger's output.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLogger() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}
