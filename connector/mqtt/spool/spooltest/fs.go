// Package spooltest is an in-memory file system for package spool's tests, and for tests of code that uses a
// spool: it injects faults at chosen operations (an error, a short write, disk full) and simulates a machine
// crash, keeping only what was made durable, so that a test can stop a spool at any step and open what
// reached the "disk".
//
// The model is POSIX on a journaling file system without data journaling: a file's contents survive a crash
// up to its last Sync, and a creation, rename or removal survives once its directory is synced. What was
// written and not synced may survive in full, in part, garbled, or not at all ([CrashMode]).
package spooltest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"

	"github.com/connectd/connectd/connector/mqtt/spool"
)

// ErrCrashed is what every operation returns once the simulated machine has crashed.
var ErrCrashed = errors.New("spooltest: the machine crashed")

// OpKind names a file system operation.
type OpKind int

// The operations; those that change what is on disk are marked.
const (
	OpMkdir    OpKind = iota
	OpReadDir         //
	OpOpen            // open an existing file
	OpCreate          // changes the disk: open with O_CREATE, creating the file
	OpRead            //
	OpWrite           // changes the disk: Write or WriteAt
	OpSync            // changes the disk: File.Sync
	OpTruncate        // changes the disk
	OpRemove          // changes the disk
	OpRename          // changes the disk
	OpSyncDir         // changes the disk
	OpLock            //
	OpClose           //
)

var opNames = [...]string{"mkdir", "readdir", "open", "create", "read", "write", "sync", "truncate", "remove",
	"rename", "syncdir", "lock", "close"}

func (k OpKind) String() string {
	if int(k) < len(opNames) {
		return opNames[k]
	}
	return fmt.Sprintf("OpKind(%d)", int(k))
}

// Mutating reports whether the operation changes what is, or will be, on disk.
func (k OpKind) Mutating() bool {
	switch k {
	case OpCreate, OpWrite, OpSync, OpTruncate, OpRemove, OpRename, OpSyncDir:
		return true
	}
	return false
}

// Op is an operation about to run.
type Op struct {
	Kind OpKind
	Path string
	// Len is the number of bytes of a write.
	Len int
	// Step counts the mutating operations so far, this one included (0 for the others): crash "at every
	// step" by crashing at Step 1, 2, ... until a run completes.
	Step int
}

func (o Op) String() string {
	return fmt.Sprintf("%s %s (step %d, %d bytes)", o.Kind, o.Path, o.Step, o.Len)
}

// Fault is what an injector makes of an operation.
type Fault struct {
	// Err makes the operation fail with it (after writing Written bytes, for a write).
	Err error
	// Written is how many bytes of a failing write reach the file first: a short write.
	Written int
	// Crash stops the machine: the operation fails (after Written bytes, for a write) with ErrCrashed, and
	// so does every later one. Crash then gives what is on disk.
	Crash bool
}

// Injector decides the fate of each operation; nil lets it run. It is called with the file system's lock
// held: it must not call the FS.
type Injector func(Op) *Fault

// CrashAt is an Injector that crashes at mutating step n (see [Op].Step), after written bytes of it if it is
// a write.
func CrashAt(n, written int) Injector {
	return func(op Op) *Fault {
		if op.Step == n {
			return &Fault{Crash: true, Written: written}
		}
		return nil
	}
}

// FailAt is an Injector that fails the n-th operation of kind (1-based) with err, after written bytes if it
// is a write; the operations after it run.
func FailAt(kind OpKind, n int, err error, written int) Injector {
	seen := 0
	return func(op Op) *Fault {
		if op.Kind != kind {
			return nil
		}
		if seen++; seen == n {
			return &Fault{Err: err, Written: written}
		}
		return nil
	}
}

// inode is a file's contents.
type inode struct {
	data   []byte // what reads see
	synced []byte // what a crash keeps, as of the last Sync
}

// FS is an in-memory spool.FS. The zero value is not usable; call New.
type FS struct {
	mu       sync.Mutex
	files    map[string]*inode // the namespace as processes see it
	durable  map[string]*inode // the namespace a crash keeps: each directory as of its last SyncDir
	dirs     map[string]bool
	locks    map[string]bool
	inject   Injector
	crashed  bool
	steps    int
	capacity int64 // bytes of file data the disk holds; 0: no limit
}

// New returns an empty file system.
func New() *FS {
	return &FS{files: map[string]*inode{}, durable: map[string]*inode{}, dirs: map[string]bool{}, locks: map[string]bool{}}
}

var _ spool.FS = (*FS)(nil)

// Inject sets the injector (nil: none).
func (m *FS) Inject(in Injector) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inject = in
}

// SetCapacity limits the bytes of file data the disk holds (0: no limit): a write past it writes what fits
// and fails with ENOSPC, as a full disk does. Overwriting bytes in place needs no room.
func (m *FS) SetCapacity(bytes int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.capacity = bytes
}

// Steps returns the number of mutating operations so far.
func (m *FS) Steps() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.steps
}

// Crashed reports whether the machine crashed.
func (m *FS) Crashed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.crashed
}

// op runs the injector for an operation and returns the fault to apply; m.mu is held.
func (m *FS) op(kind OpKind, path string, n int) *Fault {
	if m.crashed {
		return &Fault{Crash: true}
	}
	o := Op{Kind: kind, Path: path, Len: n}
	if kind.Mutating() {
		m.steps++
		o.Step = m.steps
	}
	if m.inject == nil {
		return nil
	}
	f := m.inject(o)
	if f != nil && f.Crash {
		m.crashed = true
	}
	return f
}

// faultErr is the error a fault makes an operation fail with.
func faultErr(op string, path string, f *Fault) error {
	if f.Crash {
		return &fs.PathError{Op: op, Path: path, Err: ErrCrashed}
	}
	return &fs.PathError{Op: op, Path: path, Err: f.Err}
}

func (m *FS) used() int64 {
	var n int64
	for _, ino := range m.files {
		n += int64(len(ino.data))
	}
	return n
}

// MkdirAll implements spool.FS.
func (m *FS) MkdirAll(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if f := m.op(OpMkdir, dir, 0); f != nil {
		return faultErr("mkdir", dir, f)
	}
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		m.dirs[d] = true
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// ReadDir implements spool.FS.
func (m *FS) ReadDir(dir string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir = filepath.Clean(dir)
	if f := m.op(OpReadDir, dir, 0); f != nil {
		return nil, faultErr("readdir", dir, f)
	}
	if !m.dirs[dir] {
		return nil, &fs.PathError{Op: "readdir", Path: dir, Err: fs.ErrNotExist}
	}
	return m.names(dir), nil
}

func (m *FS) names(dir string) []string {
	var names []string
	for p := range m.files {
		if filepath.Dir(p) == dir {
			names = append(names, filepath.Base(p))
		}
	}
	slices.Sort(names)
	return names
}

// OpenFile implements spool.FS.
func (m *FS) OpenFile(name string, flag int) (spool.File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = filepath.Clean(name)
	ino, exists := m.files[name]
	kind := OpOpen
	if !exists && flag&os.O_CREATE != 0 {
		kind = OpCreate
	}
	if f := m.op(kind, name, 0); f != nil {
		return nil, faultErr("open", name, f)
	}
	switch {
	case exists && flag&os.O_CREATE != 0 && flag&os.O_EXCL != 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrExist}
	case !exists && flag&os.O_CREATE == 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	case !exists:
		if !m.dirs[filepath.Dir(name)] {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		ino = &inode{}
		m.files[name] = ino
	}
	if flag&os.O_TRUNC != 0 {
		ino.data = ino.data[:0]
	}
	return &file{m: m, ino: ino, name: name, flag: flag}, nil
}

// Remove implements spool.FS.
func (m *FS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = filepath.Clean(name)
	if f := m.op(OpRemove, name, 0); f != nil {
		return faultErr("remove", name, f)
	}
	if _, ok := m.files[name]; !ok {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	delete(m.files, name)
	return nil
}

// Rename implements spool.FS.
func (m *FS) Rename(from, to string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	from, to = filepath.Clean(from), filepath.Clean(to)
	if f := m.op(OpRename, from, 0); f != nil {
		return faultErr("rename", from, f)
	}
	ino, ok := m.files[from]
	if !ok {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: fs.ErrNotExist}
	}
	delete(m.files, from)
	m.files[to] = ino
	return nil
}

// SyncDir implements spool.FS.
func (m *FS) SyncDir(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir = filepath.Clean(dir)
	if f := m.op(OpSyncDir, dir, 0); f != nil {
		return faultErr("sync", dir, f)
	}
	for p := range m.durable {
		if filepath.Dir(p) == dir {
			delete(m.durable, p)
		}
	}
	for p, ino := range m.files {
		if filepath.Dir(p) == dir {
			m.durable[p] = ino
		}
	}
	return nil
}

// Lock implements spool.FS.
func (m *FS) Lock(name string) (io.Closer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = filepath.Clean(name)
	if f := m.op(OpLock, name, 0); f != nil {
		return nil, faultErr("lock", name, f)
	}
	if m.locks[name] {
		return nil, spool.ErrLocked
	}
	m.locks[name] = true
	return lock{m, name}, nil
}

type lock struct {
	m    *FS
	name string
}

func (l lock) Close() error {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	delete(l.m.locks, l.name)
	return nil
}

type file struct {
	m      *FS
	ino    *inode
	name   string
	flag   int
	off    int64 // write offset of Write
	closed bool
}

func (f *file) check(kind OpKind, n int) error {
	if fault := f.m.op(kind, f.name, n); fault != nil {
		return faultErr(kind.String(), f.name, fault)
	}
	if f.closed {
		return &fs.PathError{Op: kind.String(), Path: f.name, Err: fs.ErrClosed}
	}
	return nil
}

func (f *file) ReadAt(b []byte, off int64) (int, error) {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if err := f.check(OpRead, len(b)); err != nil {
		return 0, err
	}
	if off >= int64(len(f.ino.data)) {
		return 0, io.EOF
	}
	n := copy(b, f.ino.data[off:])
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

func (f *file) Write(b []byte) (int, error) {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	n, err := f.writeAt(b, f.off)
	f.off += int64(n)
	return n, err
}

func (f *file) WriteAt(b []byte, off int64) (int, error) {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	return f.writeAt(b, off)
}

// writeAt writes b at off; f.m.mu is held.
func (f *file) writeAt(b []byte, off int64) (int, error) {
	m := f.m
	fault := m.op(OpWrite, f.name, len(b))
	if fault != nil && fault.Written == 0 {
		return 0, faultErr("write", f.name, fault)
	}
	if f.closed {
		return 0, &fs.PathError{Op: "write", Path: f.name, Err: fs.ErrClosed}
	}
	if f.flag&(os.O_WRONLY|os.O_RDWR) == 0 {
		return 0, &fs.PathError{Op: "write", Path: f.name, Err: syscall.EBADF}
	}
	n := len(b)
	var err error
	if fault != nil {
		n = min(fault.Written, len(b))
		err = faultErr("write", f.name, fault)
	}
	if m.capacity > 0 {
		// Only the bytes past the end of the file need room.
		grow := max(off+int64(n)-int64(len(f.ino.data)), 0)
		if room := m.capacity - m.used(); grow > room {
			n = int(max(int64(len(f.ino.data))+room-off, 0))
			if err == nil {
				err = &fs.PathError{Op: "write", Path: f.name, Err: syscall.ENOSPC}
			}
		}
	}
	if end := off + int64(n); end > int64(len(f.ino.data)) {
		f.ino.data = append(f.ino.data, make([]byte, end-int64(len(f.ino.data)))...)
	}
	copy(f.ino.data[off:], b[:n])
	return n, err
}

func (f *file) Sync() error {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if err := f.check(OpSync, 0); err != nil {
		return err
	}
	f.ino.synced = slices.Clone(f.ino.data)
	return nil
}

func (f *file) Truncate(size int64) error {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if err := f.check(OpTruncate, 0); err != nil {
		return err
	}
	if size <= int64(len(f.ino.data)) {
		f.ino.data = f.ino.data[:size]
	} else {
		f.ino.data = append(f.ino.data, make([]byte, size-int64(len(f.ino.data)))...)
	}
	return nil
}

func (f *file) Size() (int64, error) {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if err := f.check(OpRead, 0); err != nil {
		return 0, err
	}
	return int64(len(f.ino.data)), nil
}

func (f *file) Close() error {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	if f.closed {
		return &fs.PathError{Op: "close", Path: f.name, Err: fs.ErrClosed}
	}
	f.closed = true
	if fault := f.m.op(OpClose, f.name, 0); fault != nil {
		return faultErr("close", f.name, fault)
	}
	return nil
}

// CrashMode chooses what a crash keeps of what was not made durable.
type CrashMode int

const (
	// LoseUnsynced keeps only what was synced: file contents as of their last Sync, directories as of their
	// last SyncDir.
	LoseUnsynced CrashMode = iota
	// KeepUnsynced keeps everything: the system wrote it all back before it stopped.
	KeepUnsynced
	// TearUnsynced keeps a random part of what was not synced (from the seed): of each file's unsynced
	// writes a prefix, part of it garbled or zeroed; of each directory change not synced, either state.
	TearUnsynced
)

func (c CrashMode) String() string {
	switch c {
	case LoseUnsynced:
		return "lose-unsynced"
	case KeepUnsynced:
		return "keep-unsynced"
	case TearUnsynced:
		return "tear-unsynced"
	}
	return fmt.Sprintf("CrashMode(%d)", int(c))
}

// Crash returns what a crash at this instant leaves on disk, as a new file system with no injector and no
// locks held. It does not change m: call it after an injected crash, or at any point to simulate one.
func (m *FS) Crash(mode CrashMode, seed uint64) *FS {
	m.mu.Lock()
	defer m.mu.Unlock()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := New()
	maps := [2]map[string]*inode{m.durable, m.files}
	var paths []string
	for p := range m.files {
		paths = append(paths, p)
	}
	for p := range m.durable {
		if _, ok := m.files[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths) // map order must not decide what the seed does
	for _, p := range paths {
		var ino *inode
		switch mode {
		case LoseUnsynced:
			ino = maps[0][p]
		case KeepUnsynced:
			ino = maps[1][p]
		default:
			ino = maps[rng.IntN(2)][p]
		}
		if ino == nil {
			continue
		}
		var data []byte
		switch mode {
		case LoseUnsynced:
			data = slices.Clone(ino.synced)
		case KeepUnsynced:
			data = slices.Clone(ino.data)
		default:
			data = tear(ino, rng)
		}
		out.files[p] = &inode{data: data, synced: slices.Clone(data)}
		out.durable[p] = out.files[p]
	}
	for d := range m.dirs {
		out.dirs[d] = true
	}
	return out
}

// tear returns a random mix of a file's synced and current contents.
func tear(ino *inode, rng *rand.Rand) []byte {
	synced, data := ino.synced, ino.data
	if len(data) >= len(synced) && string(data[:len(synced)]) == string(synced) {
		// Appended since the sync: a prefix of the appended bytes, part of it damaged.
		tail := slices.Clone(data[len(synced):])
		tail = tail[:rng.IntN(len(tail)+1)]
		if len(tail) > 0 && rng.IntN(2) == 0 {
			from := rng.IntN(len(tail))
			to := from + rng.IntN(len(tail)-from) + 1
			zero := rng.IntN(2) == 0
			for i := from; i < to; i++ {
				if zero {
					tail[i] = 0
				} else {
					tail[i] = byte(rng.Uint32())
				}
			}
		}
		return append(slices.Clone(synced), tail...)
	}
	// Overwritten or truncated: the new contents up to a random point, the old ones after it.
	cut := rng.IntN(max(len(data), len(synced)) + 1)
	out := slices.Clone(data[:min(cut, len(data))])
	if cut < len(synced) {
		out = append(out, synced[len(out):]...)
	}
	return out
}

// ReadFile returns a copy of a file's current contents (no fault applies).
func (m *FS) ReadFile(name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ino, ok := m.files[filepath.Clean(name)]
	if !ok {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	return slices.Clone(ino.data), nil
}

// WriteFile sets a file's contents, durably (no fault applies): for tests that damage files or plant them.
func (m *FS) WriteFile(name string, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = filepath.Clean(name)
	m.dirs[filepath.Dir(name)] = true
	ino := &inode{data: slices.Clone(data), synced: slices.Clone(data)}
	m.files[name] = ino
	m.durable[name] = ino
}

// DeleteFile removes a file durably (no fault applies).
func (m *FS) DeleteFile(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = filepath.Clean(name)
	delete(m.files, name)
	delete(m.durable, name)
}

// Names returns the names of the files in dir, sorted.
func (m *FS) Names(dir string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.names(filepath.Clean(dir))
}
