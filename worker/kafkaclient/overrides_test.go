package kafkaclient_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/worker/kafkaclient"
)

// A connector's overrides apply over the worker's producer.* settings, are reported as set, and those connectd
// cannot apply are listed by their connector key.
func TestBuildConnectorOverrides(t *testing.T) {
	s := kafkaclient.Settings{
		Properties:        map[string]string{"client.id": "w", "producer.linger.ms": "5"},
		ProducerOverrides: map[string]string{"linger.ms": "5", "compression.type": "gzip"},
		Connector:         map[string]string{"linger.ms": "25", "acks": "1", "buffer.memory": "1024", "no.such.key": "x"},
	}
	c, err := kafkaclient.Build(s, "producer")
	if err != nil {
		t.Fatal(err)
	}
	if c.Config.Producer.Flush.Frequency != 25*time.Millisecond || c.Config.Producer.RequiredAcks != sarama.WaitForLocal ||
		c.Config.Producer.Compression != sarama.CompressionGZIP {
		t.Errorf("linger %v acks %v compression %v", c.Config.Producer.Flush.Frequency, c.Config.Producer.RequiredAcks, c.Config.Producer.Compression)
	}
	if c.Set["linger.ms"] != "25" || c.Set["compression.type"] != "gzip" || c.Set["acks"] != "1" {
		t.Errorf("set: %v", c.Set)
	}
	if want := []string{"producer.override.buffer.memory", "producer.override.no.such.key"}; !slices.Equal(c.Unsupported, want) {
		t.Errorf("unsupported %v, want %v", c.Unsupported, want)
	}

	s.Connector = map[string]string{"linger.ms": "soon"}
	if _, err := kafkaclient.Build(s, "producer"); err == nil || !strings.Contains(err.Error(), "configuration producer.override.linger.ms") {
		t.Errorf("bad override: %v", err)
	}
}

// Consumer overrides reach the sink consumer; producer-only keys are unsupported there.
func TestBuildConsumerOverrides(t *testing.T) {
	c, err := kafkaclient.Build(kafkaclient.Settings{Connector: map[string]string{
		"fetch.min.bytes": "7", "isolation.level": "read_committed", "linger.ms": "3"}}, "consumer")
	if err != nil {
		t.Fatal(err)
	}
	if c.Config.Consumer.Fetch.Min != 7 || c.Config.Consumer.IsolationLevel != sarama.ReadCommitted {
		t.Errorf("fetch.min %d isolation %v", c.Config.Consumer.Fetch.Min, c.Config.Consumer.IsolationLevel)
	}
	if !slices.Equal(c.Unsupported, []string{"consumer.override.linger.ms"}) {
		t.Errorf("unsupported %v", c.Unsupported)
	}
	for _, k := range []string{"security.protocol", "bootstrap.servers"} {
		if !kafkaclient.Supported("admin", k) {
			t.Errorf("%s not supported by admin", k)
		}
	}
}
