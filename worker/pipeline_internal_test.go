package worker

import (
	"errors"
	"fmt"
	"testing"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/worker/errorhandling"
)

// TestRetriablePut: a RetriableError from Put asks for the batch again, but not once the error handler
// refused it (a retriable error the task reported as errant beyond errors.tolerance).
func TestRetriablePut(t *testing.T) {
	retriable := connector.NewRetriableError(errors.New("busy"))
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("broken"), false},
		{retriable, true},
		{fmt.Errorf("writing: %w", retriable), true},
		{&errorhandling.HandlerError{Message: "Tolerance exceeded in error handler", Err: retriable}, false},
	} {
		if got := retriablePut(tc.err); got != tc.want {
			t.Errorf("retriablePut(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestSinkRecordOf: an unchanged record is handed over as it was; a transformed one keeps where it was
// consumed (KIP-793), and the consumed partition and offset when a transformation cleared them.
func TestSinkRecordOf(t *testing.T) {
	orig := &connector.SinkRecord{Topic: "in", Partition: 2, Offset: 7, Value: "v",
		OriginalTopic: "in", OriginalPartition: 2, OriginalOffset: 7}
	view := sinkView(orig)
	if got := sinkRecordOf(orig, view, view); got != orig {
		t.Fatal("an unchanged record was copied")
	}
	out := *view
	out.Topic, out.Value, out.Partition, out.Offset = "renamed", "w", nil, nil
	got := sinkRecordOf(orig, view, &out)
	want := connector.SinkRecord{Topic: "renamed", Partition: 2, Offset: 7, Value: "w",
		OriginalTopic: "in", OriginalPartition: 2, OriginalOffset: 7}
	if fmt.Sprint(*got) != fmt.Sprint(want) {
		t.Fatalf("got %+v, want %+v", *got, want)
	}
	p := int32(5)
	out.Partition = &p
	if got := sinkRecordOf(orig, view, &out); got.Partition != 5 || got.OriginalPartition != 2 {
		t.Fatalf("partition %d (original %d), want 5 (2)", got.Partition, got.OriginalPartition)
	}
}
