package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// mqttSide is the run's MQTT broker: mochi in-process, a Mosquitto the harness starts, or one at a URL.
type mqttSide struct {
	url   string
	kind  string
	mochi *mochi.Server
	proc  *exec.Cmd
	done  chan struct{}
}

// startMQTT starts the broker spec names: "" for mochi in-process, "mosquitto" for a Mosquitto process of its
// own (config and log in dir), or tcp://host:port for a running broker. inflight is Mosquitto's in-flight
// window per subscriber.
func startMQTT(spec string, inflight int, dir string) (*mqttSide, error) {
	switch {
	case spec == "":
		return startMochi()
	case spec == "mosquitto":
		return startMosquitto(inflight, dir)
	case strings.HasPrefix(spec, "tcp://"):
		return &mqttSide{url: spec, kind: "external: " + spec}, nil
	}
	return nil, fmt.Errorf("--mqtt %q: want mosquitto or tcp://host:port", spec)
}

// mochiInflight is mochi's limit of unacknowledged QoS 1 messages per subscriber. For an MQTT 3.1.1 client
// it is not a window: mochi sends everything at once and drops what is beyond the limit. The limit is set
// out of reach, as connector/mqtt/mqtttest does, and the harness's window bounds what a subscriber holds.
const mochiInflight = 65535

// startMochi runs mochi as the MQTT tests do: a limit of unacknowledged messages it never reaches and a
// deep write queue, so it drops nothing.
func startMochi() (*mqttSide, error) {
	caps := mochi.NewDefaultServerCapabilities()
	caps.MaximumInflight = mochiInflight
	caps.MaximumClientWritesPending = 1 << 16
	s := mochi.New(&mochi.Options{InlineClient: true, Capabilities: caps, Logger: slog.New(slog.DiscardHandler)})
	if err := s.AddHook(new(auth.AllowHook), nil); err != nil {
		return nil, fmt.Errorf("mqtt broker: %w", err)
	}
	l := listeners.NewTCP(listeners.Config{ID: "tcp", Address: "127.0.0.1:0"})
	if err := s.AddListener(l); err != nil {
		return nil, fmt.Errorf("mqtt broker: %w", err)
	}
	if err := s.Serve(); err != nil {
		return nil, fmt.Errorf("mqtt broker: %w", err)
	}
	return &mqttSide{url: "tcp://" + l.Address(), kind: "mochi-mqtt v2 in-process (no window for MQTT 3.1.1 subscribers: the harness's window bounds them)", mochi: s}, nil
}

// startMosquitto runs the machine's mosquitto on a free loopback port with the in-flight window raised as
// the README recommends and an unbounded queue behind it.
func startMosquitto(inflight int, dir string) (*mqttSide, error) {
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/mosquitto"); serr != nil {
			return nil, fmt.Errorf("--mqtt mosquitto: %w", err)
		}
		bin = "/usr/sbin/mosquitto"
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "mosquitto.conf")
	body := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n"+
		"max_inflight_messages %d\nmax_queued_messages 0\nmax_queued_bytes 0\n"+
		"log_dest stderr\nlog_type error\nlog_type warning\n", port, inflight)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "mosquitto.log"))
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
	m := &mqttSide{kind: "mosquitto " + mosquittoVersion(bin) + fmt.Sprintf(" (max_inflight_messages %d)", inflight),
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
	if m.mochi != nil {
		_ = m.mochi.Close()
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
			t := c.Publish(topic, p.qos, false, appendPayload(make([]byte, 0, p.size), p.size, seq, time.Now().UnixNano()))
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
