package openapicheck

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// fillBody sets a valid body, mangled for kindBody, or sent as another media type for kindContentType.
func (b *builder) fillBody() {
	bg := &bodyGen{spec: b.g.spec, r: b.r}
	switch b.pol {
	case pure:
		bg.allowClass = true
	case noValidLevel:
		bg.avoid = b.g.isLevel
	}
	root := bg.value(b.op.Body, nil, 0)
	if m, ok := root.(map[string]any); ok && bg.allowClass {
		// Mostly the plugin of the path, which the validate endpoint requires; sometimes another one.
		switch plugin, inPath := b.params["plugin"]; {
		case inPath && b.r.IntN(3) > 0:
			m["connector.class"] = plugin
		case len(b.g.fx.plugins) > 0 && b.r.IntN(2) == 0:
			m["connector.class"] = pick(b.r, b.g.fx.plugins)
		}
	}
	b.contentType = "application/json"
	switch b.kind {
	case kindBody:
		b.mutateBody(bg, root)
	case kindContentType:
		b.body = encode(root)
		b.contentType = pick(b.r, wrongMediaTypes)
		b.variant = "content type " + quote(b.contentType)
		b.broken, b.want, b.wantMessage = true, http.StatusUnsupportedMediaType, msgUnsupportedMedia
	default:
		b.body = encode(root)
	}
	// A byUnknownName write may send what the server cannot decode to the fixture itself.
	if b.pol == byUnknownName && b.broken && b.r.IntN(2) == 0 {
		b.params["connector"] = b.g.fx.existing
	}
}

// wrongMediaTypes are media types the server must answer 415 for. application/x-www-form-urlencoded is not
// among them: connectd reads it as JSON (what curl -d sends), a documented difference from Kafka Connect.
var wrongMediaTypes = []string{"text/plain", "application/xml", "text/html; charset=utf-8",
	"multipart/form-data; boundary=x", "application/octet-stream", "image/png", "not a media type", "application/"}

// mutateBody applies one body mutation to the valid value root.
func (b *builder) mutateBody(bg *bodyGen, root any) {
	top := b.g.spec.resolve(b.op.Body)
	undecodable := func(variant string, body []byte) {
		b.variant, b.body, b.broken, b.want = "body: "+variant, body, true, http.StatusBadRequest
	}
	valid := encode(root)
	switch b.r.IntN(18) {
	case 0:
		undecodable("null", []byte("null"))
	case 1:
		undecodable("empty", nil)
	case 2:
		undecodable("not JSON", []byte(pick(b.r, notJSON)))
	case 3:
		cut := 1 + b.r.IntN(max(len(valid)-1, 1))
		undecodable(fmt.Sprintf("truncated at %d of %d bytes", cut, len(valid)), valid[:min(cut, len(valid)-1)])
	case 4:
		undecodable("wrong top-level type", wrongTop(b.r, top))
	case 5:
		undecodable("unterminated comment", append([]byte("/* "), valid...))
	case 6:
		// Over the 1 MiB limit: 413 before any decoding.
		pad := `{"openapicheck":"` + strings.Repeat("x", maxBody) + `"}`
		b.variant, b.body, b.broken, b.want = "body over 1 MiB", []byte(pad), true, http.StatusRequestEntityTooLarge
	case 7:
		if !b.wrongType(bg, root) {
			undecodable("wrong top-level type", wrongTop(b.r, top))
		}
	case 8:
		b.missingRequired(bg, root)
	case 9:
		b.extraProperty(bg, root)
	case 10:
		if s, ok := bg.pickSlot(root, func(s slot) bool { return len(s.path) > 0 }); ok {
			root = setAt(root, s.path, nil)
			b.variant, b.body = "body: null at "+s.name(), encode(root)
		} else {
			undecodable("null", []byte("null"))
		}
	case 11:
		if s, ok := bg.pickSlot(root, func(s slot) bool { return len(s.path) > 0 && s.schema != nil && len(s.schema.Enum) > 0 }); ok {
			root = setAt(root, s.path, "OPENAPICHECK")
			b.variant, b.body = "body: value not in the enum at "+s.name(), encode(root)
		} else {
			b.extraProperty(bg, root)
		}
	case 12:
		n := (16 + b.r.IntN(112)) << 10
		if s, ok := bg.pickSlot(root, func(s slot) bool { return len(s.path) > 0 }); ok {
			root = setAt(root, s.path, strings.Repeat("h", n))
			b.variant, b.body = fmt.Sprintf("body: %d KiB string at %s", n>>10, s.name()), encode(root)
		} else {
			root = bg.addKey(root, strings.Repeat("h", n))
			b.variant, b.body = fmt.Sprintf("body: %d KiB string", n>>10), encode(root)
		}
	case 13:
		depth := 100 + b.r.IntN(1900)
		if s, ok := bg.pickSlot(root, func(s slot) bool { return len(s.path) > 0 }); ok {
			root = setAt(root, s.path, rawJSON(nested(depth, b.r.IntN(2) == 0)))
			b.variant, b.body = fmt.Sprintf("body: nesting %d deep at %s", depth, s.name()), encode(root)
		} else {
			// Deeper than any JSON parser's limit, and the wrong top-level type besides.
			undecodable("nesting 20000 deep", nested(20000, top == nil || top.Type != "array"))
		}
	case 14:
		b.variant, b.body = "body: duplicate key", duplicateKey(valid, b.r)
	case 15:
		if s, ok := bg.pickSlot(root, func(s slot) bool { return len(s.path) > 0 }); ok {
			root = setAt(root, s.path, rawJSON("\"\xff\xfe\xc3(invalid utf-8\""))
			b.variant, b.body = "body: invalid UTF-8 at "+s.name(), encode(root)
		} else {
			b.variant, b.body = "body: byte-order mark", append([]byte("\xef\xbb\xbf"), valid...)
		}
	case 16:
		b.variant, b.body = "body: comments", withComments(valid)
	default:
		b.variant, b.body = "body: byte-order mark", append([]byte("\xef\xbb\xbf"), valid...)
	}
}

var notJSON = []string{"connector.class=FileStreamSource", "<config/>", "{name: 'x'}", "{'a':'b'}", "\x00\x01\x02",
	"NaN", "undefined", "{\"a\":}", "[1,]", "{\"a\" \"b\"}", "\"unterminated", "{}{}", "tasks.max: 1\ntopics: x", "--"}

// wrongTop is a JSON document of another type than the schema's.
func wrongTop(r *rand.Rand, sc *Schema) []byte {
	if sc != nil && sc.Type == "array" {
		return []byte(pick(r, []string{`{}`, `{"a":"b"}`, `"x"`, `1`, `true`}))
	}
	return []byte(pick(r, []string{`[]`, `[{"a":"b"}]`, `"x"`, `1`, `-1.5e3`, `true`, `false`}))
}

// nested is depth arrays (or objects with key "a") inside each other.
func nested(depth int, arrays bool) []byte {
	open, end := "[", "]"
	if !arrays {
		open, end = `{"a":`, "}"
	}
	var buf bytes.Buffer
	buf.WriteString(strings.Repeat(open, depth))
	buf.WriteString("1")
	buf.WriteString(strings.Repeat(end, depth))
	return buf.Bytes()
}

// duplicateKey repeats the first key of an object document with another value in front of it; other
// documents are left as they are.
func duplicateKey(valid []byte, r *rand.Rand) []byte {
	if len(valid) < 2 || valid[0] != '{' || valid[1] == '}' {
		return valid
	}
	end := bytes.Index(valid, []byte(`":`))
	if end < 0 {
		return valid
	}
	key := valid[1 : end+1]
	dup := pick(r, []string{`"dup"`, `1`, `null`, `{}`})
	out := append([]byte{'{'}, key...)
	out = append(out, ':')
	out = append(out, dup...)
	out = append(out, ',')
	return append(out, valid[1:]...)
}

// withComments puts a block comment after the first character and a line comment on a line of its own at the
// end; connectd accepts both (Jackson's ALLOW_COMMENTS).
func withComments(valid []byte) []byte {
	if len(valid) == 0 {
		return valid
	}
	out := append([]byte{}, valid[0])
	out = append(out, " /* openapicheck */ "...)
	out = append(out, valid[1:]...)
	return append(out, "\n// openapicheck\n"...)
}

func (b *builder) wrongType(bg *bodyGen, root any) bool {
	s, ok := bg.pickSlot(root, func(s slot) bool { return len(s.path) > 0 })
	if !ok {
		return false
	}
	v := wrongValue(b.r, s.schema)
	root = setAt(root, s.path, v)
	b.variant, b.body = fmt.Sprintf("body: %s at %s", typeName(v), s.name()), encode(root)
	return true
}

// wrongValue is a value of another JSON type than the schema's.
func wrongValue(r *rand.Rand, sc *Schema) any {
	all := []any{"x", int64(42), 1.5, true, map[string]any{"a": int64(1)}, []any{"x"},
		rawJSON("9223372036854775808"), rawJSON("1e400")}
	var typ string
	if sc != nil {
		typ = sc.Type
	}
	for {
		v := pick(r, all)
		if typ == "" || typeName(v) != typ {
			return v
		}
	}
}

func typeName(v any) string {
	switch v := v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case rawJSON:
		return "number " + string(v)
	}
	return "null"
}

func (b *builder) missingRequired(bg *bodyGen, root any) {
	s, ok := bg.pickSlot(root, func(s slot) bool {
		m, isMap := getAt(root, s.path).(map[string]any)
		if !isMap || s.schema == nil {
			return false
		}
		for _, req := range s.schema.Required {
			if _, has := m[req]; has {
				return true
			}
		}
		return false
	})
	if ok {
		m := getAt(root, s.path).(map[string]any)
		var present []string
		for _, req := range s.schema.Required {
			if _, has := m[req]; has {
				present = append(present, req)
			}
		}
		k := pick(b.r, present)
		delete(m, k)
		where := quote(k)
		if len(s.path) > 0 {
			where = s.name() + "." + where
		}
		b.variant, b.body = "body: required property missing: "+where, encode(root)
		return
	}
	if m, isMap := root.(map[string]any); isMap && len(m) > 0 {
		k := pick(b.r, sortedKeys(m))
		delete(m, k)
		b.variant, b.body = "body: property removed: "+k, encode(root)
		return
	}
	b.variant, b.body = "body: empty object", []byte("{}")
}

func (b *builder) extraProperty(bg *bodyGen, root any) {
	s, ok := bg.pickSlot(root, func(s slot) bool {
		_, isMap := getAt(root, s.path).(map[string]any)
		return isMap
	})
	if !ok {
		b.variant, b.body = "body: extra property on a non-object", encode(root)
		return
	}
	m := getAt(root, s.path).(map[string]any)
	k := "openapicheck.extra"
	if b.r.IntN(2) == 0 {
		k = bg.key()
	}
	m[k] = bg.scalar()
	b.variant, b.body = "body: extra property "+quote(k)+" at "+s.name(), encode(root)
}

// bodyGen generates values conforming to a schema and remembers where each value sits, for mutations.
type bodyGen struct {
	spec *Spec
	r    *rand.Rand
	// allowClass lets generated maps carry connector.class; only pure operations get one.
	allowClass bool
	// avoid rejects strings that must not appear in the body.
	avoid func(string) bool
	slots []slot
}

// slot is a generated value: its path from the root and its schema (nil when free-form).
type slot struct {
	path   []any // string keys and int indices
	schema *Schema
}

func (s slot) name() string {
	if len(s.path) == 0 {
		return "the top level"
	}
	var sb strings.Builder
	for i, p := range s.path {
		switch p := p.(type) {
		case string:
			if i > 0 {
				sb.WriteByte('.')
			}
			sb.WriteString(quote(p))
		case int:
			fmt.Fprintf(&sb, "[%d]", p)
		}
	}
	return sb.String()
}

// maxGenDepth bounds the nesting of generated values.
const maxGenDepth = 6

func (bg *bodyGen) value(sc *Schema, path []any, depth int) any {
	sc = bg.spec.resolve(sc)
	bg.slots = append(bg.slots, slot{path: slices.Clone(path), schema: sc})
	if sc == nil || depth > maxGenDepth {
		return bg.freeForm(depth)
	}
	if len(sc.AllOf) > 0 {
		return bg.value(sc.AllOf[0], path, depth)
	}
	if len(sc.OneOf) > 0 {
		return bg.value(pick(bg.r, sc.OneOf), path, depth)
	}
	if sc.Nullable && bg.r.IntN(8) == 0 {
		return nil
	}
	if len(sc.Enum) > 0 {
		v := pick(bg.r, sc.Enum)
		if s, ok := v.(string); ok {
			if bg.avoid != nil && bg.avoid(s) {
				return "openapicheck-level"
			}
			// The document says some enums are case-insensitive; mixed case is valid there.
			if bg.r.IntN(4) == 0 {
				return strings.ToLower(s)
			}
		}
		return v
	}
	switch sc.Type {
	case "object":
		m := map[string]any{}
		for _, name := range sortedKeys(sc.Properties) {
			if slices.Contains(sc.Required, name) || bg.r.IntN(2) == 0 {
				m[name] = bg.value(sc.Properties[name], append(path, name), depth+1)
			}
		}
		if ap := sc.AdditionalProperties; ap != nil && ap.Allowed {
			for range bg.r.IntN(4) {
				k := bg.key()
				m[k] = bg.value(ap.Schema, append(path, k), depth+1)
			}
		}
		return m
	case "array":
		out := []any{}
		for i := range 1 + bg.r.IntN(3) {
			out = append(out, bg.value(sc.Items, append(path, i), depth+1))
		}
		return out
	case "string":
		return bg.str()
	case "integer":
		return int64(bg.r.IntN(100))
	case "number":
		return bg.r.Float64() * 100
	case "boolean":
		return bg.r.IntN(2) == 0
	}
	return bg.freeForm(depth)
}

// freeForm is a value of any type, for schemas that allow anything.
func (bg *bodyGen) freeForm(depth int) any {
	if depth > maxGenDepth || bg.r.IntN(3) > 0 {
		return bg.scalar()
	}
	m := map[string]any{}
	for range bg.r.IntN(3) {
		m[bg.key()] = bg.scalar()
	}
	return m
}

func (bg *bodyGen) scalar() any {
	switch bg.r.IntN(5) {
	case 0:
		return int64(bg.r.IntN(1000)) - 10
	case 1:
		return bg.r.IntN(2) == 0
	case 2:
		return nil
	}
	return bg.str()
}

// stringPool holds strings that are valid JSON strings but awkward for a server.
var stringPool = []string{"", " ", "x", "openapicheck", "1", "-1", "0", "true", "null", "ü", "名前", "😀", "a b",
	"a/b", "a%2Fb", "\t", "\n", "\u0000", "\u2028", "\ufffd", "${env:HOME}", "<script>", "' OR 1=1", `\`, `"`,
	"1e309", "9223372036854775808", "org.example.Nope", strings.Repeat("s", 300)}

func (bg *bodyGen) str() string {
	for {
		s := pick(bg.r, stringPool)
		if bg.r.IntN(3) == 0 {
			s = fmt.Sprintf("openapicheck-%x", bg.r.Uint32())
		}
		if bg.avoid == nil || !bg.avoid(s) {
			return s
		}
	}
}

// keyPool holds config-like keys. connector.class is not among them: a config without one is rejected by
// validation, which is what keeps generated create and update requests from creating anything.
var keyPool = []string{"tasks.max", "topics", "topic", "file", "name", "key.converter", "value.converter",
	"transforms", "errors.tolerance", "header.converter", "config.action.reload", "mqtt.topics", "test.source.count",
	"openapicheck.key", "", " ", "ü", "a.b.c", "\u0000", "level", "CONNECTOR.CLASS", "connector.class ", "connector"}

func (bg *bodyGen) key() string {
	if bg.r.IntN(4) == 0 {
		return fmt.Sprintf("openapicheck.%x", bg.r.Uint32())
	}
	return pick(bg.r, keyPool)
}

// addKey adds a property to an object root, or wraps a non-object root so that v has somewhere to go.
func (bg *bodyGen) addKey(root any, v any) any {
	if m, ok := root.(map[string]any); ok {
		m[bg.key()] = v
		return m
	}
	return []any{v}
}

// pickSlot picks a slot that is still in the value and that ok accepts.
func (bg *bodyGen) pickSlot(root any, ok func(slot) bool) (slot, bool) {
	var cands []slot
	for _, s := range bg.slots {
		if _, present := lookup(root, s.path); present && ok(s) {
			cands = append(cands, s)
		}
	}
	if len(cands) == 0 {
		return slot{}, false
	}
	return pick(bg.r, cands), true
}

func lookup(root any, path []any) (any, bool) {
	cur := root
	for _, p := range path {
		switch p := p.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			if cur, ok = m[p]; !ok {
				return nil, false
			}
		case int:
			l, ok := cur.([]any)
			if !ok || p >= len(l) {
				return nil, false
			}
			cur = l[p]
		}
	}
	return cur, true
}

func getAt(root any, path []any) any {
	v, _ := lookup(root, path)
	return v
}

// setAt replaces the value at path (which lookup found) and returns the root.
func setAt(root any, path []any, v any) any {
	if len(path) == 0 {
		return v
	}
	parent := getAt(root, path[:len(path)-1])
	switch p := path[len(path)-1].(type) {
	case string:
		parent.(map[string]any)[p] = v
	case int:
		parent.([]any)[p] = v
	}
	return root
}

// rawJSON is written into a body as is.
type rawJSON string

// encode writes v as JSON with sorted keys and without HTML escaping; rawJSON values go in verbatim, so that
// bodies can hold what encoding/json would refuse or repair (invalid UTF-8, huge nesting).
func encode(v any) []byte {
	var buf bytes.Buffer
	encodeTo(&buf, v)
	return buf.Bytes()
}

func encodeTo(buf *bytes.Buffer, v any) {
	switch v := v.(type) {
	case nil:
		buf.WriteString("null")
	case rawJSON:
		buf.WriteString(string(v))
	case string:
		writeString(buf, v)
	case int64:
		buf.WriteString(strconv.FormatInt(v, 10))
	case float64:
		buf.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	case map[string]any:
		buf.WriteByte('{')
		for i, k := range sortedKeys(v) {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			encodeTo(buf, v[k])
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			encodeTo(buf, e)
		}
		buf.WriteByte(']')
	default:
		writeString(buf, fmt.Sprint(v))
	}
}

// writeString writes a JSON string; strconv's Go quoting differs from JSON's, so escape by hand. Invalid
// UTF-8 becomes U+FFFD, as encoding/json does (rawJSON carries invalid UTF-8 on purpose).
func writeString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	start := 0
	for i, r := range s {
		if r >= 0x20 && r != '"' && r != '\\' && r != utf8.RuneError {
			continue
		}
		buf.WriteString(s[start:i])
		switch {
		case r == '"' || r == '\\':
			buf.WriteByte('\\')
			buf.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(buf, `\u%04x`, r)
		default:
			buf.WriteRune(r)
		}
		start = i + utf8.RuneLen(r)
		if r == utf8.RuneError {
			_, size := utf8.DecodeRuneInString(s[i:])
			start = i + size
		}
	}
	buf.WriteString(s[start:])
	buf.WriteByte('"')
}
