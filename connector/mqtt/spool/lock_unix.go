//go:build unix

package spool

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes a non-blocking exclusive flock on f. flock locks belong to the open file description, so a
// second Open of the same directory in the same process is refused too (fcntl locks would not be).
func lockFile(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return ErrLocked
	}
	return err
}

// lockHeld reports whether another open file description holds an exclusive flock on f: it takes a shared
// one without waiting (which only an exclusive holder refuses) and releases it at once.
func lockHeld(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return false, syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}

// syncDirUnsupported reports whether fsync of a directory failed only because the file system cannot do it.
func syncDirUnsupported(err error) bool { return errors.Is(err, syscall.EINVAL) }
