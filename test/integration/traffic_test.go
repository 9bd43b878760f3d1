//go:build integration

package integration

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/twmb/franz-go/pkg/kgo"
)

// tracker accounts for one scenario's messages: when each sequence number was acknowledged by Mosquitto and
// when, and how often, it arrived in Kafka.
type tracker struct {
	mu        sync.Mutex
	published []time.Time // zero until PUBACK
	arrived   []time.Time // first arrival
	count     []int
	records   int // records carrying a sequence number of this run
	probes    int // probe records (seq -1)

	acked       atomic.Int64
	republished atomic.Int64
}

func newTracker(n int) *tracker {
	return &tracker{published: make([]time.Time, n), arrived: make([]time.Time, n), count: make([]int, n)}
}

func (tr *tracker) arrive(seq int, at time.Time) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if seq < 0 {
		tr.probes++
		return
	}
	if seq >= len(tr.count) {
		return
	}
	tr.records++
	if tr.count[seq] == 0 {
		tr.arrived[seq] = at
	}
	tr.count[seq]++
}

// result is one row of the scenario table.
type result struct {
	Scenario    string
	Sent        int
	Received    int
	Lost        int
	Duplicated  int
	Republished int64
	Recovery    string
	Pass        bool
	Notes       string
}

// account compares what Mosquitto acknowledged with what Kafka holds.
func (tr *tracker) account() (sent, received, lost, dup int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for i := range tr.count {
		if tr.published[i].IsZero() {
			continue
		}
		sent++
		if tr.count[i] == 0 {
			lost++
		}
	}
	distinct := 0
	for _, c := range tr.count {
		if c > 0 {
			distinct++
		}
	}
	return sent, tr.records, lost, tr.records - distinct
}

// complete reports whether every acknowledged message has arrived.
func (tr *tracker) complete() bool {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for i := range tr.count {
		if !tr.published[i].IsZero() && tr.count[i] == 0 {
			return false
		}
	}
	return true
}

// recovery is the longest stall in arrivals after the fault: the time from the fault, or from the last
// arrival before a gap, to the next arrival. At a steady publishing rate gaps are milliseconds, so the longest
// is the outage the fault caused; counting the PUBACK time instead misleads, because a message can reach Kafka
// before its publisher sees the PUBACK. ok is false when nothing arrived after the fault.
func (tr *tracker) recovery(fault time.Time) (time.Duration, bool) {
	tr.mu.Lock()
	var after []time.Time
	for _, a := range tr.arrived {
		if !a.IsZero() && !a.Before(fault) {
			after = append(after, a)
		}
	}
	tr.mu.Unlock()
	if len(after) == 0 {
		return 0, false
	}
	slices.SortFunc(after, func(x, y time.Time) int { return x.Compare(y) })
	longest, prev := time.Duration(0), fault
	for _, a := range after {
		longest = max(longest, a.Sub(prev))
		prev = a
	}
	return longest, true
}

var seqRE = regexp.MustCompile(`"seq":(-?\d+)`)

// seqsOf extracts the sequence numbers from a record value, whether the converter wrote the payload as a JSON
// object, a JSON string, or base64 bytes (JsonConverter without schemas for a bytes value).
func seqsOf(value []byte) []int {
	candidates := [][]byte{value}
	var s string
	if json.Unmarshal(value, &s) == nil {
		candidates = append(candidates, []byte(s))
		if b, err := base64.StdEncoding.DecodeString(s); err == nil {
			candidates = append(candidates, b)
		}
	}
	for _, c := range candidates {
		m := seqRE.FindAllSubmatch(c, -1)
		if len(m) == 0 {
			continue
		}
		out := make([]int, 0, len(m))
		for _, g := range m {
			n, _ := strconv.Atoi(string(g[1]))
			out = append(out, n)
		}
		return out
	}
	return nil
}

// consume reads topic from the beginning into tr until ctx ends.
func consume(ctx context.Context, topic string, tr *tracker) error {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(kafkaBrokers...),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200*time.Millisecond),
	)
	if err != nil {
		return err
	}
	defer cl.Close()
	for ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		now := time.Now()
		fs.EachRecord(func(r *kgo.Record) {
			for _, seq := range seqsOf(r.Value) {
				tr.arrive(seq, now)
			}
		})
	}
	return nil
}

// createTopic creates a one-partition topic with replication factor 3.
func createTopic(name string) error {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	adm, err := sarama.NewClusterAdmin(kafkaBrokers, cfg)
	if err != nil {
		return err
	}
	defer adm.Close()
	err = adm.CreateTopic(name, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 3}, false)
	if err != nil && !isTopicExists(err) {
		return fmt.Errorf("create topic %s: %w", name, err)
	}
	return nil
}

func isTopicExists(err error) bool {
	var te *sarama.TopicError
	return errors.As(err, &te) && te.Err == sarama.ErrTopicAlreadyExists
}

// leaderOf returns the broker id leading partition 0 of topic.
func leaderOf(topic string) (int32, error) {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cl, err := sarama.NewClient(kafkaBrokers, cfg)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	b, err := cl.Leader(topic, 0)
	if err != nil {
		return 0, err
	}
	return b.ID(), nil
}

// publisher publishes sequence-numbered QoS 1 messages; a message whose PUBACK does not come is published
// again (counted as republished), so every sequence number is acknowledged once the run ends.
type publisher struct {
	client mqtt.Client
	topic  string
	runID  string
}

func newPublisher(broker, clientID, topic, run string) (*publisher, error) {
	opts := mqtt.NewClientOptions().
		AddBroker(broker).
		SetClientID(clientID).
		SetCleanSession(true).
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetConnectRetryInterval(200 * time.Millisecond).
		SetMaxReconnectInterval(time.Second).
		SetWriteTimeout(5 * time.Second).
		SetOrderMatters(false)
	c := mqtt.NewClient(opts)
	tok := c.Connect()
	if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		return nil, fmt.Errorf("mqtt connect: %v", tok.Error())
	}
	return &publisher{client: c, topic: topic, runID: run}, nil
}

func (p *publisher) close() { p.client.Disconnect(250) }

func (p *publisher) payload(seq int) []byte {
	return []byte(fmt.Sprintf(`{"run":%q,"seq":%d,"ts":%d}`, p.runID, seq, time.Now().UnixNano()))
}

// publishOne publishes seq until Mosquitto acknowledges it or ctx ends.
func (p *publisher) publishOne(ctx context.Context, seq int, tr *tracker) {
	for attempt := 0; ctx.Err() == nil; attempt++ {
		if attempt > 0 {
			tr.republished.Add(1)
		}
		tok := p.client.Publish(p.topic, 1, false, p.payload(seq))
		if tok.WaitTimeout(5*time.Second) && tok.Error() == nil {
			if seq >= 0 {
				tr.mu.Lock()
				tr.published[seq] = time.Now()
				tr.mu.Unlock()
				tr.acked.Add(1)
			}
			return
		}
	}
}

// run publishes sequence numbers 0..n-1, at most window unacknowledged, at rate per second (0: as fast as
// possible).
func (p *publisher) run(ctx context.Context, n, rate, window int, tr *tracker) {
	sem := make(chan struct{}, window)
	var wg sync.WaitGroup
	var tick *time.Ticker
	perTick := 1
	if rate > 0 {
		// Ticks of 10 ms, each releasing rate/100 messages.
		tick = time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		perTick = max(1, rate/100)
	}
	for seq := 0; seq < n && ctx.Err() == nil; seq++ {
		if tick != nil && seq%perTick == 0 {
			select {
			case <-tick.C:
			case <-ctx.Done():
			}
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			// No slot taken: a goroutine started now would release another's.
			wg.Wait()
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			p.publishOne(ctx, seq, tr)
		}()
	}
	wg.Wait()
}
