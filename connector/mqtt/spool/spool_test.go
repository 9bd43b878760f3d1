package spool_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/connectd/connectd/connector/mqtt/spool"
	"github.com/connectd/connectd/connector/mqtt/spool/spooltest"
)

func segmentFiles(names []string) []string {
	var out []string
	for _, n := range names {
		if strings.HasSuffix(n, ".seg") {
			out = append(out, n)
		}
	}
	return out
}

// Entries come back in order with their data, across segment files; committing deletes the segments wholly
// shipped, and only those.
func TestAppendReadCommit(t *testing.T) {
	fs := spooltest.New()
	// 100-byte entries are 108 bytes framed: three to a segment (24-byte header).
	s := openRunning(t, memDir, spool.Options{FS: fs, SegmentBytes: 350})
	seqs := mustAppend(t, s.Spool, payloads(1, 10, 100)...)
	if !slices.Equal(seqs, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Fatalf("sequence numbers %v, want 1 to 10", seqs)
	}
	if got := segmentFiles(fs.Names(memDir)); len(got) != 4 {
		t.Fatalf("segment files %v, want 4 (3 entries each)", got)
	}
	if st := s.Stats(); st.Bytes != 10*108 || st.Durable != 10 || st.Next != 11 || st.Segments != 4 {
		t.Fatalf("stats %+v, want 1080 bytes, durable 10, next 11, 4 segments", st)
	}

	entries := readN(t, s.Spool, 4)
	checkEntries(t, entries, 1, func(seq uint64) []byte { return payload(int(seq), 100) })
	if err := s.Commit(2); err != nil {
		t.Fatal(err)
	}
	if got := segmentFiles(fs.Names(memDir)); len(got) != 4 {
		t.Fatalf("after committing 2 of the first segment's 3 entries: segment files %v, want all 4", got)
	}
	if err := s.Commit(4); err != nil {
		t.Fatal(err)
	}
	if got := segmentFiles(fs.Names(memDir)); !slices.Equal(got, []string{
		"00000000000000000004.seg", "00000000000000000007.seg", "00000000000000000010.seg",
	}) {
		t.Fatalf("after committing 4: segment files %v, want the first deleted", got)
	}
	if st := s.Stats(); st.Bytes != 6*108 || st.Committed != 4 {
		t.Fatalf("stats %+v, want 648 bytes (6 entries) and committed 4", st)
	}

	rest := readN(t, s.Spool, 6)
	checkEntries(t, rest, 5, func(seq uint64) []byte { return payload(int(seq), 100) })
	if err := s.Commit(10); err != nil {
		t.Fatal(err)
	}
	// The segment appends go to stays, even when all of it is shipped.
	if got := segmentFiles(fs.Names(memDir)); !slices.Equal(got, []string{"00000000000000000010.seg"}) {
		t.Fatalf("after committing everything: segment files %v, want only the one being written", got)
	}
	if st := s.Stats(); st.Bytes != 0 {
		t.Fatalf("stats %+v, want 0 bytes", st)
	}
	if err := s.Commit(11); err == nil {
		t.Fatal("Commit(11) beyond the last entry read succeeded")
	}
	if err := s.Commit(3); err != nil {
		t.Fatalf("committing again what is committed: %v", err)
	}
}

// Many appenders: every entry gets one callback, in sequence order, and is read back with its own data.
func TestConcurrentAppendsOnDisk(t *testing.T) {
	dir := t.TempDir()
	s := openRunning(t, dir, spool.Options{SegmentBytes: 64 << 10})
	const writers, each = 8, 200
	var mu sync.Mutex
	var order []uint64
	data := map[uint64][]byte{}
	done := make(chan uint64, writers*each)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				p := payload(w*each+i, 1024)
				seq, err := s.Append(context.Background(), p, func(seq uint64, err error) {
					if err != nil {
						t.Errorf("entry %d: %v", seq, err)
					}
					mu.Lock()
					order = append(order, seq)
					mu.Unlock()
					done <- seq
				})
				if err != nil {
					t.Errorf("Append: %v", err)
					return
				}
				mu.Lock()
				data[seq] = p
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for range writers * each {
		<-done
	}
	mu.Lock()
	if len(order) != writers*each || !slices.IsSorted(order) || order[0] != 1 {
		t.Fatalf("%d callbacks, sorted %v, first %d: want %d in order from 1", len(order), slices.IsSorted(order),
			order[0], writers*each)
	}
	mu.Unlock()
	entries := readN(t, s.Spool, writers*each)
	mu.Lock()
	defer mu.Unlock()
	checkEntries(t, entries, 1, func(seq uint64) []byte { return data[seq] })
}

// With MaxDelay, a batch waits that long for more entries, then one fsync makes them all durable.
func TestMaxDelayGathersABatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := openRunning(t, memDir, spool.Options{FS: spooltest.New(), MaxDelay: 2 * time.Millisecond})
		start := time.Now()
		mustAppend(t, s.Spool, payloads(1, 10, 100)...)
		if waited := time.Since(start); waited != 2*time.Millisecond {
			t.Fatalf("entries durable after %v, want MaxDelay (2ms)", waited)
		}
		if st := s.Stats(); st.Syncs != 1 {
			t.Fatalf("%d syncs for one batch, want 1", st.Syncs)
		}
	})
}

// SyncBytes cuts MaxDelay's wait short.
func TestSyncBytesEndsTheWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := openRunning(t, memDir, spool.Options{FS: spooltest.New(), MaxDelay: time.Hour, SyncBytes: 4 * 108})
		start := time.Now()
		mustAppend(t, s.Spool, payloads(1, 4, 100)...)
		if waited := time.Since(start); waited != 0 {
			t.Fatalf("4 entries of SyncBytes durable after %v, want at once", waited)
		}
	})
}

// gatedFS holds every File.Sync until the test lets it through.
type gatedFS struct {
	*spooltest.FS
	entered chan string
	release chan struct{}
}

func (g *gatedFS) OpenFile(name string, flag int) (spool.File, error) {
	f, err := g.FS.OpenFile(name, flag)
	if err != nil {
		return nil, err
	}
	return gatedFile{f, g}, nil
}

type gatedFile struct {
	spool.File
	g *gatedFS
}

func (f gatedFile) Sync() error {
	f.g.entered <- "sync"
	<-f.g.release
	return f.File.Sync()
}

// Without MaxDelay, the entries appended while an fsync runs form the next batch: two fsyncs for ten entries.
func TestEntriesAppendedDuringASyncFormTheNextBatch(t *testing.T) {
	g := &gatedFS{FS: spooltest.New(), entered: make(chan string), release: make(chan struct{})}
	s := openRunning(t, memDir, spool.Options{FS: g})
	first := make(chan error, 1)
	if _, err := s.Append(context.Background(), payload(1, 100), func(_ uint64, err error) { first <- err }); err != nil {
		t.Fatal(err)
	}
	<-g.entered // the new segment's header
	g.release <- struct{}{}
	<-g.entered // entry 1
	// Entries 2 to 10 are appended while entry 1's fsync is held.
	rest := make(chan error, 9)
	for i := 2; i <= 10; i++ {
		if _, err := s.Append(context.Background(), payload(i, 100), func(_ uint64, err error) { rest <- err }); err != nil {
			t.Fatal(err)
		}
	}
	g.release <- struct{}{}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	<-g.entered // entries 2 to 10
	g.release <- struct{}{}
	for range 9 {
		if err := <-rest; err != nil {
			t.Fatal(err)
		}
	}
	if st := s.Stats(); st.Syncs != 2 {
		t.Fatalf("%d syncs, want 2 (entry 1, then entries 2 to 10)", st.Syncs)
	}
}

// Append waits while the spool is full and goes on when a commit makes room; with its context ended it
// reports ErrFull and appends nothing.
func TestFullSpoolHoldsAppendsBack(t *testing.T) {
	s := openRunning(t, memDir, spool.Options{FS: spooltest.New(), MaxBytes: 4 * 108})
	mustAppend(t, s.Spool, payloads(1, 4, 100)...)

	ended, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Append(ended, payload(5, 100), nil); !errors.Is(err, spool.ErrFull) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Append to a full spool with an ended context: %v, want ErrFull and context.Canceled", err)
	}
	// An entry that fits in the room left is not held back.
	if _, err := s.Append(ended, nil, nil); !errors.Is(err, spool.ErrFull) {
		t.Fatalf("an empty entry (8 bytes) with no room left: %v, want ErrFull", err)
	}

	appended := make(chan uint64, 1)
	go func() { appended <- mustAppend(t, s.Spool, payload(5, 100))[0] }()
	readN(t, s.Spool, 2)
	select {
	case seq := <-appended:
		t.Fatalf("entry %d appended to a full spool before any commit", seq)
	default:
	}
	if err := s.Commit(1); err != nil {
		t.Fatal(err)
	}
	if seq := <-appended; seq != 5 {
		t.Fatalf("the held-back entry got sequence number %d, want 5", seq)
	}
	if st := s.Stats(); st.Bytes != 4*108 {
		t.Fatalf("%d bytes held, want 432", st.Bytes)
	}
}

// AppendNow takes an entry a full spool would hold back; the bytes held go past MaxBytes by that entry, and
// Append waits again until commits bring them back under it.
func TestAppendNowGoesPastMaxBytes(t *testing.T) {
	s := openRunning(t, memDir, spool.Options{FS: spooltest.New(), MaxBytes: 4 * 108})
	mustAppend(t, s.Spool, payloads(1, 4, 100)...)
	durable := make(chan uint64, 1)
	seq, err := s.AppendNow(payload(5, 100), func(seq uint64, err error) {
		if err == nil {
			durable <- seq
		}
	})
	if err != nil || seq != 5 {
		t.Fatalf("AppendNow to a full spool: %d, %v; want entry 5", seq, err)
	}
	if got := <-durable; got != 5 {
		t.Fatalf("entry %d durable, want 5", got)
	}
	if st := s.Stats(); st.Bytes != 5*108 {
		t.Fatalf("%d bytes held, want 540: one entry past MaxBytes", st.Bytes)
	}
	readN(t, s.Spool, 5)
	if err := s.Commit(1); err != nil {
		t.Fatal(err)
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Append(ended, payload(6, 100), nil); !errors.Is(err, spool.ErrFull) {
		t.Fatalf("Append while still at MaxBytes after AppendNow: %v, want ErrFull", err)
	}
	if _, err := s.AppendNow(make([]byte, 1000), nil); !errors.Is(err, spool.ErrTooLarge) {
		t.Fatalf("AppendNow of an entry larger than MaxBytes: %v, want ErrTooLarge", err)
	}
}

func TestEntryTooLarge(t *testing.T) {
	s := openRunning(t, memDir, spool.Options{FS: spooltest.New(), MaxBytes: 1000})
	if _, err := s.Append(context.Background(), make([]byte, 993), nil); !errors.Is(err, spool.ErrTooLarge) {
		t.Fatalf("an entry of 993 bytes (1001 framed) in a 1000-byte spool: %v, want ErrTooLarge", err)
	}
	mustAppend(t, s.Spool, make([]byte, 992))
}

// Read waits for an entry to be durable, and stops waiting when its context ends or the spool closes.
func TestReadWaits(t *testing.T) {
	s := openRunning(t, memDir, spool.Options{FS: spooltest.New()})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Read(ctx, 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("Read of an empty spool with an ended context: %v", err)
	}

	got := make(chan []spool.Entry)
	go func() { got <- readN(t, s.Spool, 1) }()
	mustAppend(t, s.Spool, []byte("hello"))
	if e := <-got; e[0].Seq != 1 || string(e[0].Data) != "hello" {
		t.Fatalf("Read returned %+v", e)
	}

	errc := make(chan error)
	go func() {
		_, err := s.Read(context.Background(), 1)
		errc <- err
	}()
	s.Stop()
	s.Close()
	if err := <-errc; !errors.Is(err, spool.ErrClosed) {
		t.Fatalf("a Read waiting when the spool closed: %v, want ErrClosed", err)
	}
}

// When Run's context ends it writes what was appended; then Append refuses, and Read and Commit go on so
// that the shipper can drain the spool.
func TestRunStopsAfterWritingWhatWasAppended(t *testing.T) {
	s := openRunning(t, memDir, spool.Options{FS: spooltest.New(), MaxDelay: time.Hour})
	results := make(chan error, 3)
	for i := range 3 {
		if _, err := s.Append(context.Background(), payload(i+1, 50), func(_ uint64, err error) { results <- err }); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for range 3 {
		if err := <-results; err != nil {
			t.Fatalf("an entry appended before Run stopped: %v", err)
		}
	}
	if _, err := s.Append(context.Background(), []byte("late"), nil); !errors.Is(err, spool.ErrClosed) {
		t.Fatalf("Append after Run returned: %v, want ErrClosed", err)
	}
	checkEntries(t, readN(t, s.Spool, 3), 1, func(seq uint64) []byte { return payload(int(seq), 50) })
	if err := s.Commit(3); err != nil {
		t.Fatal(err)
	}
}

// Entries appended with no Run to write them get ErrClosed from Close, and are not on disk.
func TestCloseFailsEntriesNeverWritten(t *testing.T) {
	fs := spooltest.New()
	s, err := spool.Open(memDir, spool.Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan error, 2)
	for range 2 {
		if _, err := s.Append(context.Background(), []byte("x"), func(_ uint64, err error) { results <- err }); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-results; !errors.Is(err, spool.ErrClosed) {
			t.Fatalf("callback: %v, want ErrClosed", err)
		}
	}
	if err := s.Run(context.Background()); !errors.Is(err, spool.ErrClosed) {
		t.Fatalf("Run after Close: %v", err)
	}
	if _, err := s.Append(context.Background(), []byte("x"), nil); !errors.Is(err, spool.ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	s2, err := spool.Open(memDir, spool.Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if rec := s2.Recovery(); rec.Entries != 0 {
		t.Fatalf("recovered %+v, want nothing", rec)
	}
}

// What is not committed at Close is read first by the next spool, which continues the sequence numbers;
// what was committed is not read again.
func TestRestartShipsLeftoversFirst(t *testing.T) {
	dir := t.TempDir()
	s := openRunning(t, dir, spool.Options{})
	mustAppend(t, s.Spool, payloads(1, 10, 300)...)
	readN(t, s.Spool, 4)
	if err := s.Commit(3); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	logger, logs := newLogger()
	s2 := openRunning(t, dir, spool.Options{Logger: logger})
	rec := s2.Recovery()
	if rec.Committed != 3 || rec.Entries != 7 || rec.First != 4 || rec.Last != 10 || rec.Bytes != 7*308 || rec.TornBytes != 0 {
		t.Fatalf("recovery %+v, want committed 3, entries 4 to 10 (2156 bytes), nothing torn", rec)
	}
	if !strings.Contains(logs.String(), "entries left to ship") {
		t.Fatalf("log %q does not mention the entries left", logs)
	}
	if st := s2.Stats(); st.Bytes != 7*308 || st.Next != 11 {
		t.Fatalf("stats %+v", st)
	}
	mustAppend(t, s2.Spool, payloads(11, 2, 300)...)
	checkEntries(t, readN(t, s2.Spool, 9), 4, func(seq uint64) []byte { return payload(int(seq), 300) })
}

// A second spool on the same directory is refused.
func TestDirectoryLock(t *testing.T) {
	for _, tc := range []struct {
		name string
		dir  string
		fs   spool.FS
	}{{"os", t.TempDir(), nil}, {"mem", memDir, spooltest.New()}} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := spool.Open(tc.dir, spool.Options{FS: tc.fs})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := spool.Open(tc.dir, spool.Options{FS: tc.fs}); !errors.Is(err, spool.ErrLocked) {
				t.Fatalf("second Open: %v, want ErrLocked", err)
			}
			s.Close()
			s2, err := spool.Open(tc.dir, spool.Options{FS: tc.fs})
			if err != nil {
				t.Fatalf("Open after Close: %v", err)
			}
			s2.Close()
		})
	}
}

func TestInvalidOptions(t *testing.T) {
	_, err := spool.Open(memDir, spool.Options{FS: spooltest.New(), MaxBytes: -1, MaxDelay: -time.Second})
	if err == nil || !strings.Contains(err.Error(), "MaxBytes") || !strings.Contains(err.Error(), "MaxDelay") {
		t.Fatalf("Open with two invalid options: %v, want both named", err)
	}
}

// A write failure stops the spool: the batch's callbacks and later Appends get the error, Run returns it,
// and what was durable before is still read and shipped. The next Open cuts the partial write.
func TestWriteFailureStopsTheSpool(t *testing.T) {
	fs := spooltest.New()
	s := openRunning(t, memDir, spool.Options{FS: fs})
	mustAppend(t, s.Spool, payloads(1, 3, 100)...)
	// Writes so far: the segment header, then entries 1 to 3 (one batch).
	fs.Inject(spooltest.FailAt(spooltest.OpWrite, 1, syscall.ENOSPC, 50))
	seqs, errs, err := appendAll(t, s.Spool, payload(4, 100))
	if err != nil || len(seqs) != 1 || !errors.Is(errs[0], syscall.ENOSPC) {
		t.Fatalf("entry appended as the disk filled up: Append %v, callback %v; want the callback to fail with ENOSPC", err, errs)
	}
	if err := s.Stop(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Run: %v, want ENOSPC", err)
	}
	if _, err := s.Append(context.Background(), payload(5, 100), nil); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Append after the failure: %v, want the failure", err)
	}
	if st := s.Stats(); !errors.Is(st.Err, syscall.ENOSPC) || st.Durable != 3 {
		t.Fatalf("stats %+v, want the error and 3 durable entries", st)
	}
	checkEntries(t, readN(t, s.Spool, 3), 1, func(seq uint64) []byte { return payload(int(seq), 100) })
	if err := s.Commit(2); err != nil {
		t.Fatalf("Commit on a stopped spool: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	fs.Inject(nil)
	s2 := openRunning(t, memDir, spool.Options{FS: fs})
	if rec := s2.Recovery(); rec.TornBytes != 50 || rec.Entries != 1 || rec.First != 3 {
		t.Fatalf("recovery %+v, want 50 torn bytes and entry 3 left", rec)
	}
	if seq := mustAppend(t, s2.Spool, payload(4, 100))[0]; seq != 4 {
		t.Fatalf("first entry after the failure: %d, want 4", seq)
	}
}

// A failed fsync stops the spool too, and is never retried.
func TestSyncFailureStopsTheSpool(t *testing.T) {
	fs := spooltest.New()
	s := openRunning(t, memDir, spool.Options{FS: fs})
	mustAppend(t, s.Spool, payload(1, 10))
	syncs := 0
	fs.Inject(func(op spooltest.Op) *spooltest.Fault {
		if op.Kind != spooltest.OpSync {
			return nil
		}
		if syncs++; syncs == 1 {
			return &spooltest.Fault{Err: syscall.EIO}
		}
		t.Errorf("sync retried after a failure: %v", op)
		return nil
	})
	_, errs, _ := appendAll(t, s.Spool, payload(2, 10))
	if !errors.Is(errs[0], syscall.EIO) {
		t.Fatalf("callback: %v, want EIO", errs[0])
	}
	if err := s.Stop(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Run: %v, want EIO", err)
	}
}

// A full disk: the spool stops with ENOSPC; commits still delete shipped segments (the checkpoint is
// overwritten in place), and a spool opened again takes entries once there is room.
func TestDiskFull(t *testing.T) {
	fs := spooltest.New()
	opts := spool.Options{FS: fs, SegmentBytes: 350, CheckpointInterval: time.Nanosecond}
	s := openRunning(t, memDir, opts)
	mustAppend(t, s.Spool, payload(1, 100))
	readN(t, s.Spool, 1)
	if err := s.Commit(1); err != nil { // creates the checkpoint file
		t.Fatal(err)
	}
	fs.SetCapacity(64 + 2*350) // the checkpoint and two segments
	var acked uint64
	for i := 2; ; i++ {
		seqs, errs, err := appendAll(t, s.Spool, payload(i, 100))
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
		if errs[0] != nil {
			if !errors.Is(errs[0], syscall.ENOSPC) {
				t.Fatalf("entry %d: %v, want ENOSPC", seqs[0], errs[0])
			}
			break
		}
		acked = seqs[0]
	}
	if err := s.Stop(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Run: %v", err)
	}
	entries := readN(t, s.Spool, int(acked-1))
	if err := s.Commit(entries[len(entries)-1].Seq); err != nil {
		t.Fatalf("Commit on a full disk: %v", err)
	}
	if got := segmentFiles(fs.Names(memDir)); len(got) != 1 {
		t.Fatalf("segments after committing everything: %v, want only the last", got)
	}
	s.Close()

	s2 := openRunning(t, memDir, opts)
	if seq := mustAppend(t, s2.Spool, payload(100, 100))[0]; seq != acked+1 {
		t.Fatalf("first entry after the disk filled: %d, want %d", seq, acked+1)
	}
}

// Files on a real disk: a torn tail written by hand is cut when the spool opens.
func TestTornTailOnDisk(t *testing.T) {
	dir := t.TempDir()
	s := openRunning(t, dir, spool.Options{})
	mustAppend(t, s.Spool, payloads(1, 3, 100)...)
	s.Stop()
	s.Close()
	f, err := os.OpenFile(filepath.Join(dir, "00000000000000000001.seg"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte{0, 0, 0, 100, 1, 2, 3, 4, 'p', 'a', 'r', 't'}); err != nil {
		t.Fatal(err)
	}
	f.Close()

	s2 := openRunning(t, dir, spool.Options{})
	if rec := s2.Recovery(); rec.TornBytes != 12 || rec.TornEntries != 1 || rec.Entries != 3 {
		t.Fatalf("recovery %+v, want 12 torn bytes (1 entry) and 3 entries", rec)
	}
	st, err := os.Stat(filepath.Join(dir, "00000000000000000001.seg"))
	if err != nil || st.Size() != 24+3*108 {
		t.Fatalf("segment after recovery: %v, %v; want it cut to %d bytes", st, err, 24+3*108)
	}
	mustAppend(t, s2.Spool, payload(4, 100))
	checkEntries(t, readN(t, s2.Spool, 4), 1, func(seq uint64) []byte { return payload(int(seq), 100) })
}

// The durable callbacks of a closed spool's readers and writers leave no goroutine behind: Close waits for
// Run.
func TestCloseStopsRun(t *testing.T) {
	s, err := spool.Open(memDir, spool.Options{FS: spooltest.New()})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- s.Run(context.Background()) }()
	mustAppend(t, s, []byte("x"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run after Close: %v, want nil", err)
	}
	if _, err := s.Read(context.Background(), 1); !errors.Is(err, spool.ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
}

var _ io.Closer = (*spool.Spool)(nil)

// Open syncs the entry of every directory it creates in its parent: a spool whose directory vanishes in a
// crash loses everything in it.
func TestOpenSyncsTheDirectoriesItCreates(t *testing.T) {
	fs := spooltest.New()
	if err := fs.MkdirAll("/data"); err != nil {
		t.Fatal(err)
	}
	var synced []string
	fs.Inject(func(op spooltest.Op) *spooltest.Fault {
		if op.Kind == spooltest.OpSyncDir {
			synced = append(synced, op.Path)
		}
		return nil
	})
	s, err := spool.Open("/data/spool/connector/0", spool.Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if want := []string{"/data", "/data/spool", "/data/spool/connector"}; !slices.Equal(synced, want) {
		t.Fatalf("directories synced %v, want %v", synced, want)
	}
	synced = nil
	s, err = spool.Open("/data/spool/connector/0", spool.Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if len(synced) != 0 {
		t.Fatalf("directories synced when they exist: %v", synced)
	}
}
