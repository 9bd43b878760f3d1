package spool

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// FS is the file system a spool keeps its files in: the operating system's ([OS]) or, in tests, one that
// injects faults and simulates crashes (package spooltest). Names are paths the spool builds with
// filepath.Join from the directory it was given.
//
// Durability is explicit, as on a real disk: what a File writes survives a crash only once the File is
// synced, and a file created, renamed or removed stays so across a crash only once its directory is synced.
type FS interface {
	// MkdirAll creates dir and its parents.
	MkdirAll(dir string) error
	// ReadDir returns the names of the entries of dir, in any order.
	ReadDir(dir string) ([]string, error)
	// OpenFile opens name with os.OpenFile's flags (os.O_RDONLY, os.O_RDWR, os.O_CREATE, os.O_EXCL, ...);
	// files are created with mode 0o600.
	OpenFile(name string, flag int) (File, error)
	// Remove removes the file name.
	Remove(name string) error
	// Rename renames a file.
	Rename(from, to string) error
	// SyncDir makes the creations, renames and removals in dir durable.
	SyncDir(dir string) error
	// Lock takes an exclusive lock on the file name (creating it), held until the returned Closer is closed.
	// It fails with [ErrLocked] when the lock is held, by this process or another.
	Lock(name string) (io.Closer, error)
}

// File is an open file of an [FS].
type File interface {
	io.ReaderAt
	// Write appends at the file's write offset (files are written sequentially from where they were opened).
	io.Writer
	// WriteAt writes at an offset, for the checkpoint's slots.
	io.WriterAt
	// Sync makes the file's contents and size durable.
	Sync() error
	// Truncate changes the file's size.
	Truncate(size int64) error
	// Size returns the file's size.
	Size() (int64, error)
	io.Closer
}

// OS is the operating system's file system.
var OS FS = osFS{}

type osFS struct{}

func (osFS) MkdirAll(dir string) error { return os.MkdirAll(dir, 0o700) }

func (osFS) ReadDir(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}

func (osFS) OpenFile(name string, flag int) (File, error) {
	f, err := os.OpenFile(name, flag, 0o600)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) Remove(name string) error { return os.Remove(name) }

func (osFS) Rename(from, to string) error { return os.Rename(from, to) }

func (osFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil && syncDirUnsupported(err) {
		return nil
	}
	return err
}

func (osFS) Lock(name string) (io.Closer, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, ErrLocked) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, filepath.Dir(name))
		}
		return nil, err
	}
	// Closing the file releases the lock.
	return f, nil
}

type osFile struct{ *os.File }

func (f osFile) Size() (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
