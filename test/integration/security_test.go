//go:build integration

package integration

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/connectd/connectd/test/workertest"
	"github.com/connectd/connectd/worker/properties"
	"github.com/connectd/connectd/worker/resttls/resttlstest"
)

// secureWorker is a `connectd worker` process of the HTTPS + basic-auth cluster, started with KAFKA_OPTS
// naming the JAAS file, as a Kafka Connect worker is.
type secureWorker struct {
	name, dir, props string
	port             int
	env              []string
	process
}

func (w *secureWorker) pidFile() string { return filepath.Join(w.dir, w.name+".pid") }

func (w *secureWorker) start() error {
	return w.launch(w.name, w.pidFile(), func() (*exec.Cmd, *os.File, error) {
		log, err := os.OpenFile(filepath.Join(w.dir, w.name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, err
		}
		cmd := exec.Command(theEnv.bin, "worker", w.props)
		cmd.Env = w.env
		return cmd, log, nil
	})
}

// TestRESTSecurity runs the README's HTTPS and basic-auth files on a second group of three workers: requests
// without credentials get Kafka Connect's 401, and a create sent to a follower is forwarded to the leader over
// HTTPS with the caller's credentials and runs.
func TestRESTSecurity(t *testing.T) {
	e := theEnv
	// The pid files sit with the suite's workers, so run.sh kills these too should the suite die.
	dir := filepath.Join(e.run, "workers")
	sec := filepath.Join(dir, "secure")
	if err := os.MkdirAll(sec, 0o755); err != nil {
		t.Fatal(err)
	}
	f := resttlstest.Generate(t, sec)
	readme, err := properties.Parse(bytes.NewReader(workertest.ReadmeExample(t, "rest-security-properties")))
	if err != nil {
		t.Fatal(err)
	}
	creds := filepath.Join(sec, "connect.password")
	if err := os.WriteFile(creds, workertest.ReadmeExample(t, "rest-security-credentials"), 0o600); err != nil {
		t.Fatal(err)
	}
	jaas := filepath.Join(sec, "connect-jaas.conf")
	text := strings.Replace(string(workertest.ReadmeExample(t, "rest-security-jaas")), "/etc/connectd/connect.password", creds, 1)
	if err := os.WriteFile(jaas, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "KAFKA_OPTS=-Djava.security.auth.login.config="+jaas)

	var workers []*secureWorker
	for i := range 3 {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		props := map[string]string{
			"bootstrap.servers": strings.Join(kafkaBrokers, ","), "group.id": "it-secure",
			"config.storage.topic": "it-secure-configs", "offset.storage.topic": "it-secure-offsets",
			"status.storage.topic":      "it-secure-status",
			"key.converter":             "org.apache.kafka.connect.storage.StringConverter",
			"value.converter":           "org.apache.kafka.connect.json.JsonConverter",
			"rest.advertised.host.name": "localhost",
			"session.timeout.ms":        "6000", "heartbeat.interval.ms": "2000",
			"spool.dir": filepath.Join(sec, fmt.Sprintf("s%d-spool", i+1)),
		}
		for k, v := range readme {
			props[k] = v
		}
		props["listeners"] = fmt.Sprintf("https://127.0.0.1:%d", port)
		props["listeners.https.ssl.keystore.location"] = f.ServerP12
		props["listeners.https.ssl.truststore.location"] = f.CA
		var b strings.Builder
		for k, v := range props {
			fmt.Fprintf(&b, "%s=%s\n", k, strings.ReplaceAll(v, `\`, `\\`))
		}
		w := &secureWorker{name: fmt.Sprintf("s%d", i+1), dir: dir, port: port, env: env,
			props: filepath.Join(sec, fmt.Sprintf("s%d.properties", i+1))}
		if err := os.WriteFile(w.props, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		workers = append(workers, w)
		t.Cleanup(func() { w.halt(syscall.SIGTERM, w.pidFile()) })
	}

	client := &http.Client{Timeout: restTimeout, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: f.Pool, MinVersion: tls.VersionTLS12}}}
	defer client.CloseIdleConnections()
	call := func(w *secureWorker, method, path, body, user string) (int, string, error) {
		req, err := http.NewRequest(method, fmt.Sprintf("https://localhost:%d%s", w.port, path), strings.NewReader(body))
		if err != nil {
			return 0, "", err
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if user != "" {
			u, p, _ := strings.Cut(user, ":")
			req.SetBasicAuth(u, p)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}
	ready := func(w *secureWorker) {
		t.Helper()
		if err := poll(context.Background(), time.Minute, func() (bool, error) {
			code, _, err := call(w, http.MethodGet, "/connectors", "", "admin:s3cret")
			return err == nil && code == http.StatusOK, nil
		}); err != nil {
			t.Fatalf("%s not serving https: %v (see %s.log)", w.name, err, w.name)
		}
	}
	// The first worker to join leads: start it alone, then the two followers.
	if err := workers[0].start(); err != nil {
		t.Fatal(err)
	}
	ready(workers[0])
	for _, w := range workers[1:] {
		if err := w.start(); err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range workers[1:] {
		ready(w)
	}

	follower := workers[2]
	if code, body, err := call(follower, http.MethodGet, "/connectors", "", ""); err != nil || code != 401 ||
		body != "User cannot access the resource." {
		t.Errorf("without credentials: %d %q %v", code, body, err)
	}
	if code, _, err := call(follower, http.MethodGet, "/", "", "admin:wrong"); err != nil || code != 401 {
		t.Errorf("wrong password: %d %v", code, err)
	}

	input := filepath.Join(sec, "lines.txt")
	if err := os.WriteFile(input, []byte("one\ntwo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	create := fmt.Sprintf(`{"name":"secure-lines","config":{"connector.class":"FileStreamSource","file":%q,"topic":"it-secure-lines","tasks.max":"1"}}`, input)
	var last string
	if err := poll(context.Background(), time.Minute, func() (bool, error) {
		code, body, err := call(follower, http.MethodPost, "/connectors", create, "admin:s3cret")
		last = fmt.Sprintf("%d %s %v", code, body, err)
		return code == http.StatusCreated, nil // 409 while the group settles
	}); err != nil {
		t.Fatalf("create through a follower: %s", last)
	}
	if err := poll(context.Background(), time.Minute, func() (bool, error) {
		code, body, err := call(workers[1], http.MethodGet, "/connectors/secure-lines/status", "", "admin:s3cret")
		last = fmt.Sprintf("%d %s %v", code, body, err)
		return code == 200 && strings.Count(body, `"RUNNING"`) == 2, nil
	}); err != nil {
		t.Fatalf("connector not running: %s", last)
	}
	if !strings.Contains(last, `"worker_id":"localhost:`) {
		t.Errorf("worker ids are not the advertised https host: %s", last)
	}
	// The web console through the follower, opened at /ui/ as the banner prints it: without credentials it
	// goes to /ui, which asks for them (followed here to the 401), so that the browser authenticates once, for
	// "/", and sends the same credentials with the console's API calls, among them the cluster view the
	// follower asks the leader for.
	if code, _, err := call(follower, http.MethodGet, "/ui/", "", ""); err != nil || code != 401 {
		t.Errorf("the console without credentials: %d %v", code, err)
	}
	b := newBrowser(t, time.Minute, chromedp.Flag("ignore-certificate-errors", true)) // the suite's own CA
	b.run(t, "the console with the credentials in the URL",
		chromedp.Navigate(fmt.Sprintf("https://admin:s3cret@localhost:%d/ui/", follower.port)),
		waitJS("three workers, the task under one of them", `document.querySelectorAll('#workers-table tbody tr').length === 3 &&
			document.getElementById('workers-table').textContent.includes('secure-lines-0')`),
		chromedp.Click(chromedp.CSS(`nav a[data-view="connectors"]`)),
		waitJS("the connector RUNNING in the list", `(() => { const r = document.querySelector('#connectors-table tr[data-connector="secure-lines"]');
			return !!r && r.textContent.includes('RUNNING') && r.textContent.includes('1/1 running'); })()`),
	)
	if open, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.getElementById('signin').open`)); err != nil || open {
		t.Errorf("the console asked for credentials again (%v)", err)
	}
	b.stop()
	if errs := b.pageErrors(); len(errs) > 0 {
		t.Errorf("the console reported errors:\n%s", strings.Join(errs, "\n"))
	}
	if code, _, err := call(follower, http.MethodDelete, "/connectors/secure-lines", "", "admin:s3cret"); err != nil || code != 204 {
		t.Errorf("delete: %d %v", code, err)
	}
	// No password reaches a log, even at the DEBUG level the workers log at.
	for _, w := range workers {
		log, err := os.ReadFile(filepath.Join(dir, w.name+".log"))
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{resttlstest.Password, "s3cret"} {
			if bytes.Contains(log, []byte(secret)) {
				t.Errorf("%s.log contains the password %q", w.name, secret)
			}
		}
	}
}
