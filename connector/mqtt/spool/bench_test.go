package spool_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/connectd/connectd/connector/mqtt/spool"
)

// BenchmarkFsync is what the spool's durability costs on this disk: one 1 KB append and one fsync per
// operation (ns/op is the cost of an fsync after a small write). Run in the directory `go test` uses for
// TempDir; point TMPDIR at the spool's volume to measure that one.
//
// Measured on the project's build machine (2 vCPUs, ext4 on a virtio disk): 165-190 µs an fsync after a
// 1 KB append, 300 µs after 64 KB, 400-750 µs after 256 KB.
func BenchmarkFsync(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10, 256 << 10} {
		b.Run(fmt.Sprintf("append=%dKB", size>>10), func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "f"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			buf := make([]byte, size)
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := f.Write(buf); err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAppend appends 1 KB entries to a spool on disk, through the whole path: group commit, durable
// callbacks, and a shipper that reads and commits (so segments are deleted as they go). Each of `sessions`
// appenders keeps at most `window` entries not yet durable, as an MQTT session whose broker allows that many
// unacknowledged messages (Mosquitto's default is 20, EMQX's 32); window=1000 is a tuned broker. It reports
// entries/s and the entries per fsync, with MaxDelay 0 (sync when free) and 2 ms.
//
// Measured on the project's build machine (2 vCPUs, ext4 on a virtio disk), in entries/s (entries per fsync):
//
//	sessions × window   MaxDelay 0        MaxDelay 2ms
//	1 × 20               64,000 (18)        6,600 (20)
//	4 × 20              127,000 (40)       27,000 (80)
//	16 × 32             303,000 (234)      85,000 (486)
//	1 × 1000            350,000 (600)     130,000 (956)
//
// Gathering never pays here: an fsync is cheap next to the 2 ms a batch would wait, and a session's window
// caps the batch anyway. Hence the default MaxDelay of 0.
func BenchmarkAppend(b *testing.B) {
	for _, delay := range []time.Duration{0, 2 * time.Millisecond} {
		for _, c := range []struct{ sessions, window int }{{1, 20}, {4, 20}, {16, 32}, {1, 1000}} {
			name := fmt.Sprintf("delay=%v/sessions=%d/window=%d", delay, c.sessions, c.window)
			b.Run(name, func(b *testing.B) { benchAppend(b, c.sessions, c.window, delay) })
		}
	}
}

func benchAppend(b *testing.B, sessions, window int, delay time.Duration) {
	s, err := spool.Open(b.TempDir(), spool.Options{MaxDelay: delay})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var group sync.WaitGroup
	group.Go(func() {
		if err := s.Run(ctx); err != nil {
			b.Error(err)
		}
	})
	shipped := make(chan struct{})
	total := uint64(b.N)
	group.Go(func() {
		defer close(shipped)
		for {
			entries, err := s.Read(ctx, 1000)
			if err != nil {
				return
			}
			last := entries[len(entries)-1].Seq
			if err := s.Commit(last); err != nil {
				b.Error(err)
				return
			}
			if last >= total {
				return
			}
		}
	})

	data := make([]byte, 1024)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	start := time.Now()
	var appenders sync.WaitGroup
	for i := range sessions {
		n := b.N / sessions
		if i < b.N%sessions {
			n++
		}
		appenders.Go(func() {
			slots := make(chan struct{}, window)
			for range n {
				slots <- struct{}{}
				if _, err := s.Append(ctx, data, func(_ uint64, err error) {
					if err != nil {
						b.Error(err)
					}
					<-slots
				}); err != nil {
					b.Error(err)
					return
				}
			}
			for range window { // every entry of this session is durable
				slots <- struct{}{}
			}
		})
	}
	appenders.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if b.Failed() {
		cancel()
	}
	<-shipped
	st := s.Stats()
	cancel()
	group.Wait()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "entries/s")
	if st.Syncs > 0 {
		b.ReportMetric(float64(b.N)/float64(st.Syncs), "entries/sync")
	}
}
