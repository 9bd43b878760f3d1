//go:build integration

package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium; CHROMIUM overrides it.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// TestConsole opens the web console of a worker in headless Chromium and does what an operator would: creates
// the user's connector by pasting its commented JSON into the form (after a validation that shows an error next
// to its key), sees it RUNNING with its task's worker, pauses and resumes it, and looks at the cluster and the
// plugin's documentation. Every step asserts on the page; screenshots go to .run/screenshots.
func TestConsole(t *testing.T) {
	e := theEnv
	shots := filepath.Join(e.run, "screenshots") // this run's only: an earlier run's are removed
	if err := os.RemoveAll(shots); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(e.root, "testdata", "mqtt-connector.commented.json"))
	if err != nil {
		t.Fatal(err)
	}
	const name = "console-mqtt"
	// The user's file as written, comments included, pointed at the suite's Mosquitto and a topic of its own.
	fixture := strings.NewReplacer(
		`"mqtt-source-connector"`, `"`+name+`"`,
		"tcp://localhost:1883", mqttURL,
		`.clientId": "mqtt-source"`, `.clientId": "it-console"`,
		`"/mqtt/test/#"`, `"/mqtt/test/console/#"`,
		`"vehicle-data"`, `"it-console"`,
	).Replace(string(raw))
	if !strings.Contains(fixture, "// MQTT") || !strings.Contains(fixture, mqttURL) {
		t.Fatalf("the fixture was not adapted:\n%s", fixture)
	}
	t.Cleanup(func() {
		for _, n := range []string{name, "console-csrf"} {
			e.mustREST(t, http.MethodDelete, "/connectors/"+n, nil, http.StatusNoContent, http.StatusNotFound)
		}
	})

	var workerIDs []string
	for _, w := range e.workers {
		workerIDs = append(workerIDs, w.id())
	}
	// The console of a follower, which asks the leader for the cluster view and forwards the writes.
	var cluster struct{ Leader string }
	if err := poll(context.Background(), time.Minute, func() (bool, error) {
		return json.Unmarshal(e.mustREST(t, http.MethodGet, "/connectd/cluster", nil, http.StatusOK), &cluster) == nil && cluster.Leader != "", nil
	}); err != nil {
		t.Fatalf("no leader in /connectd/cluster: %v", err)
	}
	var w *worker
	for _, c := range e.workers {
		if c.running() && c.id() != cluster.Leader {
			w = c
			break
		}
	}
	if cluster.Leader == "" || w == nil {
		t.Fatalf("no live follower (leader %q)", cluster.Leader)
	}
	var served struct {
		Leader   string
		ServedBy string `json:"served_by"`
	}
	var last string
	if err := poll(context.Background(), time.Minute, func() (bool, error) { // the follower may still be joining
		code, body, err := e.do(http.MethodGet, w.url("/connectd/cluster"), nil)
		last = fmt.Sprintf("%d %s %v", code, body, err)
		return err == nil && code == http.StatusOK && json.Unmarshal(body, &served) == nil && served.Leader == cluster.Leader, nil
	}); err != nil {
		t.Fatalf("/connectd/cluster of %s never named the leader %s: %s", w.id(), cluster.Leader, last)
	}
	if served.ServedBy != w.id() {
		t.Errorf("/connectd/cluster of %s: served by %q", w.id(), served.ServedBy)
	}
	file := filepath.Join(t.TempDir(), "mqtt-connector.commented.json")
	if err := os.WriteFile(file, []byte(fixture), 0o644); err != nil {
		t.Fatal(err)
	}
	// What the REST API says once the console has edited, paused, stopped and resumed the connector.
	verify := func() {
		var st struct {
			Connector struct{ State string }
			Tasks     []struct {
				State    string
				WorkerID string `json:"worker_id"`
			}
		}
		if err := json.Unmarshal(e.mustREST(t, http.MethodGet, "/connectors/"+name+"/status", nil, http.StatusOK), &st); err != nil {
			t.Fatal(err)
		}
		if st.Connector.State != "RUNNING" || len(st.Tasks) != 1 || !slices.Contains(workerIDs, st.Tasks[0].WorkerID) {
			t.Errorf("status after the console's resume: %+v", st)
		}
		var cfg map[string]string
		if err := json.Unmarshal(e.mustREST(t, http.MethodGet, "/connectors/"+name+"/config", nil, http.StatusOK), &cfg); err != nil {
			t.Fatal(err)
		}
		if cfg["camel.source.contentLogLevel"] != "INFO" || cfg["camel.kamelet.mqtt-source.brokerUrl"] != mqttURL {
			t.Errorf("config after the console's edit: %v", cfg)
		}
	}
	checks := consoleChecks{
		verify: verify,
		absent: func(name string) bool {
			code, _, err := e.do(http.MethodGet, w.url("/connectors/"+name), nil)
			return err == nil && code == http.StatusNotFound
		},
		taskConfig: func(want string) bool {
			code, body, err := e.do(http.MethodGet, w.url("/connectors/"+name+"/tasks"), nil)
			return err == nil && code == http.StatusOK && strings.Contains(string(body), want)
		},
		starts: func(task bool) int {
			if task {
				return e.logCount(`msg="task started"`, " connector="+name+" task=0")
			}
			return e.logCount(`msg="connector started"`, " connector="+name)
		},
	}
	runConsole(t, w.url(""), fixture, file, name, workerIDs, shots, checks)
	// The console deleted it.
	e.mustREST(t, http.MethodGet, "/connectors/"+name, nil, http.StatusNotFound)
}

// logCount counts the lines of the workers' logs that contain every part.
func (e *env) logCount(parts ...string) int {
	n := 0
	for _, w := range e.workers {
		b, err := os.ReadFile(w.file(".log"))
		if err != nil {
			continue
		}
	lines:
		for line := range strings.Lines(string(b)) {
			for _, p := range parts {
				if !strings.Contains(line, p) {
					continue lines
				}
			}
			n++
		}
	}
	return n
}

// consoleChecks are what runConsole asks the cluster, apart from the page.
type consoleChecks struct {
	verify     func()              // before the console deletes the connector
	absent     func(string) bool   // no connector of that name exists
	taskConfig func(string) bool   // the task's config (GET /connectors/{name}/tasks) contains the text
	starts     func(task bool) int // how many times the connector, or its task 0, started, from the workers' logs
}

// browser is a headless Chromium tab and what its pages report: uncaught exceptions and errors, CSP
// violations (source "security") among them.
type browser struct {
	ctx  context.Context
	stop func()

	mu       sync.Mutex
	reported []string
}

// newBrowser starts Chromium; its tab lives until stop (registered as a cleanup too), at most timeout.
func newBrowser(t *testing.T, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(chromiumPath()),
		chromedp.NoSandbox, // the suite may run as root, where Chromium's sandbox refuses to start
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	tab, cancelTab := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	ctx, cancel := context.WithTimeout(tab, timeout)
	b := &browser{ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelTab()
		cancelAlloc()
		t.Fatalf("start %s: %v", chromiumPath(), err)
	}
	messages := chromedp.Console(ctx)
	readerDone := make(chan struct{})
	go func() { // ends with ctx
		defer close(readerDone)
		for m, err := range messages {
			if err != nil {
				return
			}
			// An API answer of 4xx is logged by the browser as a network error; the page handles those itself
			// (a status asked for just after a create may be 404 until the worker writes one). The console's
			// own files must load.
			apiAnswer := m.Source == "network" && !strings.Contains(m.URL, "/ui/")
			if (m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException) && !apiAnswer {
				b.mu.Lock()
				b.reported = append(b.reported, fmt.Sprintf("%s %s: %s (%s)", m.Type, m.Source, m.Text, m.URL))
				b.mu.Unlock()
			}
		}
	}()
	var once sync.Once
	b.stop = func() {
		once.Do(func() {
			cancel()
			<-readerDone
			cancelTab()
			cancelAlloc()
		})
	}
	t.Cleanup(b.stop)
	return b
}

func (b *browser) pageErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.reported)
}

// waitJS polls a boolean expression on the page; what says what the wait is for.
func waitJS(what, expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(45*time.Second),
			chromedp.WithPollingInterval(100*time.Millisecond))(ctx, tg)
		if err != nil {
			page, _ := chromedp.Evaluate[string](`document.querySelector('main').innerText`)(ctx, tg)
			alert, _ := chromedp.Evaluate[string](`document.getElementById('alert').textContent`)(ctx, tg)
			return fmt.Errorf("waiting for %s: %w\nalert: %s\npage:\n%s", what, err, alert, page)
		}
		return nil
	})
}

// run runs steps in the browser's tab; what names them in the failure.
func (b *browser) run(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		t.Fatalf("%s: %v\npage errors: %q", what, err, b.pageErrors())
	}
}

// waitCond polls cond, outside the page; what says what the wait is for.
func waitCond(what string, cond func() bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		if err := poll(ctx, 45*time.Second, func() (bool, error) { return cond(), nil }); err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		return nil
	})
}

// runConsole drives the console at base (http://host:port) through the scenario of TestConsole; file holds
// fixture.
func runConsole(t *testing.T, base, fixture, file, name string, workerIDs []string, shots string, c consoleChecks) {
	b := newBrowser(t, 90*time.Second)
	defer b.stop()
	ctx := b.ctx
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		b.run(t, what, steps...)
	}
	pageErrors := b.pageErrors
	step := 0
	shot := func(label string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			step++
			png, err := chromedp.CaptureScreenshot()(ctx, tg) // the viewport: what the operator sees first
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, fmt.Sprintf("%02d-%s.png", step, label)), png, 0o644)
		})
	}
	get := func(what string, a chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	stateIs := func(state string) string {
		return fmt.Sprintf(`(() => { const c = document.getElementById('conn-state');
			const t = document.querySelector('#tasks-table tr[data-task="0"] .task-state');
			return !!c && c.textContent === %[1]q && !!t && t.textContent === %[1]q; })()`, state)
	}

	// /ui redirects to /ui/, which shows the cluster.
	run("open the console",
		chromedp.Navigate(base+"/ui"),
		waitJS("the cluster view with its workers", `document.querySelectorAll('#workers-table tbody tr').length === 3 &&
			!!document.querySelector('#workers-table .badge')`),
		shot("cluster"),
	)
	if loc := get("location", chromedp.Location()); !strings.HasSuffix(strings.SplitN(loc, "#", 2)[0], "/ui/") {
		t.Errorf("GET /ui ended at %s, want /ui/", loc)
	}

	// A wrong value is refused by the validation, with the error next to its key, and nothing is created.
	bad := strings.Replace(fixture, `"tasks.max": "1"`, `"tasks.max": "many"`, 1)
	run("validate a bad config",
		chromedp.Click(chromedp.CSS(`nav a[data-view="create"]`)),
		chromedp.WaitVisible(chromedp.ID("create-text")),
		chromedp.SetValue(chromedp.ID("create-text"), bad),
		chromedp.Click(chromedp.ID("create-submit")),
		waitJS("the error next to tasks.max", `(() => { const r = document.querySelector('#create-result tr.has-error[data-key="tasks.max"]');
			return !!r && r.textContent.includes('many'); })()`),
		shot("validation-error"),
	)
	if hash := get("hash", chromedp.Evaluate[string](`location.hash`)); hash != "#/create" {
		t.Errorf("after a refused validation the page moved to %q", hash)
	}
	if !c.absent(name) {
		t.Errorf("the refused validation created connector %s", name)
	}

	// The file picker loads the file into the text box as it is.
	js, err := json.Marshal(fixture)
	if err != nil {
		t.Fatal(err)
	}
	run("load the user's file",
		chromedp.SetUploadFiles(chromedp.ID("create-file"), []string{file}),
		waitJS("the file's text in the text box", fmt.Sprintf(`document.getElementById('create-text').value === %s`, js)),
	)

	// The user's commented file, pasted as it is.
	run("create the connector",
		chromedp.SetValue(chromedp.ID("create-text"), fixture),
		shot("create-form"),
		chromedp.Click(chromedp.ID("create-submit")),
		waitJS("the connector's page", fmt.Sprintf(`location.hash === %q`, "#/connectors/"+name)),
		waitJS("the connector and its task RUNNING", stateIs("RUNNING")),
		waitJS("the task's worker", `(document.querySelector('#tasks-table tr[data-task="0"] .task-worker') || {}).textContent !== ''`),
		// Its rates come from the metrics of the worker it runs on, whichever serves the page.
		waitJS("the task's throughput", `/^[0-9.]+ in · [0-9.]+ out$/.test((document.querySelector('#tasks-table tr[data-task="0"] td.rate') || {}).textContent)`),
		shot("running"),
	)
	taskWorker := get("task worker", chromedp.Text(chromedp.CSS(`#tasks-table tr[data-task="0"] .task-worker`)))
	connWorker := get("connector worker", chromedp.Text(chromedp.ID("conn-worker")))
	if !slices.Contains(workerIDs, taskWorker) || !slices.Contains(workerIDs, connWorker) {
		t.Errorf("task worker %q, connector worker %q: want ids among %v", taskWorker, connWorker, workerIDs)
	}
	if ctype := get("type", chromedp.Text(chromedp.ID("conn-type"))); ctype != "source" {
		t.Errorf("type shown %q, want source", ctype)
	}

	run("pause",
		chromedp.Click(chromedp.ID("act-pause")),
		waitJS("PAUSED", stateIs("PAUSED")),
		shot("paused"),
	)
	run("resume",
		chromedp.Click(chromedp.ID("act-resume")),
		waitJS("RUNNING again", stateIs("RUNNING")),
		shot("resumed"),
	)

	// Edit the config in place: validated, saved, and the task runs again with it.
	const logOff, logInfo = `"camel.source.contentLogLevel": "OFF"`, `"camel.source.contentLogLevel": "INFO"`
	run("wait for the config", waitJS("the config in the editor", fmt.Sprintf(`document.getElementById('config-text').value.includes(%q)`, logOff)))
	edited := strings.Replace(get("config", chromedp.Value(chromedp.ID("config-text"))), logOff, logInfo, 1)
	run("edit the config",
		chromedp.SetValue(chromedp.ID("config-text"), edited),
		chromedp.Click(chromedp.ID("config-save")),
		waitJS("the save confirmed", `document.getElementById('notice').textContent === 'Configuration saved.'`),
		waitCond("the task's config with the new value", func() bool { return c.taskConfig(`"camel.source.contentLogLevel":"INFO"`) }),
		waitJS("RUNNING with the new config", stateIs("RUNNING")),
		shot("edited"),
	)

	// The tables are rebuilt only when a state changes: the focus stays on a task's button across polls.
	run("focus a task's Restart",
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#tasks-table tr[data-task="0"] button').focus(); window.polls = 0;
			new MutationObserver(() => window.polls++).observe(document.getElementById('updated'), {childList: true, characterData: true, subtree: true}); undefined`),
		waitJS("two polls", `window.polls >= 2`),
		waitJS("the focus kept", `document.activeElement === document.querySelector('#tasks-table tr[data-task="0"] button')`),
	)

	// Restarts: the connector with its tasks, then one task; the workers' logs show them start again.
	connStarts, taskStarts := c.starts(false), c.starts(true)
	run("restart",
		chromedp.Click(chromedp.ID("restart-include-tasks")),
		chromedp.Click(chromedp.ID("act-restart")),
		waitJS("the restart confirmed", `document.getElementById('notice').textContent === 'Restart requested.'`),
		waitCond("the connector and its task started again", func() bool { return c.starts(false) > connStarts && c.starts(true) > taskStarts }),
		waitJS("RUNNING after the restart", stateIs("RUNNING")),
	)
	taskStarts = c.starts(true)
	run("restart the task",
		chromedp.Click(chromedp.CSS(`#tasks-table tr[data-task="0"] button`)),
		waitJS("the task restart confirmed", `document.getElementById('notice').textContent === 'Task 0 restart requested.'`),
		waitCond("the task started again", func() bool { return c.starts(true) > taskStarts }),
		waitJS("RUNNING after the task restart", stateIs("RUNNING")),
	)

	// The skip link and any other in-page anchor keep the view; an address that is not valid shows the cluster
	// with an error, not a blank page.
	run("skip to the content",
		chromedp.Evaluate[chromedp.Void](`document.querySelector('a.skip').click(); undefined`),
		waitJS("the focus on the content, the view kept", `document.activeElement === document.getElementById('main') &&
			!!document.getElementById('conn-name') && location.hash === '#/connectors/`+name+`'`),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#main'; undefined`),
		waitJS("the hash changed", `location.hash === '#main'`),
		waitJS("the view kept", `!!document.getElementById('conn-name') && !!document.getElementById('tasks-table')`),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/connectors/%E0'; undefined`),
		waitJS("the cluster view with an error", `!!document.getElementById('cluster-facts') &&
			document.getElementById('alert').textContent.includes('is not valid')`),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/connectors/`+name+`'; undefined`),
		waitJS("the connector again", stateIs("RUNNING")),
	)

	// Stop, look at the offsets, reset them (after the confirmation), resume.
	run("stop and reset the offsets",
		chromedp.Click(chromedp.ID("act-stop")),
		waitJS("STOPPED, with the reset allowed", `(document.getElementById('conn-state') || {}).textContent === 'STOPPED' &&
			!document.getElementById('act-reset-offsets').disabled`),
		chromedp.Click(chromedp.ID("act-offsets")),
		waitJS("the offsets shown", `document.getElementById('conn-offsets').textContent !== ''`),
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true; undefined`), // the operator says yes
		chromedp.Click(chromedp.ID("act-reset-offsets")),
		waitJS("the reset confirmed", `document.getElementById('notice').textContent.includes('have been reset successfully')`),
		shot("offsets-reset"),
		chromedp.Click(chromedp.ID("act-resume")),
		waitJS("RUNNING after the stop", stateIs("RUNNING")),
	)

	// The connectors list and the cluster view show it where it runs.
	run("list the connectors",
		chromedp.Click(chromedp.CSS(`nav a[data-view="connectors"]`)),
		waitJS("the connector in the list", fmt.Sprintf(`(() => { const r = document.querySelector('#connectors-table tr[data-connector=%q]');
			return !!r && r.textContent.includes('RUNNING') && r.textContent.includes('1/1 running'); })()`, name)),
		shot("connectors"),
		chromedp.Click(chromedp.CSS(`nav a[data-view="cluster"]`)),
		waitJS("the task under its worker", fmt.Sprintf(`(() => { const r = document.querySelector('#workers-table tr[data-worker=%q]');
			return !!r && r.textContent.includes(%q); })()`, taskWorker, name+"-0")),
		shot("cluster-running"),
	)

	// The plugin's documentation, one click from the connector's class.
	run("read the plugin's documentation",
		chromedp.Navigate(base+"/ui/#/connectors/"+name),
		chromedp.WaitVisible(chromedp.ID("conn-class")),
		chromedp.Click(chromedp.ID("conn-class")),
		waitJS("the brokerUrl key documented", `(() => { const r = document.querySelector('#plugin-config tr[data-key="camel.kamelet.mqtt-source.brokerUrl"]');
			return !!r && r.querySelector('.doc').textContent.length > 0; })()`),
		shot("plugin"),
	)

	c.verify()
	run("delete",
		chromedp.Navigate(base+"/ui/#/connectors/"+name),
		waitJS("the connector's page", stateIs("RUNNING")),
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true; undefined`),
		chromedp.Click(chromedp.ID("act-delete")),
		waitJS("the list without it", fmt.Sprintf(`location.hash === '#/connectors' && !document.querySelector('#connectors tr[data-connector=%q]') &&
			!!(document.getElementById('connectors-table') || document.querySelector('#connectors .empty'))`, name)),
		shot("deleted"),
	)

	// A page of another origin (same site: another port of 127.0.0.1) posts a connector to the worker as a
	// "simple" request, without a preflight and without a Content-Type: refused, nothing is created.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><title>elsewhere</title><p>elsewhere</p>`))
	}))
	defer evil.Close()
	const csrfName = "console-csrf"
	create, err := json.Marshal(strings.Replace(fixture, `"`+name+`"`, `"`+csrfName+`"`, 1))
	if err != nil {
		t.Fatal(err)
	}
	run("a page elsewhere posts a connector",
		chromedp.Navigate(evil.URL),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.sent = false;
			fetch(%q, {method: 'POST', mode: 'no-cors', credentials: 'include', body: new Blob([%s])}).finally(() => { window.sent = true; });
			undefined`, base+"/connectors", create)),
		waitJS("the post answered", `window.sent === true`),
	)
	if !c.absent(csrfName) {
		t.Errorf("a page of another origin created connector %s", csrfName)
	}

	if errs := pageErrors(); len(errs) > 0 {
		t.Errorf("the page reported errors:\n%s", strings.Join(errs, "\n"))
	}
}
