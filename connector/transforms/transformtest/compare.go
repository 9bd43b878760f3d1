package transformtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"
)

// DiffRecords compares two REC documents (or the literal null, a dropped record) and returns "" when they are
// the same, or the path and values of the first difference. Envelopes are compared under their schema: see
// the package comment for what counts as the same.
func DiffRecords(want, got json.RawMessage) string {
	w, err := parse(want)
	if err != nil {
		return fmt.Sprintf("want does not parse: %v", err)
	}
	g, err := parse(got)
	if err != nil {
		return fmt.Sprintf("got does not parse: %v", err)
	}
	if w == nil || g == nil {
		if w == nil && g == nil {
			return ""
		}
		return fmt.Sprintf("want %s, got %s", show(w), show(g))
	}
	wm, ok1 := w.(map[string]any)
	gm, ok2 := g.(map[string]any)
	if !ok1 || !ok2 {
		return fmt.Sprintf("a record is an object: want %s, got %s", show(w), show(g))
	}
	if d := sameKeys("", wm, gm); d != "" {
		return d
	}
	for _, k := range sortedKeys(wm) {
		var d string
		switch k {
		case "key", "value":
			d = diffEnvelope(k, wm[k], gm[k])
		case "headers":
			d = diffHeaders(wm[k], gm[k])
		default:
			d = diffPlain(k, wm[k], gm[k])
		}
		if d != "" {
			return d
		}
	}
	return ""
}

func parse(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func diffHeaders(want, got any) string {
	w, ok1 := want.([]any)
	g, ok2 := got.([]any)
	if !ok1 || !ok2 {
		return diffPlain("headers", want, got)
	}
	if len(w) != len(g) {
		return fmt.Sprintf("headers: want %d, got %d: want %s, got %s", len(w), len(g), show(want), show(got))
	}
	for i := range w {
		path := fmt.Sprintf("headers[%d]", i)
		wh, ok1 := w[i].(map[string]any)
		gh, ok2 := g[i].(map[string]any)
		if !ok1 || !ok2 {
			return diffPlain(path, w[i], g[i])
		}
		if d := diffPlain(path+".key", wh["key"], gh["key"]); d != "" {
			return d
		}
		if d := diffEnvelope(path+".value", wh["value"], gh["value"]); d != "" {
			return d
		}
	}
	return ""
}

// diffEnvelope compares two {"schema","payload"} envelopes: the schemas, then the payloads under the schema.
func diffEnvelope(path string, want, got any) string {
	w, ok1 := want.(map[string]any)
	g, ok2 := got.(map[string]any)
	if !ok1 || !ok2 {
		return diffPlain(path, want, got)
	}
	if d := sameKeys(path, w, g); d != "" {
		return d
	}
	if d := diffSchema(path+".schema", w["schema"], g["schema"]); d != "" {
		return d
	}
	schema, _ := w["schema"].(map[string]any)
	return diffPayload(path+".payload", schema, w["payload"], g["payload"])
}

// diffSchema compares two JSON schemas of JsonConverter: member by member, "fields" in order, the nested
// schemas recursively and "default" as a payload of the schema itself.
func diffSchema(path string, want, got any) string {
	w, ok1 := want.(map[string]any)
	g, ok2 := got.(map[string]any)
	if !ok1 || !ok2 {
		return diffPlain(path, want, got)
	}
	if d := sameKeys(path, w, g); d != "" {
		return d
	}
	for _, k := range sortedKeys(w) {
		p := path + "." + k
		var d string
		switch k {
		case "fields":
			wf, ok1 := w[k].([]any)
			gf, ok2 := g[k].([]any)
			if !ok1 || !ok2 || len(wf) != len(gf) {
				return fmt.Sprintf("%s: want %s, got %s", p, show(w[k]), show(g[k]))
			}
			for i := range wf {
				if d := diffSchema(fmt.Sprintf("%s[%d]", p, i), wf[i], gf[i]); d != "" {
					return d
				}
			}
		case "items", "keys", "values":
			d = diffSchema(p, w[k], g[k])
		case "default":
			d = diffPayload(p, w, w[k], g[k])
		default:
			d = diffPlain(p, w[k], g[k])
		}
		if d != "" {
			return d
		}
	}
	return ""
}

// diffPayload compares two payloads of the same (want's) schema; a nil schema compares them as schemaless.
func diffPayload(path string, schema map[string]any, want, got any) string {
	if schema == nil {
		return diffSchemaless(path, want, got)
	}
	if want == nil || got == nil {
		if want == nil && got == nil {
			return ""
		}
		return fmt.Sprintf("%s: want %s, got %s", path, show(want), show(got))
	}
	switch schema["type"] {
	case "struct":
		w, ok1 := want.(map[string]any)
		g, ok2 := got.(map[string]any)
		if !ok1 || !ok2 {
			return diffPlain(path, want, got)
		}
		if d := sameKeys(path, w, g); d != "" {
			return d
		}
		fields, _ := schema["fields"].([]any)
		for _, f := range fields {
			fs, _ := f.(map[string]any)
			name, _ := fs["field"].(string)
			if d := diffPayload(path+"."+name, fs, w[name], g[name]); d != "" {
				return d
			}
		}
		return ""
	case "array":
		w, ok1 := want.([]any)
		g, ok2 := got.([]any)
		if !ok1 || !ok2 || len(w) != len(g) {
			return fmt.Sprintf("%s: want %s, got %s", path, show(want), show(got))
		}
		items, _ := schema["items"].(map[string]any)
		for i := range w {
			if d := diffPayload(fmt.Sprintf("%s[%d]", path, i), items, w[i], g[i]); d != "" {
				return d
			}
		}
		return ""
	case "map":
		keys, _ := schema["keys"].(map[string]any)
		values, _ := schema["values"].(map[string]any)
		if w, ok := want.(map[string]any); ok {
			g, ok := got.(map[string]any)
			if !ok {
				return diffPlain(path, want, got)
			}
			if d := sameKeys(path, w, g); d != "" {
				return d
			}
			for _, k := range sortedKeys(w) {
				if d := diffPayload(path+"."+k, values, w[k], g[k]); d != "" {
					return d
				}
			}
			return ""
		}
		return diffPairs(path, want, got, func(a, b any) bool {
			ap, bp := a.([]any), b.([]any)
			return diffPayload("", keys, ap[0], bp[0]) == "" && diffPayload("", values, ap[1], bp[1]) == ""
		})
	}
	return diffPlain(path, want, got)
}

// diffSchemaless compares payloads without a schema. An array of [key, value] pairs may be a map with
// non-string keys, which Java writes in HashMap order and Go sorted: when the ordered comparison fails, such
// arrays are compared as multisets.
func diffSchemaless(path string, want, got any) string {
	d := diffPlain(path, want, got)
	if d == "" || !isPairs(want) || !isPairs(got) {
		return d
	}
	if diffPairs(path, want, got, func(a, b any) bool { return diffPlain("", a, b) == "" }) == "" {
		return ""
	}
	return d
}

func isPairs(v any) bool {
	a, ok := v.([]any)
	if !ok {
		return false
	}
	for _, e := range a {
		if p, ok := e.([]any); !ok || len(p) != 2 {
			return false
		}
	}
	return true
}

// diffPairs compares two arrays of [key, value] pairs as multisets with same.
func diffPairs(path string, want, got any, same func(a, b any) bool) string {
	if !isPairs(want) || !isPairs(got) {
		return diffPlain(path, want, got)
	}
	w, g := want.([]any), got.([]any)
	if len(w) != len(g) {
		return fmt.Sprintf("%s: want %d entries, got %d: want %s, got %s", path, len(w), len(g), show(want), show(got))
	}
	used := make([]bool, len(g))
outer:
	for _, we := range w {
		for j, ge := range g {
			if !used[j] && same(we, ge) {
				used[j] = true
				continue outer
			}
		}
		return fmt.Sprintf("%s: entry %s missing: want %s, got %s", path, show(we), show(want), show(got))
	}
	return ""
}

// diffPlain compares two parsed JSON values: numbers by value, objects by members, arrays in order.
func diffPlain(path string, want, got any) string {
	switch w := want.(type) {
	case json.Number:
		g, ok := got.(json.Number)
		if !ok || !sameNumber(w, g) {
			return fmt.Sprintf("%s: want %s, got %s", path, show(want), show(got))
		}
		return ""
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: want %s, got %s", path, show(want), show(got))
		}
		if d := sameKeys(path, w, g); d != "" {
			return d
		}
		for _, k := range sortedKeys(w) {
			if d := diffPlain(path+"."+k, w[k], g[k]); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(w) != len(g) {
			return fmt.Sprintf("%s: want %s, got %s", path, show(want), show(got))
		}
		for i := range w {
			if d := diffPlain(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); d != "" {
				return d
			}
		}
		return ""
	}
	if want != got {
		return fmt.Sprintf("%s: want %s, got %s", path, show(want), show(got))
	}
	return ""
}

// sameNumber compares two JSON numbers by value. Both come from JSON, so they are finite decimals.
func sameNumber(a, b json.Number) bool {
	if a == b {
		return true
	}
	x, ok1 := new(big.Rat).SetString(string(a))
	y, ok2 := new(big.Rat).SetString(string(b))
	return ok1 && ok2 && x.Cmp(y) == 0
}

func sameKeys(path string, w, g map[string]any) string {
	var missing, extra []string
	for k := range w {
		if _, ok := g[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			extra = append(extra, k)
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return ""
	}
	sort.Strings(missing)
	sort.Strings(extra)
	where := path
	if where == "" {
		where = "record"
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing "+strings.Join(missing, ", "))
	}
	if len(extra) > 0 {
		parts = append(parts, "unexpected "+strings.Join(extra, ", "))
	}
	return fmt.Sprintf("%s: %s: want %s, got %s", where, strings.Join(parts, "; "), show(w), show(g))
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// show writes a parsed value back as compact JSON for a message.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
