package main

import (
	"runtime/debug"
	"strings"
)

// kafkaVersion is the Apache Kafka Connect version whose REST API and protocol connectd reproduces; GET /
// reports it so that tools that check features by version work unchanged.
const kafkaVersion = "3.9.0"

// version is connectd's own version, set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// commit is the commit connectd was built from, set at build time with -ldflags "-X main.commit=..." (make
// build and make run do): GOFLAGS=-buildvcs=false and go run leave no VCS stamp to read.
var commit string

// commitID is the commit GET / reports.
func commitID() string {
	info, _ := debug.ReadBuildInfo()
	return commitFrom(commit, info)
}

// commitFrom picks the commit GET / reports: the -X value, else the build's vcs.revision stamp, cut to 16
// characters as Kafka's build cuts its commitId; "unknown", AppInfoParser's default, when neither is set.
func commitFrom(stamped string, info *debug.BuildInfo) string {
	rev := strings.TrimSpace(stamped)
	if rev == "" && info != nil {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				rev = s.Value
			}
		}
	}
	if rev == "" {
		return "unknown"
	}
	return rev[:min(len(rev), 16)]
}
