package storage

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/storage/records"
)

func TestChangedFiresOnWrite(t *testing.T) {
	s := newStore(t)
	ch := s.Changed()
	select {
	case <-ch:
		t.Fatal("Changed fired before any write")
	default:
	}
	applyStatus(t, s, records.StatusConnectorKey("a"), statusValue(records.StateRunning, 1))
	select {
	case <-ch:
	default:
		t.Fatal("Changed did not fire after a status write")
	}

	// Each topic's writes fire it, including a config record that only moves the offset.
	ch = s.Changed()
	if _, err := s.ApplyConfigRecord("tasks-fencing-a", enc(records.EncodeTaskFencing(1)), 0); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	default:
		t.Fatal("Changed did not fire after a config record")
	}
	ch = s.Changed()
	applyOffset(t, s, `["a",{"p":1}]`, `{"o":1}`)
	select {
	case <-ch:
	default:
		t.Fatal("Changed did not fire after an offset record")
	}
}

func TestWaitFor(t *testing.T) {
	s := newStore(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	done := make(chan error, 1)
	go func() {
		done <- s.WaitFor(ctx, func() bool {
			st, ok := s.ConnectorStatus("a")
			return ok && st.State == records.StateRunning
		})
	}()
	// Several writes, only the last of which satisfies the condition; WaitFor must not return early.
	applyStatus(t, s, records.StatusConnectorKey("a"), statusValue(records.StateUnassigned, 1))
	applyStatus(t, s, records.StatusConnectorKey("b"), statusValue(records.StateRunning, 1))
	applyStatus(t, s, records.StatusConnectorKey("a"), statusValue(records.StateRunning, 2))
	if err := <-done; err != nil {
		t.Fatalf("WaitFor = %v", err)
	}
	if st, _ := s.ConnectorStatus("a"); st.State != records.StateRunning {
		t.Fatalf("WaitFor returned with a = %+v", st)
	}

	// A condition that already holds returns at once; one that never holds returns the context's error.
	if err := s.WaitFor(ctx, func() bool { return true }); err != nil {
		t.Errorf("WaitFor(true) = %v", err)
	}
	short, cancelShort := context.WithCancel(ctx)
	cancelShort()
	if err := s.WaitFor(short, func() bool { return false }); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitFor(cancelled) = %v, want context.Canceled", err)
	}
}

func TestWaitForConfigOffset(t *testing.T) {
	s := newStore(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.WaitFor(ctx, func() bool { return s.ConfigOffset() >= 3 }) }()
	for i := range 3 {
		r := connectorRec("c", cfgOf("c"))
		if _, err := s.ApplyConfigRecord(r.key, r.value, int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("WaitFor = %v", err)
	}
}

// TestKeyEncoding checks that arbitrary connector names neither collide nor leak into each other's prefix
// scans, and that listing order is string order.
func TestKeyEncoding(t *testing.T) {
	names := []string{"a", "a\x00", "a\x00b", "a\x00\x01", "a\x01", "ab", "a-b", "", "\x00", "b", "ä"}
	s := newStore(t)
	for i, name := range names {
		for _, r := range []rec{connectorRec(name, cfgOf(name)), taskRec(name, 1), taskRec(name, 0),
			commitRec(name, 2)} {
			if _, err := s.ApplyConfigRecord(r.key, r.value, int64(i)); err != nil {
				t.Fatalf("%q: %v", r.key, err)
			}
		}
		applyStatus(t, s, records.StatusTaskKey(name, 7), statusValue(records.StateRunning, 1))
		applyStatus(t, s, records.StatusTaskKey(name, 300), statusValue(records.StateRunning, 1))
	}
	var got []string
	for _, c := range s.Connectors() {
		got = append(got, c.Name)
	}
	want := slices.Clone(names)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("Connectors() order = %q, want %q", got, want)
	}
	for _, name := range names {
		tasks := s.TaskConfigs(name)
		if len(tasks) != 2 || tasks[0].ID.Task != 0 || tasks[1].ID.Task != 1 {
			t.Errorf("TaskConfigs(%q) = %+v", name, tasks)
			continue
		}
		for _, tc := range tasks {
			if tc.ID.Connector != name {
				t.Errorf("TaskConfigs(%q) includes %q", name, tc.ID.Connector)
			}
		}
		statuses := s.TaskStatuses(name)
		if len(statuses) != 2 || statuses[0].ID != (connector.TaskID{Connector: name, Task: 7}) ||
			statuses[1].ID != (connector.TaskID{Connector: name, Task: 300}) {
			t.Errorf("TaskStatuses(%q) = %+v", name, statuses)
		}
	}
}

func TestSortableIntOrder(t *testing.T) {
	ns := []int{-1 << 40, -70000, -1, 0, 1, 2, 255, 256, 65536, 1 << 31, 1 << 40}
	for i := 1; i < len(ns); i++ {
		if sortableInt(ns[i-1]) >= sortableInt(ns[i]) {
			t.Errorf("sortableInt(%d) >= sortableInt(%d)", ns[i-1], ns[i])
		}
	}
}

// TestConcurrentReaders runs readers against all three writers under -race and checks that every read is a
// consistent snapshot: a listing is sorted and a connector's committed tasks are always exactly 0..n-1 of one
// commit.
func TestConcurrentReaders(t *testing.T) {
	s := newStore(t)
	const rounds = 200
	names := []string{"a", "b", "c"}

	stop := make(chan struct{})
	var readers sync.WaitGroup
	errs := make(chan string, 16)
	report := func(msg string) {
		select {
		case errs <- msg:
		default:
		}
	}
	for range 4 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				cs := s.Connectors()
				if !slices.IsSortedFunc(cs, func(x, y *Connector) int { return strings.Compare(x.Name, y.Name) }) {
					report("Connectors() not sorted")
				}
				for _, name := range names {
					tasks := s.TaskConfigs(name)
					for i, tc := range tasks {
						if tc.ID.Task != i || tc.Config["round"] != tasks[0].Config["round"] {
							report("TaskConfigs mixes commits or skips tasks")
						}
					}
					_ = s.TaskStatuses(name)
					_ = s.Offsets(name)
					_, _ = s.ConnectorStatus(name)
				}
				_ = s.ConfigOffset()
			}
		})
	}

	var writers sync.WaitGroup
	var off int64 // config records written; read after writers.Wait
	writers.Go(func() {
		apply := func(key string, value []byte) {
			if _, err := s.ApplyConfigRecord(key, value, off); err != nil {
				report(err.Error())
			}
			off++
		}
		for _, n := range names {
			apply(records.ConnectorKey(n), enc(records.EncodeConnectorConfig(cfgOf(n))))
		}
		for r := range rounds {
			for _, n := range names {
				count := r%4 + 1
				for i := range count {
					cfg := map[string]string{"round": string(rune('a' + r%26)), "task": string(rune('0' + i))}
					apply(records.TaskKey(n, i), enc(records.EncodeTaskConfig(cfg)))
				}
				apply(records.CommitKey(n), enc(records.EncodeCommit(count)))
			}
		}
	})
	writers.Go(func() {
		for r := range rounds {
			for _, n := range names {
				if err := s.ApplyStatusRecord(records.StatusTaskKey(n, r%5), statusValue(records.StateRunning, int32(r))); err != nil {
					report(err.Error())
				}
			}
		}
	})
	writers.Go(func() {
		for r := range rounds {
			key := enc(records.EncodeOffsetKey(names[r%3], map[string]any{"p": r % 7}))
			if err := s.ApplyOffsetRecord(key, enc(records.EncodeOffsetValue(map[string]any{"o": r}))); err != nil {
				report(err.Error())
			}
		}
	})
	writers.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	if got := s.ConfigOffset(); got != off {
		t.Errorf("ConfigOffset = %d, want %d", got, off)
	}
	for _, n := range names {
		if c, ok := s.Connector(n); !ok || c.TaskCount != (rounds-1)%4+1 || len(s.TaskConfigs(n)) != c.TaskCount {
			t.Errorf("connector %s = %+v after the last commit", n, c)
		}
	}
}
