package main

import (
	"slices"
	"strings"
	"testing"

	metrics "github.com/rcrowley/go-metrics"
	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: no goroutine outlives its owner (STYLE rule 2).
func TestMain(m *testing.M) {
	// As main sets it: sarama's go-metrics meters would each start a goroutine that never ends.
	metrics.UseNilMetrics = true
	goleak.VerifyTestMain(m)
}

func TestParseFlagsScaleAndListRequests(t *testing.T) {
	// The scale phase runs its sizes from the smallest, each once: the goals grade the last, the largest.
	o, err := parseFlags([]string{"--scale", "1000,100,0,300,100"}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{100, 300, 1000}; !slices.Equal(o.scale, want) {
		t.Errorf("--scale 1000,100,0,300,100: %v, want %v", o.scale, want)
	}
	if o, err = parseFlags([]string{"--scale", "0"}, &strings.Builder{}); err != nil || len(o.scale) != 0 {
		t.Errorf("--scale 0: %v, %v; want no sizes", o.scale, err)
	}
	// The listing's quantiles need a request to be timed.
	for _, n := range []string{"0", "-1"} {
		if _, err := parseFlags([]string{"--list-requests", n}, &strings.Builder{}); err == nil || !strings.Contains(err.Error(), "--list-requests") {
			t.Errorf("--list-requests %s: %v, want it refused", n, err)
		}
	}
	if o, err = parseFlags([]string{"--list-requests", "1"}, &strings.Builder{}); err != nil || o.listRequests != 1 {
		t.Errorf("--list-requests 1: %d, %v", o.listRequests, err)
	}
	// The profile runs take QoS 0 or 1 (QoS 2 has no pipeline to compare).
	if _, err := parseFlags([]string{"--profile-qos", "2"}, &strings.Builder{}); err == nil || !strings.Contains(err.Error(), "--profile-qos") {
		t.Errorf("--profile-qos 2: %v, want it refused", err)
	}
	if o, err = parseFlags([]string{"--profile-qos", "1"}, &strings.Builder{}); err != nil || o.profileQoS != 1 {
		t.Errorf("--profile-qos 1: %d, %v", o.profileQoS, err)
	}
}
