package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
)

const contentTypeJSON = "application/json"

// encodeJSON encodes v as Kafka Connect's Jackson mapper writes it: compact, without HTML escaping, with
// U+2028, U+2029 and U+FFFD written raw and \u00XX escapes in upper-case hex.
func encodeJSON(v any) ([]byte, error) {
	return encodeJSONInto(new(bytes.Buffer), v)
}

// encodeJSONInto is encodeJSON writing into buf, which the result may share.
func encodeJSONInto(buf *bytes.Buffer, v any) ([]byte, error) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return jacksonEscapes(bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})), nil
}

// bodies holds the buffers response bodies are encoded into. Listing a thousand connectors with their status
// and config is a body of about a megabyte: a new buffer per response would make that much garbage each time.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody is the largest buffer returned to bodies, so that one exceptional body does not stay in memory.
const maxPooledBody = 4 << 20

// jacksonEscapes rewrites the \u escapes encoding/json produces where Jackson writes something else. The
// input is encoding/json output, so every backslash outside a string is impossible and every one inside
// starts an escape.
func jacksonEscapes(b []byte) []byte {
	if !bytes.Contains(b, []byte(`\u`)) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		if b[i+1] != 'u' || i+5 >= len(b) {
			out = append(out, b[i], b[i+1])
			i++
			continue
		}
		hex := string(b[i+2 : i+6])
		switch hex {
		case "2028":
			out = append(out, "\u2028"...)
		case "2029":
			out = append(out, "\u2029"...)
		case "fffd":
			out = append(out, "\ufffd"...)
		default:
			out = append(out, '\\', 'u')
			out = append(out, bytes.ToUpper(b[i+2:i+6])...)
		}
		i += 5
	}
	return out
}

// writeJSON writes status and v as the body; a nil v writes no body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	if v == nil {
		w.WriteHeader(status)
		return
	}
	buf := bodies.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBody {
			buf.Reset()
			bodies.Put(buf)
		}
	}()
	b, err := encodeJSONInto(buf, v)
	if err != nil {
		// Only values from our own entity types get here; a failure is a programming error.
		status = http.StatusInternalServerError
		b, _ = encodeJSON(errorBody(status, err.Error()))
	}
	h := w.Header()
	h.Set("Content-Type", contentTypeJSON)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b) // Write does not keep b, which may be buf's
}
