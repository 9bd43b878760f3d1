package worker

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/worker/errorhandling"
)

// topicCreationGroup is one topic.creation group of a source connector (KIP-158).
type topicCreationGroup struct {
	name              string
	include, exclude  []*regexp.Regexp
	partitions        int32
	replicationFactor int16
	configs           map[string]*string
}

// topicCreationGroups parses a source connector's topic.creation.* settings; nil when the connector does not
// use topic creation (no topic.creation.default.replication.factor).
func topicCreationGroups(cfg map[string]string) ([]topicCreationGroup, error) {
	if _, ok := cfg["topic.creation.default.replication.factor"]; !ok {
		return nil, nil
	}
	var names []string
	for _, g := range strings.Split(cfg["topic.creation.groups"], ",") {
		if g = strings.TrimSpace(g); g != "" && g != "default" {
			names = append(names, g)
		}
	}
	names = append(names, "default")
	groups := make([]topicCreationGroup, 0, len(names))
	for _, name := range names {
		prefix := "topic.creation." + name + "."
		g := topicCreationGroup{name: name, partitions: -1, replicationFactor: -1, configs: map[string]*string{}}
		if name == "default" {
			g.include = []*regexp.Regexp{regexp.MustCompile(".*")}
		}
		for k, v := range cfg {
			if !strings.HasPrefix(k, prefix) {
				continue
			}
			key := strings.TrimPrefix(k, prefix)
			switch key {
			case "include", "exclude":
				var res []*regexp.Regexp
				for _, p := range strings.Split(v, ",") {
					if p = strings.TrimSpace(p); p == "" {
						continue
					}
					re, err := regexp.Compile("^(?:" + p + ")$")
					if err != nil {
						return nil, fmt.Errorf("invalid %s: %w", k, err)
					}
					res = append(res, re)
				}
				if key == "include" {
					g.include = res
				} else {
					g.exclude = res
				}
			case "partitions":
				n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
				if err != nil {
					return nil, fmt.Errorf("invalid %s: %w", k, err)
				}
				g.partitions = int32(n)
			case "replication.factor":
				n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 16)
				if err != nil {
					return nil, fmt.Errorf("invalid %s: %w", k, err)
				}
				g.replicationFactor = int16(n)
			default:
				g.configs[key] = &v
			}
		}
		groups = append(groups, g)
	}
	return groups, nil
}

func (g topicCreationGroup) matches(topic string) bool {
	for _, re := range g.exclude {
		if re.MatchString(topic) {
			return false
		}
	}
	for _, re := range g.include {
		if re.MatchString(topic) {
			return true
		}
	}
	return false
}

// ensureSourceTopic creates a source connector's output topic with its topic.creation settings before the
// first record is sent to it, so that it is never auto-created by the broker with the wrong replication.
func (w *Worker) ensureSourceTopic(ctx context.Context, t *taskRunner, topic string) error {
	if !w.cfg.TopicCreationEnable {
		return nil
	}
	groups, err := topicCreationGroups(t.connConfig)
	if err != nil || groups == nil {
		return err
	}
	var g *topicCreationGroup
	for i := range groups {
		if groups[i].matches(topic) {
			g = &groups[i]
			break
		}
	}
	if g == nil {
		return nil
	}
	detail := &sarama.TopicDetail{NumPartitions: g.partitions, ReplicationFactor: g.replicationFactor, ConfigEntries: g.configs}
	admin, closeAdmin, err := w.taskAdmin(ctx, t)
	if err != nil {
		return err
	}
	defer closeAdmin()
	created, err := createTopicIfMissing(admin, topic, detail)
	if err != nil {
		return fmt.Errorf("create topic %s for connector (group %s): %w", topic, g.name, err)
	}
	if created {
		w.log.Info("created topic for source connector", "topic", topic, "group", g.name,
			"partitions", g.partitions, "replication_factor", g.replicationFactor)
	}
	return nil
}

// ensureDLQTopic creates a sink connector's dead letter queue topic when it is missing, with one partition
// and errors.deadletterqueue.topic.replication.factor, as Kafka's DeadLetterQueueReporter.createAndSetup does.
func (w *Worker) ensureDLQTopic(ctx context.Context, t *taskRunner, topic string, replicationFactor int16) error {
	admin, closeAdmin, err := w.taskAdmin(ctx, t)
	if err != nil {
		return err
	}
	defer closeAdmin()
	if topicExists(admin, topic) {
		return nil
	}
	t.log.Error(fmt.Sprintf("Topic %s doesn't exist. Will attempt to create topic.", topic))
	detail := &sarama.TopicDetail{NumPartitions: errorhandling.DLQPartitions, ReplicationFactor: replicationFactor}
	if _, err := createTopic(admin, topic, detail); err != nil {
		return &dlqInitError{topic: topic, err: err}
	}
	return nil
}

// dlqInitError is Kafka's ConnectException when the dead letter queue topic cannot be created.
type dlqInitError struct {
	topic string
	err   error
}

func (e *dlqInitError) Error() string {
	return "Could not initialize dead letter queue with topic=" + e.topic + ": " + e.err.Error()
}

func (e *dlqInitError) Unwrap() error { return e.err }

// topicExists reports whether the cluster knows topic; false also when it cannot tell.
func topicExists(admin sarama.ClusterAdmin, topic string) bool {
	existing, err := admin.DescribeTopics([]string{topic})
	return err == nil && len(existing) == 1 && !errors.Is(existing[0].Err, sarama.ErrUnknownTopicOrPartition)
}

// createTopicIfMissing creates topic with detail unless it exists; created tells whether this call made it.
func createTopicIfMissing(admin sarama.ClusterAdmin, topic string, detail *sarama.TopicDetail) (created bool, err error) {
	if topicExists(admin, topic) {
		return false, nil
	}
	return createTopic(admin, topic, detail)
}

// createTopic creates topic with detail; one that exists already is no error (created is false then).
func createTopic(admin sarama.ClusterAdmin, topic string, detail *sarama.TopicDetail) (created bool, err error) {
	err = admin.CreateTopic(topic, detail, false)
	var terr *sarama.TopicError
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, sarama.ErrTopicAlreadyExists),
		errors.As(err, &terr) && errors.Is(terr.Err, sarama.ErrTopicAlreadyExists):
		return false, nil
	}
	return false, err
}
