package kafkalog

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

func topicConfig(t *testing.T, admin sarama.ClusterAdmin, topic, name string) string {
	t.Helper()
	entries, err := describeTopicConfig(admin, topic, name)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name == name {
			return e.Value
		}
	}
	t.Fatalf("topic %s has no %s", topic, name)
	return ""
}

func TestEnsureTopicCreatesCompactedTopic(t *testing.T) {
	c := newTestCluster(t)
	admin := newTestAdmin(t, c)
	ctx := testContext(t)
	spec := TopicSpec{
		Name: "connect-offsets", Partitions: 25, ReplicationFactor: 3,
		// A cleanup.policy in the settings is overridden: internal topics are always compacted.
		Configs:  map[string]string{"min.insync.replicas": "2", "cleanup.policy": "delete"},
		Property: "offset.storage.topic", Purpose: "source connector offsets",
	}
	if err := EnsureTopic(ctx, admin, spec); err != nil {
		t.Fatal(err)
	}
	md, err := admin.DescribeTopics([]string{"connect-offsets"})
	if err != nil {
		t.Fatal(err)
	}
	if len(md) != 1 || len(md[0].Partitions) != 25 || len(md[0].Partitions[0].Replicas) != 3 {
		t.Fatalf("topic metadata = %+v, want 25 partitions with 3 replicas", md)
	}
	if got := topicConfig(t, admin, "connect-offsets", "cleanup.policy"); got != "compact" {
		t.Fatalf("cleanup.policy = %q, want compact", got)
	}
	if got := topicConfig(t, admin, "connect-offsets", "min.insync.replicas"); got != "2" {
		t.Fatalf("min.insync.replicas = %q, want 2", got)
	}
	// Existing and compacted: nothing to do.
	if err := EnsureTopic(ctx, admin, spec); err != nil {
		t.Fatalf("second EnsureTopic: %v", err)
	}
}

func TestEnsureTopicBrokerDefaults(t *testing.T) {
	c := newTestCluster(t)
	admin := newTestAdmin(t, c)
	err := EnsureTopic(testContext(t), admin, TopicSpec{Name: "connect-status", Partitions: -1, ReplicationFactor: -1,
		Property: "status.storage.topic", Purpose: "connector and task statuses"})
	if err != nil {
		t.Fatal(err)
	}
	if got := topicConfig(t, admin, "connect-status", "cleanup.policy"); got != "compact" {
		t.Fatalf("cleanup.policy = %q", got)
	}
}

func TestEnsureTopicRejectsNonCompactTopic(t *testing.T) {
	c := newTestCluster(t)
	if err := c.CreateTopic("plain", 1, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateTopic("both", 1, map[string]string{"cleanup.policy": "delete, Compact"}); err != nil {
		t.Fatal(err)
	}
	admin := newTestAdmin(t, c)
	tests := []struct {
		topic, want string
	}{
		{"plain", "Topic 'plain' supplied via the 'config.storage.topic' property is required to have " +
			"'cleanup.policy=compact' to guarantee consistency and durability of connector configurations, but " +
			"found the topic currently has 'cleanup.policy=delete'. Continuing would likely result in eventually " +
			"losing connector configurations and problems restarting this Connect cluster in the future. Change " +
			"the 'config.storage.topic' property in the Connect worker configurations to use a topic with " +
			"'cleanup.policy=compact'."},
		// Java prints the parsed policies as a HashSet: "compact" hashes before "delete".
		{"both", "'cleanup.policy=compact,delete'"},
	}
	for _, tt := range tests {
		err := EnsureTopic(testContext(t), admin, TopicSpec{Name: tt.topic, Partitions: 1, ReplicationFactor: 3,
			Property: "config.storage.topic", Purpose: "connector configurations"})
		var cpe *CleanupPolicyError
		if !errors.As(err, &cpe) {
			t.Fatalf("%s: err = %v, want a *CleanupPolicyError", tt.topic, err)
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Fatalf("%s: error\n%s\ndoes not contain\n%s", tt.topic, err, tt.want)
		}
	}
}

func TestEnsureTopicReplicationFactorTooHigh(t *testing.T) {
	c := newTestCluster(t)
	admin := newTestAdmin(t, c)
	err := EnsureTopic(testContext(t), admin, TopicSpec{Name: "connect-configs", Partitions: 1, ReplicationFactor: 4,
		Property: "config.storage.topic", Purpose: "connector configurations", ReplicationTimeout: time.Millisecond})
	var rfe *ReplicationFactorError
	if !errors.As(err, &rfe) {
		t.Fatalf("err = %v, want a *ReplicationFactorError", err)
	}
	if rfe.Brokers != 3 || rfe.Factor != 4 || rfe.Property != "config.storage.replication.factor" {
		t.Fatalf("error = %+v", rfe)
	}
	for _, part := range []string{"config.storage.replication.factor=4", "(3)", "at most 3"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not mention %q", err, part)
		}
	}
	if !errors.Is(err, sarama.ErrInvalidReplicationFactor) {
		t.Errorf("error does not wrap the broker's answer")
	}
}

func TestEnsureTopicValidatesSpec(t *testing.T) {
	for _, spec := range []TopicSpec{
		{Partitions: 1, ReplicationFactor: 1},
		{Name: "t", Partitions: 0, ReplicationFactor: 1},
		{Name: "t", Partitions: 1, ReplicationFactor: -2},
	} {
		if err := EnsureTopic(t.Context(), nil, spec); err == nil {
			t.Errorf("EnsureTopic(%+v) succeeded", spec)
		}
	}
}

func TestReplicationProperty(t *testing.T) {
	for in, want := range map[string]string{
		"config.storage.topic":  "config.storage.replication.factor",
		"offsets.storage.topic": "offsets.storage.replication.factor",
		"":                      "replication factor",
	} {
		if got := replicationProperty(in); got != want {
			t.Errorf("replicationProperty(%q) = %q, want %q", in, got, want)
		}
	}
}
