package worker

import (
	"strings"
	"testing"
)

// TestTaskProducerRetries checks that a retries setting lowers a task producer's limit and never raises it,
// so that Connect's usual retries=2147483647 keeps the ten minutes.
func TestTaskProducerRetries(t *testing.T) {
	for v, want := range map[string]int{"": maxTaskProducerRetries, "2147483647": maxTaskProducerRetries, "5": 5, "0": 0} {
		set := map[string]string{}
		if v != "" {
			set["retries"] = v
		}
		if got := taskProducerRetries(set); got != want {
			t.Errorf("retries=%q: %d, want %d", v, got, want)
		}
	}
}

// TestMaxPollRecords checks max.poll.records as Kafka's INT: a number beyond it is refused rather than
// allocated.
func TestMaxPollRecords(t *testing.T) {
	for v, want := range map[string]string{"1000000000000": "Not a number of type INT", "0": "Value must be at least 1", "x": "Not a number of type INT"} {
		if _, err := maxPollRecords(map[string]string{"max.poll.records": v}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("max.poll.records=%s: %v, want %q", v, err, want)
		}
	}
	if n, err := maxPollRecords(map[string]string{"max.poll.records": "2147483647"}); err != nil || n != 2147483647 {
		t.Errorf("max.poll.records=2147483647: %d, %v", n, err)
	}
}
