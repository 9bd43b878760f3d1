//go:build integration

package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestOps covers operations features on the real Kafka, each in a group of its own: config provider
// placeholders, connector client overrides, and cluster-scope logger levels shared with a Java worker.
func TestOps(t *testing.T) {
	e := theEnv
	t.Run("config-provider", func(t *testing.T) { opsConfigProvider(t, e) })
	t.Run("producer-override", func(t *testing.T) { opsProducerOverride(t, e) })
	t.Run("cluster-logger", func(t *testing.T) { opsClusterLogger(t, e) })
}

// opsConfigProvider: a FileStreamSource and a FileStreamSink whose files come from ${file:…} copy lines through
// Kafka, while GET /config and GET /tasks show the placeholders.
func opsConfigProvider(t *testing.T, e *env) {
	g := newIxGroup(t, e, "ops-cp")
	secrets := filepath.Join(g.dir, "secrets")
	if err := os.MkdirAll(secrets, 0o755); err != nil {
		t.Fatal(err)
	}
	in, out := filepath.Join(g.dir, "in.txt"), filepath.Join(g.dir, "out.txt")
	if err := os.WriteFile(in, []byte("one\ntwo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	props := filepath.Join(secrets, "files.properties")
	if err := os.WriteFile(props, []byte("in="+in+"\nout="+out+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	g.extra = []string{"config.providers=file",
		"config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider",
		"config.providers.file.param.allowed.paths=" + secrets}
	w := g.addConnectd(t)
	waitJoined(t, w, 60*time.Second)
	inRef, outRef := "${file:"+props+":in}", "${file:"+props+":out}"
	g.do(t, w, http.MethodPut, "/connectors/ops-cp-src/config", map[string]string{
		"connector.class": "FileStreamSource", "tasks.max": "1", "topic": "ops-cp", "file": inRef}, 200, 201)
	g.do(t, w, http.MethodPut, "/connectors/ops-cp-sink/config", map[string]string{
		"connector.class": "FileStreamSink", "tasks.max": "1", "topics": "ops-cp", "file": outRef}, 200, 201)
	err := poll(t.Context(), 60*time.Second, func() (bool, error) {
		b, _ := os.ReadFile(out)
		return strings.Contains(string(b), "one\n") && strings.Contains(string(b), "two\n"), nil
	})
	if err != nil {
		b, _ := os.ReadFile(out)
		t.Fatalf("the lines did not reach the sink's file: %v (file: %q)", err, b)
	}
	var cfg map[string]string
	if err := json.Unmarshal(g.do(t, w, http.MethodGet, "/connectors/ops-cp-src/config", nil, 200), &cfg); err != nil || cfg["file"] != inRef {
		t.Errorf("GET config: %v %v", cfg, err)
	}
	tasks := string(g.do(t, w, http.MethodGet, "/connectors/ops-cp-sink/tasks", nil, 200))
	if !strings.Contains(tasks, `"file":"${file:`) || strings.Contains(tasks, out) {
		t.Errorf("GET tasks shows a resolved file: %s", tasks)
	}
	code, body, err := e.do(http.MethodPut, w.url("/connectors/ops-cp-bad/config"), map[string]string{
		"connector.class": "FileStreamSource", "topic": "ops-cp", "file": "${file:" + props + ":missing}"})
	if err != nil || code != http.StatusBadRequest || !strings.Contains(string(body), "config provider 'file' has no value for key 'missing'") {
		t.Errorf("missing key: %d %s %v", code, body, err)
	}
}

// opsProducerOverride: producer.override.linger.ms reaches the source task's producer, as its
// "ProducerConfig values" log line shows.
func opsProducerOverride(t *testing.T, e *env) {
	g := newIxGroup(t, e, "ops-ovr")
	in := filepath.Join(g.dir, "in.txt")
	if err := os.WriteFile(in, []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w := g.addConnectd(t)
	waitJoined(t, w, 60*time.Second)
	name := fmt.Sprintf("ops-ovr-%d", time.Now().UnixNano())
	g.do(t, w, http.MethodPut, "/connectors/"+name+"/config", map[string]string{
		"connector.class": "FileStreamSource", "tasks.max": "1", "topic": "ops-ovr", "file": in,
		"producer.override.linger.ms": "25", "producer.override.buffer.memory": "1048576"}, 200, 201)
	values := regexp.MustCompile(`msg="ProducerConfig values".* connector=` + name + ` .* linger\.ms=25 `)
	unsupported := regexp.MustCompile(`client overrides have no effect.* connector=` + name + ` .*producer\.override\.buffer\.memory`)
	err := poll(t.Context(), 60*time.Second, func() (bool, error) { return logMatches(w, values) && logMatches(w, unsupported), nil })
	if err != nil {
		t.Fatalf("no ProducerConfig line with linger.ms=25 and no warning for buffer.memory in %s: %v", w.file(".log"), err)
	}
}

// opsClusterLogger: a cluster-scope level set through a connectd worker reaches a Java worker of the same group,
// and one set through the Java worker reaches the connectd worker: the logger-cluster- records are the same.
func opsClusterLogger(t *testing.T, e *env) {
	g := newIxGroup(t, e, "ops-log")
	w := g.addConnectd(t)
	waitJoined(t, w, 60*time.Second)
	j := g.addJava(t)
	waitJoined(t, j, 2*time.Minute)
	g.waitLeader(t, time.Minute)

	level := func(m member, logger string) string {
		code, b, err := e.do(http.MethodGet, m.url("/admin/loggers/"+logger), nil)
		if err != nil || code != http.StatusOK {
			return ""
		}
		var l struct {
			Level string `json:"level"`
		}
		_ = json.Unmarshal(b, &l)
		return l.Level
	}
	for _, c := range []struct {
		from, to member
		logger   string
		level    string
	}{
		{w, j, "org.apache.kafka.connect.runtime.WorkerSourceTask", "TRACE"},
		{j, w, "org.apache.kafka.connect.runtime.WorkerSinkTask", "DEBUG"},
	} {
		g.do(t, c.from, http.MethodPut, "/admin/loggers/"+c.logger+"?scope=cluster", map[string]string{"level": strings.ToLower(c.level)}, 204)
		err := poll(t.Context(), 30*time.Second, func() (bool, error) {
			return level(c.to, c.logger) == c.level && level(c.from, c.logger) == c.level, nil
		})
		if err != nil {
			t.Errorf("%s set through %s %s: %s sees %q, %s sees %q", c.logger, kindOf(c.from), c.from.id(),
				kindOf(c.to), level(c.to, c.logger), kindOf(c.from), level(c.from, c.logger))
		}
	}
}
