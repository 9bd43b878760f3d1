package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
)

// The broker-default cases measure what users get when they leave their broker's settings alone: Mosquitto
// with its default configuration (20 messages in flight, 1,000 queued per session) and Mosquitto set like
// EMQX's defaults (32 in flight, 1,000 queued), each a Mosquitto process of its own that the harness starts.
//
// These brokers drop what exceeds a session's queue, so the question is not how fast a pipeline drains a
// backlog but how fast a load it takes without losing anything, and the load is the devices': published at a
// rate, open loop, whether or not anyone keeps up. The harness's window cannot stand in for it: Mosquitto
// 2.0.11 counts a message against the queue until it has read the subscriber's acknowledgement, and it sends
// far beyond max_inflight_messages to a subscriber whose acknowledgements come late (see bench/README.md), so
// a bare subscriber that acknowledges at once already loses messages with 250 of the harness's messages in
// flight, and a smaller window measures latency instead of rate.
//
// So each pipeline — a bare paho subscriber (as many as tasks, sharing the subscription) and connectd — is
// run open loop at rates of a ladder (ladderRate), each for the warm-up and the steady window, looking for the
// highest rate it sustains: nothing lost, nothing late, and the rate received in the steady window at least
// sustainedShare of the rate published. The search takes steps of 25 % — up while runs are sustained, down
// until one is — and then tries the rate halfway (11.8 %) between the highest sustained and the lowest failed
// one. A rate is given up only after --rounds runs at it failed: other load on a shared machine only ever
// makes a run lose. The bare subscriber's search starts at the rate the previous cell found (startRate at
// first) and connectd's at the bare subscriber's rate. connectd's rate ÷ the bare subscriber's is the ratio:
// two steps of the ladder apart is exactly 0.8, one step 0.894.
const (
	defaultsQoS    = 1
	defaultsSize   = goalSize
	sustainedShare = 0.95
	startRate      = 12500
)

// The ladder's steps: step k is ladderRate(k) messages/s over all publishers.
const (
	ladderMin = -20 // 1,074 msg/s
	ladderMax = 15  // 53,312 msg/s
)

// ladderRate is step k of the rate ladder: 10,000 msg/s × 1.25^(k/2), rounded. Two steps are 25 % apart, so a
// pipeline two steps below another reaches exactly 0.8 of its rate.
func ladderRate(k int) float64 {
	return math.Round(10000 * math.Pow(1.25, float64(k)/2))
}

// ladderStep is the highest step whose rate is not above rate, within the ladder.
func ladderStep(rate float64) int {
	k := ladderMin
	for k < ladderMax && ladderRate(k+1) <= rate {
		k++
	}
	return k
}

// BrokerCase is one broker-default cell: the searches for a bare subscriber's and connectd's highest lossless
// rate on one broker with its defaults.
type BrokerCase struct {
	Broker      string  `json:"broker"` // --broker-defaults name: mosquitto, emqx
	Label       string  `json:"broker_label"`
	Description string  `json:"broker_description"`
	QoS         int     `json:"qos"`
	Size        int     `json:"size"`
	Workers     int     `json:"workers"`
	Tasks       int     `json:"tasks"`
	MQTT        Search  `json:"mqtt_baseline"`
	Connectd    Search  `json:"connectd"`
	Ratio       float64 `json:"ratio"` // connectd's lossless rate / the bare subscriber's
	Err         string  `json:"error,omitempty"`
}

// Search is the search for one pipeline's highest lossless rate.
type Search struct {
	Rate  float64 `json:"lossless_rate"` // the highest rate sustained; 0: none
	Run   *Run    `json:"run,omitempty"` // the run that sustained it
	Steps []*Run  `json:"steps"`         // every run, in order; Target is its rate
	Loss  Loss    `json:"loss"`          // over every step
}

// Loss is the loss accounting of several runs.
type Loss struct {
	Runs       int   `json:"runs"`
	Sent       int64 `json:"sent"`
	Lost       int64 `json:"lost"`
	Late       int64 `json:"late"`
	Duplicated int64 `json:"duplicated"`
}

func (l *Loss) add(r *Run) {
	l.Runs++
	l.Sent += r.Sent
	l.Lost += r.Lost
	l.Late += r.Late
	l.Duplicated += r.Duplicated
}

// sustained reports whether an open-loop run kept up with its rate: nothing lost or late, and the steady
// window's rate at least sustainedShare of the target.
func sustained(r *Run) bool {
	return r.Err == "" && r.Lost == 0 && r.Late == 0 && r.Rate >= sustainedShare*r.Target
}

// search looks for the highest ladder rate a pipeline sustains, starting at step start: two steps up while
// runs are sustained, two down until one is, then the step between the highest sustained and the lowest
// failed. A rate counts as failed after rounds runs at it failed. try runs the pipeline at a rate.
func search(ctx context.Context, start, rounds int, try func(rate float64) (*Run, error)) (Search, error) {
	var s Search
	var errs []error
	at := func(k int) bool {
		for range rounds {
			rate := ladderRate(k)
			run, err := try(rate)
			if err != nil {
				errs = append(errs, fmt.Errorf("at %s msg/s: %w", count(rate), err))
				run = &Run{Target: rate, Err: err.Error()}
			} else {
				s.Loss.add(run)
			}
			s.Steps = append(s.Steps, run)
			if sustained(run) {
				if run.Target > s.Rate {
					s.Rate, s.Run = run.Target, run
				}
				return true
			}
			if ctx.Err() != nil {
				return false
			}
		}
		return false
	}
	// ok is the highest step sustained, failed the lowest failed above it (ladderMax+1: none).
	ok, failed := ladderMin-1, ladderMax+1
	if at(start) {
		ok = start
		for k := start + 2; k <= ladderMax && ctx.Err() == nil; k += 2 {
			if !at(k) {
				failed = k
				break
			}
			ok = k
		}
	} else {
		failed = start
		for k := start - 2; k >= ladderMin && ctx.Err() == nil; k -= 2 {
			if at(k) {
				ok = k
				break
			}
			failed = k
		}
	}
	if ok >= ladderMin && failed-ok == 2 && ctx.Err() == nil {
		at(ok + 1)
	}
	if s.Rate > 0 {
		errs = nil // the failures were the steps that found the limit
	}
	return s, errors.Join(errs...)
}

// defaultsBroker returns the running Mosquitto of the broker-default profile name, starting it the first time.
func (b *bench) defaultsBroker(name string) (*mqttSide, error) {
	if m := b.defBrokers[name]; m != nil {
		return m, nil
	}
	profile, ok := mosquittoProfiles[name]
	if !ok {
		return nil, fmt.Errorf("no broker profile %q", name)
	}
	m, err := startMosquitto(profile, b.dir)
	if err != nil {
		return nil, err
	}
	if b.defBrokers == nil {
		b.defBrokers = map[string]*mqttSide{}
	}
	b.defBrokers[name] = m
	return m, nil
}

// closeDefaultsBrokers stops the Mosquittos of the broker-default cases.
func (b *bench) closeDefaultsBrokers() {
	for _, m := range b.defBrokers {
		m.close()
	}
}

// measureBrokerCase searches the bare subscriber's and connectd's highest lossless rates on the
// broker-default profile name with tasks tasks, and records the cell.
func (b *bench) measureBrokerCase(ctx context.Context, name string, tasks int) error {
	c := BrokerCase{Broker: name, Label: mosquittoProfiles[name].label, QoS: defaultsQoS, Size: defaultsSize,
		Workers: tasks, Tasks: tasks}
	defer func() { b.rep.BrokerCases = append(b.rep.BrokerCases, c) }()
	mq, err := b.defaultsBroker(name)
	if err != nil {
		c.Err = err.Error()
		return err
	}
	c.Description = mq.kind
	try := func(p pipe) func(float64) (*Run, error) {
		return func(rate float64) (*Run, error) {
			return b.run(ctx, runSpec{pipe: p, qos: defaultsQoS, size: defaultsSize, tasks: tasks, rate: rate,
				steady: b.o.steady, mq: mq, openLoop: true})
		}
	}
	start := ladderStep(startRate)
	if b.lastLossless > 0 {
		start = ladderStep(b.lastLossless)
	}
	var errs []error
	c.MQTT, err = search(ctx, start, b.o.rounds, try(pipeMQTT))
	if err != nil {
		errs = append(errs, fmt.Errorf("bare subscriber on %s: %w", name, err))
	}
	if c.MQTT.Rate > 0 {
		b.lastLossless = c.MQTT.Rate
		start = ladderStep(c.MQTT.Rate)
	}
	c.Connectd, err = search(ctx, start, b.o.rounds, try(pipeConnectd))
	if err != nil {
		errs = append(errs, fmt.Errorf("connectd on %s: %w", name, err))
	}
	if c.MQTT.Rate > 0 {
		c.Ratio = c.Connectd.Rate / c.MQTT.Rate
	}
	b.log.Info("broker defaults", "broker", name, "tasks", tasks, "bare_subscriber", int(c.MQTT.Rate),
		"connectd", int(c.Connectd.Rate), "ratio", fmt.Sprintf("%.2f", c.Ratio),
		"bare_lost", c.MQTT.Loss.Lost, "connectd_lost", c.Connectd.Loss.Lost)
	return errors.Join(errs...)
}

// steps renders a search's runs: "12,500 ok · 16,000 lost 1,234 · …".
func (s Search) steps() string {
	parts := make([]string, 0, len(s.Steps))
	for _, r := range s.Steps {
		switch {
		case r.Err != "":
			parts = append(parts, count(r.Target)+" error")
		case sustained(r):
			parts = append(parts, count(r.Target)+" ok")
		case r.Lost > 0:
			parts = append(parts, fmt.Sprintf("%s lost %s", count(r.Target), count(float64(r.Lost))))
		case r.Late > 0:
			parts = append(parts, fmt.Sprintf("%s late %s", count(r.Target), count(float64(r.Late))))
		default:
			parts = append(parts, fmt.Sprintf("%s got %s", count(r.Target), count(r.Rate)))
		}
	}
	return strings.Join(parts, " · ")
}
