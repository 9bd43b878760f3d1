// Package properties reads worker configuration the two ways Kafka Connect users supply it: a Java
// .properties file (connect-distributed.properties) and CONNECT_* environment variables as the Confluent
// Docker image translates them.
package properties

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Parse reads Java .properties syntax as java.util.Properties.load does: '#' and '!' comment lines, key/value
// separated by '=', ':' or whitespace, logical lines continued with a trailing backslash, leading whitespace
// ignored, and the escapes \t \n \r \f \uXXXX (any other escaped character stands for itself). A key given
// twice keeps its last value.
//
// Input is read as UTF-8. Java's load(InputStream) reads ISO-8859-1 instead; the two agree on ASCII and on
// \uXXXX escapes, and input that is not valid UTF-8 is read as ISO-8859-1, so only non-ASCII UTF-8 text
// differs (Java would turn it into mojibake).
func Parse(r io.Reader) (map[string]string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read properties: %w", err)
	}
	var text []rune
	if utf8.Valid(data) {
		text = []rune(string(data))
	} else {
		text = make([]rune, len(data))
		for i, b := range data {
			text[i] = rune(b)
		}
	}
	lr := lineReader{in: text}
	props := make(map[string]string)
	for {
		line, lineNo, ok := lr.next()
		if !ok {
			return props, nil
		}
		key, value, err := splitLine(line)
		if err != nil {
			return nil, fmt.Errorf("properties line %d: %w", lineNo, err)
		}
		props[key] = value
	}
}

// lineReader yields logical lines the way java.util.Properties.LineReader does: comment and blank lines
// are dropped, leading whitespace of every natural line is skipped, and a line ending in an odd number of
// backslashes continues on the next natural line (the backslash and the line break are removed).
type lineReader struct {
	in   []rune
	off  int
	line int // natural line number of the current position, 1-based once reading starts
}

func isPropSpace(c rune) bool { return c == ' ' || c == '\t' || c == '\f' }

// next returns the next logical line and the natural line number it starts on; ok is false at the end.
// It follows the JDK's LineReader.readLine state machine step by step.
func (lr *lineReader) next() (line []rune, start int, ok bool) {
	var (
		buf                []rune
		skipWhiteSpace     = true
		appendedLineBegin  = false
		precedingBackslash = false
		skipLF             = false
	)
	if lr.line == 0 {
		lr.line = 1
	}
	start = lr.line
	for lr.off < len(lr.in) {
		c := lr.in[lr.off]
		lr.off++
		if skipLF {
			skipLF = false
			if c == '\n' {
				lr.countBreak(c)
				continue
			}
		}
		if skipWhiteSpace {
			if isPropSpace(c) {
				continue
			}
			if !appendedLineBegin && (c == '\r' || c == '\n') {
				lr.countBreak(c)
				start = lr.line
				continue
			}
			skipWhiteSpace = false
			appendedLineBegin = false
		}
		if len(buf) == 0 && (c == '#' || c == '!') {
			// A comment runs to the end of its natural line and cannot be continued.
			for lr.off < len(lr.in) {
				c = lr.in[lr.off]
				lr.off++
				if c == '\r' || c == '\n' {
					lr.countBreak(c)
					break
				}
			}
			skipWhiteSpace = true
			start = lr.line
			continue
		}
		if c != '\n' && c != '\r' {
			buf = append(buf, c)
			precedingBackslash = c == '\\' && !precedingBackslash
			continue
		}
		lr.countBreak(c)
		if len(buf) == 0 {
			skipWhiteSpace = true
			start = lr.line
			continue
		}
		if precedingBackslash {
			// The backslash is not part of the line; the next natural line continues it.
			buf = buf[:len(buf)-1]
			skipWhiteSpace = true
			appendedLineBegin = true
			precedingBackslash = false
			skipLF = c == '\r'
			continue
		}
		return buf, start, true
	}
	if len(buf) == 0 {
		return nil, 0, false
	}
	if precedingBackslash {
		buf = buf[:len(buf)-1]
	}
	return buf, start, true
}

// countBreak advances the natural line counter; "\r\n" counts once because the '\n' is consumed by skipLF
// or treated as a blank line.
func (lr *lineReader) countBreak(c rune) {
	if c == '\r' && lr.off < len(lr.in) && lr.in[lr.off] == '\n' {
		return
	}
	lr.line++
}

// splitLine splits a logical line into key and value as Properties.load0 does and unescapes both.
func splitLine(line []rune) (key, value string, err error) {
	limit := len(line)
	keyLen, valueStart := 0, limit
	hasSep, precedingBackslash := false, false
	for keyLen < limit {
		c := line[keyLen]
		if (c == '=' || c == ':') && !precedingBackslash {
			valueStart = keyLen + 1
			hasSep = true
			break
		}
		if isPropSpace(c) && !precedingBackslash {
			valueStart = keyLen + 1
			break
		}
		if c == '\\' {
			precedingBackslash = !precedingBackslash
		} else {
			precedingBackslash = false
		}
		keyLen++
	}
	for valueStart < limit {
		c := line[valueStart]
		if !isPropSpace(c) {
			if !hasSep && (c == '=' || c == ':') {
				hasSep = true
			} else {
				break
			}
		}
		valueStart++
	}
	if key, err = unescape(line[:keyLen]); err != nil {
		return "", "", err
	}
	if value, err = unescape(line[valueStart:]); err != nil {
		return "", "", err
	}
	return key, value, nil
}

// errMalformedUnicode is Java's IllegalArgumentException text for a bad \u escape.
const errMalformedUnicode = `malformed \uxxxx encoding`

// unescape is Properties.loadConvert. Java strings are UTF-16, so \uXXXX escapes are collected as UTF-16
// code units and a surrogate pair written as two escapes becomes one character.
func unescape(in []rune) (string, error) {
	out := make([]uint16, 0, len(in))
	for i := 0; i < len(in); {
		c := in[i]
		i++
		if c != '\\' {
			out = utf16.AppendRune(out, c)
			continue
		}
		if i >= len(in) {
			// Unreachable through Parse (a trailing backslash continues the line); keep it literally.
			out = append(out, '\\')
			break
		}
		c = in[i]
		i++
		switch c {
		case 'u':
			if i+4 > len(in) {
				return "", fmt.Errorf("%s", errMalformedUnicode)
			}
			var v uint16
			for _, h := range in[i : i+4] {
				d, ok := hexDigit(h)
				if !ok {
					return "", fmt.Errorf("%s", errMalformedUnicode)
				}
				v = v<<4 | d
			}
			i += 4
			out = append(out, v)
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'n':
			out = append(out, '\n')
		case 'f':
			out = append(out, '\f')
		default:
			out = utf16.AppendRune(out, c)
		}
	}
	return string(utf16.Decode(out)), nil
}

func hexDigit(c rune) (uint16, bool) {
	switch {
	case c >= '0' && c <= '9':
		return uint16(c - '0'), true
	case c >= 'a' && c <= 'f':
		return uint16(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return uint16(c-'A') + 10, true
	}
	return 0, false
}

// FromEnv maps environment entries ("NAME=value") whose name starts with prefix (e.g. "CONNECT_") to
// property names as the Confluent images do (common-docker ub.go env_to_props/ConvertKey): the prefix is
// stripped, a single '_' between two other characters becomes '.', "___" becomes '-', "__" becomes '_', and
// the result is lowercased. Entries without '=' or that map to an empty name are skipped.
func FromEnv(environ []string, prefix string) map[string]string {
	props := make(map[string]string)
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, prefix) {
			continue
		}
		key := convertEnvName(strings.TrimPrefix(name, prefix))
		if key == "" {
			continue
		}
		props[key] = value
	}
	return props
}

// singleUnderscore is ub.go's pattern. Matches do not overlap, so in "A_B_C" only the first underscore
// becomes a dot ("a.b_c"); the image behaves that way and so do we.
var singleUnderscore = regexp.MustCompile(`[^_]_[^_]`)

func convertEnvName(name string) string {
	s := singleUnderscore.ReplaceAllStringFunc(name, func(m string) string {
		return strings.ReplaceAll(m, "_", ".")
	})
	s = strings.ReplaceAll(s, "___", "-")
	s = strings.ReplaceAll(s, "__", "_")
	return strings.ToLower(s)
}
