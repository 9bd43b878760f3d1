package filestream

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
)

// taskContext is a SourceTaskContext whose committed offsets are keyed by file name.
type taskContext struct {
	offsets map[string]map[string]any
	asked   []map[string]any
}

func (c *taskContext) Offsets() connector.OffsetReader { return c }
func (c *taskContext) Logger() *slog.Logger            { return nil }
func (c *taskContext) Offset(p map[string]any) map[string]any {
	c.asked = append(c.asked, p)
	name, _ := p[FilenameField].(string)
	return c.offsets[name]
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t *testing.T, path, content string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
}

// startSource starts a source task on path with a short poll interval and registers its Stop.
func startSource(t *testing.T, ctx *taskContext, config map[string]string) *SourceTask {
	t.Helper()
	task := &SourceTask{pollInterval: time.Millisecond}
	if err := task.Start(context.Background(), ctx, config); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := task.Stop(context.Background()); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return task
}

// line is what a test expects of one record.
type line struct {
	value    string
	position any
}

func lines(recs []*connector.SourceRecord) []line {
	out := make([]line, len(recs))
	for i, r := range recs {
		out[i] = line{r.Value.(string), r.SourceOffset[PositionField]}
	}
	return out
}

// pollFor polls until at least n records arrived, failing after a deadline.
func pollFor(t *testing.T, task *SourceTask, n int) []*connector.SourceRecord {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	var got []*connector.SourceRecord
	for len(got) < n {
		if time.Now().After(deadline) {
			t.Fatalf("got %d records before the deadline, want %d: %v", len(got), n, lines(got))
		}
		recs, err := task.Poll(context.Background())
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		got = append(got, recs...)
	}
	return got
}

func mustPollEmpty(t *testing.T, task *SourceTask) {
	t.Helper()
	recs, err := task.Poll(context.Background())
	if err != nil || len(recs) != 0 {
		t.Fatalf("Poll = %v, %v; want no records", lines(recs), err)
	}
}

func TestSourceTaskSplitsLinesLikeKafka(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "in.txt")
	writeFile(t, path, "a\nbb\r\nccc\rdddd\r")
	task := startSource(t, &taskContext{}, map[string]string{KeyFile: path, KeyTopic: "t"})

	got := pollFor(t, task, 3)
	want := []line{{"a", int64(2)}, {"bb", int64(6)}, {"ccc", int64(10)}}
	if !reflect.DeepEqual(lines(got), want) {
		t.Fatalf("records = %v, want %v", lines(got), want)
	}
	r := got[0]
	if r.Topic != "t" || r.Key != nil || r.KeySchema != nil || r.Partition != nil || r.Timestamp.IsZero() {
		t.Errorf("record = %+v", r)
	}
	if r.ValueSchema == nil || r.ValueSchema.Type != connector.TypeString || r.ValueSchema.Optional {
		t.Errorf("value schema = %+v, want required STRING", r.ValueSchema)
	}
	if !reflect.DeepEqual(r.SourcePartition, map[string]any{FilenameField: path}) {
		t.Errorf("partition = %v", r.SourcePartition)
	}

	// "dddd\r" may still become "dddd\r\n": nothing is sent until the next byte tells.
	mustPollEmpty(t, task)
	appendFile(t, path, "\neee")
	got = pollFor(t, task, 1)
	if want := []line{{"dddd", int64(16)}}; !reflect.DeepEqual(lines(got), want) {
		t.Fatalf("records = %v, want %v", lines(got), want)
	}
	// A last line without terminator waits for it.
	mustPollEmpty(t, task)
	appendFile(t, path, "e\n\n")
	got = pollFor(t, task, 2)
	if want := []line{{"eeee", int64(21)}, {"", int64(22)}}; !reflect.DeepEqual(lines(got), want) {
		t.Fatalf("records = %v, want %v", lines(got), want)
	}
}

func TestSourceTaskBatchSize(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "in.txt")
	writeFile(t, path, "1\n2\n3\n4\n5\n")
	task := startSource(t, &taskContext{}, map[string]string{KeyFile: path, KeyTopic: "t", KeyBatchSize: "2"})
	for _, want := range [][]string{{"1", "2"}, {"3", "4"}, {"5"}} {
		recs, err := task.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var values []string
		for _, r := range recs {
			values = append(values, r.Value.(string))
		}
		if !reflect.DeepEqual(values, want) {
			t.Fatalf("batch = %v, want %v", values, want)
		}
	}
	mustPollEmpty(t, task)
}

func TestSourceTaskResumesFromCommittedOffset(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "in.txt")
	writeFile(t, path, "one\ntwo\nthree\n")
	ctx := &taskContext{offsets: map[string]map[string]any{path: {PositionField: int64(8)}}}
	task := startSource(t, ctx, map[string]string{KeyFile: path, KeyTopic: "t"})
	got := pollFor(t, task, 1)
	if want := []line{{"three", int64(14)}}; !reflect.DeepEqual(lines(got), want) {
		t.Fatalf("records = %v, want %v", lines(got), want)
	}
	if want := []map[string]any{{FilenameField: path}}; !reflect.DeepEqual(ctx.asked, want) {
		t.Errorf("offsets asked for %v, want %v", ctx.asked, want)
	}
}

func TestSourceTaskOffsetWithoutPosition(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "in.txt")
	writeFile(t, path, "x\n")
	ctx := &taskContext{offsets: map[string]map[string]any{path: {PositionField: nil}}}
	task := startSource(t, ctx, map[string]string{KeyFile: path, KeyTopic: "t"})
	if got := pollFor(t, task, 1); !reflect.DeepEqual(lines(got), []line{{"x", int64(2)}}) {
		t.Fatalf("records = %v", lines(got))
	}
}

func TestSourceTaskRejectsBadOffset(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "in.txt")
	writeFile(t, path, "x\n")
	ctx := &taskContext{offsets: map[string]map[string]any{path: {PositionField: 1.5}}}
	task := startSource(t, ctx, map[string]string{KeyFile: path, KeyTopic: "t"})
	if _, err := task.Poll(context.Background()); !errors.Is(err, ErrOffsetType) {
		t.Fatalf("Poll err = %v, want ErrOffsetType", err)
	}
}

func TestSourceTaskWaitsForMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "later.txt")
	task := startSource(t, &taskContext{}, map[string]string{KeyFile: path, KeyTopic: "t"})
	mustPollEmpty(t, task)
	writeFile(t, path, "hello\n")
	if got := pollFor(t, task, 1); !reflect.DeepEqual(lines(got), []line{{"hello", int64(6)}}) {
		t.Fatalf("records = %v", lines(got))
	}
}

func TestSourceTaskLongLinesAndInvalidUTF8(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "in.txt")
	long := strings.Repeat("x", 3*initialBufferSize+17)
	writeFile(t, path, long+"\n\xffé\n")
	task := startSource(t, &taskContext{}, map[string]string{KeyFile: path, KeyTopic: "t"})
	got := pollFor(t, task, 2)
	want := []line{{long, int64(len(long) + 1)}, {"\uFFFDé", int64(len(long) + 1 + 4)}}
	if !reflect.DeepEqual(lines(got), want) {
		t.Fatalf("records differ: got %d records, first of length %d", len(got), len(got[0].Value.(string)))
	}
}

func TestSourceTaskPollReturnsOnCancel(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "in.txt")
	writeFile(t, path, "")
	task := &SourceTask{pollInterval: time.Hour}
	if err := task.Start(context.Background(), &taskContext{}, map[string]string{KeyFile: path, KeyTopic: "t"}); err != nil {
		t.Fatal(err)
	}
	defer task.Stop(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	recs, err := task.Poll(ctx) // would block for an hour if the context were ignored
	if err != nil || len(recs) != 0 {
		t.Fatalf("Poll = %v, %v", recs, err)
	}
}

func TestSourceTaskStdin(t *testing.T) {
	t.Parallel()
	in := make(chan []byte, 4)
	task := &SourceTask{pollInterval: time.Millisecond, stdin: func() <-chan []byte { return in }}
	if err := task.Start(context.Background(), &taskContext{}, map[string]string{KeyTopic: "t"}); err != nil {
		t.Fatal(err)
	}
	defer task.Stop(context.Background())
	in <- []byte("a\nb")
	in <- []byte("\n")
	got := pollFor(t, task, 2)
	if want := []line{{"a", nil}, {"b", nil}}; !reflect.DeepEqual(lines(got), want) {
		t.Fatalf("records = %v, want %v", lines(got), want)
	}
	if !reflect.DeepEqual(got[0].SourcePartition, map[string]any{FilenameField: nil}) {
		t.Errorf("partition = %v, want filename null", got[0].SourcePartition)
	}
	big := strings.Repeat("y", 2*initialBufferSize)
	in <- []byte(big + "\n")
	close(in)
	if got := pollFor(t, task, 1); got[0].Value != big {
		t.Fatalf("long stdin line has length %d", len(got[0].Value.(string)))
	}
	mustPollEmpty(t, task)
}

func TestSourceTaskStopIsIdempotent(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "in.txt")
	writeFile(t, path, "x\n")
	task := &SourceTask{pollInterval: time.Millisecond}
	if err := task.Start(context.Background(), &taskContext{}, map[string]string{KeyFile: path, KeyTopic: "t"}); err != nil {
		t.Fatal(err)
	}
	pollFor(t, task, 1)
	if err := task.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := task.Stop(context.Background()); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}
