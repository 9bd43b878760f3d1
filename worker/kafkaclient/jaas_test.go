package kafkaclient

import (
	"maps"
	"testing"
)

func TestParseJAASConfig(t *testing.T) {
	tests := []struct {
		in     string
		module string
		opts   map[string]string
		bad    bool
	}{
		{`org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";`,
			"org.apache.kafka.common.security.plain.PlainLoginModule", map[string]string{"username": "alice", "password": "alice-secret"}, false},
		{"org.apache.kafka.common.security.scram.ScramLoginModule REQUIRED\n  username=bob\n  password=\"p;a=s\\\"s\" // comment\n /* c */ ;",
			"org.apache.kafka.common.security.scram.ScramLoginModule", map[string]string{"username": "bob", "password": `p;a=s"s`}, false},
		{`m optional;`, "m", map[string]string{}, false},
		{`m required username="x" password="y"; n required a=b;`, "m", map[string]string{"username": "x", "password": "y"}, false},
		{`m mandatory username="x";`, "", nil, true},
		{`m required username;`, "", nil, true},
		{`m required password="unterminated;`, "", nil, true},
		{`m`, "", nil, true},
	}
	for _, tt := range tests {
		module, opts, err := parseJAASConfig(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("parseJAASConfig(%q) succeeded", tt.in)
			}
			continue
		}
		if err != nil || module != tt.module || !maps.Equal(opts, tt.opts) {
			t.Errorf("parseJAASConfig(%q) = %q, %q, %v; want %q, %q", tt.in, module, opts, err, tt.module, tt.opts)
		}
	}
}
