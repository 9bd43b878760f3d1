package main

import "testing"

// TestCreateTopicSpreadsLeaders checks that a data topic on the in-process Kafka has its partitions' leaders
// spread over the brokers in turn, as Kafka assigns them, and not where kfake's random choice put them: the
// slow-Kafka burst's rate depends on how many partitions share a leader. With twelve partitions a random
// layout passes by chance once in 3^12 runs.
func TestCreateTopicSpreadsLeaders(t *testing.T) {
	k, err := startKafka("")
	if err != nil {
		t.Fatal(err)
	}
	defer k.close()
	const partitions = 12
	if err := k.createTopic("spread", partitions); err != nil {
		t.Fatal(err)
	}
	if len(k.nodes) != 3 {
		t.Fatalf("brokers %v, want three", k.nodes)
	}
	for p := range int32(partitions) {
		if got, want := k.cluster.LeaderFor("spread", p), k.nodes[p%3]; got != want {
			t.Errorf("partition %d led by broker %d, want %d", p, got, want)
		}
	}
}
