package filestream

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
)

type sinkContext struct{}

func (sinkContext) Logger() *slog.Logger                                 { return slog.New(slog.DiscardHandler) }
func (sinkContext) ErrantRecordReporter() connector.ErrantRecordReporter { return nil }
func (sinkContext) Timeout(time.Duration)                                {}

func sinkRecords(values ...any) []*connector.SinkRecord {
	out := make([]*connector.SinkRecord, len(values))
	for i, v := range values {
		out[i] = &connector.SinkRecord{Topic: "t", Offset: int64(i), Value: v}
	}
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSinkTaskAppendsAndFlushes(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "out.txt")
	writeFile(t, path, "existing\n")
	task := &SinkTask{}
	if err := task.Start(context.Background(), sinkContext{}, map[string]string{KeyFile: path}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := task.Put(ctx, sinkRecords("a", int64(1), nil, 2.0, map[string]any{"k": "v"})); err != nil {
		t.Fatal(err)
	}
	if err := task.Flush(ctx, map[connector.TopicPartition]int64{{Topic: "t"}: 5}); err != nil {
		t.Fatal(err)
	}
	want := "existing\na\n1\nnull\n2.0\n{k=v}\n"
	if got := readFile(t, path); got != want {
		t.Fatalf("file after Flush = %q, want %q", got, want)
	}
	if err := task.Put(ctx, sinkRecords("last")); err != nil {
		t.Fatal(err)
	}
	if err := task.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != want+"last\n" {
		t.Fatalf("file after Stop = %q", got)
	}
	if err := task.Stop(context.Background()); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

func TestSinkTaskCreatesFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "new.txt")
	task := &SinkTask{}
	if err := task.Start(context.Background(), sinkContext{}, map[string]string{KeyFile: path}); err != nil {
		t.Fatal(err)
	}
	if err := task.Put(context.Background(), sinkRecords([]byte("bytes"))); err != nil {
		t.Fatal(err)
	}
	if err := task.Flush(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "bytes\n" {
		t.Fatalf("file = %q", got)
	}
	if err := task.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSinkTaskStdout(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	task := &SinkTask{stdout: &out}
	if err := task.Start(context.Background(), sinkContext{}, map[string]string{}); err != nil {
		t.Fatal(err)
	}
	if err := task.Put(context.Background(), sinkRecords("x", true)); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("wrote %q before Flush; output is buffered until then", out.String())
	}
	if err := task.Flush(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if out.String() != "x\ntrue\n" {
		t.Errorf("stdout = %q", out.String())
	}
	if err := task.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSinkTaskStartError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	err := (&SinkTask{}).Start(context.Background(), sinkContext{}, map[string]string{KeyFile: dir})
	if err == nil || !strings.HasPrefix(err.Error(), "Couldn't find or create file '"+dir+"' for FileStreamSinkTask") {
		t.Fatalf("Start on a directory = %v", err)
	}
}
