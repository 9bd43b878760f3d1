package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWorkerConfigErrorsExitWithUsageCode(t *testing.T) {
	t.Parallel()
	props := filepath.Join(t.TempDir(), "connect-distributed.properties")
	if err := os.WriteFile(props, []byte("bootstrap.servers=localhost:1\nsession.timeout.ms=soon\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		args    []string
		environ []string
		want    []string
	}{
		{"no configuration at all", []string{"worker"}, nil, []string{"no worker configuration"}},
		{"missing required keys from the environment", []string{"worker"}, []string{"CONNECT_BOOTSTRAP_SERVERS=localhost:1"},
			[]string{`"group.id"`, `"config.storage.topic"`, `"key.converter"`}},
		{"invalid value in a file", []string{"worker", props}, nil, []string{"session.timeout.ms"}},
		{"unreadable file", []string{"worker", filepath.Join(t.TempDir(), "missing.properties")}, nil, []string{"missing.properties"}},
		{"unknown command", []string{"frobnicate"}, nil, []string{`unknown command "frobnicate"`}},
		{"https listener without a key store", []string{"worker"}, append(minimalEnv(), "CONNECT_LISTENERS=https://127.0.0.1:0"),
			[]string{"ssl.keystore.location"}},
		{"basic auth without a JAAS file", []string{"worker"}, append(minimalEnv(),
			"CONNECT_REST_EXTENSION_CLASSES=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"),
			[]string{"KAFKA_OPTS=-Djava.security.auth.login.config"}},
		{"basic auth with a missing JAAS file", []string{"worker"}, append(minimalEnv(),
			"CONNECT_REST_EXTENSION_CLASSES=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension",
			"KAFKA_OPTS=-Djava.security.auth.login.config=/nonexistent/jaas.conf"), []string{"/nonexistent/jaas.conf"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, tc.environ, &stdout, &stderr)
			if code != exitUsage {
				t.Fatalf("exit code %d, want %d; stderr: %s", code, exitUsage, stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr does not name %s:\n%s", w, stderr.String())
				}
			}
		})
	}
}

// minimalEnv is a valid worker configuration in CONNECT_* variables.
func minimalEnv() []string {
	return []string{"CONNECT_BOOTSTRAP_SERVERS=localhost:1", "CONNECT_GROUP_ID=g", "CONNECT_CONFIG_STORAGE_TOPIC=c",
		"CONNECT_OFFSET_STORAGE_TOPIC=o", "CONNECT_STATUS_STORAGE_TOPIC=s",
		"CONNECT_KEY_CONVERTER=org.apache.kafka.connect.storage.StringConverter",
		"CONNECT_VALUE_CONVERTER=org.apache.kafka.connect.storage.StringConverter"}
}

// TestAdminListenerFailureClosesTheListeners checks that a worker whose admin listener cannot bind closes the
// REST listener it had opened already: the port is free again once run returns.
func TestAdminListenerFailureClosesTheListeners(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	restAddr := free.Addr().String()
	free.Close()
	var stdout, stderr bytes.Buffer
	code := run([]string{"worker"}, append(minimalEnv(), "CONNECT_LISTENERS=http://"+restAddr,
		"CONNECT_ADMIN_LISTENERS=http://"+busy.Addr().String()), &stdout, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "admin.listeners") {
		t.Fatalf("exit code %d, stderr: %s", code, stderr.String())
	}
	ln, err := net.Listen("tcp", restAddr)
	if err != nil {
		t.Fatalf("the REST listener %s is still open after the failed start: %v", restAddr, err)
	}
	ln.Close()
}
