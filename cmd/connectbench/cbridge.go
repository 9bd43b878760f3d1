package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The C bridge is the framework baseline made of the machine's C tools, where they are installed: per task one
// shell-style pipeline
//
//	mosquitto_sub -t '$share/<group>/<filter>' -F '%t\t%p' | kcat -P -K '\t' -t <topic> …
//
// (libmosquitto and librdkafka, no Go at all), wired by the harness with a pipe so that both processes' CPU
// can be read. kcat is set as close to the task producer as it allows: acks=all, idempotence, one request in
// flight, linger.ms=0 (the task producer's, from the worker's Java defaults), the Java partitioner
// (murmur2_random), no compression; each line becomes a record keyed by the MQTT topic with the payload as its
// value. What differs from a task: mosquitto_sub acknowledges a QoS 1 message as it arrives, before Kafka has
// it (at-most-once across a crash, where the task and the Go bridge are at-least-once); kcat can only add
// static headers, so the records carry CamelHeader.CamelMqttQoS (the case's QoS, which every message has) but
// not CamelHeader.CamelMqttTopic (about 40 bytes less per record); one MQTT connection per pipeline, where a
// task has mqtt.connections.per.task; payloads must not contain a tab or a newline (the bench's JSON
// payloads do not).

// cBridgeTools are the C bridge's programs.
type cBridgeTools struct {
	sub, kcat string // paths
	version   string // what the report says about them
}

// findCBridgeTools looks mosquitto_sub and kcat up in PATH; the error says which is missing.
func findCBridgeTools() (cBridgeTools, error) {
	var t cBridgeTools
	var missing []string
	var err error
	if t.sub, err = exec.LookPath("mosquitto_sub"); err != nil {
		missing = append(missing, "mosquitto_sub")
	}
	if t.kcat, err = exec.LookPath("kcat"); err != nil {
		missing = append(missing, "kcat")
	}
	if len(missing) > 0 {
		return t, fmt.Errorf("%s not installed", strings.Join(missing, " and "))
	}
	sub, _ := exec.Command(t.sub, "--help").CombinedOutput() // both tools exit non-zero after printing their usage
	kcat, _ := exec.Command(t.kcat, "-V").CombinedOutput()
	t.version = toolVersions(string(sub), string(kcat))
	return t, nil
}

// toolVersions renders the versions in the outputs of mosquitto_sub --help ("mosquitto_sub version 2.0.11
// running on libmosquitto 2.0.11.") and kcat -V ("Version 1.7.1 (JSON, …, librdkafka 2.0.2 builtin.features=…)").
func toolVersions(subHelp, kcatV string) string {
	sub, kc, lib := "?", "?", "?"
	for line := range strings.Lines(subHelp) {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "mosquitto_sub" && f[1] == "version" {
			sub = f[2]
			break
		}
	}
	for line := range strings.Lines(kcatV) {
		f := strings.Fields(strings.NewReplacer("(", " ", ")", " ", ",", " ").Replace(line))
		if len(f) < 2 || f[0] != "Version" {
			continue
		}
		kc = f[1]
		for i := 2; i+1 < len(f); i++ {
			if f[i] == "librdkafka" {
				lib = f[i+1]
			}
		}
		break
	}
	return fmt.Sprintf("mosquitto_sub %s, kcat %s with librdkafka %s", sub, kc, lib)
}

// cPipeline is one mosquitto_sub | kcat pipeline.
type cPipeline struct {
	clientID string // mosquitto_sub's MQTT client id
	filter   string // the subscription, shared or not
	qos      byte
	host     string
	port     string
	brokers  []string // Kafka
	topic    string
}

// subArgs are mosquitto_sub's arguments: one connection with a clean session, each message printed as
// "<topic>\t<payload>\n".
func (p cPipeline) subArgs() []string {
	return []string{"-h", p.host, "-p", p.port, "-i", p.clientID, "-q", fmt.Sprint(p.qos), "-t", p.filter, "-F", `%t\t%p`}
}

// kcatArgs are kcat's arguments: a producer reading "<key>\t<value>" lines, set as the task producer.
func (p cPipeline) kcatArgs() []string {
	return []string{"-P", "-b", strings.Join(p.brokers, ","), "-t", p.topic, "-K", `\t`,
		"-H", fmt.Sprintf("CamelHeader.CamelMqttQoS=%d", p.qos),
		"-X", "client.id=" + p.clientID,
		"-X", "acks=all",
		"-X", "enable.idempotence=true",
		"-X", "max.in.flight.requests.per.connection=1",
		"-X", "linger.ms=0",
		"-X", "compression.codec=none",
		"-X", "partitioner=murmur2_random",
	}
}

// brokerHostPort splits an MQTT URL tcp://host:port.
func brokerHostPort(broker string) (host, port string, err error) {
	u, err := url.Parse(broker)
	if err != nil {
		return "", "", fmt.Errorf("mqtt url %q: %w", broker, err)
	}
	if u.Scheme != "tcp" && u.Scheme != "mqtt" || u.Hostname() == "" || u.Port() == "" {
		return "", "", fmt.Errorf("mqtt url %q: want tcp://host:port", broker)
	}
	return u.Hostname(), u.Port(), nil
}

// cBridge runs the C bridge's pipelines, one per task.
type cBridge struct {
	procs []*exec.Cmd // mosquitto_sub, kcat, mosquitto_sub, kcat, …
	done  []chan struct{}
	log   string
}

// startCBridge starts the pipelines; their output goes to <name>.log in dir. Readiness is the run's probe:
// the load starts once a probe published by the harness has crossed one of them into Kafka.
func startCBridge(tools cBridgeTools, dir, name string, pipes []cPipeline) (*cBridge, error) {
	b := &cBridge{log: filepath.Join(dir, name+".log")}
	logf, err := os.OpenFile(b.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the children have their own descriptors
	for _, p := range pipes {
		if err := b.startPipeline(tools, p, logf); err != nil {
			b.close()
			return nil, err
		}
	}
	return b, nil
}

func (b *cBridge) startPipeline(tools cBridgeTools, p cPipeline, logf *os.File) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	// The parent's ends are closed once both children hold theirs: kcat then sees EOF when mosquitto_sub exits.
	defer r.Close()
	defer w.Close()
	kc := exec.Command(tools.kcat, p.kcatArgs()...)
	kc.Stdin, kc.Stdout, kc.Stderr = r, logf, logf
	sub := exec.Command(tools.sub, p.subArgs()...)
	sub.Stdout, sub.Stderr = w, logf
	for _, c := range []*exec.Cmd{kc, sub} {
		c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := c.Start(); err != nil {
			return fmt.Errorf("start %s: %w", filepath.Base(c.Path), err)
		}
		done := make(chan struct{})
		go func() { _ = c.Wait(); close(done) }()
		b.procs = append(b.procs, c)
		b.done = append(b.done, done)
	}
	return nil
}

// pids are the processes under test.
func (b *cBridge) pids() []int {
	out := make([]int, len(b.procs))
	for i, c := range b.procs {
		out[i] = c.Process.Pid
	}
	return out
}

// exited reports a process that ended before close, with the log to read.
func (b *cBridge) exited() error {
	var errs []error
	for i, d := range b.done {
		select {
		case <-d:
			errs = append(errs, fmt.Errorf("%s exited: %s (log %s)", filepath.Base(b.procs[i].Path), b.procs[i].ProcessState, b.log))
		default:
		}
	}
	return errors.Join(errs...)
}

// close stops the subscribers, lets each kcat deliver what it read and exit at EOF, and kills what is left
// after 10 s.
func (b *cBridge) close() {
	for _, c := range b.procs {
		if filepath.Base(c.Path) == "mosquitto_sub" {
			_ = c.Process.Signal(syscall.SIGTERM)
		}
	}
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	expired := false
	for i, d := range b.done {
		if !expired {
			select {
			case <-d:
				continue
			case <-timer.C:
				expired = true
			}
		}
		_ = b.procs[i].Process.Kill()
		<-d
	}
}
