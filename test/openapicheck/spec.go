package openapicheck

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Spec is the part of an OpenAPI 3.0 document the checker needs: operations, their parameters and request
// bodies, the statuses they document, and the component schemas those refer to.
type Spec struct {
	// Operations lists every path × method of the document, sorted by path, then in methodOrder.
	Operations []*Operation
	// paths maps each path template to the methods it documents.
	paths   map[string][]string
	schemas map[string]*Schema
}

// Operation is one path × method of the document.
type Operation struct {
	ID     string
	Method string
	// Path is the template, e.g. /connectors/{connector}/config.
	Path string
	// Params are the path and query parameters, path-level ones merged with the operation's own.
	Params []*Parameter
	// Body is the schema of the application/json request body, nil when the operation takes none.
	Body *Schema
	// Statuses are the statuses the document lists for the operation ("default" left out).
	Statuses []int
	// Internal marks x-internal operations (inter-worker endpoints).
	Internal bool
	// PlainText marks operations whose successful answers are text/plain, not JSON (GET /metrics).
	PlainText bool
}

// Key names the operation as "METHOD /path".
func (o *Operation) Key() string { return o.Method + " " + o.Path }

// documents reports whether the document lists status for the operation.
func (o *Operation) documents(status int) bool { return slices.Contains(o.Statuses, status) }

// Parameter is a path or query parameter.
type Parameter struct {
	Ref    string  `yaml:"$ref"`
	Name   string  `yaml:"name"`
	In     string  `yaml:"in"`
	Schema *Schema `yaml:"schema"`
}

// Schema is the subset of an OpenAPI schema object the generator understands.
type Schema struct {
	Ref                  string             `yaml:"$ref"`
	Type                 string             `yaml:"type"`
	Enum                 []any              `yaml:"enum"`
	Nullable             bool               `yaml:"nullable"`
	Properties           map[string]*Schema `yaml:"properties"`
	Required             []string           `yaml:"required"`
	AdditionalProperties *Additional        `yaml:"additionalProperties"`
	Items                *Schema            `yaml:"items"`
	AllOf                []*Schema          `yaml:"allOf"`
	OneOf                []*Schema          `yaml:"oneOf"`
}

// Additional is an additionalProperties value: a boolean or a schema.
type Additional struct {
	// Allowed is false for additionalProperties: false.
	Allowed bool
	// Schema constrains the extra properties; nil allows anything.
	Schema *Schema
}

// UnmarshalYAML accepts both forms of additionalProperties.
func (a *Additional) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		b, err := strconv.ParseBool(n.Value)
		if err != nil {
			return fmt.Errorf("additionalProperties: %w", err)
		}
		a.Allowed = b
		return nil
	}
	a.Allowed = true
	return n.Decode(&a.Schema)
}

// document mirrors the YAML layout.
type document struct {
	Paths      map[string]map[string]yaml.Node `yaml:"paths"`
	Components struct {
		Parameters map[string]*Parameter `yaml:"parameters"`
		Schemas    map[string]*Schema    `yaml:"schemas"`
	} `yaml:"components"`
}

type rawOperation struct {
	OperationID string       `yaml:"operationId"`
	Parameters  []*Parameter `yaml:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema *Schema `yaml:"schema"`
		} `yaml:"content"`
	} `yaml:"requestBody"`
	Responses map[string]yaml.Node `yaml:"responses"`
	Internal  bool                 `yaml:"x-internal"`
}

// methodOrder is the order operations of one path are listed in, and the methods a path can be asked with.
var methodOrder = []string{"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"}

// Load reads and parses an OpenAPI document.
func Load(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read openapi document: %w", err)
	}
	return Parse(b)
}

// Parse parses an OpenAPI document and resolves its parameter and schema references.
func Parse(b []byte) (*Spec, error) {
	var doc document
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("parse openapi document: %w", err)
	}
	s := &Spec{paths: map[string][]string{}, schemas: doc.Components.Schemas}
	resolveParam := func(p *Parameter) (*Parameter, error) {
		if p.Ref == "" {
			return p, nil
		}
		name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/")
		if r := doc.Components.Parameters[name]; ok && r != nil {
			return r, nil
		}
		return nil, fmt.Errorf("unresolvable parameter reference %q", p.Ref)
	}
	var errs []error
	for _, path := range sortedKeys(doc.Paths) {
		item := doc.Paths[path]
		var common []*Parameter
		if n, ok := item["parameters"]; ok {
			if err := n.Decode(&common); err != nil {
				errs = append(errs, fmt.Errorf("%s parameters: %w", path, err))
				continue
			}
		}
		for _, m := range methodOrder {
			n, ok := item[strings.ToLower(m)]
			if !ok {
				continue
			}
			var raw rawOperation
			if err := n.Decode(&raw); err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", m, path, err))
				continue
			}
			op := &Operation{ID: raw.OperationID, Method: m, Path: path, Internal: raw.Internal}
			// The operation's own parameters override the path's by name and location.
			byKey := map[string]*Parameter{}
			var order []string
			for _, p := range append(slices.Clone(common), raw.Parameters...) {
				rp, err := resolveParam(p)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s %s: %w", m, path, err))
					continue
				}
				k := rp.In + ":" + rp.Name
				if _, seen := byKey[k]; !seen {
					order = append(order, k)
				}
				byKey[k] = rp
			}
			for _, k := range order {
				op.Params = append(op.Params, byKey[k])
			}
			if raw.RequestBody != nil {
				if c, ok := raw.RequestBody.Content["application/json"]; ok {
					op.Body = c.Schema
				}
			}
			for code, n := range raw.Responses {
				if st, err := strconv.Atoi(code); err == nil {
					op.Statuses = append(op.Statuses, st)
					var resp struct {
						Content map[string]yaml.Node `yaml:"content"`
					}
					if err := n.Decode(&resp); err == nil && st < 300 {
						if _, text := resp.Content["text/plain"]; text {
							op.PlainText = true
						}
					}
				}
			}
			slices.Sort(op.Statuses)
			for _, p := range op.Params {
				if p.In == "path" && !strings.Contains(path, "{"+p.Name+"}") {
					errs = append(errs, fmt.Errorf("%s %s: path parameter %s is not in the path", m, path, p.Name))
				}
			}
			s.Operations = append(s.Operations, op)
			s.paths[path] = append(s.paths[path], m)
		}
	}
	// Every schema reference must resolve, so that generation never meets a dangling one.
	for _, op := range s.Operations {
		if op.Body != nil {
			if err := s.checkRefs(op.Body, 0); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", op.Key(), err))
			}
		}
	}
	if len(s.Operations) == 0 {
		errs = append(errs, errors.New("the document has no operations"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("openapi document: %w", err)
	}
	return s, nil
}

// maxSchemaDepth bounds reference chains, so that a recursive schema cannot loop the generator.
const maxSchemaDepth = 16

// resolve follows a schema's $ref chain.
func (s *Spec) resolve(sc *Schema) *Schema {
	for range maxSchemaDepth {
		if sc == nil || sc.Ref == "" {
			return sc
		}
		name, _ := strings.CutPrefix(sc.Ref, "#/components/schemas/")
		sc = s.schemas[name]
	}
	return sc
}

func (s *Spec) checkRefs(sc *Schema, depth int) error {
	if sc == nil || depth > maxSchemaDepth {
		return nil
	}
	if sc.Ref != "" {
		r := s.resolve(sc)
		if r == nil || r.Ref != "" {
			return fmt.Errorf("unresolvable schema reference %q", sc.Ref)
		}
		return s.checkRefs(r, depth+1)
	}
	var errs []error
	for _, name := range sortedKeys(sc.Properties) {
		errs = append(errs, s.checkRefs(sc.Properties[name], depth+1))
	}
	if sc.AdditionalProperties != nil {
		errs = append(errs, s.checkRefs(sc.AdditionalProperties.Schema, depth+1))
	}
	errs = append(errs, s.checkRefs(sc.Items, depth+1))
	for _, sub := range append(slices.Clone(sc.AllOf), sc.OneOf...) {
		errs = append(errs, s.checkRefs(sub, depth+1))
	}
	return errors.Join(errs...)
}

// Methods returns the methods the document lists for a path template.
func (s *Spec) Methods(path string) []string { return slices.Clone(s.paths[path]) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
