package worker

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/IBM/sarama"
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
func (w *Worker) ensureSourceTopic(ctx context.Context, topic string, connConfig map[string]string) error {
	if !w.cfg.TopicCreationEnable {
		return nil
	}
	groups, err := topicCreationGroups(connConfig)
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
	existing, err := w.admin.DescribeTopics([]string{topic})
	if err == nil && len(existing) == 1 && !errors.Is(existing[0].Err, sarama.ErrUnknownTopicOrPartition) {
		return nil
	}
	detail := &sarama.TopicDetail{NumPartitions: g.partitions, ReplicationFactor: g.replicationFactor, ConfigEntries: g.configs}
	err = w.admin.CreateTopic(topic, detail, false)
	if err != nil && !errors.Is(err, sarama.ErrTopicAlreadyExists) {
		var terr *sarama.TopicError
		if !(errors.As(err, &terr) && errors.Is(terr.Err, sarama.ErrTopicAlreadyExists)) {
			return fmt.Errorf("create topic %s for connector (group %s): %w", topic, g.name, err)
		}
	}
	w.log.Info("created topic for source connector", "topic", topic, "group", g.name,
		"partitions", g.partitions, "replication_factor", g.replicationFactor)
	return nil
}
