package kafkalog

import (
	"fmt"
	"testing"

	"github.com/IBM/sarama"
)

// Vectors from Kafka's UtilsTest.testMurmur2 (clients/src/test/java/org/apache/kafka/common/utils).
func TestMurmur2JavaVectors(t *testing.T) {
	tests := []struct {
		in   string
		want int32
	}{
		{"21", -973932308},
		{"foobar", -790332482},
		{"a-little-bit-long-string", -985981536},
		{"a-little-bit-longer-string", -1486304829},
		{"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
		{"abc", 479470107},
	}
	for _, tt := range tests {
		if got := Murmur2([]byte(tt.in)); got != tt.want {
			t.Errorf("Murmur2(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestMurmur2Partition(t *testing.T) {
	tests := []struct {
		key  string
		n    int32
		want int32
	}{
		// -973932308 & 0x7fffffff = 1173551340; Java's toPositive, not Math.abs.
		{"21", 25, 1173551340 % 25},
		{"abc", 5, 479470107 % 5},
		{"foobar", 1, 0},
		{"foobar", 0, -1},
	}
	for _, tt := range tests {
		if got := Murmur2Partition([]byte(tt.key), tt.n); got != tt.want {
			t.Errorf("Murmur2Partition(%q, %d) = %d, want %d", tt.key, tt.n, got, tt.want)
		}
	}
}

func TestMurmur2Partitioner(t *testing.T) {
	p := NewMurmur2Partitioner("t")
	if !p.RequiresConsistency() {
		t.Fatal("partitioner must require consistency")
	}
	dc, ok := p.(sarama.DynamicConsistencyPartitioner)
	if !ok {
		t.Fatal("partitioner should let unkeyed records go anywhere")
	}
	if dc.MessageRequiresConsistency(&sarama.ProducerMessage{}) {
		t.Fatal("unkeyed record must not require consistency")
	}
	for i := range 200 {
		key := fmt.Appendf(nil, "status-task-conn-%d", i)
		got, err := p.Partition(&sarama.ProducerMessage{Key: sarama.ByteEncoder(key)}, 5)
		if err != nil {
			t.Fatal(err)
		}
		if want := Murmur2Partition(key, 5); got != want {
			t.Fatalf("partition of %q = %d, want %d", key, got, want)
		}
	}
	got, err := p.Partition(&sarama.ProducerMessage{}, 5)
	if err != nil || got < 0 || got >= 5 {
		t.Fatalf("unkeyed partition = %d, %v; want one of 0..4", got, err)
	}
}
