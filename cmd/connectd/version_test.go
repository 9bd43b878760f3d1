package main

import (
	"runtime/debug"
	"testing"
)

func TestCommitFrom(t *testing.T) {
	t.Parallel()
	stamped := &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "95520b5d0f3c4e2a8b1c7d6e5f4a3b2c1d0e9f8a"}}}
	tests := []struct {
		name   string
		ldflag string
		info   *debug.BuildInfo
		want   string
	}{
		{"ldflag wins", "4c69dce0123456789abcdef0123456789abcdef\n", stamped, "4c69dce012345678"},
		{"vcs stamp", "", stamped, "95520b5d0f3c4e2a"},
		{"short ldflag kept whole", "abc123", nil, "abc123"},
		{"nothing known", "", &debug.BuildInfo{}, "unknown"},
		{"no build info", " ", nil, "unknown"},
	}
	for _, tc := range tests {
		if got := commitFrom(tc.ldflag, tc.info); got != tc.want {
			t.Errorf("%s: commitFrom = %q, want %q", tc.name, got, tc.want)
		}
	}
}
