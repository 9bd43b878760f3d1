package api

import (
	"os"
	"strings"
	"testing"
)

// curl --data @file strips line breaks, which turns every // comment of the annotated connector file into a
// comment that runs to the end of the body: the 400 must say so.
func TestFlattenedCommentsGetAHint(t *testing.T) {
	raw, err := os.ReadFile("../testdata/mqtt-connector.commented.json")
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.NewReplacer("\r", "", "\n", "").Replace(string(raw))
	_, err = DecodeCreateRequest([]byte(flat))
	if err == nil || !strings.Contains(err.Error(), "--data-binary") {
		t.Fatalf("error %v does not point at curl --data-binary", err)
	}
	// A clean file flattened the same way decodes, and an unrelated error gets no hint.
	clean, err := os.ReadFile("../testdata/mqtt-connector.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeCreateRequest([]byte(strings.NewReplacer("\n", "").Replace(string(clean)))); err != nil {
		t.Fatalf("flattened clean file: %v", err)
	}
	if _, err := DecodeCreateRequest([]byte(`{"name":"x","config":{"a":"tcp://h:1"`)); err == nil || strings.Contains(err.Error(), "--data-binary") {
		t.Fatalf("unexpected hint or no error: %v", err)
	}
}
