package loglevel

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"reflect"
	"sync"
	"testing"
	"time"
)

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in   string
		name string
		lvl  slog.Level
	}{
		{"debug", "DEBUG", slog.LevelDebug},
		{"Info", "INFO", slog.LevelInfo},
		{"WARN", "WARN", slog.LevelWarn},
		{"error", "ERROR", slog.LevelError},
		{"trace", "TRACE", LevelTrace},
		{"fatal", "FATAL", LevelFatal},
		{"off", "OFF", LevelOff},
		{"all", "ALL", LevelAll},
	}
	for _, tt := range tests {
		name, lvl, err := ParseLevel(tt.in)
		if err != nil || name != tt.name || lvl != tt.lvl {
			t.Errorf("ParseLevel(%q) = %q, %v, %v", tt.in, name, lvl, err)
		}
		if got := LevelName(tt.lvl); got != tt.name {
			t.Errorf("LevelName(%v) = %q, want %q", tt.lvl, got, tt.name)
		}
	}
	for _, bad := range []string{"", "WARNING", "verbose", "info "} {
		if _, _, err := ParseLevel(bad); !errors.Is(err, ErrInvalidLevel) {
			t.Errorf("ParseLevel(%q) error = %v, want ErrInvalidLevel", bad, err)
		}
	}
}

func ms(v int64) *int64 { return &v }

func newTestRegistry() (*Registry, *time.Time) {
	r := New()
	now := time.UnixMilli(1000)
	r.SetClock(func() time.Time { return now })
	return r, &now
}

func TestRegistryLevels(t *testing.T) {
	r, now := newTestRegistry()
	r.Register("connectd.worker", "connectd.worker.herder", "connectd.api")

	if got, ok := r.Level("Root"); !ok || got != (LoggerLevel{Level: "INFO"}) {
		t.Errorf("root = %v, %v", got, ok)
	}
	if _, ok := r.Level("unknown"); ok {
		t.Error("unknown logger found")
	}
	if got, ok := r.Level("connectd.api"); !ok || got != (LoggerLevel{Level: "INFO"}) {
		t.Errorf("connectd.api = %v, %v", got, ok)
	}

	// A plain string prefix, as Kafka Connect's Loggers.setLevel uses, plus the namespace itself.
	got, err := r.Set("connectd.work", "debug")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"connectd.work", "connectd.worker", "connectd.worker.herder"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Set = %v, want %v", got, want)
	}
	if got, _ := r.Level("connectd.worker.herder"); !reflect.DeepEqual(got, LoggerLevel{Level: "DEBUG", LastModified: ms(1000)}) {
		t.Errorf("herder = %+v", got)
	}

	// Setting a level a logger already has leaves its last_modified alone but still lists it.
	*now = time.UnixMilli(2000)
	got, _ = r.Set("connectd.worker", "TRACE")
	if want := []string{"connectd.worker", "connectd.worker.herder"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Set = %v", got)
	}
	*now = time.UnixMilli(3000)
	_, _ = r.Set("connectd.worker", "TRACE")
	if got, _ := r.Level("connectd.worker"); !reflect.DeepEqual(got, LoggerLevel{Level: "TRACE", LastModified: ms(2000)}) {
		t.Errorf("worker = %+v", got)
	}

	want := map[string]LoggerLevel{
		"connectd.work":          {Level: "DEBUG", LastModified: ms(1000)},
		"connectd.worker":        {Level: "TRACE", LastModified: ms(2000)},
		"connectd.worker.herder": {Level: "TRACE", LastModified: ms(2000)},
		"root":                   {Level: "INFO"},
	}
	if got := r.Levels(); !reflect.DeepEqual(got, want) {
		t.Errorf("Levels = %+v", got)
	}

	// root covers every logger.
	got, _ = r.Set("ROOT", "warn")
	if want := []string{"connectd.api", "connectd.work", "connectd.worker", "connectd.worker.herder", "root"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Set root = %v", got)
	}
	for _, n := range got {
		if l, _ := r.Level(n); l.Level != "WARN" {
			t.Errorf("%s = %v after setting root", n, l)
		}
	}

	if _, err := r.Set("x", "loud"); !errors.Is(err, ErrInvalidLevel) {
		t.Errorf("invalid level error = %v", err)
	}
	if _, ok := r.Level("x"); ok {
		t.Error("a failed Set created its logger")
	}
}

type captured struct {
	mu   sync.Mutex
	msgs []string
}

type captureHandler struct {
	c     *captured
	attrs []slog.Attr
}

func (h captureHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h captureHandler) Handle(_ context.Context, r slog.Record) error {
	h.c.mu.Lock()
	defer h.c.mu.Unlock()
	h.c.msgs = append(h.c.msgs, r.Message)
	return nil
}
func (h captureHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return captureHandler{c: h.c, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}
func (h captureHandler) WithGroup(string) slog.Handler { return h }

func (c *captured) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.msgs
	c.msgs = nil
	return out
}

func TestHandlerFilters(t *testing.T) {
	r, _ := newTestRegistry()
	c := &captured{}
	base := slog.New(r.Handler(captureHandler{c: c}))
	worker := base.With("component", "connectd.worker")
	herder := base.With("component", "connectd.worker.herder")
	grouped := base.WithGroup("g").With("component", "connectd.worker")

	log := func() {
		worker.Debug("worker debug")
		worker.Info("worker info")
		herder.Debug("herder debug")
		base.Debug("root debug")
		base.Debug("record debug", "component", "connectd.worker")
		grouped.Debug("grouped debug")
	}
	log()
	if got := c.take(); !reflect.DeepEqual(got, []string{"worker info"}) {
		t.Errorf("at INFO: %v", got)
	}
	if _, ok := r.Level("connectd.worker.herder"); !ok {
		t.Error("a component used in With is not known")
	}

	if _, err := r.Set("connectd.worker", "DEBUG"); err != nil {
		t.Fatal(err)
	}
	log()
	want := []string{"worker debug", "worker info", "herder debug", "record debug"}
	if got := c.take(); !reflect.DeepEqual(got, want) {
		t.Errorf("at DEBUG: %v, want %v", got, want)
	}

	if _, err := r.Set("connectd.worker.herder", "OFF"); err != nil {
		t.Fatal(err)
	}
	herder.Error("herder error")
	worker.Error("worker error")
	if got := c.take(); !reflect.DeepEqual(got, []string{"worker error"}) {
		t.Errorf("herder OFF: %v", got)
	}
}

func TestHandlerConcurrentUse(t *testing.T) {
	r, _ := newTestRegistry()
	c := &captured{}
	logger := slog.New(r.Handler(captureHandler{c: c})).With("component", "a.b")
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 200 {
				logger.Debug("x")
				if j%50 == 0 {
					_, _ = r.Set("a", []string{"DEBUG", "INFO"}[(i+j)%2])
				}
				_ = r.Levels()
			}
		})
	}
	wg.Wait()
	if _, ok := r.Level("a.b"); !ok {
		t.Error("a.b unknown")
	}
}

// TestHandlerOneComponent follows the worker's logger chain (herder → membership → group member): each
// line names one component, the innermost, ahead of the other attributes, and a group keeps it in front.
func TestHandlerOneComponent(t *testing.T) {
	r, _ := newTestRegistry()
	var buf bytes.Buffer
	text := slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
				return slog.Attr{}
			}
			return a
		},
	})
	herder := slog.New(r.Handler(text)).With("component", "herder", "worker_id", "w1:8083")
	member := herder.With("component", "group").With("component", "group", "group", "g")
	member.Info("joined group", "generation", 2)
	herder.Info("rebalance completed", "leader", true)
	member.Info("record names another", "component", "other")
	member.WithGroup("req").Info("grouped", "id", 1)
	slog.New(r.Handler(text)).Info("unnamed", "component", "rest", "x", 1)

	want := `msg="joined group" component=group worker_id=w1:8083 group=g generation=2
msg="rebalance completed" component=herder worker_id=w1:8083 leader=true
msg="record names another" component=group worker_id=w1:8083 group=g
msg=grouped component=group worker_id=w1:8083 group=g req.id=1
msg=unnamed component=rest x=1
`
	if got := buf.String(); got != want {
		t.Errorf("lines:\n%s\nwant:\n%s", got, want)
	}
	if _, err := r.Set("group", "WARN"); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	member.Info("filtered by the innermost component")
	if buf.Len() != 0 {
		t.Errorf("group at WARN let an INFO record through: %s", buf.String())
	}
}
