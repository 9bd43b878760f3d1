package main

import "runtime/debug"

// kafkaVersion is the Apache Kafka Connect version whose REST API and protocol connectd reproduces; GET /
// reports it so that tools that check features by version work unchanged.
const kafkaVersion = "3.9.0"

// version is connectd's own version, set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// commitID is the 16-hex commit GET / reports, from the build's VCS stamp when there is one.
func commitID() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 16 {
				return s.Value[:16]
			}
		}
	}
	return "0000000000000000"
}
