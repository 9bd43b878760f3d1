package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/IBM/sarama"
	"github.com/connectd/connectd/worker/config"
	"github.com/connectd/connectd/worker/properties"
)

// The baselines' endpoints — the bare paho subscribers and the bare sarama producers — run as processes of
// their own, this binary started in a baseline role, as connectd's workers do: each then has its own share of
// a busy machine instead of competing with the in-process broker and Kafka inside the harness, and its CPU
// and memory can be read the same way as a worker's.
const (
	roleMQTT  = "baseline-mqtt"  // paho subscribers streaming what they receive to stdout
	roleKafka = "baseline-kafka" // sarama producers driven through stdin
)

// child is a baseline process.
type child struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.ReadCloser
	log    string
	done   chan struct{}
}

func startChild(dir, name string, args ...string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	c := &child{name: name, log: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	logf, err := os.OpenFile(c.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	c.cmd = exec.Command(exe, args...)
	c.cmd.Stderr = logf
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if c.stdin, err = c.cmd.StdinPipe(); err == nil {
		c.stdout, err = c.cmd.StdoutPipe()
	}
	if err == nil {
		err = c.cmd.Start()
	}
	if err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		// Wait closes stdout: readers must be done with it first, so only the exit is waited for here.
		_, _ = c.cmd.Process.Wait()
		logf.Close()
		close(c.done)
	}()
	return c, nil
}

// startReadyChild starts a child that reports "ready" on its stdout once it is set up (its only output),
// and waits for that line.
func startReadyChild(dir, name string, args ...string) (*child, error) {
	c, err := startChild(dir, name, args...)
	if err != nil {
		return nil, err
	}
	line := make([]byte, len("ready\n"))
	if _, err := io.ReadFull(c.stdout, line); err != nil || string(line) != "ready\n" {
		c.stop(10 * time.Second)
		return nil, c.failed()
	}
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// failed describes an exit with the last line of the child's log.
func (c *child) failed() error {
	b, _ := os.ReadFile(c.log)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return fmt.Errorf("%s exited: %s (log %s)", c.name, lines[len(lines)-1], c.log)
}

// stop closes stdin, which tells the child to finish, and kills it if it has not exited after timeout.
func (c *child) stop(timeout time.Duration) {
	c.stdin.Close()
	select {
	case <-c.done:
	case <-time.After(timeout):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// recordSize is the wire size of a sinkRecord: arrival, seq, ts (negative for a message that is not a
// payload), little endian. An arrival of 0 is the child's "subscribed" marker.
const recordSize = 24

func appendRecord(dst []byte, arrival int64, payload []byte) []byte {
	seq, ts, ok := decodePayload(payload)
	if !ok {
		seq, ts = 0, -1
	}
	dst = binary.LittleEndian.AppendUint64(dst, uint64(arrival))
	dst = binary.LittleEndian.AppendUint64(dst, seq)
	return binary.LittleEndian.AppendUint64(dst, uint64(ts))
}

// readRecords feeds the records a child streams to rec until EOF; ready is closed at the marker.
func readRecords(r io.Reader, rec *recorder, ready chan<- struct{}) error {
	buf := make([]byte, 64<<10)
	recs := make([]sinkRecord, 0, len(buf)/recordSize)
	have := 0
	for {
		n, err := r.Read(buf[have:])
		have += n
		full := have / recordSize * recordSize
		recs = recs[:0]
		for off := 0; off < full; off += recordSize {
			m := sinkRecord{
				arrival: int64(binary.LittleEndian.Uint64(buf[off:])),
				seq:     binary.LittleEndian.Uint64(buf[off+8:]),
				ts:      int64(binary.LittleEndian.Uint64(buf[off+16:])),
			}
			if m.arrival == 0 {
				close(ready)
				continue
			}
			m.ok = m.ts >= 0
			recs = append(recs, m)
		}
		rec.observeRecords(recs)
		have = copy(buf, buf[full:have])
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// childSubscribers is the MQTT baseline's sink: paho subscribers in a child process.
type childSubscribers struct {
	c       *child
	readErr chan error
}

func newChildSubscribers(dir, url, prefix, filter, share string, n int, qos byte, rec *recorder) (*childSubscribers, error) {
	c, err := startChild(dir, prefix+"-mqtt-sink", roleMQTT, "--url", url, "--prefix", prefix, "--filter", filter,
		"--share", share, "--n", strconv.Itoa(n), "--qos", strconv.Itoa(int(qos)))
	if err != nil {
		return nil, err
	}
	s := &childSubscribers{c: c, readErr: make(chan error, 1)}
	ready := make(chan struct{})
	go func() { s.readErr <- readRecords(c.stdout, rec, ready) }()
	select {
	case <-ready:
		return s, nil
	case <-c.done:
		s.close()
		return nil, c.failed()
	case <-time.After(30 * time.Second):
		s.close()
		return nil, errors.New("mqtt baseline subscribers not subscribed after 30s")
	}
}

func (s *childSubscribers) pid() int { return s.c.pid() }

func (s *childSubscribers) close() {
	s.c.stop(10 * time.Second)
	<-s.readErr
}

// runBaselineMQTT is the roleMQTT process: n subscribers (a shared subscription when n > 1) whose messages
// are streamed to stdout as records, flushed every millisecond, until stdin closes.
func runBaselineMQTT(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet(roleMQTT, flag.ContinueOnError)
	url := fs.String("url", "", "broker")
	prefix := fs.String("prefix", "", "client id prefix")
	filter := fs.String("filter", "", "topic filter")
	share := fs.String("share", "", "shared subscription group")
	n := fs.Int("n", 1, "subscribers")
	qos := fs.Int("qos", 0, "QoS")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var mu sync.Mutex
	// The stream starts with the subscribed marker; the first flush follows the subscription.
	buf := make([]byte, recordSize)
	subs, err := newSubscribers(*url, *prefix, *filter, *share, *n, byte(*qos), func(now time.Time, payload []byte) {
		mu.Lock()
		buf = appendRecord(buf, now.UnixNano(), payload)
		mu.Unlock()
	})
	if err != nil {
		return err
	}
	defer subs.close()

	done := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, stdin); close(done) }()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var out []byte
	for {
		select {
		case <-done:
			return nil
		case <-tick.C:
		}
		if err := subs.failed.get(); err != nil {
			return err
		}
		mu.Lock()
		out, buf = buf, out[:0]
		mu.Unlock()
		if len(out) > 0 {
			if _, err := stdout.Write(out); err != nil {
				return err
			}
		}
	}
}

// childProducers is the Kafka baseline's load: sarama producers in a child process. The harness forwards
// the sink's progress to it, and it keeps its own window.
type childProducers struct {
	c   *child
	out *bufio.Reader
	mu  sync.Mutex // serializes commands
}

func newChildProducers(dir, propsFile, prefix, topic string, keys []string, qos byte, size, n, window int) (*childProducers, error) {
	c, err := startChild(dir, prefix+"-producer", roleKafka, "--props", propsFile, "--topic", topic,
		"--keys", strings.Join(keys, ","), "--qos", strconv.Itoa(int(qos)), "--size", strconv.Itoa(size),
		"--n", strconv.Itoa(n), "--window", strconv.Itoa(window))
	if err != nil {
		return nil, err
	}
	p := &childProducers{c: c, out: bufio.NewReader(c.stdout)}
	line, err := p.out.ReadString('\n')
	if err != nil || line != "ready\n" {
		p.close()
		return nil, c.failed()
	}
	return p, nil
}

func (p *childProducers) pid() int { return p.c.pid() }

// command sends a one-byte command with an optional argument.
func (p *childProducers) command(cmd byte, arg uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := binary.LittleEndian.AppendUint64([]byte{cmd}, arg)
	if _, err := p.c.stdin.Write(b); err != nil {
		return fmt.Errorf("%s: %w", p.c.name, err)
	}
	return nil
}

func (p *childProducers) probe(ctx context.Context, rec *recorder) error {
	return probeUntil(ctx, rec, func() error { return p.command('p', 0) })
}

// run starts the child's load at rate (0: as fast as the window allows) and forwards the sink's count every
// millisecond until ctx ends; it returns the number the child sent.
func (p *childProducers) run(ctx context.Context, win *window, rate float64) (int64, error) {
	if err := p.command('g', math.Float64bits(rate)); err != nil {
		return 0, err
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var last int64
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
		if _, done := win.counts(); done != last {
			if err := p.command('d', uint64(done)); err != nil {
				return 0, err
			}
			last = done
		}
	}
	if err := p.command('q', 0); err != nil {
		return 0, err
	}
	line, err := p.out.ReadString('\n')
	if err != nil {
		return 0, p.c.failed()
	}
	sent, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(line), "sent "), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %q: %w", p.c.name, line, err)
	}
	return sent, nil
}

func (p *childProducers) close() { p.c.stop(30 * time.Second) }

// runBaselineKafka is the roleKafka process: n sarama producers configured as connectd's task producers
// from the worker properties. Commands on stdin, one byte and a uint64 each: 'p' sends a probe; 'g' starts
// the load at a rate (float64 bits; 0: as fast as the window allows); 'd' reports how many load messages
// the sink has seen in total, which moves the window on; 'q' stops the load and answers "sent N". The
// process exits when stdin closes.
func runBaselineKafka(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet(roleKafka, flag.ContinueOnError)
	propsFile := fs.String("props", "", "worker properties")
	topic := fs.String("topic", "", "topic")
	keys := fs.String("keys", "", "comma list of record keys")
	qos := fs.Int("qos", 0, "QoS header value")
	size := fs.Int("size", 1024, "payload size")
	n := fs.Int("n", 1, "producers")
	window := fs.Int("window", 1000, "messages in flight to the sink at most")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, base, err := clientConfig(*propsFile, "producer")
	if err != nil {
		return err
	}
	p, err := newProducers(taskProducerConfig(base), cfg.BootstrapServers, *n, *topic, strings.Split(*keys, ","), byte(*qos), *size)
	if err != nil {
		return err
	}
	defer p.close()
	if _, err := io.WriteString(stdout, "ready\n"); err != nil {
		return err
	}

	win := newWindow(*window)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		sent int64
		err  error
	}
	var running chan result
	var acked int64
	in := bufio.NewReader(stdin)
	frame := make([]byte, 9)
	for {
		if _, err := io.ReadFull(in, frame); err != nil {
			return err // the harness went away
		}
		arg := binary.LittleEndian.Uint64(frame[1:])
		switch frame[0] {
		case 'p':
			if err := p.sendProbe(ctx); err != nil {
				return err
			}
		case 'g':
			running = make(chan result, 1)
			rate := math.Float64frombits(arg)
			go func() {
				sent, err := p.run(ctx, win, rate)
				running <- result{sent, err}
			}()
		case 'd':
			if d := int64(arg) - acked; d > 0 {
				win.release(int(d))
				acked = int64(arg)
			}
		case 'q':
			cancel()
			win.close()
			if running == nil {
				return errors.New("stop before start")
			}
			r := <-running
			if r.err != nil {
				return r.err
			}
			if _, err := fmt.Fprintf(stdout, "sent %d\n", r.sent); err != nil {
				return err
			}
			// Stay until the harness closes stdin: it reads this process's counters after the load.
			_, err := io.Copy(io.Discard, in)
			return err
		default:
			return fmt.Errorf("unknown command %q", frame[0])
		}
	}
}

// clientConfig reads the worker properties in file and returns the worker config and the sarama config of its
// client of the given kind ("producer", "consumer"), as a task's client starts from it.
func clientConfig(file, kind string) (config.Config, *sarama.Config, error) {
	f, err := os.Open(file)
	if err != nil {
		return config.Config{}, nil, err
	}
	props, err := properties.Parse(f)
	f.Close()
	if err != nil {
		return config.Config{}, nil, err
	}
	cfg, _, err := config.ParseConfig(props)
	if err != nil {
		return config.Config{}, nil, err
	}
	sc, err := cfg.SaramaConfig(kind)
	if err != nil {
		return config.Config{}, nil, err
	}
	return cfg, sc, nil
}
