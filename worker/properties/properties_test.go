package properties

import (
	"maps"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"equals", "a=b", map[string]string{"a": "b"}},
		{"spaces around equals", "a = b", map[string]string{"a": "b"}},
		{"colon", "a:b", map[string]string{"a": "b"}},
		{"whitespace separator", "a b", map[string]string{"a": "b"}},
		{"tab and form feed separators", "a\tb\nc\fd", map[string]string{"a": "b", "c": "d"}},
		{"leading whitespace", "   \t a=b", map[string]string{"a": "b"}},
		{"trailing whitespace kept in value", "a=b  ", map[string]string{"a": "b  "}},
		{"comments", "# one\n! two\n  # three\na=1", map[string]string{"a": "1"}},
		{"hash inside value is not a comment", "a=b # c", map[string]string{"a": "b # c"}},
		{"blank and whitespace-only lines", "\n   \n\t\na=1\n\n", map[string]string{"a": "1"}},
		{"continuation skips leading whitespace", "a=b\\\n     c", map[string]string{"a": "bc"}},
		{"continuation inside key", "ke\\\n  y=v", map[string]string{"key": "v"}},
		{"escaped backslash does not continue", "a=b\\\\\nc=d", map[string]string{"a": `b\`, "c": "d"}},
		{"three backslashes continue", "a=b\\\\\\\nc", map[string]string{"a": `b\c`}},
		{"continuation onto empty line ends the value", "a=b\\\n\nc=d", map[string]string{"a": "b", "c": "d"}},
		{"trailing backslash at end of input is dropped", "a=1\\", map[string]string{"a": "1"}},
		{"comment cannot be continued", "#x\\\na=1", map[string]string{"a": "1"}},
		{"escaped separator in key", `a\=b=c`, map[string]string{"a=b": "c"}},
		{"escaped colon in key", `a\:b:c`, map[string]string{"a:b": "c"}},
		{"escaped space in key", `a\ b=c`, map[string]string{"a b": "c"}},
		{"escapes in value", `a=\u0041\t\n\r\f`, map[string]string{"a": "A\t\n\r\f"}},
		{"unknown escape stands for itself", `a=\q\=\\`, map[string]string{"a": `q=\`}},
		{"surrogate pair escapes", `a=\uD83D\uDE00`, map[string]string{"a": "😀"}},
		{"key only", "a", map[string]string{"a": ""}},
		{"empty value", "a=", map[string]string{"a": ""}},
		{"second equals belongs to value", "a==b", map[string]string{"a": "=b"}},
		{"whitespace then separator then separator", "a = = b", map[string]string{"a": "= b"}},
		{"colon then equals", "a:=b", map[string]string{"a": "=b"}},
		{"crlf", "a=1\r\nb=2\r\n", map[string]string{"a": "1", "b": "2"}},
		{"cr only", "a=1\rb=2", map[string]string{"a": "1", "b": "2"}},
		{"continuation over crlf", "a=1\\\r\n  2\r\nb=3", map[string]string{"a": "12", "b": "3"}},
		{"last duplicate wins", "a=1\na=2", map[string]string{"a": "2"}},
		{"utf-8 value", "a=é", map[string]string{"a": "é"}},
		{"latin-1 input", "a=\xe9", map[string]string{"a": "é"}},
		{"lone backslash line", "\\", map[string]string{"": ""}},
		{"connect sample", "bootstrap.servers=localhost:9092\ngroup.id=connect-cluster\n" +
			"key.converter=org.apache.kafka.connect.json.JsonConverter\n" +
			"#listeners=HTTP://:8083\nplugin.path=/usr/share/java,\\\n    /opt/connectors",
			map[string]string{
				"bootstrap.servers": "localhost:9092", "group.id": "connect-cluster",
				"key.converter": "org.apache.kafka.connect.json.JsonConverter",
				"plugin.path":   "/usr/share/java,/opt/connectors",
			}},
		{"empty input", "", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !maps.Equal(got, tt.want) {
				t.Fatalf("Parse(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseMalformedUnicode(t *testing.T) {
	for _, in := range []string{`a=\u00G1`, `a=\u00`, "x=1\nb\\u12=2"} {
		_, err := Parse(strings.NewReader(in))
		if err == nil {
			t.Fatalf("Parse(%q) succeeded, want an error", in)
		}
		if !strings.Contains(err.Error(), `malformed \uxxxx encoding`) {
			t.Fatalf("Parse(%q) error %q does not name the malformed escape", in, err)
		}
	}
}

func TestParseErrorNamesLine(t *testing.T) {
	_, err := Parse(strings.NewReader("# c\r\n\r\na=1\r\nb=\\uZZZZ\n"))
	if err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Fatalf("error = %v, want one naming line 4", err)
	}
}

func TestFromEnv(t *testing.T) {
	environ := []string{
		"CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR=3",
		"CONNECT_REST_ADVERTISED_HOST_NAME=connect1",
		"CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE=false",
		"CONNECT_A___B=dash",
		"CONNECT_A__B=underscore",
		"CONNECT_X_Y_Z=non-overlapping",
		"CONNECT_CONFIG_PROVIDERS_FILE_CLASS=org.apache.kafka.common.config.provider.FileConfigProvider",
		"CONNECT_PRODUCER_SASL_JAAS_CONFIG=a=b; c=\"d\"",
		"CONNECT_EMPTY=",
		"CONNECT_=no-name",
		"CONNECT_NO_EQUALS",
		"KAFKA_BROKER_ID=1",
		"connect_lower=ignored",
	}
	want := map[string]string{
		"config.storage.replication.factor": "3",
		"rest.advertised.host.name":         "connect1",
		"value.converter.schemas.enable":    "false",
		"a-b":                               "dash",
		"a_b":                               "underscore",
		"x.y_z":                             "non-overlapping",
		"config.providers.file.class":       "org.apache.kafka.common.config.provider.FileConfigProvider",
		"producer.sasl.jaas.config":         `a=b; c="d"`,
		"empty":                             "",
	}
	if got := FromEnv(environ, "CONNECT_"); !maps.Equal(got, want) {
		t.Fatalf("FromEnv = %q\nwant %q", got, want)
	}
}

func TestFromEnvConvertKey(t *testing.T) {
	tests := map[string]string{
		"BOOTSTRAP_SERVERS":                 "bootstrap.servers",
		"CONFIG_STORAGE_REPLICATION_FACTOR": "config.storage.replication.factor",
		"REST_ADVERTISED_HOST_NAME":         "rest.advertised.host.name",
		"a___b":                             "a-b",
		"a__b":                              "a_b",
		"LISTENERS_HTTPS_SSL_KEY__STORE":    "listeners.https.ssl.key_store",
		"SOME___DASHED_NAME":                "some-dashed.name",
		"PLUGIN_PATH":                       "plugin.path",
		"GROUP_ID":                          "group.id",
	}
	for in, want := range tests {
		if got := convertEnvName(in); got != want {
			t.Errorf("convertEnvName(%q) = %q, want %q", in, got, want)
		}
	}
}
