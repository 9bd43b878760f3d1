// Package openapicheck sends requests generated from openapi.yaml to a running connectd cluster and checks the
// answers: no 5xx, no dropped connection, every 4xx in Kafka Connect's error format ({"error_code":N,
// "message":S} with N the status), 405 for methods and 404 for paths the document does not list, and nothing
// changed by the requests: the config topic does not grow and a fixture connector keeps its config and status.
//
// Requests are valid ones and mangled ones (path parameters, query parameters, bodies, media types, methods,
// paths), derived deterministically from a seed: request i depends only on the seed, the fixtures the checker
// reads from the cluster first and i, so a violation names what reproduces it.
//
// The checker never asks for a change: reads may be valid, but every write names an unknown connector or
// carries a body the server must reject (no connector class for creates and updates, no valid level for
// loggers, or a body that cannot be decoded at all, which alone may go to the fixture).
package openapicheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults of Options.
const (
	// DefaultN is the default number of requests.
	DefaultN = 500
	// DefaultTimeout bounds each request; the server's own limit is 90 s, so a request that needs longer hangs.
	DefaultTimeout = 30 * time.Second
)

// Options configures Run.
type Options struct {
	// BaseURLs are the workers' REST base URLs, e.g. http://127.0.0.1:8083; request i goes to
	// BaseURLs[i%len(BaseURLs)], so writes sent to followers are forwarded. Required.
	BaseURLs []string
	// Spec is the parsed OpenAPI document (Load). Required.
	Spec *Spec
	// Seed seeds the generator; the same seed and fixtures give the same requests.
	Seed uint64
	// N is the number of requests; default DefaultN.
	N int
	// Existing names a connector that exists and stays as it is: valid reads target it, writes never do
	// unless their body cannot be decoded. Required.
	Existing string
	// Client sends the requests; nil uses a client that follows no redirects.
	Client *http.Client
	// Timeout bounds each request; default DefaultTimeout.
	Timeout time.Duration
	// ConfigOffsets, when set, returns the end offset of every partition of the config topic; it is called
	// before and after the requests, and any change is a violation.
	ConfigOffsets func() (map[int32]int64, error)
}

// Report is what Run found.
type Report struct {
	Seed uint64
	// Sent counts the requests sent; Skipped those the generator could not make safe and did not send.
	Sent, Skipped int
	// Counts maps "METHOD /path" to the statuses answered and how often.
	Counts map[string]map[int]int
	// Kinds counts the requests by kind: valid, path parameter, query, body, content type, method, unknown path.
	Kinds map[string]int
	// Violations are the answers that broke a rule, in the order found.
	Violations []Violation
}

// Violation is one broken rule and the request that broke it. Request is -1 for the checks before and after
// the requests.
type Violation struct {
	Seed        uint64
	Request     int
	Op          string
	Variant     string
	Method      string
	URL         string
	ContentType string
	// Body and Response are excerpts.
	Body     string
	Status   int
	Response string
	Problem  string
}

func (v Violation) String() string {
	if v.Request < 0 {
		return v.Problem
	}
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d request #%d %s [%s]: %s\n", v.Seed, v.Request, v.Op, v.Variant, v.Problem)
	fmt.Fprintf(&b, "    %s %s", v.Method, v.URL)
	if v.ContentType != "" {
		fmt.Fprintf(&b, " (Content-Type: %s)", v.ContentType)
	}
	if v.Body != "" {
		fmt.Fprintf(&b, "\n    body: %s", v.Body)
	}
	fmt.Fprintf(&b, "\n    → %d %s", v.Status, v.Response)
	return b.String()
}

// String renders the report: the counts per operation and status, then the violations.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d: %d requests sent, %d skipped, %d violations\n", r.Seed, r.Sent, r.Skipped, len(r.Violations))
	for _, k := range slices.Sorted(maps.Keys(r.Kinds)) {
		fmt.Fprintf(&b, "  %s: %d\n", k, r.Kinds[k])
	}
	for _, op := range slices.Sorted(maps.Keys(r.Counts)) {
		fmt.Fprintf(&b, "  %s:", op)
		for _, st := range slices.Sorted(maps.Keys(r.Counts[op])) {
			fmt.Fprintf(&b, " %d×%d", st, r.Counts[op][st])
		}
		b.WriteByte('\n')
	}
	for _, v := range r.Violations {
		b.WriteString(v.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Run reads the fixtures from the cluster, sends opts.N generated requests and checks every answer, then
// checks that the fixture connector and the config topic are as they were. The error is for a check that
// could not run (bad options, fixture missing, offsets unreadable); broken rules are in the Report.
func Run(ctx context.Context, opts Options) (Report, error) {
	if len(opts.BaseURLs) == 0 || opts.Spec == nil || opts.Existing == "" {
		return Report{}, errors.New("openapicheck: BaseURLs, Spec and Existing are required")
	}
	if opts.N <= 0 {
		opts.N = DefaultN
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Client == nil {
		opts.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	c := &checker{opts: opts, rep: Report{Seed: opts.Seed, Counts: map[string]map[int]int{}, Kinds: map[string]int{}}}
	fx, err := c.fixtures(ctx)
	if err != nil {
		return c.rep, err
	}
	before, err := c.fixtureState(ctx)
	if err != nil {
		return c.rep, err
	}
	var offsetsBefore map[int32]int64
	if opts.ConfigOffsets != nil {
		if offsetsBefore, err = opts.ConfigOffsets(); err != nil {
			return c.rep, fmt.Errorf("config topic end offsets: %w", err)
		}
	}
	gen := newGenerator(opts.Spec, opts.Seed, fx)
	for i := range opts.N {
		if err := ctx.Err(); err != nil {
			return c.rep, err
		}
		req := gen.request(i)
		if req.skip != "" {
			c.rep.Skipped++
			continue
		}
		c.send(ctx, opts.BaseURLs[i%len(opts.BaseURLs)], req)
	}
	// A worker that crashed or hangs answers nothing.
	for _, base := range opts.BaseURLs {
		var info map[string]any
		if _, err := c.get(ctx, base, "/", &info); err != nil {
			c.global(fmt.Sprintf("worker %s does not answer after the requests: %v", base, err))
		}
	}
	if after, err := c.fixtureState(ctx); err != nil {
		c.global(fmt.Sprintf("connector %s cannot be read after the requests: %v", opts.Existing, err))
	} else {
		if !reflect.DeepEqual(before.config, after.config) {
			c.global(fmt.Sprintf("connector %s changed its config: before %s, after %s", opts.Existing, before.configRaw, after.configRaw))
		}
		if !reflect.DeepEqual(before.status, after.status) {
			c.global(fmt.Sprintf("connector %s changed its status: before %s, after %s", opts.Existing, before.statusRaw, after.statusRaw))
		}
	}
	if opts.ConfigOffsets != nil {
		offsetsAfter, err := opts.ConfigOffsets()
		if err != nil {
			return c.rep, fmt.Errorf("config topic end offsets: %w", err)
		}
		if !maps.Equal(offsetsBefore, offsetsAfter) {
			c.global(fmt.Sprintf("the config topic changed: end offsets before %v, after %v", offsetsBefore, offsetsAfter))
		}
	}
	return c.rep, nil
}

type checker struct {
	opts Options
	rep  Report
}

func (c *checker) global(problem string) {
	c.rep.Violations = append(c.rep.Violations, Violation{Seed: c.opts.Seed, Request: -1, Problem: problem})
}

// get fetches a JSON document from a worker.
func (c *checker) get(ctx context.Context, base, path string, v any) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.opts.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	return b, nil
}

// fixtures reads what the generator needs: the fixture's tasks, the plugins and the loggers.
func (c *checker) fixtures(ctx context.Context) (fixtures, error) {
	fx := fixtures{existing: c.opts.Existing}
	var tasks []json.RawMessage
	if _, err := c.get(ctx, c.opts.BaseURLs[0], "/connectors/"+url.PathEscape(c.opts.Existing)+"/tasks", &tasks); err != nil {
		return fx, fmt.Errorf("fixture connector: %w", err)
	}
	fx.tasks = len(tasks)
	var plugins []struct {
		Class string `json:"class"`
		Type  string `json:"type"`
	}
	if _, err := c.get(ctx, c.opts.BaseURLs[0], "/connector-plugins?connectorsOnly=false", &plugins); err != nil {
		return fx, err
	}
	for _, p := range plugins {
		// The aliases Kafka Connect accepts: the simple name, and the simple name without "Connector".
		names := []string{p.Class}
		simple := p.Class[strings.LastIndexByte(p.Class, '.')+1:]
		names = append(names, simple)
		if s, ok := strings.CutSuffix(simple, "Connector"); ok && s != "" {
			names = append(names, s)
		}
		fx.plugins = append(fx.plugins, names...)
		if p.Type == "source" || p.Type == "sink" {
			fx.connectors = append(fx.connectors, names...)
		}
	}
	for _, l := range []*[]string{&fx.plugins, &fx.connectors} {
		slices.Sort(*l)
		*l = slices.Compact(*l)
	}
	var loggers map[string]json.RawMessage
	if _, err := c.get(ctx, c.opts.BaseURLs[0], "/admin/loggers", &loggers); err != nil {
		return fx, err
	}
	fx.loggers = slices.Sorted(maps.Keys(loggers))
	return fx, nil
}

// state is the fixture connector's config and status.
type state struct {
	config, status       any
	configRaw, statusRaw []byte
}

func (c *checker) fixtureState(ctx context.Context) (state, error) {
	var s state
	var err error
	name := url.PathEscape(c.opts.Existing)
	if s.configRaw, err = c.get(ctx, c.opts.BaseURLs[0], "/connectors/"+name+"/config", &s.config); err != nil {
		return s, fmt.Errorf("fixture connector: %w", err)
	}
	if s.statusRaw, err = c.get(ctx, c.opts.BaseURLs[0], "/connectors/"+name+"/status", &s.status); err != nil {
		return s, fmt.Errorf("fixture connector: %w", err)
	}
	return s, nil
}

// maxResponse bounds what is read of an answer.
const maxResponse = 16 << 20

// send sends one request and checks the answer.
func (c *checker) send(ctx context.Context, base string, r request) {
	c.rep.Sent++
	c.rep.Kinds[r.kind.String()]++
	u := strings.TrimRight(base, "/") + r.path
	v := Violation{Seed: c.opts.Seed, Request: r.index, Op: r.key, Variant: r.variant, Method: r.method, URL: u,
		ContentType: r.contentType, Body: excerpt(r.body)}
	fail := func(problem string) {
		v.Problem = problem
		c.rep.Violations = append(c.rep.Violations, v)
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	var body io.Reader
	if r.body != nil || r.contentType != "" {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		fail("the request could not be built: " + err.Error())
		return
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.opts.Client.Do(req)
	if err != nil {
		fail("no answer: " + err.Error())
		return
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	v.Status, v.Response = resp.StatusCode, excerpt(data)
	counts := c.rep.Counts[r.key]
	if counts == nil {
		counts = map[int]int{}
		c.rep.Counts[r.key] = counts
	}
	counts[resp.StatusCode]++
	if err != nil {
		fail("the answer could not be read: " + err.Error())
		return
	}
	for _, p := range checkAnswer(r, resp, data) {
		fail(p)
	}
}

// checkAnswer returns the rules an answer breaks.
func checkAnswer(r request, resp *http.Response, body []byte) []string {
	var problems []string
	st := resp.StatusCode
	switch {
	case st >= 500 && !(r.method == r.op.Method && r.op.documents(st)):
		problems = append(problems, fmt.Sprintf("server error %d", st))
	case st < 200 || st >= 300 && st < 400:
		problems = append(problems, fmt.Sprintf("unexpected status %d", st))
	}
	if r.want != 0 && st != r.want {
		problems = append(problems, fmt.Sprintf("status %d, want %d", st, r.want))
	}
	hasBody := r.method != http.MethodHead
	if st >= 400 && st < 500 && hasBody {
		if p := checkErrorBody(st, resp.Header.Get("Content-Type"), body); p != "" {
			problems = append(problems, p)
		} else if r.wantMessage != "" {
			var em struct{ Message string }
			_ = json.Unmarshal(body, &em)
			if em.Message != r.wantMessage {
				problems = append(problems, fmt.Sprintf("message %q, want %q", em.Message, r.wantMessage))
			}
		}
	}
	if st >= 200 && st < 300 {
		if r.write && !harmlessAccept[r.op.ID] {
			problems = append(problems, "a write the checker meant to be rejected was accepted")
		}
		switch {
		case st == http.StatusNoContent && len(body) > 0:
			problems = append(problems, "204 with a body")
		case hasBody && r.op.PlainText:
			if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != "text/plain" {
				problems = append(problems, fmt.Sprintf("Content-Type %q, want text/plain", resp.Header.Get("Content-Type")))
			}
		case hasBody && len(body) > 0 && !json.Valid(body):
			problems = append(problems, "the body is not JSON")
		}
	}
	return problems
}

// checkErrorBody checks Kafka Connect's ErrorMessage: a JSON object with exactly error_code, an integer equal
// to the status, and message, a string.
func checkErrorBody(status int, contentType string, body []byte) string {
	if mt, _, err := mime.ParseMediaType(contentType); err != nil || mt != "application/json" {
		return fmt.Sprintf("error answer with Content-Type %q, want application/json", contentType)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil || fields == nil {
		return "error body is not a JSON object"
	}
	if dec.More() {
		return "error body has data after the object"
	}
	code, hasCode := fields["error_code"]
	msg, hasMsg := fields["message"]
	if !hasCode || !hasMsg || len(fields) != 2 {
		return fmt.Sprintf("error body has keys %v, want exactly error_code and message", slices.Sorted(maps.Keys(fields)))
	}
	n, err := strconv.Atoi(string(code))
	if err != nil {
		return fmt.Sprintf("error_code %s is not an integer", code)
	}
	if n != status {
		return fmt.Sprintf("error_code %d differs from the status %d", n, status)
	}
	var s string
	if err := json.Unmarshal(msg, &s); err != nil {
		return fmt.Sprintf("message %s is not a string", msg)
	}
	return ""
}

// excerpt shortens a body for a report.
func excerpt(b []byte) string {
	const n = 300
	if len(b) <= n {
		return string(b)
	}
	return fmt.Sprintf("%s…(%d bytes)", b[:n], len(b))
}
