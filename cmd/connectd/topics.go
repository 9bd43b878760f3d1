package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/IBM/sarama"
	"gopkg.in/yaml.v3"
)

const topicsUsage = `usage: connectd topics <list|describe|apply> [arguments]

  list [--all]                     topic names, one per line (__internal topics only with --all)
  describe [--all] [TOPIC...]      partitions, replication factor, leader, replicas, isr and configs,
                                   as kafka-topics --describe prints them (every topic when none is named)
  apply FILE [--dry-run]           create the topics FILE declares, raise their partitions and set the
                                   configs that differ; --dry-run prints the plan and changes nothing

every subcommand takes --bootstrap-server host:port[,...] (default ` + defaultBootstrap + `) and --command-config FILE
`

// runTopics is `connectd topics list|describe|apply`: kafka-topics and the user guide's topic-creator container
// without a Kafka distribution.
func runTopics(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{errors.New(strings.TrimSpace(topicsUsage))}
	}
	switch args[0] {
	case "list":
		return topicsList(ctx, args[1:], stdout, stderr)
	case "describe":
		return topicsDescribe(ctx, args[1:], stdout, stderr)
	case "apply":
		return topicsApply(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, topicsUsage)
		return nil
	default:
		return usageError{fmt.Errorf("unknown topics subcommand %q\n\n%s", args[0], strings.TrimSpace(topicsUsage))}
	}
}

func topicsList(_ context.Context, args []string, stdout, stderr io.Writer) error {
	var kf kafkaFlags
	fs := newFlagSet("topics list", "topics list [--all] [--bootstrap-server HOSTS]", stderr)
	kf.register(fs)
	all := fs.Bool("all", false, "include internal topics (names starting with __)")
	rest, err := parseInterleaved(fs, args)
	if err != nil || len(rest) > 0 {
		return flagResult(err, "topics list takes no arguments")
	}
	client, err := kf.newClient("admin")
	if err != nil {
		return err
	}
	defer client.Close()
	names, err := topicNames(client, *all)
	if err != nil {
		return err
	}
	for _, n := range names {
		fmt.Fprintln(stdout, n)
	}
	return nil
}

// topicNames is every topic in the cluster, sorted, without the internal ones unless all is set.
func topicNames(client sarama.Client, all bool) ([]string, error) {
	if err := client.RefreshMetadata(); err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	names, err := client.Topics()
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	names = slices.DeleteFunc(names, func(n string) bool { return !all && internalTopic(n) })
	slices.Sort(names)
	return names, nil
}

func topicsDescribe(_ context.Context, args []string, stdout, stderr io.Writer) error {
	var kf kafkaFlags
	fs := newFlagSet("topics describe", "topics describe [--all] [TOPIC...] [--bootstrap-server HOSTS]", stderr)
	kf.register(fs)
	all := fs.Bool("all", false, "with no TOPIC, include internal topics (names starting with __)")
	names, err := parseInterleaved(fs, args)
	if err != nil {
		return flagResult(err, "")
	}
	client, err := kf.newClient("admin")
	if err != nil {
		return err
	}
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		client.Close()
		return fmt.Errorf("kafka admin client: %w", err)
	}
	defer admin.Close() // closes client too

	if len(names) == 0 {
		if names, err = topicNames(client, *all); err != nil {
			return err
		}
	}
	if len(names) == 0 {
		return nil
	}
	metas, err := admin.DescribeTopics(names)
	if err != nil {
		return fmt.Errorf("describe topics: %w", err)
	}
	byName := map[string]*sarama.TopicMetadata{}
	var problems []error
	for _, m := range metas {
		if !errors.Is(m.Err, sarama.ErrNoError) {
			problems = append(problems, fmt.Errorf("topic %s: %w", m.Name, m.Err))
			continue
		}
		byName[m.Name] = m
	}
	configs, err := topicConfigs(admin, names)
	if err != nil {
		return err
	}
	for _, n := range names {
		m, ok := byName[n]
		if !ok {
			continue
		}
		writeTopicDescription(stdout, m, configs[n])
	}
	return errors.Join(problems...)
}

// topicConfigs returns every topic's config entries, in one DescribeConfigs round trip.
func topicConfigs(admin sarama.ClusterAdmin, names []string) (map[string][]sarama.ConfigEntry, error) {
	resources := make([]*sarama.ConfigResource, 0, len(names))
	for _, n := range names {
		resources = append(resources, &sarama.ConfigResource{Type: sarama.TopicResource, Name: n})
	}
	results, err := admin.DescribeConfigs(resources, sarama.DescribeConfigsOptions{})
	if err != nil {
		return nil, fmt.Errorf("describe topic configs: %w", err)
	}
	out := make(map[string][]sarama.ConfigEntry, len(results))
	for _, r := range results {
		if r.ErrorCode != 0 {
			// An unknown topic is reported by the metadata already; anything else is worth stopping for.
			if kerr := sarama.KError(r.ErrorCode); !errors.Is(kerr, sarama.ErrUnknownTopicOrPartition) {
				return nil, fmt.Errorf("describe configs of topic %s: %w", r.Name, kerr)
			}
			continue
		}
		out[r.Name] = r.Configs
	}
	return out, nil
}

// writeTopicDescription prints one topic as Kafka 3.9's TopicCommand does: a summary line with the configs that
// are not broker defaults, then one tab-indented line per partition.
func writeTopicDescription(w io.Writer, m *sarama.TopicMetadata, configs []sarama.ConfigEntry) {
	parts := slices.Clone(m.Partitions)
	slices.SortFunc(parts, func(a, b *sarama.PartitionMetadata) int { return int(a.ID) - int(b.ID) })
	rf := 0
	if len(parts) > 0 {
		rf = len(parts[0].Replicas)
	}
	var set []string
	for _, c := range configs {
		if !c.Default {
			set = append(set, c.Name+"="+c.Value)
		}
	}
	slices.Sort(set)
	var b bytes.Buffer
	fmt.Fprintf(&b, "Topic: %s", m.Name)
	if m.Uuid != (sarama.Uuid{}) {
		fmt.Fprintf(&b, "\tTopicId: %s", m.Uuid)
	}
	fmt.Fprintf(&b, "\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: %s\n", len(parts), rf, strings.Join(set, ","))
	for _, p := range parts {
		leader := "none"
		if p.Leader >= 0 {
			leader = strconv.Itoa(int(p.Leader))
		}
		fmt.Fprintf(&b, "\tTopic: %s\tPartition: %d\tLeader: %s\tReplicas: %s\tIsr: %s\n",
			m.Name, p.ID, leader, joinIDs(p.Replicas), joinIDs(p.Isr))
	}
	w.Write(b.Bytes())
}

func joinIDs(ids []int32) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(int(id))
	}
	return strings.Join(s, ",")
}

// topicsFile is the YAML document `connectd topics apply` reads.
type topicsFile struct {
	Topics []topicSpec `yaml:"topics"`
}

// topicSpec declares one topic. Zero partitions or replication factor means the broker's default
// (num.partitions, default.replication.factor) when creating, and "leave as is" for an existing topic.
type topicSpec struct {
	Name              string            `yaml:"name"`
	Partitions        int32             `yaml:"partitions"`
	ReplicationFactor int16             `yaml:"replicationFactor"`
	Configs           map[string]string `yaml:"configs"`
}

// legalTopicName is Kafka's rule (org.apache.kafka.common.internals.Topic): ASCII letters, digits, '.', '_'
// and '-', at most 249 characters, and not "." or "..".
var legalTopicName = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,249}$`)

// loadTopicsFile parses and checks a topics file; every problem is reported, each naming its topic.
func loadTopicsFile(r io.Reader) ([]topicSpec, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true) // a misspelt "replicationfactor" must not silently mean "broker default"
	var f topicsFile
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty: expected a 'topics:' list")
		}
		return nil, err
	}
	var problems []error
	seen := map[string]bool{}
	for i, t := range f.Topics {
		switch {
		case t.Name == "":
			problems = append(problems, fmt.Errorf("topics[%d]: name is required", i))
			continue
		case !legalTopicName.MatchString(t.Name) || t.Name == "." || t.Name == "..":
			problems = append(problems, fmt.Errorf("topic %q: illegal name (use ASCII letters, digits, '.', '_' and '-', at most 249)", t.Name))
		case seen[t.Name]:
			problems = append(problems, fmt.Errorf("topic %s: declared more than once", t.Name))
		}
		seen[t.Name] = true
		if t.Partitions < 0 {
			problems = append(problems, fmt.Errorf("topic %s: partitions must be at least 1 (or omitted for the broker default)", t.Name))
		}
		if t.ReplicationFactor < 0 {
			problems = append(problems, fmt.Errorf("topic %s: replicationFactor must be at least 1 (or omitted for the broker default)", t.Name))
		}
	}
	if len(f.Topics) == 0 && len(problems) == 0 {
		problems = append(problems, errors.New("no topics declared: expected a 'topics:' list"))
	}
	return f.Topics, errors.Join(problems...)
}

// topicRefusedError is a change `topics apply` will not make because Kafka cannot make it in place: removing
// partitions, or changing the replication factor (which takes a partition reassignment).
type topicRefusedError struct {
	Topic  string
	Reason string
}

func (e *topicRefusedError) Error() string { return "topic " + e.Topic + ": " + e.Reason }

// topicAction is one step of an apply plan; apply is nil when the topic is already as declared.
type topicAction struct {
	line  string
	apply func() error
}

func topicsApply(_ context.Context, args []string, stdout, stderr io.Writer) error {
	var kf kafkaFlags
	fs := newFlagSet("topics apply", "topics apply FILE [--dry-run] [--bootstrap-server HOSTS]", stderr)
	kf.register(fs)
	dryRun := fs.Bool("dry-run", false, "print what would change and change nothing")
	rest, err := parseInterleaved(fs, args)
	if err != nil || len(rest) != 1 {
		return flagResult(err, "usage: connectd topics apply FILE [--dry-run]")
	}
	data, err := os.ReadFile(rest[0])
	if err != nil {
		return usageError{fmt.Errorf("read topics file: %w", err)}
	}
	specs, err := loadTopicsFile(bytes.NewReader(data))
	if err != nil {
		return usageError{fmt.Errorf("topics file %s: %w", rest[0], err)}
	}

	client, err := kf.newClient("admin")
	if err != nil {
		return err
	}
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err != nil {
		client.Close()
		return fmt.Errorf("kafka admin client: %w", err)
	}
	defer admin.Close()

	plan, err := planTopics(admin, specs)
	if err != nil {
		return err
	}
	changes := 0
	for _, a := range plan {
		if a.apply != nil {
			changes++
			if !*dryRun {
				if err := a.apply(); err != nil {
					return fmt.Errorf("%s: %w", a.line, err)
				}
			}
		}
		fmt.Fprintln(stdout, a.line)
	}
	if *dryRun {
		fmt.Fprintf(stdout, "dry run: %d change(s) planned, nothing changed\n", changes)
	}
	return nil
}

// planTopics compares the declared topics with the cluster. A change Kafka cannot make fails the whole plan
// before anything is applied, so a file is applied entirely or not at all as far as that check goes.
func planTopics(admin sarama.ClusterAdmin, specs []topicSpec) ([]topicAction, error) {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	metas, err := admin.DescribeTopics(names)
	if err != nil {
		return nil, fmt.Errorf("describe topics: %w", err)
	}
	existing := map[string]*sarama.TopicMetadata{}
	for _, m := range metas {
		switch {
		case errors.Is(m.Err, sarama.ErrNoError):
			existing[m.Name] = m
		case errors.Is(m.Err, sarama.ErrUnknownTopicOrPartition):
		default:
			return nil, fmt.Errorf("describe topic %s: %w", m.Name, m.Err)
		}
	}
	var withConfigs []string
	for _, s := range specs {
		if existing[s.Name] != nil && len(s.Configs) > 0 {
			withConfigs = append(withConfigs, s.Name)
		}
	}
	current := map[string][]sarama.ConfigEntry{}
	if len(withConfigs) > 0 {
		if current, err = topicConfigs(admin, withConfigs); err != nil {
			return nil, err
		}
	}

	var plan []topicAction
	var refused []error
	for _, s := range specs {
		m := existing[s.Name]
		if m == nil {
			plan = append(plan, createAction(admin, s))
			continue
		}
		have := int32(len(m.Partitions))
		rf := int16(0)
		if have > 0 {
			rf = int16(len(m.Partitions[0].Replicas))
		}
		if s.ReplicationFactor > 0 && s.ReplicationFactor != rf {
			refused = append(refused, &topicRefusedError{s.Name, fmt.Sprintf(
				"replication factor is %d, the file asks for %d: changing it needs a partition reassignment "+
					"(kafka-reassign-partitions), which topics apply does not do", rf, s.ReplicationFactor)})
		}
		if s.Partitions > 0 && s.Partitions < have {
			refused = append(refused, &topicRefusedError{s.Name, fmt.Sprintf(
				"has %d partitions, the file asks for %d: Kafka cannot remove partitions "+
					"(recreate the topic, losing its data, or raise the number in the file)", have, s.Partitions)})
		}
		n := len(plan)
		if s.Partitions > have {
			plan = append(plan, topicAction{
				line:  fmt.Sprintf("raise partitions of topic %s from %d to %d", s.Name, have, s.Partitions),
				apply: func() error { return admin.CreatePartitions(s.Name, s.Partitions, nil, false) },
			})
		}
		plan = append(plan, configActions(admin, s, current[s.Name])...)
		if len(plan) == n {
			plan = append(plan, topicAction{line: fmt.Sprintf("topic %s is up to date", s.Name)})
		}
	}
	if len(refused) > 0 {
		return nil, fmt.Errorf("nothing applied: %w", errors.Join(refused...))
	}
	return plan, nil
}

func createAction(admin sarama.ClusterAdmin, s topicSpec) topicAction {
	detail := &sarama.TopicDetail{NumPartitions: -1, ReplicationFactor: -1, ConfigEntries: map[string]*string{}}
	desc := []string{}
	if s.Partitions > 0 {
		detail.NumPartitions = s.Partitions
		desc = append(desc, fmt.Sprintf("partitions %d", s.Partitions))
	} else {
		desc = append(desc, "broker default partitions")
	}
	if s.ReplicationFactor > 0 {
		detail.ReplicationFactor = s.ReplicationFactor
		desc = append(desc, fmt.Sprintf("replication factor %d", s.ReplicationFactor))
	} else {
		desc = append(desc, "broker default replication factor")
	}
	for _, k := range sortedKeys(s.Configs) {
		v := s.Configs[k]
		detail.ConfigEntries[k] = &v
		desc = append(desc, k+"="+v)
	}
	return topicAction{
		line: fmt.Sprintf("create topic %s (%s)", s.Name, strings.Join(desc, ", ")),
		apply: func() error {
			err := admin.CreateTopic(s.Name, detail, false)
			// Another apply (a second topic-init replica) may have won the race; the topic is what we asked for.
			if errors.Is(err, sarama.ErrTopicAlreadyExists) {
				return nil
			}
			return err
		},
	}
}

// configActions sets the declared configs whose current value differs; configs the file does not name are
// left alone (an incremental SET, not a replace).
func configActions(admin sarama.ClusterAdmin, s topicSpec, current []sarama.ConfigEntry) []topicAction {
	have := map[string]string{}
	for _, c := range current {
		have[c.Name] = c.Value
	}
	var out []topicAction
	for _, k := range sortedKeys(s.Configs) {
		want := s.Configs[k]
		old, ok := have[k]
		if ok && old == want {
			continue
		}
		line := fmt.Sprintf("set config %s=%s on topic %s", k, want, s.Name)
		if ok {
			line += fmt.Sprintf(" (was %s)", old)
		}
		out = append(out, topicAction{line: line, apply: func() error {
			return admin.IncrementalAlterConfig(sarama.TopicResource, s.Name, map[string]sarama.IncrementalAlterConfigsEntry{
				k: {Operation: sarama.IncrementalAlterConfigsOperationSet, Value: &want},
			}, false)
		}})
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// flagResult turns a flag-parsing outcome into the command's error: -h succeeds (usage is printed already), a
// parse error or wrong arguments is a usage error.
func flagResult(err error, wrongArgs string) error {
	switch {
	case err != nil && isHelp(err):
		return nil
	case err != nil:
		return err
	case wrongArgs != "":
		return usageError{errors.New(wrongArgs)}
	}
	return nil
}
