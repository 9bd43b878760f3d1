package mqtt

import "syscall"

// diskFree reports the bytes an unprivileged process may still write on the file system of dir.
func diskFree(dir string) (int64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return int64(st.Bavail) * st.Bsize, true //nolint:gosec // block counts fit in int64
}
