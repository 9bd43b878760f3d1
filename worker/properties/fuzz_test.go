package properties

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// workerProperties is a worker configuration as the integration suite and the README write it.
const workerProperties = `# connect-distributed.properties
bootstrap.servers=127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094
group.id=it-connect
config.storage.topic=it-connect-configs
offset.storage.topic=it-connect-offsets
status.storage.topic=it-connect-status
config.storage.replication.factor=3
offset.storage.replication.factor=3
status.storage.replication.factor=3
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
listeners=http://127.0.0.1:28083
rest.advertised.host.name=127.0.0.1
rest.advertised.port=28083
session.timeout.ms=6000
heartbeat.interval.ms=2000
scheduled.rebalance.max.delay.ms=0
offset.flush.interval.ms=1000
! SASL over TLS, continued over two lines
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \
    username="connect" password="s3cr=t:\u00e9";
`

// parseSeeds are the tricky inputs of TestParse and TestParseMalformedUnicode plus realistic files.
var parseSeeds = []string{
	workerProperties,
	"a = = b", "a:=b", "a==b", "a b", "a\tb\nc\fd", "   \t a=b", "a=b  ", "# one\n! two\n  # three\na=1",
	"a=b # c", "\n   \n\t\na=1\n\n", "a=b\\\n     c", "ke\\\n  y=v", "a=b\\\\\nc=d", "a=b\\\\\\\nc",
	"a=b\\\n\nc=d", "a=1\\", "#x\\\na=1", `a\=b=c`, `a\:b:c`, `a\ b=c`, `a=\u0041\t\n\r\f`, `a=\q\=\\`,
	`a=\uD83D\uDE00`, `a=\uD83D`, "a", "a=", "a=1\r\nb=2\r\n", "a=1\rb=2", "a=1\\\r\n  2\r\nb=3", "a=1\na=2",
	"a=é", "a=\xe9", "\\", "", `a=\u00G1`, `a=\u00`, "x=1\nb\\u12=2", "# c\r\n\r\na=1\r\nb=\\uZZZZ\n",
	"a=1\\\r\n\\u00", "\r\r\n\n\\\n\\u",
}

// malformedLine is the only error Parse returns for input read from memory.
var malformedLine = regexp.MustCompile(`^properties line ([0-9]+): malformed \\uxxxx encoding$`)

// FuzzParse checks Parse against what it promises: errors only for a malformed \uXXXX escape, naming a line
// of the input; a deterministic result; comment lines that change nothing but line numbers; and a map that
// survives being written back out in .properties syntax (in every separator, line ending, escaping and
// continuation style) and parsed again.
func FuzzParse(f *testing.F) {
	for i, s := range parseSeeds {
		f.Add([]byte(s), uint8(i*37))
	}
	f.Fuzz(func(t *testing.T, data []byte, style uint8) {
		props, err := Parse(bytes.NewReader(data))
		again, errAgain := Parse(bytes.NewReader(data))
		if (err == nil) != (errAgain == nil) || !maps.Equal(props, again) ||
			(err != nil && err.Error() != errAgain.Error()) {
			t.Fatalf("Parse(%q) is not deterministic: %q, %v then %q, %v", data, props, err, again, errAgain)
		}

		// A leading comment line (ended by CRLF, counted once) changes nothing but the line number.
		commented, errCommented := Parse(bytes.NewReader(append([]byte("! c\r\n"), data...)))
		if err != nil {
			line := errorLine(t, data, err)
			if errCommented == nil || errorLine(t, append([]byte("! c\r\n"), data...), errCommented) != line+1 {
				t.Fatalf("Parse(%q) fails on line %d, with a comment line in front: %v", data, line, errCommented)
			}
			// The line named is where the first bad logical line starts: the lines before it parse, and from
			// it on the input fails on its first line. (Where the input is cut does not change how it is
			// decoded in any way that matters: escapes, separators and line breaks are ASCII.)
			off := lineOffset(data, line)
			if _, err := Parse(bytes.NewReader(data[:off])); err != nil {
				t.Fatalf("Parse(%q) fails on line %d, but the lines before it fail too: %v", data, line, err)
			}
			_, err := Parse(bytes.NewReader(data[off:]))
			if err == nil || errorLine(t, data[off:], err) != 1 {
				t.Fatalf("Parse(%q) fails on line %d, but the input from that line on gives %v", data, line, err)
			}
			return
		}
		if errCommented != nil || !maps.Equal(commented, props) {
			t.Fatalf("a leading comment line changed Parse(%q): %q, %v, want %q", data, commented, errCommented, props)
		}

		doc := store(props, style)
		back, err := Parse(strings.NewReader(doc))
		if err != nil {
			t.Fatalf("Parse(%q) = %q; written back as %q it fails: %v", data, props, doc, err)
		}
		if !maps.Equal(back, props) {
			t.Fatalf("Parse(%q) = %q; written back as %q it parses as %q", data, props, doc, back)
		}
	})
}

// errorLine checks that err is Parse's error for a malformed escape and names a line of data.
func errorLine(t *testing.T, data []byte, err error) int {
	t.Helper()
	m := malformedLine.FindStringSubmatch(err.Error())
	if m == nil {
		t.Fatalf("Parse(%q) error %q is not the malformed escape error naming a line", data, err)
	}
	line, _ := strconv.Atoi(m[1])
	if lines := naturalLines(data); line < 1 || line > lines {
		t.Fatalf("Parse(%q) error %q names line %d; the input has %d lines", data, err, line, lines)
	}
	return line
}

// naturalLines counts the lines of data as Java does: "\r\n", "\r" and "\n" each end one.
func naturalLines(data []byte) int {
	n := 1
	for i, c := range data {
		if c == '\n' || c == '\r' && (i+1 == len(data) || data[i+1] != '\n') {
			n++
		}
	}
	return n
}

// lineOffset returns the offset of natural line n (1-based) of data.
func lineOffset(data []byte, n int) int {
	for i, c := range data {
		if n == 1 {
			return i
		}
		if c == '\n' || c == '\r' && (i+1 == len(data) || data[i+1] != '\n') {
			n--
		}
	}
	return len(data)
}

// store writes props in .properties syntax, keys sorted, escaping as java.util.Properties.store does. style
// picks the separator (bits 0-1), the line ending (bits 2-3), whether non-ASCII text is written as \uXXXX or
// as UTF-8 (bit 4), comment and blank lines between entries (bit 5), continuation lines (bit 6) and
// indentation (bit 7).
func store(props map[string]string, style uint8) string {
	sep := []string{"=", ":", " = ", "\t"}[style&3]
	eol := []string{"\n", "\r\n", "\r", "\n"}[style>>2&3]
	asciiOnly := style&(1<<4) != 0
	comments := style&(1<<5) != 0
	continued := style&(1<<6) != 0
	indent := ""
	if style&(1<<7) != 0 {
		indent = " \t\f"
	}
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(props)) {
		if comments {
			b.WriteString(indent + "# entry" + eol + eol + "!" + eol)
		}
		b.WriteString(indent)
		b.WriteString(joinTokens(escape(k, true, asciiOnly), continued, eol))
		if k == "" && strings.TrimSpace(sep) == "" {
			// A line that starts with whitespace has its leading whitespace skipped, not read as a separator.
			b.WriteString("=")
		} else {
			b.WriteString(sep)
		}
		b.WriteString(joinTokens(escape(props[k], false, asciiOnly), continued, eol))
		b.WriteString(eol)
	}
	return b.String()
}

// escape is Properties.saveConvert, returning one token per character written: spaces escaped everywhere in
// a key and at the start of a value, the characters that would end a key or start a comment escaped, control
// characters (and, when asciiOnly, everything outside printable ASCII) as \uXXXX of their UTF-16 units.
func escape(s string, key, asciiOnly bool) []string {
	var out []string
	for i, r := range []rune(s) {
		switch {
		case r == ' ' && (key || i == 0):
			out = append(out, `\ `)
		case r == '\t':
			out = append(out, `\t`)
		case r == '\n':
			out = append(out, `\n`)
		case r == '\r':
			out = append(out, `\r`)
		case r == '\f':
			out = append(out, `\f`)
		case r == '=' || r == ':' || r == '#' || r == '!' || r == '\\':
			out = append(out, `\`+string(r))
		case r < 0x20 || r > 0x7e && asciiOnly:
			var tok string
			for _, u := range utf16.AppendRune(nil, r) {
				tok += fmt.Sprintf(`\u%04X`, u)
			}
			out = append(out, tok)
		default:
			out = append(out, string(r))
		}
	}
	return out
}

// joinTokens joins escaped tokens, breaking the line with a trailing backslash before every third token when
// continued is set. The continuation line is indented, which the reader skips, so a break goes only before a
// token that does not itself start with whitespace.
func joinTokens(tokens []string, continued bool, eol string) string {
	var b strings.Builder
	for i, tok := range tokens {
		if continued && i > 0 && i%3 == 0 {
			if r, _ := utf8.DecodeRuneInString(tok); !isPropSpace(r) {
				b.WriteString("\\" + eol + "  \t")
			}
		}
		b.WriteString(tok)
	}
	return b.String()
}

// FuzzFromEnv checks FromEnv against its documented rule: only entries with the prefix and a '=' count, the
// value is copied verbatim, a later entry wins, names are lower-cased and never empty, and the separators map
// as the Confluent image maps them.
func FuzzFromEnv(f *testing.F) {
	readme := strings.Join([]string{
		"CONNECT_BOOTSTRAP_SERVERS=localhost:9092", "CONNECT_GROUP_ID=connect-cluster",
		"CONNECT_CONFIG_STORAGE_TOPIC=connect-configs", "CONNECT_OFFSET_STORAGE_TOPIC=connect-offsets",
		"CONNECT_STATUS_STORAGE_TOPIC=connect-status",
		"CONNECT_KEY_CONVERTER=org.apache.kafka.connect.storage.StringConverter",
		"CONNECT_VALUE_CONVERTER=org.apache.kafka.connect.json.JsonConverter", "CONNECT_REST_PORT=28083",
		"PATH=/usr/bin:/bin", "HOME=/root",
	}, "\x00")
	f.Add(readme, "CONNECT_")
	f.Add("CONNECT_A___B=dash\x00CONNECT_A__B=underscore\x00CONNECT_X_Y_Z=z\x00CONNECT_=no-name\x00CONNECT_NO_EQUALS", "CONNECT_")
	f.Add("CONNECT_PRODUCER_SASL_JAAS_CONFIG=a=b; c=\"d\"\x00connect_lower=ignored\x00CONNECT_EMPTY=", "CONNECT_")
	f.Add("CONNECT_A=1\x00CONNECT_a=2\x00CONNECT__A=3\x00CONNECT_A_=4\x00CONNECT_____A=5", "CONNECT_")
	f.Add("KAFKA_BROKER_ID=1\x00KAFKA_LISTENERS=PLAINTEXT://:9092", "")
	f.Fuzz(func(t *testing.T, env, prefix string) {
		environ := strings.Split(env, "\x00")
		props := FromEnv(environ, prefix)

		var prefixed []string
		values := map[string]bool{}
		for _, kv := range environ {
			if name, value, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(name, prefix) {
				prefixed = append(prefixed, kv)
				values[value] = true
			}
		}
		if only := FromEnv(prefixed, prefix); !maps.Equal(only, props) {
			t.Fatalf("FromEnv(%q, %q) = %q, but its prefixed entries alone give %q", environ, prefix, props, only)
		}
		if len(props) > len(prefixed) {
			t.Fatalf("FromEnv(%q, %q) = %q: more keys than the %d prefixed entries", environ, prefix, props, len(prefixed))
		}
		if twice := FromEnv(append(slices.Clone(environ), environ...), prefix); !maps.Equal(twice, props) {
			t.Fatalf("FromEnv of the entries given twice = %q, want %q", twice, props)
		}
		for k, v := range props {
			if k == "" || k != strings.ToLower(k) {
				t.Fatalf("FromEnv(%q, %q) yields key %q: want a non-empty lower-case name", environ, prefix, k)
			}
			if !values[v] {
				t.Fatalf("FromEnv(%q, %q) yields %q=%q: the value is no prefixed entry's", environ, prefix, k, v)
			}
		}

		for _, kv := range prefixed {
			name, value, _ := strings.Cut(kv, "=")
			name = strings.TrimPrefix(name, prefix)
			single := FromEnv([]string{kv}, prefix)
			want := map[string]string{}
			if key := convertEnvName(name); key != "" {
				want[key] = value
			}
			if !maps.Equal(single, want) {
				t.Fatalf("FromEnv([%q], %q) = %q, want %q", kv, prefix, single, want)
			}
			if !utf8.ValidString(name) {
				continue
			}
			// The separators are the only characters the mapping adds, drops or changes, apart from case.
			strip := func(s string) string { return strings.Map(dropSeparator, s) }
			for k := range single {
				if strip(k) != strip(strings.ToLower(name)) {
					t.Fatalf("FromEnv([%q], %q) = %q: it changed more than the separators and case", kv, prefix, single)
				}
			}
		}
	})
}

func dropSeparator(r rune) rune {
	if r == '_' || r == '.' || r == '-' {
		return -1
	}
	return r
}

// FuzzFromEnvPropertyName checks the documented mapping from the other side: a property name written the
// Confluent way ('.' as '_', '-' as "___", '_' as "__", upper case) comes back unchanged. The fuzzed bytes
// are mapped onto names of lower-case letters and digits joined by '.', '-' and '_'. A one-character part
// between two dots is left out: the image's pattern matches non-overlapping "x_y", so "A_B_C" is "a.b_c".
func FuzzFromEnvPropertyName(f *testing.F) {
	for _, name := range []string{
		"bootstrap.servers", "config.storage.replication.factor", "rest.advertised.host.name",
		"value.converter.schemas.enable", "listeners.https.ssl.key_store", "some-dashed.name", "x.y_z", "a-b", "a_b",
	} {
		f.Add([]byte(name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		name := propertyName(data)
		if name == "" {
			return
		}
		env := strings.ToUpper(strings.NewReplacer(".", "_", "-", "___", "_", "__").Replace(name))
		got := FromEnv([]string{"CONNECT_" + env + "=v"}, "CONNECT_")
		if len(got) != 1 || got[name] != "v" {
			t.Fatalf("FromEnv([CONNECT_%s=v]) = %q, want %s=v", env, got, name)
		}
	})
}

// propertyName maps data onto a property name the Confluent naming can express, or "".
func propertyName(data []byte) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	const seps = ".-_"
	var parts []string
	var joins []byte
	part := []byte{}
	for _, c := range data {
		if int(c) < len(alphabet)*6 {
			part = append(part, alphabet[int(c)%len(alphabet)])
			continue
		}
		if len(part) > 0 {
			parts = append(parts, string(part))
			joins = append(joins, seps[int(c)%len(seps)])
			part = []byte{}
		}
	}
	if len(part) > 0 {
		parts = append(parts, string(part))
	} else if len(joins) > 0 {
		joins = joins[:len(joins)-1]
	}
	var b strings.Builder
	for i, p := range parts {
		if i > 0 && i < len(parts)-1 && len(p) == 1 && joins[i-1] == '.' && joins[i] == '.' {
			return ""
		}
		if i > 0 {
			b.WriteByte(joins[i-1])
		}
		b.WriteString(p)
	}
	return b.String()
}
