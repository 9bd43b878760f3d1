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

// syncDirUnsupported reports whether fsync of a directory failed only because the file system cannot do it.
func syncDirUnsupported(err error) bool { return errors.Is(err, syscall.EINVAL) }
