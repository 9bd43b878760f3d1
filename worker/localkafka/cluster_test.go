package localkafka

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestJavaClientsParseConfigAnswers sends CreateTopics and DescribeConfigs at the highest versions the cluster
// and the client share, as Java's AdminClient does, and checks every config source and type in the answers is
// one Java accepts: DescribeConfigsResponse.ConfigSource.forId and ConfigType.forId throw on a negative id.
func TestJavaClientsParseConfigAnswers(t *testing.T) {
	c, err := New(kfake.NumBrokers(3), kfake.SeedTopics(3, "vehicle-data"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	create := kmsg.NewPtrCreateTopicsRequest()
	create.TimeoutMillis = 10000
	topic := kmsg.NewCreateTopicsRequestTopic()
	topic.Topic, topic.NumPartitions, topic.ReplicationFactor = "connect-configs", 1, 3
	for k, v := range map[string]string{"cleanup.policy": "compact", "min.insync.replicas": "2"} {
		tc := kmsg.NewCreateTopicsRequestTopicConfig()
		tc.Name, tc.Value = k, kmsg.StringPtr(v)
		topic.Configs = append(topic.Configs, tc)
	}
	create.Topics = append(create.Topics, topic)
	created, err := create.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range created.Topics {
		if err := kerr.ErrorForCode(rt.ErrorCode); err != nil {
			t.Fatalf("create %s: %v", rt.Topic, err)
		}
		for _, rc := range rt.Configs {
			if rc.Source < 0 {
				t.Errorf("CreateTopics v%d: %s: config_source %d", created.Version, rc.Name, rc.Source)
			}
		}
	}

	describe := kmsg.NewPtrDescribeConfigsRequest()
	describe.IncludeSynonyms, describe.IncludeDocumentation = true, true
	for _, r := range []struct {
		typ  kmsg.ConfigResourceType
		name string
	}{{kmsg.ConfigResourceTypeTopic, "vehicle-data"}, {kmsg.ConfigResourceTypeTopic, "connect-configs"}, {kmsg.ConfigResourceTypeBroker, ""}} {
		rr := kmsg.NewDescribeConfigsRequestResource()
		rr.ResourceType, rr.ResourceName = r.typ, r.name
		describe.Resources = append(describe.Resources, rr)
	}
	described, err := describe.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, r := range described.Resources {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			t.Fatalf("describe %v %q: %v", r.ResourceType, r.ResourceName, err)
		}
		for _, rc := range r.Configs {
			checked++
			if rc.Source < 0 || rc.ConfigType < 0 {
				t.Errorf("DescribeConfigs v%d %v %q: %s: config_source %d, config_type %d",
					described.Version, r.ResourceType, r.ResourceName, rc.Name, rc.Source, rc.ConfigType)
			}
			for _, syn := range rc.ConfigSynonyms {
				if syn.Source < 0 {
					t.Errorf("DescribeConfigs %s: synonym %s: source %d", rc.Name, syn.Name, syn.Source)
				}
			}
			if r.ResourceName == "connect-configs" && rc.Name == "cleanup.policy" &&
				(rc.Value == nil || *rc.Value != "compact" || rc.Source != kmsg.ConfigSourceDynamicTopicConfig) {
				t.Errorf("connect-configs cleanup.policy: %v from source %d, want compact from DYNAMIC_TOPIC_CONFIG", rc.Value, rc.Source)
			}
		}
	}
	if checked == 0 {
		t.Fatal("DescribeConfigs answered no configs")
	}
}
