package api

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

// specRoutes reads the paths of openapi.yaml with just enough YAML for the document's block style: a path is
// a two-space-indented key under "paths:", a method a four-space-indented key under it, and
// "x-internal: true" six spaces in marks an internal operation. It returns "METHOD /path" → internal.
func specRoutes(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]bool{"get": true, "put": true, "post": true, "delete": true, "patch": true, "head": true, "options": true}
	out := map[string]bool{}
	inPaths := false
	var path, op string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		if indent == 0 {
			inPaths = trimmed == "paths:"
			continue
		}
		if !inPaths {
			continue
		}
		key, _, _ := strings.Cut(trimmed, ":")
		switch indent {
		case 2:
			path, op = strings.Trim(key, `"'`), ""
		case 4:
			op = ""
			if methods[key] {
				op = strings.ToUpper(key) + " " + path
				if _, dup := out[op]; dup {
					t.Errorf("openapi.yaml lists %s twice", op)
				}
				out[op] = false
			}
		case 6:
			if op != "" && trimmed == "x-internal: true" {
				out[op] = true
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	spec := specRoutes(t)
	routes := map[string]bool{}
	for _, r := range Routes() {
		routes[r.Method+" "+r.Pattern] = r.Internal
	}
	for k, internal := range routes {
		specInternal, ok := spec[k]
		switch {
		case !ok:
			t.Errorf("route %s is missing from openapi.yaml", k)
		case specInternal != internal:
			t.Errorf("route %s: x-internal is %v in openapi.yaml, internal is %v in the router", k, specInternal, internal)
		}
	}
	for k := range spec {
		if _, ok := routes[k]; !ok {
			t.Errorf("openapi.yaml documents %s, which the router does not serve", k)
		}
	}
	if len(spec) < 30 {
		t.Errorf("openapi.yaml reader found only %d operations; is the reader broken?", len(spec))
	}
}

func TestRoutesMatchRouter(t *testing.T) {
	s := newTestServer(t, seededHerder(t))
	var walked []string
	err := chi.Walk(s.Handler().(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		walked = append(walked, method+" "+route)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, r := range Routes() {
		listed = append(listed, r.Method+" "+r.Pattern)
	}
	slices.Sort(walked)
	slices.Sort(listed)
	if !slices.Equal(walked, listed) {
		t.Errorf("router serves\n%v\nRoutes() lists\n%v", walked, listed)
	}
}
