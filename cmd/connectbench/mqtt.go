package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/connectd/connectd/connector/mqtt/mqttbroker"
)

// mqttSide is an MQTT broker the harness measures against: connectd's in-process broker, a Mosquitto the
// harness starts, or one at a URL.
type mqttSide struct {
	url    string
	kind   string
	broker *mqttbroker.Broker
	proc   *exec.Cmd
	done   chan struct{}
}

// startMQTT starts the broker spec names: "" for connectd's in-process broker, "mosquitto" for a Mosquitto
// process of its own (config and log in dir) with inflight messages in flight per subscriber and an unbounded
// queue, or tcp://host:port for a running broker.
func startMQTT(spec string, inflight int, dir string) (*mqttSide, error) {
	switch {
	case spec == "":
		return startInProcess()
	case spec == "mosquitto":
		return startMosquitto(mosquittoTuned(inflight), dir)
	case strings.HasPrefix(spec, "tcp://"):
		return &mqttSide{url: spec, kind: "external: " + spec}, nil
	}
	return nil, fmt.Errorf("--mqtt %q: want mosquitto or tcp://host:port", spec)
}

// startInProcess runs the broker `connectd dev` and the tests run (connector/mqtt/mqttbroker), with its
// defaults: a QoS 1 or 2 publish waits while a subscriber holds 1,000 unacknowledged messages, the harness's
// window, so it drops nothing and the window, not the broker, is what bounds a subscriber.
func startInProcess() (*mqttSide, error) {
	b, err := mqttbroker.New(mqttbroker.Config{})
	if err != nil {
		return nil, err
	}
	return &mqttSide{url: b.URL(), broker: b, kind: fmt.Sprintf("connectd's in-process broker as `connectd dev` runs it "+
		"(connector/mqtt/mqttbroker: mochi-mqtt v2, publishers wait while a subscriber holds %s unacknowledged messages)",
		count(mqttbroker.DefaultWindow))}, nil
}

// mosquittoProfile is a Mosquitto configuration the harness starts a broker with: the settings beyond the
// listener and anonymous access.
type mosquittoProfile struct {
	name     string // file names and --broker-defaults names: tuned, mosquitto, emqx
	label    string // short, for tables
	desc     string // what the report says about it
	settings string // mosquitto.conf lines
}

// mosquittoTuned is the README's recommended Mosquitto: inflight messages in flight per subscriber and an
// unbounded queue behind them.
func mosquittoTuned(inflight int) mosquittoProfile {
	return mosquittoProfile{name: "tuned", label: "Mosquitto tuned", desc: fmt.Sprintf("max_inflight_messages %d, unbounded queue", inflight),
		settings: fmt.Sprintf("max_inflight_messages %d\nmax_queued_messages 0\nmax_queued_bytes 0\n", inflight)}
}

// The broker-default profiles of the issue: what users run when they change nothing.
var (
	// mosquittoDefaults is Mosquitto's own configuration: 20 messages in flight and 1,000 queued per session;
	// a message beyond the queue is dropped ("Outgoing messages are being dropped").
	mosquittoDefaults = mosquittoProfile{name: "mosquitto", label: "Mosquitto defaults (20 in flight, 1,000 queued)",
		desc: "Mosquitto's defaults (max_inflight_messages 20, max_queued_messages 1000)"}
	// mosquittoEMQX is Mosquitto set like EMQX's defaults (max_inflight 32, max_mqueue_len 1000). EMQX drops
	// the oldest queued message when its queue is full and Mosquitto the newest; either is a loss the harness
	// counts.
	mosquittoEMQX = mosquittoProfile{name: "emqx", label: "Mosquitto as EMQX defaults (32 in flight, 1,000 queued)",
		desc:     "set like EMQX's defaults (max_inflight_messages 32, max_queued_messages 1000)",
		settings: "max_inflight_messages 32\nmax_queued_messages 1000\n"}
)

// mosquittoProfiles are the profiles --broker-defaults names.
var mosquittoProfiles = map[string]mosquittoProfile{"mosquitto": mosquittoDefaults, "emqx": mosquittoEMQX}

// startMosquitto runs the machine's mosquitto on a free loopback port with profile's settings; its
// configuration and log are mosquitto-<profile>.conf and .log in dir.
func startMosquitto(profile mosquittoProfile, dir string) (*mqttSide, error) {
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/mosquitto"); serr != nil {
			return nil, fmt.Errorf("mosquitto: %w", err)
		}
		bin = "/usr/sbin/mosquitto"
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	// Only the listener and anonymous access besides the profile's settings: logging stays Mosquitto's own
	// (stderr, into the log file), which also reports the messages it drops.
	conf := filepath.Join(dir, "mosquitto-"+profile.name+".conf")
	body := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\n%s", port, profile.settings)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "mosquitto-"+profile.name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-c", conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start mosquitto: %w", err)
	}
	m := &mqttSide{kind: "mosquitto " + mosquittoVersion(bin) + ": " + profile.desc,
		url: fmt.Sprintf("tcp://127.0.0.1:%d", port), proc: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); logf.Close(); close(m.done) }()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil { //nolint:noctx // a 1-s readiness probe under a 10-s deadline; startMosquitto has no context
			c.Close()
			return m, nil
		}
		select {
		case <-m.done:
			return nil, fmt.Errorf("mosquitto exited; see %s", logf.Name())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			m.close()
			return nil, fmt.Errorf("mosquitto not listening on %s after 10s", addr)
		}
	}
}

func mosquittoVersion(bin string) string {
	out, _ := exec.Command(bin, "-h").CombinedOutput()
	for line := range strings.Lines(string(out)) {
		if _, v, ok := strings.Cut(line, "mosquitto version "); ok {
			return strings.TrimSpace(v)
		}
	}
	return "(unknown version)"
}

func (m *mqttSide) close() {
	if m.broker != nil {
		_ = m.broker.Close() // best effort: the harness is done with it
	}
	if m.proc != nil {
		_ = m.proc.Process.Signal(syscall.SIGTERM)
		select {
		case <-m.done:
		case <-time.After(5 * time.Second):
			_ = m.proc.Process.Kill()
			<-m.done
		}
	}
}

// clientOptions are the harness's paho settings: a fresh session, no reconnects (a lost connection fails the
// run instead of hiding a gap).
func clientOptions(url, id string, lost func(error)) *paho.ClientOptions {
	return paho.NewClientOptions().AddBroker(url).SetClientID(id).
		SetCleanSession(true).SetAutoReconnect(false).SetConnectRetry(false).
		SetKeepAlive(30 * time.Second).SetConnectTimeout(10 * time.Second).SetWriteTimeout(10 * time.Second).
		SetConnectionLostHandler(func(_ paho.Client, err error) { lost(err) })
}

// errOnce keeps the first error of several goroutines.
type errOnce struct {
	mu  sync.Mutex
	err error
}

func (e *errOnce) set(err error) {
	e.mu.Lock()
	if e.err == nil {
		e.err = err
	}
	e.mu.Unlock()
}

func (e *errOnce) get() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

func connect(c paho.Client) error {
	t := c.Connect()
	if !t.WaitTimeout(15 * time.Second) {
		return errors.New("mqtt connect timed out")
	}
	return t.Error()
}

// publishers are N paho clients, each publishing to its own MQTT topic.
type publishers struct {
	clients []paho.Client
	topics  []string
	qos     byte
	size    int
	failed  errOnce
}

// tokenRing is how many publishes each publisher leaves unconfirmed before it waits for the oldest: paho
// confirms QoS 0 once written and QoS 1 at PUBACK.
const tokenRing = 256

func newPublishers(url, prefix string, topics []string, qos byte, size int) (*publishers, error) {
	p := &publishers{topics: topics, qos: qos, size: size}
	for i := range topics {
		c := paho.NewClient(clientOptions(url, fmt.Sprintf("%s-pub-%d", prefix, i), func(err error) {
			p.failed.set(fmt.Errorf("publisher %d lost its connection: %w", i, err))
		}))
		if err := connect(c); err != nil {
			p.close()
			return nil, fmt.Errorf("publisher %d: %w", i, err)
		}
		p.clients = append(p.clients, c)
	}
	return p, nil
}

func (p *publishers) probe(ctx context.Context, rec *recorder) error {
	return probeUntil(ctx, rec, func() error {
		t := p.clients[0].Publish(p.topics[0], 1, false, appendPayload(nil, p.size, 0, time.Now().UnixNano()))
		if !t.WaitTimeout(10 * time.Second) {
			return errors.New("probe publish timed out")
		}
		return t.Error()
	})
}

func (p *publishers) run(ctx context.Context, win *window, rate float64) (int64, error) {
	return fanOut(len(p.clients), func(i int) (int64, error) {
		c, topic := p.clients[i], p.topics[i]
		ring := make([]paho.Token, 0, tokenRing)
		next := 0 // the oldest token once the ring is full
		wait := func(t paho.Token) error {
			if !t.WaitTimeout(30 * time.Second) {
				return fmt.Errorf("publisher %d: no confirmation within 30s", i)
			}
			if err := t.Error(); err != nil {
				return fmt.Errorf("publisher %d: %w", i, err)
			}
			return nil
		}
		n := len(p.clients)
		sent, err := pace(ctx, win, rate/float64(n), func(k uint64) (bool, error) {
			if err := p.failed.get(); err != nil {
				return false, err
			}
			if len(ring) == cap(ring) {
				if err := wait(ring[next]); err != nil {
					return false, err
				}
			}
			seq := k*uint64(n) + uint64(i) + 1
			now := time.Now()
			win.publishing(seq, now)
			t := c.Publish(topic, p.qos, false, appendPayload(make([]byte, 0, p.size), p.size, seq, now.UnixNano()))
			if len(ring) < cap(ring) {
				ring = append(ring, t)
			} else {
				ring[next] = t
				next = (next + 1) % len(ring)
			}
			return true, nil
		})
		for _, t := range ring {
			if werr := wait(t); werr != nil && err == nil {
				err = werr
			}
		}
		return sent, err
	})
}

func (p *publishers) close() {
	for _, c := range p.clients {
		c.Disconnect(250)
	}
}

// subscribers are the MQTT baseline's paho clients (in its own process, runBaselineMQTT), subscribed with the connector's filter and QoS (a shared
// subscription when there are several, as the connector's tasks use); handle gets every message.
type subscribers struct {
	clients []paho.Client
	failed  errOnce
}

func newSubscribers(url, prefix, filter, share string, n int, qos byte, handle func(time.Time, []byte)) (*subscribers, error) {
	s := &subscribers{}
	if n > 1 {
		filter = "$share/" + share + "/" + filter
	}
	for i := range n {
		c := paho.NewClient(clientOptions(url, fmt.Sprintf("%s-sub-%d", prefix, i), func(err error) {
			s.failed.set(fmt.Errorf("subscriber %d lost its connection: %w", i, err))
		}))
		if err := connect(c); err != nil {
			s.close()
			return nil, fmt.Errorf("subscriber %d: %w", i, err)
		}
		s.clients = append(s.clients, c)
		t := c.Subscribe(filter, qos, func(_ paho.Client, m paho.Message) { handle(time.Now(), m.Payload()) })
		if !t.WaitTimeout(15 * time.Second) {
			s.close()
			return nil, fmt.Errorf("subscriber %d: subscribe timed out", i)
		}
		if err := t.Error(); err != nil {
			s.close()
			return nil, fmt.Errorf("subscriber %d: %w", i, err)
		}
	}
	return s, nil
}

func (s *subscribers) close() {
	for _, c := range s.clients {
		c.Disconnect(250)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
