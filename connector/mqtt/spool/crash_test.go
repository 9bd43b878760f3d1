package spool_test

import (
	"bytes"
	"context"
	"fmt"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/connectd/connectd/connector/mqtt/spool"
	"github.com/connectd/connectd/connector/mqtt/spool/spooltest"
)

// outcome is what the owner of a spool saw before the fault.
type outcome struct {
	appended  map[uint64][]byte // every entry Append accepted
	acked     []uint64          // entries whose durable callback reported success
	committed uint64            // the highest sequence number given to Commit
}

// scenarioOptions: entries of 100 bytes, three to a segment; MaxDelay makes the batches the same on every
// run (in a synctest bubble, the appends of a batch all come before the delay ends), so that step n is the
// same operation in every run.
func scenarioOptions(fs spool.FS) spool.Options {
	return spool.Options{FS: fs, SegmentBytes: 350, MaxDelay: time.Millisecond, CheckpointInterval: time.Hour}
}

// scenario runs a spool's life on fs until the first error: batches that fill and roll segments, reads,
// commits that write the checkpoint and delete segments, and Close.
func scenario(t *testing.T, fs spool.FS) outcome {
	out := outcome{appended: map[uint64][]byte{}}
	synctest.Test(t, func(t *testing.T) {
		s, err := spool.Open(memDir, scenarioOptions(fs))
		if err != nil {
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		defer func() {
			cancel()
			<-done
			s.Close()
		}()
		next := 1
		batch := func(n int) bool {
			entries := payloads(next, n, entrySize)
			next += n
			seqs, errs, err := appendAll(t, s, entries...)
			for i, seq := range seqs {
				out.appended[seq] = entries[i]
				if errs[i] == nil {
					out.acked = append(out.acked, seq)
				}
			}
			return err == nil && len(errs) > 0 && errs[len(errs)-1] == nil
		}
		ship := func(n int) bool {
			var last uint64
			for got := 0; got < n; {
				entries, err := s.Read(ctx, n-got)
				if err != nil {
					return false
				}
				got += len(entries)
				last = entries[len(entries)-1].Seq
			}
			out.committed = last
			return s.Commit(last) == nil
		}
		_ = batch(3) && batch(5) && ship(4) && batch(2) && ship(6) && batch(3)
	})
	return out
}

// verify opens what a fault left and checks the durability contract: Open succeeds; the entries read are
// consecutive and hold what was appended with their sequence numbers; every entry acknowledged as durable
// and not committed is among them. Then the spool takes new entries that survive a Close.
func verify(t *testing.T, fs *spooltest.FS, out outcome, what string) {
	t.Helper()
	s, err := spool.Open(memDir, spool.Options{FS: fs, SegmentBytes: 350})
	if err != nil {
		t.Fatalf("%s: Open: %v", what, err)
	}
	defer s.Close()
	if rec := s.Recovery(); len(rec.Lost) > 0 || rec.DamagedHeaders > 0 {
		t.Fatalf("%s: recovery reports damage a crash cannot cause: %+v", what, rec)
	}
	entries := readAll(t, s)
	for i, e := range entries {
		if i > 0 && e.Seq != entries[i-1].Seq+1 {
			t.Fatalf("%s: entry %d follows entry %d", what, e.Seq, entries[i-1].Seq)
		}
		if want, ok := out.appended[e.Seq]; !ok || !bytes.Equal(e.Data, want) {
			t.Fatalf("%s: entry %d holds %q, which was never appended with that number (%q)", what, e.Seq, e.Data, want)
		}
	}
	for _, seq := range out.acked {
		if seq <= out.committed {
			continue
		}
		if len(entries) == 0 || seq < entries[0].Seq || seq > entries[len(entries)-1].Seq {
			t.Fatalf("%s: entry %d was reported durable and is gone (read %d entries)", what, seq, len(entries))
		}
	}
	next := s.Stats().Next
	if len(entries) > 0 && next <= entries[len(entries)-1].Seq {
		t.Fatalf("%s: next sequence number %d, not past the last entry %d", what, next, entries[len(entries)-1].Seq)
	}

	// The spool goes on: a new entry is durable and read back after a Close.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	seqs := mustAppend(t, s, []byte("after"))
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("%s: Run: %v", what, err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("%s: Close: %v", what, err)
	}
	s2, err := spool.Open(memDir, spool.Options{FS: fs})
	if err != nil {
		t.Fatalf("%s: Open after the new entry: %v", what, err)
	}
	defer s2.Close()
	again := readAll(t, s2)
	if len(again) == 0 || again[len(again)-1].Seq != seqs[0] || string(again[len(again)-1].Data) != "after" {
		t.Fatalf("%s: the entry appended after recovery is not read back last", what)
	}
}

// images are the crash images of fs checked after a fault.
func images(fs *spooltest.FS) map[string]*spooltest.FS {
	out := map[string]*spooltest.FS{}
	for _, mode := range []spooltest.CrashMode{spooltest.LoseUnsynced, spooltest.KeepUnsynced} {
		out[mode.String()] = fs.Crash(mode, 0)
	}
	for seed := range uint64(4) {
		out[fmt.Sprintf("%v seed %d", spooltest.TearUnsynced, seed)] = fs.Crash(spooltest.TearUnsynced, seed)
	}
	return out
}

// A machine crash at every step of a spool's life, with every crash image (unsynced writes lost, kept, or
// torn), loses nothing that was reported durable; so does a crash at every step of the recovery that
// follows.
func TestCrashAtEveryStep(t *testing.T) {
	steps := 0
	for step := 1; ; step++ {
		fs := spooltest.New()
		fs.Inject(spooltest.CrashAt(step, step*37%130)) // a write crashes after some of its bytes
		out := scenario(t, fs)
		if !fs.Crashed() {
			steps = step - 1
			break
		}
		for name, img := range images(fs) {
			what := fmt.Sprintf("crash at step %d, %s", step, name)
			crashDuringRecovery(t, img, out, what) // on copies of img
			verify(t, img, out, what)
		}
	}
	// The scenario must exercise what it claims: segment creation, rolls, checkpoint writes and deletions.
	if steps < 40 {
		t.Fatalf("the scenario has %d steps; it should write, roll, checkpoint and delete", steps)
	}
}

// crashDuringRecovery crashes Open of img at each of its steps and checks what that leaves.
func crashDuringRecovery(t *testing.T, img *spooltest.FS, out outcome, what string) {
	t.Helper()
	for step := 1; ; step++ {
		fs := img.Crash(spooltest.KeepUnsynced, 0)
		fs.Inject(spooltest.CrashAt(step, 0))
		s, err := spool.Open(memDir, spool.Options{FS: fs, SegmentBytes: 350})
		if err == nil {
			s.Close()
		}
		if !fs.Crashed() {
			return
		}
		for name, img2 := range images(fs) {
			verify(t, img2, out, fmt.Sprintf("%s, then at step %d of recovery, %s", what, step, name))
		}
	}
}

// An I/O error at every step (the process lives on): the spool reports it and stops, and what it left,
// opened again as it is or after a crash, keeps the contract.
func TestErrorAtEveryStep(t *testing.T) {
	for step := 1; ; step++ {
		fs := spooltest.New()
		failed := false
		fs.Inject(func(op spooltest.Op) *spooltest.Fault {
			if op.Step == step {
				failed = true
				return &spooltest.Fault{Err: syscall.EIO, Written: step * 37 % 130}
			}
			return nil
		})
		out := scenario(t, fs)
		if !failed {
			if step < 40 {
				t.Fatalf("the scenario has %d steps", step-1)
			}
			return
		}
		fs.Inject(nil)
		what := fmt.Sprintf("EIO at step %d", step)
		verify(t, fs.Crash(spooltest.KeepUnsynced, 0), out, what+", reopened")
		verify(t, fs.Crash(spooltest.LoseUnsynced, 0), out, what+", then a crash")
	}
}

// Sanity check of the harness: without faults the scenario acknowledges and ships everything.
func TestScenarioWithoutFaults(t *testing.T) {
	fs := spooltest.New()
	out := scenario(t, fs)
	if len(out.acked) != 13 || out.committed != 10 {
		t.Fatalf("acked %v, committed %d; want 13 entries acked and 10 committed", out.acked, out.committed)
	}
	if fs.Crashed() {
		t.Fatal("crashed without a fault")
	}
	verify(t, fs, out, "no fault")
}
