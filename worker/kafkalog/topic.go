package kafkalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector/backoff"
)

// TopicSpec describes an internal topic to create or verify.
type TopicSpec struct {
	Name string
	// Partitions and ReplicationFactor are used only when the topic is created; -1 means the broker's
	// default (num.partitions, default.replication.factor).
	Partitions        int32
	ReplicationFactor int16
	// Configs are extra topic configs; cleanup.policy is always compact.
	Configs map[string]string
	// Property is the worker property that names the topic, e.g. config.storage.topic; Purpose is what the
	// topic holds, e.g. "connector configurations". Both appear in error messages, as in Kafka Connect.
	Property, Purpose string
	// ReplicationTimeout bounds how long creation is retried while the cluster has fewer brokers than the
	// replication factor (brokers may still be starting), like Connect's default.api.timeout.ms;
	// 0 means 60 s.
	ReplicationTimeout time.Duration
	// Logger receives progress messages; nil discards them.
	Logger *slog.Logger
}

// CleanupPolicyError is returned when an existing internal topic's cleanup.policy is not exactly compact.
type CleanupPolicyError struct {
	Topic, Property, Purpose string
	// Policies is the topic's cleanup.policy as Kafka Connect prints it.
	Policies string
}

// Error is Kafka Connect's ConfigException text (TopicAdmin.verifyTopicCleanupPolicyOnlyCompact).
func (e *CleanupPolicyError) Error() string {
	return fmt.Sprintf("Topic '%s' supplied via the '%s' property is required to have 'cleanup.policy=compact' "+
		"to guarantee consistency and durability of %s, but found the topic currently has 'cleanup.policy=%s'. "+
		"Continuing would likely result in eventually losing %s and problems restarting this Connect cluster in "+
		"the future. Change the '%s' property in the Connect worker configurations to use a topic with "+
		"'cleanup.policy=compact'.", e.Topic, e.Property, e.Purpose, e.Policies, e.Purpose, e.Property)
}

// ReplicationFactorError is returned when a topic cannot be created because its replication factor exceeds
// the number of brokers in the cluster.
type ReplicationFactorError struct {
	Topic string
	// Property is the worker property holding the factor, e.g. config.storage.replication.factor.
	Property string
	Factor   int16 // -1: the broker's default.replication.factor
	Brokers  int
	Err      error // the broker's answer
}

func (e *ReplicationFactorError) Error() string {
	if e.Factor < 0 {
		return fmt.Sprintf("cannot create topic '%s': %s=-1 uses the brokers' default.replication.factor, which is "+
			"larger than the number of brokers in the Kafka cluster (%d); set %s to at most %d: %v",
			e.Topic, e.Property, e.Brokers, e.Property, e.Brokers, e.Err)
	}
	return fmt.Sprintf("cannot create topic '%s': %s=%d is larger than the number of brokers in the Kafka cluster "+
		"(%d); set %s to at most %d, or to -1 to use the brokers' default: %v",
		e.Topic, e.Property, e.Factor, e.Brokers, e.Property, e.Brokers, e.Err)
}

func (e *ReplicationFactorError) Unwrap() error { return e.Err }

// EnsureTopic creates the compacted topic when it is missing and otherwise verifies that its
// cleanup.policy is exactly compact, as Kafka Connect does for its internal topics
// (KafkaTopicBasedBackingStore.topicInitializer). Creation is retried while ctx lasts on errors that may
// pass (controller moves, timeouts, unreachable brokers). When the principal may not create or describe
// topics, or the broker is too old, the check is skipped as in Connect. A replication factor larger than
// the cluster is retried for ReplicationTimeout (brokers may still be registering) and then returned as
// a *ReplicationFactorError; a non-compact existing topic is a *CleanupPolicyError.
func EnsureTopic(ctx context.Context, admin sarama.ClusterAdmin, spec TopicSpec) error {
	if spec.Name == "" {
		return errors.New("kafkalog: topic name is required")
	}
	if spec.Partitions == 0 || spec.Partitions < -1 {
		return fmt.Errorf("kafkalog: topic %s: partitions must be positive or -1, got %d", spec.Name, spec.Partitions)
	}
	if spec.ReplicationFactor == 0 || spec.ReplicationFactor < -1 {
		return fmt.Errorf("kafkalog: topic %s: replication factor must be positive or -1, got %d", spec.Name, spec.ReplicationFactor)
	}
	log := spec.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	entries := make(map[string]*string, len(spec.Configs)+1)
	for k, v := range spec.Configs {
		entries[k] = &v
	}
	compact := "compact"
	entries["cleanup.policy"] = &compact
	detail := &sarama.TopicDetail{
		NumPartitions:     spec.Partitions,
		ReplicationFactor: spec.ReplicationFactor,
		ConfigEntries:     entries,
	}
	rfTimeout := spec.ReplicationTimeout
	if rfTimeout <= 0 {
		rfTimeout = 60 * time.Second
	}
	var rfDeadline time.Time
	bo := adminBackoff()
	for {
		err := admin.CreateTopic(spec.Name, detail, false)
		switch {
		case err == nil:
			log.Info("created topic", "topic", spec.Name, "partitions", spec.Partitions,
				"replication_factor", spec.ReplicationFactor)
			return nil
		case errors.Is(err, sarama.ErrTopicAlreadyExists):
			return verifyCleanupPolicy(ctx, admin, spec, log)
		case errors.Is(err, sarama.ErrClusterAuthorizationFailed), errors.Is(err, sarama.ErrTopicAuthorizationFailed),
			errors.Is(err, sarama.ErrUnsupportedVersion):
			log.Debug("cannot create topic, assuming it exists", "topic", spec.Name, "err", err)
			return verifyCleanupPolicy(ctx, admin, spec, log)
		case errors.Is(err, sarama.ErrInvalidConfig):
			return fmt.Errorf("kafkalog: cannot create topic %s: %w", spec.Name, err)
		case errors.Is(err, sarama.ErrInvalidReplicationFactor):
			brokers, _, derr := admin.DescribeCluster()
			if derr != nil {
				brokers = nil
			}
			rfErr := &ReplicationFactorError{Topic: spec.Name, Property: replicationProperty(spec.Property),
				Factor: spec.ReplicationFactor, Brokers: len(brokers), Err: err}
			if rfDeadline.IsZero() {
				rfDeadline = time.Now().Add(rfTimeout)
			}
			if !time.Now().Before(rfDeadline) {
				return rfErr
			}
			log.Warn("topic creation failed, retrying while brokers register", "topic", spec.Name, "err", rfErr)
		case !retriableAdminError(err):
			return fmt.Errorf("kafkalog: cannot create or find topic %s: %w", spec.Name, err)
		default:
			log.Warn("topic creation failed, retrying", "topic", spec.Name, "err", err)
		}
		if serr := bo.Wait(ctx); serr != nil {
			return fmt.Errorf("kafkalog: create topic %s: %w (last error: %v)", spec.Name, serr, err)
		}
	}
}

// verifyCleanupPolicy checks an existing topic's cleanup.policy. A topic that cannot be described (missing
// permission, old broker, deleted meanwhile) is not checked, as in Connect.
func verifyCleanupPolicy(ctx context.Context, admin sarama.ClusterAdmin, spec TopicSpec, log *slog.Logger) error {
	bo := adminBackoff()
	for {
		entries, err := describeTopicConfig(admin, spec.Name, "cleanup.policy")
		switch {
		case err == nil:
			policies := cleanupPolicies(entries)
			if len(policies) == 0 {
				log.Info("cannot verify the cleanup policy of topic", "topic", spec.Name)
				return nil
			}
			if len(policies) == 1 && policies[0] == "compact" {
				return nil
			}
			return &CleanupPolicyError{Topic: spec.Name, Property: spec.Property, Purpose: spec.Purpose,
				Policies: strings.Join(javaHashSetOrder(policies), ",")}
		case errors.Is(err, sarama.ErrUnknownTopicOrPartition), errors.Is(err, sarama.ErrClusterAuthorizationFailed),
			errors.Is(err, sarama.ErrTopicAuthorizationFailed), errors.Is(err, sarama.ErrUnsupportedVersion):
			log.Info("cannot verify the cleanup policy of topic", "topic", spec.Name, "err", err)
			return nil
		case !retriableAdminError(err):
			return fmt.Errorf("kafkalog: cannot describe the config of topic %s: %w", spec.Name, err)
		}
		log.Warn("describe topic config failed, retrying", "topic", spec.Name, "err", err)
		if serr := bo.Wait(ctx); serr != nil {
			return fmt.Errorf("kafkalog: describe topic %s: %w (last error: %v)", spec.Name, serr, err)
		}
	}
}

// describeTopicConfig returns the named config entries of one topic, failing with the broker's per-resource error
// (a *sarama.DescribeConfigError, which unwraps to the KError) as sarama's deprecated DescribeConfig did.
func describeTopicConfig(admin sarama.ClusterAdmin, topic string, names ...string) ([]sarama.ConfigEntry, error) {
	results, err := admin.DescribeConfigs([]*sarama.ConfigResource{{Type: sarama.TopicResource, Name: topic,
		ConfigNames: names}}, sarama.DescribeConfigsOptions{})
	if err != nil {
		return nil, err
	}
	var entries []sarama.ConfigEntry
	for _, r := range results {
		if r.Name != topic {
			continue
		}
		if r.ErrorCode != sarama.ErrNoError {
			return nil, &sarama.DescribeConfigError{Err: r.ErrorCode, ErrMsg: r.ErrorMsg}
		}
		entries = append(entries, r.Configs...)
	}
	return entries, nil
}

// cleanupPolicies parses cleanup.policy as TopicAdmin.topicCleanupPolicy does: comma separated, trimmed,
// lowercased, blanks dropped, duplicates removed (first occurrence kept).
func cleanupPolicies(entries []sarama.ConfigEntry) []string {
	var out []string
	for _, e := range entries {
		if e.Name != "cleanup.policy" {
			continue
		}
		for _, p := range strings.Split(e.Value, ",") {
			p = strings.ToLower(strings.TrimSpace(p))
			if p != "" && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// javaHashSetOrder orders strings as a java.util.HashSet of default capacity iterates them, so that error
// texts list policies exactly as Connect does ("compact,delete").
func javaHashSetOrder(items []string) []string {
	if len(items) > 12 { // the set would have been resized; insertion order is close enough
		return items
	}
	bucket := func(s string) uint32 {
		var h int32
		for _, c := range s {
			h = 31*h + int32(c) // Java's String.hashCode (BMP text)
		}
		u := uint32(h)
		return (u ^ u>>16) & 15
	}
	out := slices.Clone(items)
	slices.SortStableFunc(out, func(a, b string) int { return int(bucket(a)) - int(bucket(b)) })
	return out
}

// replicationProperty names the replication-factor property that goes with a topic property
// (config.storage.topic → config.storage.replication.factor).
func replicationProperty(topicProperty string) string {
	if base, ok := strings.CutSuffix(topicProperty, ".topic"); ok {
		return base + ".replication.factor"
	}
	if topicProperty == "" {
		return "replication factor"
	}
	return topicProperty + " replication factor"
}

// retriableAdminError says whether an admin call may succeed if repeated.
func retriableAdminError(err error) bool {
	var kerr sarama.KError
	if errors.As(err, &kerr) {
		switch kerr {
		case sarama.ErrRequestTimedOut, sarama.ErrNotController, sarama.ErrLeaderNotAvailable,
			sarama.ErrBrokerNotAvailable, sarama.ErrNetworkException, sarama.ErrNotEnoughReplicas,
			sarama.ErrKafkaStorageError, sarama.ErrThrottlingQuotaExceeded, sarama.ErrNotLeaderForPartition,
			sarama.ErrReplicaNotAvailable, sarama.ErrOffsetNotAvailable:
			return true
		}
		return false
	}
	var cerr sarama.ConfigurationError
	if errors.As(err, &cerr) || errors.Is(err, sarama.ErrClosedClient) {
		return false
	}
	return true // transport errors, no controller known, out of brokers
}

// adminBackoff paces retried admin requests as the Kafka clients' retry.backoff.ms (100 ms) and
// retry.backoff.max.ms (1 s) do.
func adminBackoff() backoff.Backoff {
	return backoff.Backoff{Base: 100 * time.Millisecond, Max: time.Second}
}
