//go:build !unix

package spool

import "os"

// lockFile does nothing where flock does not exist: two spools on one directory are not detected there.
func lockFile(*os.File) error { return nil }

// lockHeld cannot tell where flock does not exist: a spool is never reported in use.
func lockHeld(*os.File) (bool, error) { return false, nil }

// syncDirUnsupported: directories cannot be synced here (Windows cannot open one for writing); creations and
// removals are as durable as the file system makes them.
func syncDirUnsupported(error) bool { return true }
