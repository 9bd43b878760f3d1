//go:build integration

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// The REST differential: the same scripted requests go to a Kafka Connect 3.9 worker and to a connectd worker,
// and their status codes and JSON bodies are compared after normalising what must differ (worker ids and ports,
// the version and commit, stack traces). Every other difference fails the test unless the allowlist below
// names it, and every allowlist entry must cite the COMPATIBILITY.md row documenting it (checked: a cited row
// that is missing fails the test) or, for a known bug being fixed, the issue item.
//
// Each side is alone in a group of its own on the same Kafka cluster (same kafka_cluster_id): both then run the
// identical sequence of state changes on connectors of the same names, both answer as leaders (no forwarding,
// which the interop scenarios cover), and neither sees the other's connectors.

// diffStep is one scripted request.
type diffStep struct {
	name         string // unique: the allowlist refers to it
	method, path string
	body         string // sent as is, with Content-Type: application/json when not empty
	contentType  string // instead of application/json
	// before brings the worker to the state the request expects (not compared).
	before func(t *testing.T, g *ixGroup, m member)
}

// allowed is one accepted difference.
type allowed struct {
	step   string // a diffStep name, or "*"
	path   string // regexp on the difference's path: "status" or a JSON path like $.configs[3].definition.order
	compat string // a phrase of the COMPATIBILITY.md row that documents it...
	todo   string // ...or the issue item of a known bug being fixed elsewhere
}

// restDiffAllowed lists the accepted differences. Keep each entry as narrow as the difference.
var restDiffAllowed = []allowed{
	{step: "plugins", path: `\$\.(source io\.connectd\.mqtt\.MqttSourceConnector|sink io\.connectd\.mqtt\.MqttSinkConnector)`, compat: "**Plugins** are built in"},
	{step: "plugins-all", path: `\$\.(source io\.connectd\.mqtt\.MqttSourceConnector|sink io\.connectd\.mqtt\.MqttSinkConnector)`, compat: "**Plugins** are built in"},
	{step: "offsets-alter-bad", path: `status|\$\.error_code`,
		compat: "| `PATCH`/`DELETE /connectors/{name}/offsets` rejected by the connector's `alterOffsets`"},
	{step: "bad-json", path: `status|\$\.error_code|\$\.message`, compat: "| Malformed request bodies (bad JSON,"},
	{step: "unknown-class", path: `status|\$\.error_code`, compat: "| Unknown, ambiguous or missing `connector.class` on create"},
	{step: "validate-transform-as-connector", path: `status|\$\.error_code|\$\.message`, compat: "| Unknown, ambiguous or missing `connector.class` on create"},
}

// difference is one place where the two answers differ.
type difference struct {
	step, path     string
	java, connectd string
}

func (d difference) String() string {
	return fmt.Sprintf("%s %s: java %s, connectd %s", d.step, d.path, d.java, d.connectd)
}

var (
	portRE    = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	versionRE = regexp.MustCompile(`^\d+\.\d+\.\d+`)
	commitRE  = regexp.MustCompile(`^[0-9a-f]{16}$`) // Kafka's 16 hex digits; all zeros is a placeholder, not a commit
)

// pluginSet turns a plugin list into {"TYPE CLASS": version}, so that a plugin one side lacks is one
// difference, not a shift of every later entry. The order of the kinds (sinks, sources, transformations,
// ...) is kept as the entry "(kinds)".
func pluginSet(list []any) any {
	out := map[string]any{}
	var kinds []string
	for _, p := range list {
		m, ok := p.(map[string]any)
		if !ok {
			return list
		}
		out[fmt.Sprintf("%v %v", m["type"], m["class"])] = m["version"]
		if k := fmt.Sprint(m["type"]); len(kinds) == 0 || kinds[len(kinds)-1] != k {
			kinds = append(kinds, k)
		}
	}
	out["(kinds)"] = strings.Join(kinds, ",")
	return out
}

// normalise replaces what must differ between two workers: worker ids, ports in URLs and messages, the version
// and commit of GET /, stack traces.
func normalise(step string, v any) any {
	if step == "plugins" || step == "plugins-all" {
		if list, ok := v.([]any); ok {
			return pluginSet(list)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			switch {
			case k == "worker_id":
				out[k] = "<worker>"
			case k == "trace" && e != nil:
				out[k] = "<trace>"
			case step == "root" && k == "version" && versionRE.MatchString(fmt.Sprint(e)):
				out[k] = "<version>"
			case step == "root" && k == "commit" && commitRE.MatchString(fmt.Sprint(e)) && e != "0000000000000000":
				out[k] = "<commit>"
			case k == "message" && (step == "unknown-class" || step == "validate-transform-as-connector"):
				// The list of available connectors is each worker's plugin set (see the plugins steps).
				m, _, _ := strings.Cut(fmt.Sprint(e), "available connectors are: ")
				out[k] = m + "available connectors are: <plugins>"
			default:
				out[k] = normalise(step, e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalise(step, e)
		}
		return out
	case string:
		return portRE.ReplaceAllString(x, "127.0.0.1:<port>")
	}
	return v
}

// compareJSON appends to diffs every place where a and b differ.
func compareJSON(step, path string, a, b any, diffs *[]difference) {
	show := func(v any) string {
		if v == nil {
			return "null"
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		bs := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if len(bs) > 300 {
			return string(bs[:300]) + "…"
		}
		return string(bs)
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := map[string]bool{}
		for k := range x {
			keys[k] = true
		}
		for k := range y {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			xv, xok := x[k]
			yv, yok := y[k]
			switch {
			case !xok:
				*diffs = append(*diffs, difference{step, path + "." + k, "(absent)", show(yv)})
			case !yok:
				*diffs = append(*diffs, difference{step, path + "." + k, show(xv), "(absent)"})
			default:
				compareJSON(step, path+"."+k, xv, yv, diffs)
			}
		}
		return
	case []any:
		y, ok := b.([]any)
		if !ok {
			break
		}
		for i := range max(len(x), len(y)) {
			p := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case i >= len(x):
				*diffs = append(*diffs, difference{step, p, "(absent)", show(y[i])})
			case i >= len(y):
				*diffs = append(*diffs, difference{step, p, show(x[i]), "(absent)"})
			default:
				compareJSON(step, p, x[i], y[i], diffs)
			}
		}
		return
	}
	if show(a) != show(b) {
		*diffs = append(*diffs, difference{step, path, show(a), show(b)})
	}
}

// send sends a step's request as is and returns the status and body.
func (s diffStep) send(e *env, m member) (int, []byte, error) {
	var rd io.Reader
	if s.body != "" {
		rd = bytes.NewReader([]byte(s.body))
	}
	req, err := http.NewRequest(s.method, m.url(s.path), rd)
	if err != nil {
		return 0, nil, err
	}
	if s.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.contentType != "" {
		req.Header.Set("Content-Type", s.contentType)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := e.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// allowlistProblems checks every entry's citation: the COMPATIBILITY.md phrase must be in compat, a TODO must
// name its issue item, the step must exist and the path must compile.
func allowlistProblems(compat string, list []allowed, steps []diffStep) []string {
	names := map[string]bool{"*": true}
	for _, s := range steps {
		names[s.name] = true
	}
	var out []string
	for _, a := range list {
		switch {
		case (a.compat == "") == (a.todo == ""):
			out = append(out, fmt.Sprintf("allowlist %s %s: cite exactly one of a COMPATIBILITY.md row or a TODO issue item", a.step, a.path))
		case a.compat != "" && !strings.Contains(compat, a.compat):
			out = append(out, fmt.Sprintf("allowlist %s %s cites a COMPATIBILITY.md row that is missing: %q", a.step, a.path, a.compat))
		case a.todo != "" && !strings.HasPrefix(a.todo, "issue "):
			out = append(out, fmt.Sprintf("allowlist %s %s: a TODO must name its issue item (\"issue N: ...\"), not %q", a.step, a.path, a.todo))
		}
		if !names[a.step] {
			out = append(out, fmt.Sprintf("allowlist names an unknown step %q", a.step))
		}
		if _, err := regexp.Compile(a.path); err != nil {
			out = append(out, fmt.Sprintf("allowlist %s: %v", a.step, err))
		}
	}
	return out
}

// TestRESTDiffAllowlistCheck shows that the allowlist check rejects an uncited or wrongly cited entry.
func TestRESTDiffAllowlistCheck(t *testing.T) {
	steps := []diffStep{{name: "root"}}
	compat := "| Malformed request bodies (bad JSON, ... |"
	for _, c := range []struct {
		a    allowed
		want bool // a problem
	}{
		{allowed{step: "root", path: "status", compat: "| Malformed request bodies (bad JSON,"}, false},
		{allowed{step: "root", path: "status", todo: "issue 12: a bug"}, false},
		{allowed{step: "root", path: "status", compat: "| A row nobody wrote"}, true},
		{allowed{step: "root", path: "status"}, true},
		{allowed{step: "root", path: "status", todo: "fix later"}, true},
		{allowed{step: "nope", path: "status", todo: "issue 12: a bug"}, true},
		{allowed{step: "root", path: "(", todo: "issue 12: a bug"}, true},
	} {
		if got := allowlistProblems(compat, []allowed{c.a}, steps); (len(got) > 0) != c.want {
			t.Errorf("%+v: problems %q, want a problem: %v", c.a, got, c.want)
		}
	}
}

func (a allowed) matches(d difference) bool {
	return (a.step == "*" || a.step == d.step) && regexp.MustCompile("^(?:"+a.path+")$").MatchString(d.path)
}

// TestRESTDifferential runs the script against a Java worker and a connectd worker; see the top of the file.
func TestRESTDifferential(t *testing.T) {
	e := theEnv
	res := result{Scenario: "rest-differential", Recovery: "-"}
	defer func() {
		res.Pass = !t.Failed()
		record(res)
	}()
	compat, err := os.ReadFile(filepath.Join(e.root, "COMPATIBILITY.md"))
	if err != nil {
		t.Fatal(err)
	}
	const topic = "interop-rest-data"
	if err := createTopic(topic); err != nil {
		t.Fatal(err)
	}
	gj := newIxGroup(t, e, "interop-rest-java")
	gc := newIxGroup(t, e, "interop-rest-connectd")
	jw, cw := gj.addJava(t), gc.addConnectd(t)
	waitJoined(t, jw, 2*time.Minute)
	waitJoined(t, cw, 2*time.Minute)

	// Both sides read the same file into the same topic, so offsets and configs are equal.
	input := filepath.Join(e.run, "interop", "rest-input.txt")
	var lines strings.Builder
	for i := range 10 {
		fmt.Fprintf(&lines, "{\"seq\":%d}\n", i)
	}
	if err := os.WriteFile(input, []byte(lines.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	steps := diffScript(input, topic, lines.Len())
	for _, p := range allowlistProblems(string(compat), restDiffAllowed, steps) {
		t.Error(p)
	}

	used := make([]int, len(restDiffAllowed))
	var unexpected []difference
	total := 0
	for _, s := range steps {
		var answers [2]struct {
			code int
			body []byte
		}
		for i, side := range []struct {
			g *ixGroup
			m member
		}{{gj, jw}, {gc, cw}} {
			if s.before != nil {
				s.before(t, side.g, side.m)
			}
			code, body, err := s.send(e, side.m)
			if err != nil {
				t.Fatalf("%s: %s %s via %s: %v", s.name, s.method, s.path, kindOf(side.m), err)
			}
			answers[i].code, answers[i].body = code, body
		}
		total++
		t.Logf("%s %s %s: java %d %s, connectd %d %s", s.name, s.method, s.path, answers[0].code, clip(answers[0].body), answers[1].code, clip(answers[1].body))
		var diffs []difference
		if answers[0].code != answers[1].code {
			diffs = append(diffs, difference{s.name, "status", fmt.Sprint(answers[0].code), fmt.Sprint(answers[1].code)})
		}
		var jv, cv any
		jerr := json.Unmarshal(answers[0].body, &jv)
		cerr := json.Unmarshal(answers[1].body, &cv)
		switch {
		case len(answers[0].body) == 0 && len(answers[1].body) == 0:
		case jerr != nil || cerr != nil:
			if !bytes.Equal(answers[0].body, answers[1].body) {
				diffs = append(diffs, difference{s.name, "body", fmt.Sprintf("%q", answers[0].body), fmt.Sprintf("%q", answers[1].body)})
			}
		default:
			compareJSON(s.name, "$", normalise(s.name, jv), normalise(s.name, cv), &diffs)
		}
		for _, d := range diffs {
			ok := false
			for i, a := range restDiffAllowed {
				if a.matches(d) {
					used[i]++
					ok = true
					break
				}
			}
			if !ok {
				unexpected = append(unexpected, d)
			}
			t.Logf("difference: %s (allowed: %v)", d, ok)
		}
	}
	for i, a := range restDiffAllowed {
		if used[i] == 0 {
			t.Logf("allowlist entry %s %s matched nothing (fixed? then remove it)", a.step, a.path)
		}
	}
	for _, d := range unexpected {
		t.Errorf("unlisted difference: %s", d)
	}
	allowedN := 0
	for _, n := range used {
		allowedN += n
	}
	res.Sent, res.Received = total, total
	res.Notes = fmt.Sprintf("%d requests to each kind; %d allowlisted differences; %d unlisted", total, allowedN, len(unexpected))
}

// diffScript is the request list. input is the FileStreamSource file, size its length in bytes.
func diffScript(input, topic string, size int) []diffStep {
	const name = "diff-src"
	cfg := func(extra string) string {
		return fmt.Sprintf(`{"connector.class":"FileStreamSource","file":%q,"topic":%q,"tasks.max":"1"%s}`, input, topic, extra)
	}
	waitState := func(state string, tasks int) func(*testing.T, *ixGroup, member) {
		return func(t *testing.T, g *ixGroup, m member) {
			g.waitAll(t, []string{name}, 2*time.Minute, state, func(s connectorStatus) bool {
				if s.Connector.State != state || len(s.Tasks) != tasks {
					return false
				}
				for _, tk := range s.Tasks {
					if tk.State != state {
						return false
					}
				}
				return true
			})
		}
	}
	// The file is read and its offset flushed: GET offsets is deterministic from here on.
	waitFlushed := func(t *testing.T, g *ixGroup, m member) {
		waitState("RUNNING", 1)(t, g, m)
		want := fmt.Sprintf(`"position":%d`, size)
		err := poll(context.Background(), time.Minute, func() (bool, error) {
			code, b, err := g.e.do(http.MethodGet, m.url("/connectors/"+name+"/offsets"), nil)
			return err == nil && code == 200 && strings.Contains(string(b), want), nil
		})
		if err != nil {
			t.Fatalf("%s offsets via %s: %v", name, kindOf(m), err)
		}
	}
	gone := func(t *testing.T, g *ixGroup, m member) {
		err := poll(context.Background(), time.Minute, func() (bool, error) {
			code, _, err := g.e.do(http.MethodGet, m.url("/connectors/"+name), nil)
			return err == nil && code == 404, nil
		})
		if err != nil {
			t.Fatalf("%s still there via %s: %v", name, kindOf(m), err)
		}
	}
	c := "/connectors/" + name
	return []diffStep{
		{name: "root", method: "GET", path: "/"},
		{name: "list-empty", method: "GET", path: "/connectors"},
		{name: "plugins", method: "GET", path: "/connector-plugins"},
		{name: "plugins-all", method: "GET", path: "/connector-plugins?connectorsOnly=false"},
		{name: "plugin-config", method: "GET", path: "/connector-plugins/FileStreamSourceConnector/config"},
		{name: "plugin-config-json", method: "GET", path: "/connector-plugins/org.apache.kafka.connect.json.JsonConverter/config"},
		{name: "plugin-config-string", method: "GET", path: "/connector-plugins/StringConverter/config"},
		{name: "plugin-config-sink", method: "GET", path: "/connector-plugins/FileStreamSink/config"},
		{name: "plugin-config-unknown", method: "GET", path: "/connector-plugins/NoSuchConnector/config"},
		{name: "validate", method: "PUT", path: "/connector-plugins/FileStreamSourceConnector/config/validate", body: cfg("")},
		{name: "validate-invalid", method: "PUT", path: "/connector-plugins/FileStreamSourceConnector/config/validate",
			body: `{"connector.class":"FileStreamSource","tasks.max":"x","batch.size":"-1"}`},
		{name: "create", method: "POST", path: "/connectors", body: fmt.Sprintf(`{"name":%q,"config":%s}`, name, cfg(""))},
		{name: "get", method: "GET", path: c, before: waitFlushed},
		{name: "config", method: "GET", path: c + "/config"},
		{name: "status", method: "GET", path: c + "/status"},
		{name: "tasks", method: "GET", path: c + "/tasks"},
		{name: "task-status", method: "GET", path: c + "/tasks/0/status"},
		{name: "task-status-unknown", method: "GET", path: c + "/tasks/7/status"},
		{name: "list", method: "GET", path: "/connectors"},
		{name: "list-expand", method: "GET", path: "/connectors?expand=status&expand=info"},
		{name: "tasks-config", method: "GET", path: c + "/tasks-config"},
		{name: "topics", method: "GET", path: c + "/topics"},
		{name: "topics-reset-running", method: "PUT", path: c + "/topics/reset"},
		{name: "offsets-running", method: "GET", path: c + "/offsets"},
		{name: "create-again", method: "POST", path: "/connectors", body: fmt.Sprintf(`{"name":%q,"config":%s}`, name, cfg(""))},
		{name: "update", method: "PUT", path: c + "/config", body: cfg(`,"batch.size":"100"`)},
		{name: "patch-config", method: "PATCH", path: c + "/config", body: `{"batch.size":"200"}`, before: waitState("RUNNING", 1)},
		{name: "config-patched", method: "GET", path: c + "/config"},
		{name: "update-name-mismatch", method: "PUT", path: c + "/config", body: fmt.Sprintf(`{"name":"other","connector.class":"FileStreamSource","topic":%q}`, topic)},
		{name: "pause", method: "PUT", path: c + "/pause", before: waitState("RUNNING", 1)},
		{name: "status-paused", method: "GET", path: c + "/status", before: waitState("PAUSED", 1)},
		{name: "resume", method: "PUT", path: c + "/resume"},
		{name: "restart", method: "POST", path: c + "/restart", before: waitState("RUNNING", 1)},
		// onlyFailed before the tasks' restart: right after restarting a task a Java worker was once seen to
		// report it FAILED for a moment (its Worker refuses to start a task whose previous instance has not
		// stopped: "Task already exists in this worker"), so its onlyFailed plan named the task.
		{name: "restart-only-failed", method: "POST", path: c + "/restart?includeTasks=true&onlyFailed=true", before: waitState("RUNNING", 1)},
		{name: "restart-tasks", method: "POST", path: c + "/restart?includeTasks=true&onlyFailed=false", before: waitState("RUNNING", 1)},
		{name: "task-restart", method: "POST", path: c + "/tasks/0/restart", before: waitState("RUNNING", 1)},
		{name: "offsets-alter-running", method: "PATCH", path: c + "/offsets", before: waitState("RUNNING", 1),
			body: fmt.Sprintf(`{"offsets":[{"partition":{"filename":%q},"offset":{"position":5}}]}`, input)},
		{name: "stop", method: "PUT", path: c + "/stop"},
		{name: "status-stopped", method: "GET", path: c + "/status", before: waitState("STOPPED", 0)},
		{name: "tasks-stopped", method: "GET", path: c + "/tasks"},
		{name: "offsets", method: "GET", path: c + "/offsets"},
		{name: "offsets-alter", method: "PATCH", path: c + "/offsets",
			body: fmt.Sprintf(`{"offsets":[{"partition":{"filename":%q},"offset":{"position":5}}]}`, input)},
		{name: "offsets-altered", method: "GET", path: c + "/offsets"},
		{name: "offsets-alter-bad", method: "PATCH", path: c + "/offsets", body: `{"offsets":[{"partition":{"filename":"x"},"offset":{"position":"five"}}]}`},
		{name: "offsets-reset", method: "DELETE", path: c + "/offsets"},
		{name: "offsets-after-reset", method: "GET", path: c + "/offsets"},
		{name: "delete", method: "DELETE", path: c},
		{name: "get-deleted", method: "GET", path: c, before: gone},
		{name: "list-after-delete", method: "GET", path: "/connectors"},
		{name: "unknown-status", method: "GET", path: "/connectors/nope/status"},
		{name: "unknown-config", method: "GET", path: "/connectors/nope/config"},
		{name: "unknown-tasks", method: "GET", path: "/connectors/nope/tasks"},
		{name: "unknown-pause", method: "PUT", path: "/connectors/nope/pause"},
		{name: "unknown-restart", method: "POST", path: "/connectors/nope/restart"},
		{name: "unknown-offsets", method: "GET", path: "/connectors/nope/offsets"},
		{name: "unknown-delete", method: "DELETE", path: "/connectors/nope"},
		{name: "bad-json", method: "POST", path: "/connectors", body: `{"name":"bad",`},
		{name: "missing-class", method: "POST", path: "/connectors", body: `{"name":"noclass","config":{"topic":"t"}}`},
		{name: "unknown-class", method: "POST", path: "/connectors", body: `{"name":"noclass","config":{"connector.class":"com.example.NoSuchConnector"}}`},
		{name: "invalid-config", method: "POST", path: "/connectors",
			body: fmt.Sprintf(`{"name":"invalid","config":{"connector.class":"FileStreamSource","file":%q}}`, input)},
		{name: "invalid-tasks-max", method: "PUT", path: "/connectors/invalid/config",
			body: fmt.Sprintf(`{"connector.class":"FileStreamSource","file":%q,"topic":%q,"tasks.max":"0"}`, input, topic)},
		{name: "create-empty-name", method: "POST", path: "/connectors", body: fmt.Sprintf(`{"name":"","config":%s}`, cfg(""))},
		{name: "create-text-plain", method: "POST", path: "/connectors", body: fmt.Sprintf(`{"name":"plain","config":%s}`, cfg("")), contentType: "text/plain"},
		{name: "validate-sink-invalid", method: "PUT", path: "/connector-plugins/FileStreamSink/config/validate",
			body: `{"connector.class":"FileStreamSink","topics":"a","topics.regex":"b.*"}`},
		{name: "validate-class-mismatch", method: "PUT", path: "/connector-plugins/FileStreamSink/config/validate",
			body: `{"connector.class":"FileStreamSource","topic":"a"}`},
		// Transformations and predicates (KIP-66, KIP-585): their config definitions, and connector configs
		// that use them, valid and not. The recommended values of a type key list every installed class of
		// its kind.
		{name: "plugin-config-transform", method: "GET", path: "/connector-plugins/RegexRouter/config"},
		{name: "plugin-config-nested-transform", method: "GET", path: "/connector-plugins/org.apache.kafka.connect.transforms.TimestampConverter$Value/config"},
		{name: "plugin-config-predicate", method: "GET", path: "/connector-plugins/org.apache.kafka.connect.transforms.predicates.TopicNameMatches/config"},
		{name: "plugin-config-ambiguous-alias", method: "GET", path: "/connector-plugins/Value/config"},
		{name: "validate-transforms", method: "PUT", path: "/connector-plugins/FileStreamSink/config/validate",
			body: `{"connector.class":"FileStreamSink","name":"smt","topics":"a","transforms":"route,drop",` +
				`"transforms.route.type":"org.apache.kafka.connect.transforms.RegexRouter","transforms.route.regex":"(.*)",` +
				`"transforms.route.replacement":"$1-routed","transforms.drop.type":"Filter","transforms.drop.predicate":"isB",` +
				`"transforms.drop.negate":"true","predicates":"isB","predicates.isB.type":"TopicNameMatches","predicates.isB.pattern":"b.*"}`},
		{name: "validate-transforms-invalid", method: "PUT", path: "/connector-plugins/FileStreamSink/config/validate",
			body: `{"connector.class":"FileStreamSink","name":"smt","topics":"a","transforms":"route,cast,route,ts,x,",` +
				`"transforms.route.type":"RegexRouter","transforms.route.regex":".*","transforms.route.negate":"maybe",` +
				`"transforms.cast.type":"org.apache.kafka.connect.transforms.Cast","transforms.x.type":"NoSuchTransform",` +
				`"transforms.ts.type":"org.apache.kafka.connect.transforms.TimestampConverter$Value","transforms.ts.target.type":"bogus",` +
				`"transforms.ts.predicate":"undefined","predicates":"p,h,p","predicates.p.type":"RegexRouter",` +
				`"predicates.h.type":"HasHeaderKey","predicates.h.name":""}`},
		{name: "validate-transforms-bad-regex", method: "PUT", path: "/connector-plugins/FileStreamSink/config/validate",
			body: `{"connector.class":"FileStreamSink","name":"smt","topics":"a","transforms":"route",` +
				`"transforms.route.type":"RegexRouter","transforms.route.regex":"(","transforms.route.replacement":"x"}`},
		{name: "validate-transform-as-connector", method: "PUT", path: "/connector-plugins/RegexRouter/config/validate",
			body: `{"connector.class":"RegexRouter","name":"smt"}`},
		{name: "unknown-path", method: "GET", path: "/no/such/path"},
		{name: "method-not-allowed", method: "DELETE", path: "/connectors"},
		// initial_state (KIP-980): a connector created STOPPED has no tasks until resumed.
		{name: "create-stopped", method: "POST", path: "/connectors",
			body: fmt.Sprintf(`{"name":%q,"config":%s,"initial_state":"STOPPED"}`, name, cfg(""))},
		{name: "status-created-stopped", method: "GET", path: c + "/status", before: waitState("STOPPED", 0)},
		{name: "tasks-created-stopped", method: "GET", path: c + "/tasks"},
		{name: "resume-created-stopped", method: "PUT", path: c + "/resume"},
		{name: "status-resumed", method: "GET", path: c + "/status", before: waitState("RUNNING", 1)},
		{name: "delete-again", method: "DELETE", path: c},
		{name: "create-by-put", method: "PUT", path: "/connectors/put-src/config", before: gone, body: cfg("")},
		{name: "delete-put", method: "DELETE", path: "/connectors/put-src", before: func(t *testing.T, g *ixGroup, m member) {
			g.waitAll(t, []string{"put-src"}, 2*time.Minute, "RUNNING", running(1))
		}},
		{name: "list-final", method: "GET", path: "/connectors", before: func(t *testing.T, g *ixGroup, m member) {
			err := poll(context.Background(), time.Minute, func() (bool, error) {
				code, b, err := g.e.do(http.MethodGet, m.url("/connectors"), nil)
				return err == nil && code == 200 && string(b) == "[]", nil
			})
			if err != nil {
				t.Fatalf("connectors left via %s: %v", kindOf(m), err)
			}
		}},
	}
}

// clip shortens a body for the log.
func clip(b []byte) string {
	if len(b) > 160 {
		return string(b[:160]) + "…"
	}
	return string(b)
}
