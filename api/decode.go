package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/connectd/connectd/herder"
	"github.com/connectd/connectd/storage/records"
)

// MaxBodyBytes is the largest request body the server reads; larger bodies get 413.
const MaxBodyBytes = 1 << 20

// Java type names used in Jackson-style messages, so that clients that grep Kafka Connect's errors still
// recognise ours.
const (
	javaString        = "`java.lang.String`"
	javaStringMap     = "`java.util.LinkedHashMap<java.lang.String,java.lang.String>`"
	javaObjectMap     = "`java.util.LinkedHashMap<java.lang.String,java.lang.Object>`"
	javaTaskConfigs   = "`java.util.ArrayList<java.util.Map<java.lang.String,java.lang.String>>`"
	javaMapRef        = "java.util.LinkedHashMap"
	classCreate       = "org.apache.kafka.connect.runtime.rest.herder.CreateConnectorRequest"
	classOffsets      = "org.apache.kafka.connect.runtime.rest.herder.ConnectorOffsets"
	classOffset       = "org.apache.kafka.connect.runtime.rest.herder.ConnectorOffset"
	classInitialState = "org.apache.kafka.connect.runtime.rest.herder.CreateConnectorRequest$InitialState"
)

// BodyError is a request body the server cannot accept: malformed JSON, a value of the wrong type, an unknown
// field, a missing part. The server answers 400 with Message. (Kafka Connect answers 500 for most of these;
// connectd treats them as the client errors they are.)
type BodyError struct {
	Message string
}

func (e *BodyError) Error() string { return e.Message }

func bodyErrorf(format string, args ...any) *BodyError {
	return &BodyError{Message: fmt.Sprintf(format, args...)}
}

// CreateRequest is a decoded POST /connectors body.
type CreateRequest struct {
	// Name is the trimmed connector name ("" when the body had none).
	Name string
	// Config is the connector config, with JSON nulls dropped and "name" set to Name.
	Config map[string]string
	// InitialState is the requested target state, "" when the body had no initial_state.
	InitialState records.TargetState
}

// initialStates maps the accepted initial_state names (upper-cased) to target states.
var initialStates = map[string]records.TargetState{
	"RUNNING": records.TargetStarted,
	"PAUSED":  records.TargetPaused,
	"STOPPED": records.TargetStopped,
}

// initialStateName is the inverse of initialStates, for re-encoding a request when it is forwarded.
func initialStateName(s records.TargetState) *string {
	for n, t := range initialStates {
		if t == s {
			return &n
		}
	}
	return nil
}

// DecodeCreateRequest decodes a POST /connectors body: {"name":S,"config":{S:S},"initial_state":S}. Comments
// are allowed, config values may be JSON strings, numbers or booleans (kept as written) or null (dropped),
// initial_state is case-insensitive. The name is trimmed; a "name" in config must equal it, otherwise it is
// inserted.
func DecodeCreateRequest(body []byte) (CreateRequest, error) {
	var req CreateRequest
	p, err := newParser(body)
	if err != nil {
		return req, err
	}
	tok, err := p.token()
	if err != nil {
		return req, err
	}
	if err := p.expectObject(tok, "`"+classCreate+"`"); err != nil {
		return req, err
	}
	var (
		haveConfig bool
		config     map[string]*string
	)
	for {
		key, done, err := p.objectKey()
		if err != nil {
			return req, err
		}
		if done {
			break
		}
		ref := classCreate + `["` + key + `"]`
		switch key {
		case "name":
			s, _, err := p.scalarString(ref)
			if err != nil {
				return req, err
			}
			req.Name = s
		case "config":
			tok, err := p.token()
			if err != nil {
				return req, err
			}
			if tok == nil {
				haveConfig, config = false, nil
				continue
			}
			if err := p.expectObjectAt(tok, javaStringMap, ref); err != nil {
				return req, err
			}
			config, err = p.stringMap(false, ref+"->")
			if err != nil {
				return req, err
			}
			haveConfig = true
		case "initial_state":
			s, isNull, err := p.scalarString(ref)
			if err != nil {
				return req, err
			}
			if isNull {
				req.InitialState = ""
				continue
			}
			st, ok := initialStates[strings.ToUpper(s)]
			if !ok {
				return req, bodyErrorf("Cannot deserialize value of type `%s` from String %q: not one of the values accepted for Enum class: [RUNNING, PAUSED, STOPPED] (through reference chain: %s)",
					classInitialState, s, ref)
			}
			req.InitialState = st
		default:
			return req, bodyErrorf(`Unrecognized field %q (class %s), not marked as ignorable (3 known properties: "name", "config", "initial_state"])`, key, classCreate)
		}
	}
	if err := p.end(); err != nil {
		return req, err
	}
	if !haveConfig {
		return req, bodyErrorf("Missing required creator property 'config': the request body must contain a \"config\" object")
	}
	req.Name = trimJava(req.Name)
	req.Config = dropNulls(config)
	if err := checkAndPutName(req.Name, req.Config); err != nil {
		return req, err
	}
	return req, nil
}

// trimJava trims like Java's String.trim: every char up to U+0020 at both ends.
func trimJava(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// checkAndPutName makes config's "name" agree with the connector name from the URL or the request, as Kafka
// Connect's ConnectorsResource.checkAndPutConnectorConfigName does.
func checkAndPutName(name string, config map[string]string) error {
	if included, ok := config["name"]; ok {
		if included != name {
			return &BodyError{Message: "Connector name configuration (" + included + ") doesn't match connector name in the URL (" + name + ")"}
		}
		return nil
	}
	config["name"] = name
	return nil
}

// DecodeConfigMap decodes a flat connector config {S:S}. Values may be JSON strings, numbers or booleans
// (kept exactly as written) or null: with keepNulls the key maps to nil (PATCH: remove the key), otherwise
// the key is left out (POST/PUT: not set). Comments are allowed.
func DecodeConfigMap(body []byte, keepNulls bool) (map[string]*string, error) {
	p, err := newParser(body)
	if err != nil {
		return nil, err
	}
	tok, err := p.token()
	if err != nil {
		return nil, err
	}
	if err := p.expectObject(tok, javaStringMap); err != nil {
		return nil, err
	}
	m, err := p.stringMap(keepNulls, "")
	if err != nil {
		return nil, err
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	return m, nil
}

// decodeStringMap is DecodeConfigMap without nulls, as a plain map.
func decodeStringMap(body []byte) (map[string]string, error) {
	m, err := DecodeConfigMap(body, false)
	if err != nil {
		return nil, err
	}
	return dropNulls(m), nil
}

func dropNulls(m map[string]*string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

// DecodeOffsets decodes a PATCH /connectors/{name}/offsets body: {"offsets":[{"partition":{…},"offset":{…}|null}]}.
// Integral numbers become int64, other numbers float64. An absent, null or empty offsets list is an error.
func DecodeOffsets(body []byte) ([]herder.ConnectorOffset, error) {
	p, err := newParser(body)
	if err != nil {
		return nil, err
	}
	tok, err := p.token()
	if err != nil {
		return nil, err
	}
	if err := p.expectObject(tok, "`"+classOffsets+"`"); err != nil {
		return nil, err
	}
	var offsets []herder.ConnectorOffset
	for {
		key, done, err := p.objectKey()
		if err != nil {
			return nil, err
		}
		if done {
			break
		}
		if key != "offsets" {
			return nil, bodyErrorf(`Unrecognized field %q (class %s), not marked as ignorable (one known property: "offsets"])`, key, classOffsets)
		}
		offsets, err = p.offsetList(classOffsets + `["offsets"]`)
		if err != nil {
			return nil, err
		}
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	if len(offsets) == 0 {
		return nil, &BodyError{Message: "Partitions / offsets need to be provided for an alter offsets request"}
	}
	return offsets, nil
}

func (p *parser) offsetList(ref string) ([]herder.ConnectorOffset, error) {
	tok, err := p.token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, p.typeError("`java.util.ArrayList<"+classOffset+">`", tok, ref)
	}
	out := []herder.ConnectorOffset{}
	for i := 0; ; i++ {
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		if d, ok := tok.(json.Delim); ok && d == ']' {
			return out, nil
		}
		elemRef := fmt.Sprintf("%s->java.util.ArrayList[%d]", ref, i)
		if tok == nil {
			return nil, bodyErrorf("Connector offset entries cannot be null (through reference chain: %s)", elemRef)
		}
		if err := p.expectObjectAt(tok, "`"+classOffset+"`", elemRef); err != nil {
			return nil, err
		}
		var off herder.ConnectorOffset
		for {
			key, done, err := p.objectKey()
			if err != nil {
				return nil, err
			}
			if done {
				break
			}
			fieldRef := elemRef + "->" + classOffset + `["` + key + `"]`
			var target *map[string]any
			switch key {
			case "partition":
				target = &off.Partition
			case "offset":
				target = &off.Offset
			default:
				return nil, bodyErrorf(`Unrecognized field %q (class %s), not marked as ignorable (2 known properties: "offset", "partition"])`, key, classOffset)
			}
			tok, err := p.token()
			if err != nil {
				return nil, err
			}
			if tok == nil {
				*target = nil
				continue
			}
			if err := p.expectObjectAt(tok, javaObjectMap, fieldRef); err != nil {
				return nil, err
			}
			m, err := p.anyObject()
			if err != nil {
				return nil, err
			}
			*target = m
		}
		out = append(out, off)
	}
}

// DecodeTaskConfigs decodes the body of the internal POST /connectors/{name}/tasks: a JSON array of flat
// config maps. Null values are dropped.
func DecodeTaskConfigs(body []byte) ([]map[string]string, error) {
	p, err := newParser(body)
	if err != nil {
		return nil, err
	}
	tok, err := p.token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, p.typeError(javaTaskConfigs, tok, "")
	}
	out := []map[string]string{}
	for i := 0; ; i++ {
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		if d, ok := tok.(json.Delim); ok && d == ']' {
			break
		}
		ref := fmt.Sprintf("java.util.ArrayList[%d]", i)
		if tok == nil {
			return nil, bodyErrorf("Task configs cannot be null (through reference chain: %s)", ref)
		}
		if err := p.expectObjectAt(tok, javaStringMap, ref); err != nil {
			return nil, err
		}
		m, err := p.stringMap(false, ref+"->")
		if err != nil {
			return nil, err
		}
		out = append(out, dropNulls(m))
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	return out, nil
}

// parser walks a JSON document token by token, with positions for messages.
type parser struct {
	src []byte
	dec *json.Decoder
	// start is the offset of the last token read, for messages that point at a value.
	start int64
}

// flattenedComment finds a "//" comment after a value, as in the user's annotated connector files (a "//"
// inside a URL such as tcp://host is not preceded by a comma).
var flattenedComment = regexp.MustCompile(`[,{\[]\s*//`)

// flattenedCommentsHint explains the usual cause of a broken body that has "//" comments but no line breaks:
// curl --data strips newlines from a file, so each comment swallows the rest of the document.
func flattenedCommentsHint(body []byte) string {
	if flattenedComment.Match(body) && !bytes.ContainsAny(body, "\r\n") {
		return " (the body contains // comments but no line breaks, so a comment runs to the end of the body; " +
			"send a file with comments with curl --data-binary @file, which keeps its line breaks)"
	}
	return ""
}

func newParser(body []byte) (*parser, error) {
	src, err := stripComments(body)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(src)) == 0 {
		return nil, &BodyError{Message: "No content to map due to end-of-input"}
	}
	p := &parser{src: src}
	// A first pass finds syntax errors with exact positions, which Decoder.Token does not report.
	var raw json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(src)).Decode(&raw); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, bodyErrorf("Malformed JSON: %s at %s%s", syn.Error(), p.location(syn.Offset-1), flattenedCommentsHint(body))
		}
		return nil, bodyErrorf("Unexpected end-of-input at %s%s", p.location(int64(len(src))), flattenedCommentsHint(body))
	}
	p.dec = json.NewDecoder(bytes.NewReader(src))
	p.dec.UseNumber()
	return p, nil
}

// location renders the byte at offset off as Jackson does: 1-based line and column.
func (p *parser) location(off int64) string {
	off = max(0, min(off, int64(len(p.src))))
	before := p.src[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return fmt.Sprintf("[line: %d, column: %d]", line, col)
}

func (p *parser) token() (json.Token, error) {
	prev := p.dec.InputOffset()
	tok, err := p.dec.Token()
	if err == nil {
		// Token consumes the separators before a value itself; skip them to find where the value starts.
		p.start = prev
		for p.start < int64(len(p.src)) && strings.IndexByte(" \t\r\n:,", p.src[p.start]) >= 0 {
			p.start++
		}
		return tok, nil
	}
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return nil, bodyErrorf("Malformed JSON: %s at %s", syn.Error(), p.location(syn.Offset-1))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return nil, bodyErrorf("Unexpected end-of-input at %s", p.location(int64(len(p.src))))
	default:
		return nil, bodyErrorf("Malformed JSON: %s at %s", err.Error(), p.location(p.dec.InputOffset()))
	}
}

// end checks that nothing but whitespace follows the document.
func (p *parser) end() error {
	off := p.dec.InputOffset()
	if _, err := p.dec.Token(); errors.Is(err, io.EOF) {
		return nil
	}
	for off < int64(len(p.src)) && strings.IndexByte(" \t\r\n", p.src[off]) >= 0 {
		off++
	}
	return bodyErrorf("Unexpected content after the end of the JSON document at %s", p.location(off))
}

// objectKey reads the next key of an object whose '{' has been read; done is set at the closing '}'.
func (p *parser) objectKey() (string, bool, error) {
	tok, err := p.token()
	if err != nil {
		return "", false, err
	}
	switch t := tok.(type) {
	case string:
		return t, false, nil
	case json.Delim:
		if t == '}' {
			return "", true, nil
		}
	}
	// Token() only returns strings or '}' here; anything else is a syntax error it already reported.
	return "", false, bodyErrorf("Malformed JSON: expected a field name at %s", p.location(p.dec.InputOffset()))
}

func tokenKind(tok json.Token) (kind, jsonToken string) {
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return "Object", "START_OBJECT"
		case '[':
			return "Array", "START_ARRAY"
		}
		return "Delimiter", "END_ARRAY"
	case string:
		return "String", "VALUE_STRING"
	case json.Number:
		if strings.ContainsAny(string(t), ".eE") {
			return "Floating-point", "VALUE_NUMBER_FLOAT"
		}
		return "Integer", "VALUE_NUMBER_INT"
	case bool:
		if t {
			return "Boolean", "VALUE_TRUE"
		}
		return "Boolean", "VALUE_FALSE"
	default:
		return "Null", "VALUE_NULL"
	}
}

// typeError is Jackson's "Cannot deserialize value of type X from Y value" with the location of the value.
func (p *parser) typeError(javaType string, tok json.Token, ref string) error {
	kind, jt := tokenKind(tok)
	msg := fmt.Sprintf("Cannot deserialize value of type %s from %s value (token `JsonToken.%s`) at %s",
		javaType, kind, jt, p.location(p.start))
	if ref != "" {
		msg += " (through reference chain: " + ref + ")"
	}
	return &BodyError{Message: msg}
}

func (p *parser) expectObject(tok json.Token, javaType string) error {
	if tok == nil {
		return &BodyError{Message: "Request body must be a JSON object, not null"}
	}
	return p.expectObjectAt(tok, javaType, "")
}

func (p *parser) expectObjectAt(tok json.Token, javaType, ref string) error {
	if d, ok := tok.(json.Delim); ok && d == '{' {
		return nil
	}
	return p.typeError(javaType, tok, ref)
}

// scalarString reads a value Jackson would coerce to a String: a string, or a number or boolean as written.
func (p *parser) scalarString(ref string) (s string, isNull bool, err error) {
	tok, err := p.token()
	if err != nil {
		return "", false, err
	}
	switch t := tok.(type) {
	case string:
		return t, false, nil
	case json.Number:
		return string(t), false, nil
	case bool:
		return strconv.FormatBool(t), false, nil
	case nil:
		return "", true, nil
	}
	return "", false, p.typeError(javaString, tok, ref)
}

// stringMap reads the entries of an object whose '{' has been read, as a Map<String,String>.
func (p *parser) stringMap(keepNulls bool, refPrefix string) (map[string]*string, error) {
	m := make(map[string]*string)
	for {
		key, done, err := p.objectKey()
		if err != nil {
			return nil, err
		}
		if done {
			return m, nil
		}
		s, isNull, err := p.scalarString(refPrefix + javaMapRef + `["` + key + `"]`)
		if err != nil {
			return nil, err
		}
		switch {
		case !isNull:
			m[key] = &s
		case keepNulls:
			m[key] = nil
		default:
			delete(m, key)
		}
	}
}

// anyObject reads the entries of an object whose '{' has been read as generic values.
func (p *parser) anyObject() (map[string]any, error) {
	m := make(map[string]any)
	for {
		key, done, err := p.objectKey()
		if err != nil {
			return nil, err
		}
		if done {
			return m, nil
		}
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		v, err := p.anyValue(tok)
		if err != nil {
			return nil, err
		}
		m[key] = v
	}
}

func (p *parser) anyValue(tok json.Token) (any, error) {
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return p.anyObject()
		}
		list := []any{}
		for {
			tok, err := p.token()
			if err != nil {
				return nil, err
			}
			if d, ok := tok.(json.Delim); ok && d == ']' {
				return list, nil
			}
			v, err := p.anyValue(tok)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
	case json.Number:
		return p.number(t)
	default:
		return t, nil
	}
}

// number converts a JSON number as Jackson would type it: integral literals that fit become int64, others
// float64.
func (p *parser) number(n json.Number) (any, error) {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, bodyErrorf("Numeric value (%s) out of range at %s", s, p.location(p.start))
	}
	return f, nil
}

// stripComments blanks out // line comments and /* block */ comments outside strings (keeping newlines, so
// positions stay true) and drops a leading byte-order mark.
func stripComments(body []byte) ([]byte, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if !bytes.Contains(body, []byte{'/'}) {
		return body, nil
	}
	out := bytes.Clone(body)
	inString := false
	for i := 0; i < len(out); i++ {
		c := out[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
		case c == '/' && i+1 < len(out) && out[i+1] == '/':
			for ; i < len(out) && out[i] != '\n'; i++ {
				out[i] = ' '
			}
		case c == '/' && i+1 < len(out) && out[i+1] == '*':
			start := i
			out[i], out[i+1] = ' ', ' '
			i += 2
			for ; i+1 < len(out) && (out[i] != '*' || out[i+1] != '/'); i++ {
				if out[i] != '\n' {
					out[i] = ' '
				}
			}
			if i+1 >= len(out) {
				p := &parser{src: out}
				return nil, bodyErrorf("Unexpected end-of-input in a comment starting at %s", p.location(int64(start)))
			}
			out[i], out[i+1] = ' ', ' '
			i++
		}
	}
	return out, nil
}
