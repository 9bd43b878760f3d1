//go:build !linux

package mqtt

// diskFree is not measured on this platform.
func diskFree(string) (int64, bool) { return 0, false }
