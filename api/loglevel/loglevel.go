// Package loglevel keeps per-logger log levels that can be changed at run time, the way Kafka Connect's
// /admin/loggers endpoints change log4j logger levels.
//
// A logger is named by the "component" attribute of a record (usually added once with
// logger.With("component", "herder")). Names form a dot-separated hierarchy as in log4j: a logger without an
// explicit level inherits the level of its nearest ancestor that has one, and finally the root level (INFO
// unless set). A logger is known once a handler has seen its component, once Register named it, or once a
// level was set for it; GET /admin/loggers/{name} answers 404 for other names, as Kafka Connect does for
// loggers log4j has not created. Setting a level creates the name, so Java names such as
// "org.apache.kafka.connect" are accepted; they only affect components whose names start with them.
//
// A logger derived from another with a new component (the herder's logger → the group member's) is that
// component's logger alone: the handler writes one component per line, the innermost, first among the
// logger's attributes.
//
// Wrap the process's base handler with Registry.Handler and give the base handler a level at least as low as
// any level you want to switch on (LevelTrace, or LevelAll): the registry does the filtering, and a base
// handler that drops debug records makes PUT /admin/loggers/{name} {"level":"DEBUG"} ineffective.
package loglevel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ComponentKey is the record attribute that names the logger a record belongs to.
const ComponentKey = "component"

// RootName is the name of the root logger; it matches case-insensitively, as log4j's does.
const RootName = "root"

// Log4j level names, mapped onto slog levels. TRACE is two steps below slog's Debug, FATAL one step above
// Error; ALL and OFF are the extremes.
const (
	LevelAll   = slog.Level(math.MinInt32)
	LevelTrace = slog.Level(-8)
	LevelFatal = slog.Level(12)
	LevelOff   = slog.Level(math.MaxInt32)
)

var levelsByName = map[string]slog.Level{
	"ALL":   LevelAll,
	"TRACE": LevelTrace,
	"DEBUG": slog.LevelDebug,
	"INFO":  slog.LevelInfo,
	"WARN":  slog.LevelWarn,
	"ERROR": slog.LevelError,
	"FATAL": LevelFatal,
	"OFF":   LevelOff,
}

// ErrInvalidLevel is returned (wrapped) by ParseLevel and Set for a name that is not a log4j level.
var ErrInvalidLevel = errors.New("invalid log level")

// ParseLevel parses a log4j level name case-insensitively. It returns the canonical (upper-case) name and the
// slog level it stands for.
func ParseLevel(s string) (string, slog.Level, error) {
	name := strings.ToUpper(s)
	l, ok := levelsByName[name]
	if !ok {
		return "", 0, fmt.Errorf("%w %q", ErrInvalidLevel, s)
	}
	return name, l, nil
}

// LevelName returns the log4j name of the most verbose log4j level that still lets records of level l pass,
// e.g. INFO for slog.LevelInfo and DEBUG for slog.LevelDebug-1.
func LevelName(l slog.Level) string {
	switch {
	case l == LevelAll:
		return "ALL"
	case l <= LevelTrace:
		return "TRACE"
	case l <= slog.LevelDebug:
		return "DEBUG"
	case l <= slog.LevelInfo:
		return "INFO"
	case l <= slog.LevelWarn:
		return "WARN"
	case l <= slog.LevelError:
		return "ERROR"
	case l <= LevelFatal:
		return "FATAL"
	default:
		return "OFF"
	}
}

// LoggerLevel is Kafka Connect's LoggerLevel entity: a logger's level and when it was last changed through the
// registry (milliseconds since the epoch, null if never).
type LoggerLevel struct {
	Level        string `json:"level"`
	LastModified *int64 `json:"last_modified"`
}

type setting struct {
	name  string
	level slog.Level
}

// Registry holds the logger levels of one process. It is safe for concurrent use.
type Registry struct {
	// gen changes whenever a level does, so handlers can cache their effective level.
	gen atomic.Uint64
	now func() time.Time

	mu       sync.RWMutex
	root     setting
	explicit map[string]setting
	modified map[string]int64
	known    map[string]struct{}
	// minLevel is the lowest level set anywhere, for handlers that only learn their logger per record.
	minLevel slog.Level
}

// New returns a Registry whose root logger is at INFO, log4j's default in Kafka Connect's
// connect-log4j.properties. Change it with Set("root", level).
func New() *Registry {
	root := slog.LevelInfo
	r := &Registry{
		now:      time.Now,
		root:     setting{name: LevelName(root), level: root},
		explicit: make(map[string]setting),
		modified: make(map[string]int64),
		known:    make(map[string]struct{}),
		minLevel: root,
	}
	return r
}

// SetClock replaces the clock used for last_modified; for tests.
func (r *Registry) SetClock(now func() time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.now = now
}

// Register makes logger names known before any record mentions them, so GET /admin/loggers/{name} finds
// them. Handlers register the components they see on their own.
func (r *Registry) Register(names ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range names {
		r.known[n] = struct{}{}
	}
}

func (r *Registry) isKnown(name string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.known[name]
	return ok
}

// effectiveLocked returns the level a logger uses: its own, else its nearest ancestor's, else root's.
func (r *Registry) effectiveLocked(name string) setting {
	for n := name; n != ""; {
		if s, ok := r.explicit[n]; ok {
			return s
		}
		i := strings.LastIndexByte(n, '.')
		if i < 0 {
			break
		}
		n = n[:i]
	}
	return r.root
}

func (r *Registry) effective(name string) slog.Level {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.effectiveLocked(name).level
}

func (r *Registry) lowest() slog.Level {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.minLevel
}

func (r *Registry) levelOf(name string, s setting) LoggerLevel {
	ll := LoggerLevel{Level: s.name}
	if t, ok := r.modified[name]; ok {
		ll.LastModified = &t
	}
	return ll
}

// Levels returns every logger with an explicitly set level, plus root.
func (r *Registry) Levels() map[string]LoggerLevel {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make(map[string]LoggerLevel, len(r.explicit)+1)
	for n, s := range r.explicit {
		out[n] = r.levelOf(n, s)
	}
	out[RootName] = r.levelOf(RootName, r.root)
	return out
}

// Level returns the level of a known logger (its effective level when none is set explicitly). It reports
// false for a name no component has used and no one has set, as log4j does for loggers that do not exist.
func (r *Registry) Level(name string) (LoggerLevel, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if strings.EqualFold(name, RootName) {
		return r.levelOf(RootName, r.root), true
	}
	if _, ok := r.known[name]; !ok {
		return LoggerLevel{}, false
	}
	return r.levelOf(name, r.effectiveLocked(name)), true
}

// Set sets the level of the logger namespace and of every known logger whose name starts with it (a plain
// string prefix, as Kafka Connect's Loggers.setLevel does), creating namespace if it is unknown. Setting
// "root" sets every known logger and root. It returns the sorted names of the loggers it covered, including
// those whose level was already the requested one (their last_modified is left alone).
func (r *Registry) Set(namespace, level string) ([]string, error) {
	name, l, err := ParseLevel(level)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now().UnixMilli()
	isRoot := strings.EqualFold(namespace, RootName)
	var targets []string
	for k := range r.known {
		if isRoot || strings.HasPrefix(k, namespace) {
			targets = append(targets, k)
		}
	}
	if !isRoot {
		if _, ok := r.known[namespace]; !ok {
			r.known[namespace] = struct{}{}
			targets = append(targets, namespace)
		}
	}
	// Compare against the levels before this call, so a child does not see its parent's new level as its own.
	current := make(map[string]slog.Level, len(targets))
	for _, t := range targets {
		current[t] = r.effectiveLocked(t).level
	}
	for _, t := range targets {
		if current[t] == l {
			continue
		}
		r.explicit[t] = setting{name: name, level: l}
		r.modified[t] = now
	}
	if isRoot {
		if r.root.level != l {
			r.root = setting{name: name, level: l}
			r.modified[RootName] = now
		}
		targets = append(targets, RootName)
	}
	r.minLevel = r.root.level
	for _, s := range r.explicit {
		r.minLevel = min(r.minLevel, s.level)
	}
	r.gen.Add(1)
	sort.Strings(targets)
	return targets, nil
}

// Handler wraps base so that records pass only when their logger's level allows them.
func (r *Registry) Handler(base slog.Handler) slog.Handler {
	return &handler{reg: r, base: base}
}

type cachedLevel struct {
	gen   uint64
	level slog.Level
}

type handler struct {
	reg  *Registry
	base slog.Handler
	// component is the logger named through WithAttrs; "" when the records must name it themselves.
	component string
	// attrs are the attributes given through WithAttrs before any group, without component. They reach base
	// with each record, after the component, so that a line names one logger: the innermost, the one its
	// level comes from (a group logger derived from the herder's writes component=group, not both).
	attrs []slog.Attr
	// grouped is set after WithGroup: later attributes are nested and cannot name the logger.
	grouped bool
	cache   *atomic.Pointer[cachedLevel]
}

func (h *handler) level() slog.Level {
	if h.component == "" {
		return h.reg.lowest()
	}
	gen := h.reg.gen.Load()
	if c := h.cache.Load(); c != nil && c.gen == gen {
		return c.level
	}
	l := h.reg.effective(h.component)
	h.cache.Store(&cachedLevel{gen: gen, level: l})
	return l
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level() && h.base.Enabled(ctx, l)
}

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	if h.component == "" {
		name := ""
		if !h.grouped {
			rec.Attrs(func(a slog.Attr) bool {
				if a.Key == ComponentKey {
					name = a.Value.Resolve().String()
					return false
				}
				return true
			})
		}
		if name != "" && !h.reg.isKnown(name) {
			h.reg.Register(name)
		}
		if rec.Level < h.reg.effective(name) {
			return nil
		}
	} else if rec.Level < h.level() {
		return nil
	}
	if !h.grouped && (h.component != "" || len(h.attrs) > 0) {
		rec = h.prefixed(rec)
	}
	return h.base.Handle(ctx, rec)
}

// prefixed returns rec with the logger's component and attributes in front of its own; a component the
// record names itself gives way to the logger's.
func (h *handler) prefixed(rec slog.Record) slog.Record {
	out := slog.NewRecord(rec.Time, rec.Level, rec.Message, rec.PC)
	if h.component != "" {
		out.AddAttrs(slog.String(ComponentKey, h.component))
	}
	out.AddAttrs(h.attrs...)
	rec.Attrs(func(a slog.Attr) bool {
		if h.component == "" || a.Key != ComponentKey {
			out.AddAttrs(a)
		}
		return true
	})
	return out
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	if h.grouped {
		c.base = h.base.WithAttrs(attrs)
		return &c
	}
	c.attrs = slices.Clip(h.attrs)
	for _, a := range attrs {
		if a.Key == ComponentKey {
			c.component = a.Value.Resolve().String()
			continue
		}
		c.attrs = append(c.attrs, a)
	}
	if c.component != h.component {
		h.reg.Register(c.component)
		c.cache = new(atomic.Pointer[cachedLevel])
	}
	return &c
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	if !h.grouped {
		// The group nests everything after it: what the logger holds back goes to base now, in front.
		var held []slog.Attr
		if h.component != "" {
			held = append(held, slog.String(ComponentKey, h.component))
		}
		held = append(held, h.attrs...)
		c.base, c.attrs = h.base.WithAttrs(held), nil
	}
	c.base = c.base.WithGroup(name)
	c.grouped = true
	return &c
}
