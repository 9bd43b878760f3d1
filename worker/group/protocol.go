package group

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/connectd/connectd/connector"
)

// Connect protocol names offered in JoinGroup, as ConnectProtocolCompatibility names them. The coordinator
// picks one that every member supports; the name decides the assignor and the assignment version.
const (
	// ProtocolDefault is the eager protocol (metadata and assignments v0, EagerAssignor).
	ProtocolDefault = "default"
	// ProtocolCompatible is incremental cooperative rebalancing (v1, IncrementalCooperativeAssignor).
	ProtocolCompatible = "compatible"
	// ProtocolSessioned is ProtocolCompatible plus KIP-507 session keys (v2).
	ProtocolSessioned = "sessioned"
)

// Values of the worker's connect.protocol setting: which of the protocols above a worker offers.
const (
	// ModeEager offers only ProtocolDefault.
	ModeEager = "eager"
	// ModeCompatible offers ProtocolCompatible, then ProtocolDefault.
	ModeCompatible = "compatible"
	// ModeSessioned (Kafka Connect's default) offers ProtocolSessioned, ProtocolCompatible, ProtocolDefault.
	ModeSessioned = "sessioned"
)

// Assignment error codes.
const (
	// NoError marks a usable assignment.
	NoError int16 = 0
	// ConfigMismatch tells the members the leader was behind the config topic: every member reads the
	// config topic to the assignment's ConfigOffset (or past it) and rejoins.
	ConfigMismatch int16 = 1
)

// ConnectorTask is the task id that stands for the Connector instance itself in an assignment entry.
const ConnectorTask int32 = -1

// ErrMalformed is wrapped by every decoding error: the bytes do not follow the Connect protocol layout.
var ErrMalformed = errors.New("malformed connect protocol data")

// ProtocolVersion returns the metadata and assignment version that goes with a protocol name, and false
// for a name this package does not know.
func ProtocolVersion(protocol string) (int16, bool) {
	switch protocol {
	case ProtocolDefault:
		return 0, true
	case ProtocolCompatible:
		return 1, true
	case ProtocolSessioned:
		return 2, true
	}
	return 0, false
}

// Allocation is a set of connector instances and tasks: what a member runs, is given, or must stop.
type Allocation struct {
	Connectors []string
	Tasks      []connector.TaskID
}

// IsEmpty reports whether the allocation names nothing.
func (a Allocation) IsEmpty() bool { return len(a.Connectors) == 0 && len(a.Tasks) == 0 }

// Metadata is what a member tells the group when it joins (Connect's WorkerState / ExtendedWorkerState).
type Metadata struct {
	// Version is 0 for ProtocolDefault, 1 for ProtocolCompatible, 2 for ProtocolSessioned.
	Version int16
	// URL is the worker's advertised REST URL.
	URL string
	// ConfigOffset is the offset after the last config record the worker has read, or -1.
	ConfigOffset int64
	// Allocation is the worker's full current assignment (v1+ only). Nil, the wire's null, means the
	// worker has none yet.
	Allocation *Assignment
}

// Assignment is what the leader hands a member in SyncGroup (Connect's Assignment / ExtendedAssignment).
// Under the eager protocol Assigned is the member's whole share; under the cooperative ones it holds only
// what is new, and Revoked what the member must stop.
type Assignment struct {
	// Version is 0 under ProtocolDefault, 1 or 2 under the cooperative protocols.
	Version int16
	// Error is NoError or ConfigMismatch.
	Error int16
	// Leader is the leader's member id; LeaderURL its advertised REST URL.
	Leader, LeaderURL string
	// ConfigOffset is the config topic offset the assignment was computed at.
	ConfigOffset int64
	Assigned     Allocation
	// Revoked is absent from v0 assignments; a null array on the wire decodes as empty.
	Revoked Allocation
	// Delay is in milliseconds: when positive, the member rejoins after it so the leader can place work
	// that is being held for a departed member.
	Delay int32
}

// EncodeMetadata serializes member metadata. Version 0 is url and config offset; versions 1 and up add
// the allocation, written as an assignment whose header carries the metadata's version (as Connect does).
func EncodeMetadata(m Metadata) ([]byte, error) {
	if m.Version < 0 {
		return nil, fmt.Errorf("encode metadata: negative version %d", m.Version)
	}
	var w writer
	w.int16(m.Version)
	w.str(m.URL)
	w.int64(m.ConfigOffset)
	if m.Version >= 1 {
		if m.Allocation == nil {
			w.int32(-1)
		} else {
			a := *m.Allocation
			a.Version = m.Version
			b, err := EncodeAssignment(a)
			if err != nil {
				return nil, fmt.Errorf("encode metadata allocation: %w", err)
			}
			w.bytes(b)
		}
	}
	if w.err != nil {
		return nil, fmt.Errorf("encode metadata: %w", w.err)
	}
	return w.buf, nil
}

// DecodeMetadata parses member metadata of any version >= 0 the way Connect's leader does: fields past
// the config offset are optional, so a v0 buffer reads as having no allocation, and trailing bytes of a
// future version are ignored.
func DecodeMetadata(b []byte) (Metadata, error) {
	r := reader{buf: b}
	m := Metadata{Version: r.int16()}
	if r.err == nil && m.Version < 0 {
		return Metadata{}, fmt.Errorf("%w: unsupported metadata version %d", ErrMalformed, m.Version)
	}
	m.URL = r.str()
	m.ConfigOffset = r.int64()
	if r.err == nil && r.remaining() > 0 {
		if alloc, ok := r.nullableBytes(); ok && r.err == nil {
			a, err := DecodeAssignment(alloc)
			if err != nil {
				return Metadata{}, fmt.Errorf("decode metadata allocation: %w", err)
			}
			m.Allocation = &a
		}
	}
	if r.err != nil {
		return Metadata{}, fmt.Errorf("decode metadata: %w", r.err)
	}
	return m, nil
}

// EncodeAssignment serializes an assignment in the layout of its Version: v0 ends after the assignment
// array; v1 and v2 add revoked and delay. Arrays are always written, never null, as Connect does.
func EncodeAssignment(a Assignment) ([]byte, error) {
	if a.Version < 0 {
		return nil, fmt.Errorf("encode assignment: negative version %d", a.Version)
	}
	var w writer
	w.int16(a.Version)
	w.int16(a.Error)
	w.str(a.Leader)
	w.str(a.LeaderURL)
	w.int64(a.ConfigOffset)
	w.allocation(a.Assigned)
	if a.Version >= 1 {
		w.allocation(a.Revoked)
		w.int32(a.Delay)
	}
	if w.err != nil {
		return nil, fmt.Errorf("encode assignment: %w", w.err)
	}
	return w.buf, nil
}

// DecodeAssignment parses an assignment of any version >= 0 with Connect's tolerant reader: assignment
// and revoked may be null or missing (both read as empty) and a missing delay reads as 0.
func DecodeAssignment(b []byte) (Assignment, error) {
	r := reader{buf: b}
	a := Assignment{Version: r.int16()}
	if r.err == nil && a.Version < 0 {
		return Assignment{}, fmt.Errorf("%w: unsupported assignment version %d", ErrMalformed, a.Version)
	}
	a.Error = r.int16()
	a.Leader = r.str()
	a.LeaderURL = r.str()
	a.ConfigOffset = r.int64()
	if r.err == nil && r.remaining() > 0 {
		a.Assigned = r.allocation()
	}
	if r.err == nil && r.remaining() > 0 {
		a.Revoked = r.allocation()
	}
	if r.err == nil && r.remaining() > 0 {
		a.Delay = r.int32()
	}
	if r.err != nil {
		return Assignment{}, fmt.Errorf("decode assignment: %w", r.err)
	}
	return a, nil
}

// MergeAssignment is what a member runs after a round, as WorkerCoordinator.onJoinComplete computes it and
// the member then advertises as its allocation. Under the eager protocol it is the received assignment;
// under the cooperative ones the received additions plus what prev held and was not revoked. The result
// keeps received's header fields and revocations. prev may be nil.
func MergeAssignment(prev *Assignment, received Assignment, protocol string) Assignment {
	out := received
	out.Assigned = Allocation{
		Connectors: append([]string(nil), received.Assigned.Connectors...),
		Tasks:      append([]connector.TaskID(nil), received.Assigned.Tasks...),
	}
	if protocol == ProtocolDefault || prev == nil {
		return out
	}
	revC := setOf(received.Revoked.Connectors)
	revT := setOf(received.Revoked.Tasks)
	haveC := setOf(out.Assigned.Connectors)
	haveT := setOf(out.Assigned.Tasks)
	for _, c := range prev.Assigned.Connectors {
		if _, gone := revC[c]; !gone {
			if _, dup := haveC[c]; !dup {
				haveC[c] = struct{}{}
				out.Assigned.Connectors = append(out.Assigned.Connectors, c)
			}
		}
	}
	for _, t := range prev.Assigned.Tasks {
		if _, gone := revT[t]; !gone {
			if _, dup := haveT[t]; !dup {
				haveT[t] = struct{}{}
				out.Assigned.Tasks = append(out.Assigned.Tasks, t)
			}
		}
	}
	return out
}

func setOf[T comparable](items []T) map[T]struct{} {
	s := make(map[T]struct{}, len(items))
	for _, it := range items {
		s[it] = struct{}{}
	}
	return s
}

// writer appends Kafka protocol primitives (big-endian) and remembers the first error.
type writer struct {
	buf []byte
	err error
}

func (w *writer) int16(v int16) { w.buf = binary.BigEndian.AppendUint16(w.buf, uint16(v)) }
func (w *writer) int32(v int32) { w.buf = binary.BigEndian.AppendUint32(w.buf, uint32(v)) }
func (w *writer) int64(v int64) { w.buf = binary.BigEndian.AppendUint64(w.buf, uint64(v)) }

func (w *writer) str(s string) {
	if len(s) > math.MaxInt16 {
		if w.err == nil {
			w.err = fmt.Errorf("string of %d bytes is longer than %d", len(s), math.MaxInt16)
		}
		return
	}
	w.int16(int16(len(s)))
	w.buf = append(w.buf, s...)
}

func (w *writer) bytes(b []byte) {
	w.int32(int32(len(b)))
	w.buf = append(w.buf, b...)
}

// allocation writes the ARRAY of {connector, tasks} entries. Connectors come first, each opening its
// entry with ConnectorTask; tasks then join their connector's entry or open a new one after it
// (ConnectProtocol.Assignment.asMap).
func (w *writer) allocation(a Allocation) {
	type entry struct {
		connector string
		tasks     []int32
	}
	var entries []*entry
	byName := make(map[string]*entry)
	get := func(name string) *entry {
		e, ok := byName[name]
		if !ok {
			e = &entry{connector: name}
			byName[name] = e
			entries = append(entries, e)
		}
		return e
	}
	for _, c := range a.Connectors {
		if _, seen := byName[c]; seen {
			continue
		}
		e := get(c)
		e.tasks = append(e.tasks, ConnectorTask)
	}
	for _, t := range a.Tasks {
		if t.Task < 0 || t.Task > math.MaxInt32 {
			if w.err == nil {
				w.err = fmt.Errorf("task id %d of connector %q is out of range", t.Task, t.Connector)
			}
			return
		}
		e := get(t.Connector)
		e.tasks = append(e.tasks, int32(t.Task))
	}
	w.int32(int32(len(entries)))
	for _, e := range entries {
		w.str(e.connector)
		w.int32(int32(len(e.tasks)))
		for _, id := range e.tasks {
			w.int32(id)
		}
	}
}

// reader consumes Kafka protocol primitives and remembers the first error (wrapping ErrMalformed).
type reader struct {
	buf []byte
	off int
	err error
}

func (r *reader) remaining() int { return len(r.buf) - r.off }

func (r *reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || r.remaining() < n {
		r.err = fmt.Errorf("%w: %s needs %d bytes at offset %d, %d left", ErrMalformed, what, n, r.off, r.remaining())
		return nil
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return b
}

func (r *reader) int16() int16 {
	b := r.take(2, "int16")
	if b == nil {
		return 0
	}
	return int16(binary.BigEndian.Uint16(b))
}

func (r *reader) int32() int32 {
	b := r.take(4, "int32")
	if b == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(b))
}

func (r *reader) int64() int64 {
	b := r.take(8, "int64")
	if b == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

func (r *reader) str() string {
	n := r.int16()
	if r.err == nil && n < 0 {
		r.err = fmt.Errorf("%w: string length %d at offset %d", ErrMalformed, n, r.off-2)
	}
	return string(r.take(int(n), "string"))
}

// nullableBytes returns the bytes and true, or false for null.
func (r *reader) nullableBytes() ([]byte, bool) {
	n := r.int32()
	if r.err != nil {
		return nil, false
	}
	if n == -1 {
		return nil, false
	}
	if n < -1 {
		r.err = fmt.Errorf("%w: bytes length %d at offset %d", ErrMalformed, n, r.off-4)
		return nil, false
	}
	return r.take(int(n), "bytes"), true
}

// arrayLen reads a nullable array's count; null reads as 0.
func (r *reader) arrayLen(elemMin int) int {
	n := r.int32()
	if r.err != nil || n == -1 {
		return 0
	}
	if n < -1 || int(n)*elemMin > r.remaining() {
		r.err = fmt.Errorf("%w: array count %d at offset %d with %d bytes left", ErrMalformed, n, r.off-4, r.remaining())
		return 0
	}
	return int(n)
}

func (r *reader) allocation() Allocation {
	var a Allocation
	for range r.arrayLen(6) { // an entry is at least a string length and an array count
		name := r.str()
		for range r.arrayLen(4) {
			id := r.int32()
			if r.err != nil {
				return Allocation{}
			}
			if id == ConnectorTask {
				a.Connectors = append(a.Connectors, name)
			} else {
				a.Tasks = append(a.Tasks, connector.TaskID{Connector: name, Task: int(id)})
			}
		}
		if r.err != nil {
			return Allocation{}
		}
	}
	return a
}
