package openapicheck

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func testGenerator(t *testing.T, seed uint64) *generator {
	t.Helper()
	spec, err := Load("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return newGenerator(spec, seed, fixtures{
		existing:   "openapi-fixture",
		tasks:      2,
		plugins:    []string{"FileStreamSource", "JsonConverter", "org.apache.kafka.connect.file.FileStreamSourceConnector"},
		connectors: []string{"FileStreamSource", "org.apache.kafka.connect.file.FileStreamSourceConnector"},
		loggers:    []string{"root"},
	})
}

func TestGeneratorIsDeterministic(t *testing.T) {
	a, b, other := testGenerator(t, 7), testGenerator(t, 7), testGenerator(t, 8)
	differ := 0
	for i := range 1000 {
		ra, rb := a.request(i), b.request(i)
		if !reflect.DeepEqual(ra, rb) {
			t.Fatalf("request %d differs between two generators with the same seed:\n%+v\n%+v", i, ra, rb)
		}
		if ro := other.request(i); ro.path != ra.path || !slices.Equal(ro.body, ra.body) {
			differ++
		}
	}
	if differ < 500 {
		t.Errorf("only %d of 1000 requests differ between seeds 7 and 8", differ)
	}
}

// TestGeneratedWritesSpareTheFixture checks the safety rules on many requests: a write reaches the fixture
// only with a body the server cannot decode, no write but validation names a plugin, and no logger write
// carries a valid level.
func TestGeneratedWritesSpareTheFixture(t *testing.T) {
	g := testGenerator(t, 1)
	const n = 5000
	skipped := 0
	for i := range n {
		r := g.request(i)
		if r.skip != "" {
			skipped++
			continue
		}
		if !r.write {
			continue
		}
		path, _, _ := strings.Cut(r.path, "?")
		if slices.Contains(strings.Split(path, "/"), g.fx.existing) {
			undecodable := slices.Contains([]int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType}, r.want)
			if !undecodable || r.kind != kindBody && r.kind != kindContentType {
				t.Errorf("request %d writes to the fixture with a body it may accept: %s %s [%s] %.200s", i, r.method, r.path, r.variant, r.body)
			}
		}
		if r.kind == kindMethod || r.kind == kindUnknownPath || r.want != 0 {
			continue
		}
		if r.op.ID != "validateConfigs" && g.namesPlugin(r.body) {
			t.Errorf("request %d names a plugin: %s %s %.200s", i, r.method, r.path, r.body)
		}
		if r.op.ID == "setLevel" && g.containsLevel(r.body) {
			t.Errorf("request %d sets a valid level: %s %s %.200s", i, r.method, r.path, r.body)
		}
	}
	if skipped > n/100 {
		t.Errorf("%d of %d requests skipped", skipped, n)
	}
}

// TestGeneratorCoverage checks that a few thousand requests reach every operation, every method the document
// does not list, and every kind of body mutation.
func TestGeneratorCoverage(t *testing.T) {
	g := testGenerator(t, 1)
	kinds := map[kind]bool{}
	valid := map[string]bool{}
	wrong := map[string]bool{}
	var variants []string
	for i := range 6000 {
		r := g.request(i)
		kinds[r.kind] = true
		switch r.kind {
		case kindValid:
			valid[r.op.Key()] = true
		case kindMethod:
			wrong[r.method+" "+r.op.Path] = true
		}
		variants = append(variants, r.variant)
	}
	if len(kinds) != len(kindNames) {
		t.Errorf("kinds generated: %v", kinds)
	}
	for _, op := range g.spec.Operations {
		if !valid[op.Key()] {
			t.Errorf("no valid request for %s", op.Key())
		}
		for _, m := range g.wrongMethods(op.Path) {
			if !wrong[m+" "+op.Path] {
				t.Errorf("method %s never sent to %s", m, op.Path)
			}
		}
	}
	for _, want := range []string{"body: null", "body: empty", "body: not JSON", "body: truncated", "body: wrong top-level type",
		"body: unterminated comment", "body over 1 MiB", "body: required property missing", "body: extra property",
		"body: value not in the enum", "KiB string", "body: nesting", "body: duplicate key", "body: invalid UTF-8",
		"body: comments", "body: byte-order mark", "body: object at", "body: null at",
		"content type", "path parameter connector=", "path parameter task=", "query ", "HEAD for GET"} {
		if !slices.ContainsFunc(variants, func(v string) bool { return strings.Contains(v, want) }) {
			t.Errorf("no request of the variant %q", want)
		}
	}
}

func TestParseRejectsDanglingReferences(t *testing.T) {
	doc := `
paths:
  /x/{id}:
    parameters:
      - $ref: "#/components/parameters/Missing"
    get:
      responses:
        "200": {description: ok}
  /y:
    put:
      requestBody:
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/Nope"
      responses:
        "200": {description: ok}
`
	_, err := Parse([]byte(doc))
	if err == nil {
		t.Fatal("Parse accepted dangling references")
	}
	for _, want := range []string{`"#/components/parameters/Missing"`, `"#/components/schemas/Nope"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}
