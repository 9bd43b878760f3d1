package openapicheck

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// fixtures is what the generator knows of the cluster: names that exist.
type fixtures struct {
	existing string // the fixture connector
	tasks    int    // its number of tasks
	// plugins are the classes of every plugin and their aliases; connectors those of the connector plugins.
	plugins, connectors []string
	loggers             []string
}

// policy says how requests to an operation are kept from changing the cluster.
type policy int

const (
	// readOnly operations (GET) change nothing: every request is sent, valid ones against the fixture too.
	readOnly policy = iota
	// byUnknownName writes have a {connector} parameter: they name unknown connectors only, except that the
	// fixture may get bodies the server cannot decode (rejected before anything is looked up). Their bodies
	// name no plugin, so that a config PUT to an unknown name fails validation instead of creating it.
	byUnknownName
	// noConnectorClass is createConnector: its bodies name no plugin, so validation rejects every one.
	noConnectorClass
	// noValidLevel is setLevel: its bodies never carry a valid level, so every one is rejected.
	noValidLevel
	// pure operations write nothing although their method is not GET (validateConfigs).
	pure
	// undecodableOnly is any other write: only bodies the server cannot decode are sent.
	undecodableOnly
)

// policyOf classifies an operation. Operations the checker does not know are undecodableOnly, so that a new
// endpoint in the document is exercised without ever being asked to do something.
func policyOf(op *Operation) policy {
	switch {
	case op.Method == http.MethodGet || op.Method == http.MethodHead:
		return readOnly
	case op.ID == "validateConfigs":
		return pure
	case op.pathParam("connector"):
		return byUnknownName
	case op.ID == "createConnector":
		return noConnectorClass
	case op.ID == "setLevel":
		return noValidLevel
	default:
		return undecodableOnly
	}
}

// harmlessAccept lists the writes whose success changes nothing for the requests the checker sends: validation
// writes nothing, and resetting the topics of an unknown connector has nothing to reset (Kafka Connect answers
// 202 there, not 404).
var harmlessAccept = map[string]bool{"validateConfigs": true, "resetConnectorActiveTopics": true}

func (o *Operation) pathParam(name string) bool {
	return slices.ContainsFunc(o.Params, func(p *Parameter) bool { return p.In == "path" && p.Name == name })
}

// kind is the family of a generated request.
type kind int

const (
	kindValid       kind = iota // shaped as the document says
	kindPathParam               // one path parameter mangled
	kindQuery                   // query parameters mangled
	kindBody                    // body mangled
	kindContentType             // a valid body with a media type other than JSON
	kindMethod                  // a method the document does not list for the path
	kindUnknownPath             // a path the document does not list
)

var kindNames = [...]string{"valid", "path parameter", "query", "body", "content type", "method", "unknown path"}

func (k kind) String() string { return kindNames[k] }

// kindWeights are the odds of each kind among those that apply to an operation. Methods the document does
// not list have targets of their own.
var kindWeights = [...]int{20, 10, 10, 45, 5, 0, 5}

// request is one generated request.
type request struct {
	index int
	// key names the operation for the report: "METHOD /path", with a note for wrong methods and paths.
	key         string
	op          *Operation
	kind        kind
	variant     string // what was done to the request
	method      string
	path        string // escaped path and query
	contentType string
	body        []byte
	// want is the exact status the request must get, 0 for any below 500.
	want int
	// wantMessage is the exact error message the request must get, "" for any.
	wantMessage string
	// write is set when the request may change state if accepted.
	write bool
	// skip is why the request is not sent: the generator could not make it safe.
	skip string
}

// Kafka Connect's (Jersey's) messages for answers the router makes.
const (
	msgNotFound         = "HTTP 404 Not Found"
	msgMethodNotAllowed = "HTTP 405 Method Not Allowed"
	msgUnsupportedMedia = "HTTP 415 Unsupported Media Type"
)

// maxBody is the server's request body limit (api.MaxBodyBytes); larger bodies get 413.
const maxBody = 1 << 20

// generator derives requests from the document. Request i depends only on the seed, the fixtures and i, so a
// failing request can be rebuilt alone.
type generator struct {
	spec *Spec
	seed uint64
	fx   fixtures
	// targets are walked in turn: request i is for targets[i%len(targets)].
	targets []target
	levels  []string // valid log levels, upper case, from the document's LoggerLevelRequest
}

// target is an operation, or a path to send the methods the document does not list for it.
type target struct {
	op *Operation
	// wrongMethods is set for a path target: the methods to send to op.Path in turn, one per round.
	wrongMethods []string
}

func newGenerator(spec *Spec, seed uint64, fx fixtures) *generator {
	g := &generator{spec: spec, seed: seed, fx: fx}
	// A round has every operation, those with a body three times (bodies have the most ways to go wrong), and
	// every path once for the methods the document does not list, so that a few hundred requests send every
	// path every such method.
	for _, op := range spec.Operations {
		n := 1
		if op.Body != nil {
			n = 3
		}
		for range n {
			g.targets = append(g.targets, target{op: op})
		}
	}
	seen := map[string]bool{}
	for _, op := range spec.Operations {
		if !seen[op.Path] {
			seen[op.Path] = true
			g.targets = append(g.targets, target{op: op, wrongMethods: g.wrongMethods(op.Path)})
		}
	}
	if lr := spec.resolve(spec.schemas["LoggerLevelRequest"]); lr != nil {
		if lvl := spec.resolve(lr.Properties["level"]); lvl != nil {
			for _, v := range lvl.Enum {
				g.levels = append(g.levels, strings.ToUpper(fmt.Sprint(v)))
			}
		}
	}
	return g
}

// request builds request i.
func (g *generator) request(i int) request {
	t := g.targets[i%len(g.targets)]
	b := &builder{
		g:      g,
		r:      rand.New(rand.NewPCG(g.seed, uint64(i))),
		op:     t.op,
		params: map[string]string{},
	}
	b.pol = policyOf(b.op)
	if t.wrongMethods != nil {
		b.kind, b.method = kindMethod, t.wrongMethods[i/len(g.targets)%len(t.wrongMethods)]
	}
	req := b.build()
	req.index = i
	return req
}

// builder assembles one request.
type builder struct {
	g   *generator
	r   *rand.Rand
	op  *Operation
	pol policy

	kind        kind
	variant     string
	method      string
	params      map[string]string // raw (unescaped) path parameter values
	query       []string          // escaped name=value pieces
	path        string            // set for unknown paths: the whole escaped path
	body        []byte
	contentType string
	// broken is set when the server cannot decode the body at all (it rejects it before any lookup).
	broken      bool
	want        int
	wantMessage string
	skip        string
}

func (b *builder) build() request {
	if b.kind != kindMethod {
		b.method = b.op.Method
		b.kind = b.pickKind()
	}
	b.variant = b.kind.String()
	b.fillParams()
	b.fillQuery()
	if b.op.Body != nil && b.kind != kindMethod {
		b.fillBody()
	}
	if b.kind == kindMethod {
		b.wrongMethod()
	}
	if b.kind == kindValid && b.method == http.MethodGet && b.r.IntN(8) == 0 {
		// JAX-RS answers HEAD like GET, without the body.
		b.method, b.variant = http.MethodHead, "HEAD for GET"
	}
	b.secure()
	if b.kind == kindUnknownPath {
		b.unknownPath()
	}
	key := b.method + " " + b.op.Path
	switch b.kind {
	case kindMethod:
		key = b.method + " " + b.op.Path + " (method not in the document)"
	case kindUnknownPath:
		key = b.method + " (path not in the document)"
	}
	return request{
		key:         key,
		op:          b.op,
		kind:        b.kind,
		variant:     b.variant,
		method:      b.method,
		path:        b.fullPath(),
		contentType: b.contentType,
		body:        b.body,
		want:        b.want,
		wantMessage: b.wantMessage,
		write:       isWrite(b.method),
		skip:        b.skip,
	}
}

func isWrite(method string) bool {
	return method != http.MethodGet && method != http.MethodHead
}

func (b *builder) pickKind() kind {
	ok := func(k kind) bool {
		switch k {
		case kindValid:
			// A write the checker cannot make harmless has no valid form worth sending.
			return b.pol != undecodableOnly
		case kindPathParam:
			return slices.ContainsFunc(b.op.Params, func(p *Parameter) bool { return p.In == "path" })
		case kindBody, kindContentType:
			return b.op.Body != nil
		case kindMethod:
			// Path targets send those.
			return false
		}
		return true
	}
	total := 0
	for k, w := range kindWeights {
		if ok(kind(k)) {
			total += w
		}
	}
	n := b.r.IntN(total)
	for k, w := range kindWeights {
		if !ok(kind(k)) {
			continue
		}
		if n < w {
			return kind(k)
		}
		n -= w
	}
	return kindQuery
}

// fillParams sets every path parameter; with kindPathParam one of them is mangled.
func (b *builder) fillParams() {
	var names []string
	for _, p := range b.op.Params {
		if p.In == "path" {
			names = append(names, p.Name)
		}
	}
	mangle := ""
	if b.kind == kindPathParam {
		mangle = names[b.r.IntN(len(names))]
	}
	fx := b.g.fx
	for _, name := range names {
		var v string
		switch {
		case name == mangle && name == "task":
			v = pick(b.r, weirdTasks)
			b.variant = "path parameter task=" + quote(v)
		case name == mangle:
			v = b.weirdName()
			b.variant = "path parameter " + name + "=" + quote(v)
		case name == "connector" && b.pol == readOnly && b.r.IntN(4) > 0:
			v = fx.existing
		case name == "connector":
			v = b.unknownName()
		case name == "task":
			v = strconv.Itoa(b.r.IntN(max(fx.tasks, 1)))
		case name == "plugin" && len(fx.connectors) > 0 && b.r.IntN(3) > 0:
			v = pick(b.r, fx.connectors)
		case name == "plugin" && len(fx.plugins) > 0:
			v = pick(b.r, fx.plugins)
		case name == "logger" && len(fx.loggers) > 0 && b.r.IntN(3) > 0:
			v = pick(b.r, fx.loggers)
		case name == "logger":
			v = "org.example.openapicheck"
		default:
			v = b.unknownName()
		}
		b.params[name] = v
	}
}

func (b *builder) unknownName() string { return fmt.Sprintf("openapicheck-%08x", b.r.Uint32()) }

// weirdNames are names that stress path handling: escapes, spaces, unicode, dot segments, characters with a
// meaning in URLs, control characters, invalid UTF-8.
var weirdNames = []string{
	"openapicheck/with/slashes", "openapicheck%2Fliteral", "a b", " leading", "trailing ", " ", "\t", "",
	"ünïcødé-名前-😀", "\u202eright-to-left", "\u0000nul", "line\nbreak", "\xff\xfeinvalid-utf8", ".", "..",
	"%", "?query=1", "#fragment", ";matrix=1", "a+b", "a&b=c", `back\slash`, `"quoted"`, "<tag>", "${env:HOME}",
	"CON", "-", "null", "undefined", "0",
}

var weirdTasks = []string{"-1", "2147483648", "99999", "abc", "1.5", "0x1", " 1", "1 ", "", "007", "+1", "１", "1e3"}

func (b *builder) weirdName() string {
	switch n := b.r.IntN(len(weirdNames) + 3); {
	case n < len(weirdNames):
		return weirdNames[n]
	case n == len(weirdNames):
		// Long, but within the 8 KiB request line Kafka Connect's Jetty accepts.
		return strings.Repeat("long-", 200+b.r.IntN(800))
	case n == len(weirdNames)+1 && b.pol == readOnly:
		// Look-alikes of the fixture, only where the request can change nothing.
		return pick(b.r, []string{strings.ToUpper(b.g.fx.existing), b.g.fx.existing + " ", " " + b.g.fx.existing,
			b.g.fx.existing + "/", url.PathEscape(b.g.fx.existing)})
	default:
		return b.unknownName() + "-" + pick(b.r, []string{"ü", "%20", " ", "/x"})
	}
}

// fillQuery sets the query: declared parameters with valid values, and with kindQuery one mangling.
func (b *builder) fillQuery() {
	var qs []*Parameter
	for _, p := range b.op.Params {
		if p.In == "query" {
			qs = append(qs, p)
		}
	}
	for _, p := range qs {
		if b.r.IntN(2) == 0 {
			continue
		}
		for _, v := range b.queryValues(p) {
			b.query = append(b.query, queryPiece(p.Name, v))
		}
	}
	if b.kind != kindQuery {
		return
	}
	name := "openapicheck"
	if len(qs) > 0 && b.r.IntN(4) > 0 {
		name = qs[b.r.IntN(len(qs))].Name
	}
	garbage := pick(b.r, queryGarbage)
	switch b.r.IntN(6) {
	case 0:
		b.query = append(b.query, queryPiece(name, garbage))
		b.variant = "query " + name + "=" + quote(garbage)
	case 1:
		b.query = append(b.query, queryPiece(name, "true"), queryPiece(name, garbage))
		b.variant = "query " + name + " repeated"
	case 2:
		b.query = append(b.query, url.QueryEscape(name))
		b.variant = "query " + name + " without a value"
	case 3:
		b.query = append(b.query, queryPiece(strings.ToUpper(name), "true"))
		b.variant = "query " + strings.ToUpper(name) + " (case)"
	case 4:
		b.query = append(b.query, queryPiece(name, strings.Repeat("q", 2000+b.r.IntN(2000))))
		b.variant = "query " + name + " very long"
	default:
		b.query = append(b.query, "&&="+url.QueryEscape(garbage))
		b.variant = "query malformed"
	}
}

var queryGarbage = []string{"", "yes", "TRUE", "1", "0", "null", "ü", "%", "status,info", "STATUS", "a b", "-1",
	"cluster;drop", "worker\x00"}

func queryPiece(name, value string) string {
	return url.QueryEscape(name) + "=" + url.QueryEscape(value)
}

// queryValues returns values a parameter accepts: one, or several for an exploded array.
func (b *builder) queryValues(p *Parameter) []string {
	sc := b.g.spec.resolve(p.Schema)
	if sc == nil {
		return []string{"true"}
	}
	if sc.Type == "array" {
		item := b.g.spec.resolve(sc.Items)
		var out []string
		for range 1 + b.r.IntN(2) {
			out = append(out, b.scalarFor(item))
		}
		return out
	}
	return []string{b.scalarFor(sc)}
}

func (b *builder) scalarFor(sc *Schema) string {
	switch {
	case sc == nil:
		return "x"
	case len(sc.Enum) > 0:
		return fmt.Sprint(pick(b.r, sc.Enum))
	case sc.Type == "boolean":
		return strconv.FormatBool(b.r.IntN(2) == 0)
	case sc.Type == "integer":
		return strconv.Itoa(b.r.IntN(10))
	}
	return pick(b.r, stringPool)
}

// wrongMethods are the methods the document does not list for a path. HEAD counts only where there is no GET
// (JAX-RS answers HEAD like GET).
func (g *generator) wrongMethods(path string) []string {
	listed := g.spec.Methods(path)
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodPatch,
		http.MethodTrace, http.MethodOptions} {
		if !slices.Contains(listed, m) {
			out = append(out, m)
		}
	}
	if !slices.Contains(listed, http.MethodGet) {
		out = append(out, http.MethodHead)
	}
	return out
}

func (b *builder) wrongMethod() {
	b.variant = "method " + b.method + " not in the document"
	// Jersey answers OPTIONS itself (200 with an Allow header), where connectd answers 405: only the general
	// rules apply to it.
	if b.method != http.MethodOptions {
		b.want, b.wantMessage = http.StatusMethodNotAllowed, msgMethodNotAllowed
	}
	if b.method == http.MethodPut || b.method == http.MethodPost || b.method == http.MethodPatch {
		if b.r.IntN(2) == 0 {
			b.body, b.contentType = []byte(`{"openapicheck":"x"}`), "application/json"
		}
	}
}

// unknownPath turns the path into one the document does not list.
func (b *builder) unknownPath() {
	base := b.templatePath()
	var candidates []string
	switch b.r.IntN(3) {
	case 0:
		candidates = append(candidates, base+"/openapicheck")
	case 1:
		candidates = append(candidates, strings.ToUpper(base))
	default:
		if i := strings.LastIndexByte(base, '/'); i >= 0 {
			candidates = append(candidates, base[:i+1]+"openapicheck-"+base[i+1:])
		}
	}
	// No template starts with /openapicheck: the last candidate always fits.
	candidates = append(candidates, "/openapicheck"+base)
	for _, c := range candidates {
		if !b.g.spec.matches(c) {
			b.path = c
			break
		}
	}
	b.variant = "path " + b.path + " not in the document"
	b.want, b.wantMessage = http.StatusNotFound, msgNotFound
}

// secure is the last word on safety: whatever the steps above did, a write that the server might accept and
// that could change the cluster is retargeted or not sent.
func (b *builder) secure() {
	if !isWrite(b.method) {
		return
	}
	if c, ok := b.params["connector"]; ok && resembles(c, b.g.fx.existing) {
		fixtureAllowed := b.pol == byUnknownName && b.broken && (b.kind == kindBody || b.kind == kindContentType)
		if !fixtureAllowed {
			b.params["connector"] = b.unknownName()
		}
	}
	if b.kind == kindMethod || b.kind == kindUnknownPath {
		return
	}
	if b.pol != pure && !b.broken && b.g.namesPlugin(b.body) {
		b.skip = "the body names a connector plugin"
		return
	}
	switch b.pol {
	case noValidLevel:
		if !b.broken && b.g.containsLevel(b.body) {
			b.skip = "the body carries a valid log level"
		}
	case undecodableOnly:
		if !b.broken {
			b.skip = "a write the checker cannot make harmless"
		}
	}
}

// resembles reports whether a name could reach the fixture connector: equal after unescaping, trimming or
// case folding.
func resembles(name, existing string) bool {
	for range 3 {
		if strings.EqualFold(strings.TrimSpace(name), existing) {
			return true
		}
		u, err := url.PathUnescape(name)
		if err != nil || u == name {
			break
		}
		name = u
	}
	return strings.EqualFold(strings.TrimSpace(name), existing)
}

func (g *generator) isLevel(s string) bool {
	return slices.Contains(g.levels, strings.ToUpper(strings.TrimSpace(s)))
}

// maxNameLen bounds the strings anyString looks at: plugin names and levels are short.
const maxNameLen = 256

// anyString reports whether any JSON string of body, as written (escapes not decoded), satisfies ok.
func anyString(body []byte, ok func(string) bool) bool {
	for i := 0; i < len(body); i++ {
		if body[i] != '"' {
			continue
		}
		start := i + 1
		for i = start; i < len(body) && body[i] != '"'; i++ {
			if body[i] == '\\' {
				i++
			}
		}
		if end := min(i, len(body)); end-start <= maxNameLen && ok(string(body[start:end])) {
			return true
		}
	}
	return false
}

// containsLevel reports whether any JSON string in body is a log level.
func (g *generator) containsLevel(body []byte) bool { return anyString(body, g.isLevel) }

// namesPlugin reports whether any JSON string in body names a plugin. Without one, a connector config fails
// validation: that is what keeps generated create and update requests from creating anything.
func (g *generator) namesPlugin(body []byte) bool {
	return anyString(body, func(s string) bool {
		return slices.ContainsFunc(g.fx.plugins, func(p string) bool { return strings.EqualFold(strings.TrimSpace(s), p) })
	})
}

// templatePath is the path with the parameters filled in, escaped.
func (b *builder) templatePath() string {
	p := b.op.Path
	for name, v := range b.params {
		p = strings.ReplaceAll(p, "{"+name+"}", url.PathEscape(v))
	}
	return p
}

func (b *builder) fullPath() string {
	p := b.path
	if p == "" {
		p = b.templatePath()
	}
	if len(b.query) > 0 {
		p += "?" + strings.Join(b.query, "&")
	}
	return p
}

// matches reports whether an escaped path matches a path template of the document (a trailing slash
// ignored, as Jersey does).
func (s *Spec) matches(path string) bool {
	path = strings.TrimRight(path, "/")
	if path == "" {
		path = "/"
	}
	segs := strings.Split(path, "/")
	for tmpl := range s.paths {
		tsegs := strings.Split(tmpl, "/")
		if len(tsegs) != len(segs) {
			continue
		}
		match := true
		for i, ts := range tsegs {
			isParam := strings.HasPrefix(ts, "{") && strings.HasSuffix(ts, "}")
			if !isParam && ts != segs[i] || isParam && segs[i] == "" {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// quote shows a generated value readably in a report.
func quote(s string) string {
	if len(s) > 60 {
		return strconv.Quote(s[:40]) + fmt.Sprintf("…(%d bytes)", len(s))
	}
	return strconv.Quote(s)
}
