package worker_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connectd/connectd/connector/connectortest"
	"github.com/connectd/connectd/test/workertest"
	"github.com/connectd/connectd/worker/properties"
	"github.com/connectd/connectd/worker/restauth"
	"github.com/connectd/connectd/worker/resttls/resttlstest"
)

// TestHTTPSBasicAuthForwarding runs three workers on https with basic authentication: a request without
// credentials gets Kafka Connect's 401, and a create sent to a follower is forwarded to the leader over https
// with the caller's credentials (the leader checks them too) and its task configs reach the leader through
// the exempt, signed internal endpoint.
func TestHTTPSBasicAuthForwarding(t *testing.T) {
	dir := t.TempDir()
	f := resttlstest.Generate(t, dir)
	// The README's files, with this test's paths.
	props, err := properties.Parse(bytes.NewReader(workertest.ReadmeExample(t, "rest-security-properties")))
	if err != nil {
		t.Fatal(err)
	}
	delete(props, "listeners") // workertest listens on 127.0.0.1:0
	props["listeners.https.ssl.keystore.location"] = f.ServerP12
	props["listeners.https.ssl.truststore.location"] = f.CA
	credentials := filepath.Join(dir, "connect.password")
	if err := os.WriteFile(credentials, workertest.ReadmeExample(t, "rest-security-credentials"), 0o600); err != nil {
		t.Fatal(err)
	}
	jaas := filepath.Join(dir, "connect-jaas.conf")
	text := strings.Replace(string(workertest.ReadmeExample(t, "rest-security-jaas")), "/etc/connectd/connect.password", credentials, 1)
	if err := os.WriteFile(jaas, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	auth, _, err := restauth.Load(restauth.LoginConfigPath([]string{"KAFKA_OPTS=-Djava.security.auth.login.config=" + jaas}))
	if err != nil {
		t.Fatal(err)
	}
	c := workertest.NewCluster(t, workertest.Workers(3), workertest.Plugins(connectortest.Register),
		workertest.HTTPS(), workertest.BasicAuth(auth), workertest.WorkerProps(props))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: f.Pool, MinVersion: tls.VersionTLS12}}}
	defer client.CloseIdleConnections()
	call := func(i int, method, path, body, auth string) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(context.Background(), method, c.Node(i).URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if auth != "" {
			req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(auth)))
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if !strings.HasPrefix(c.Node(2).URL, "https://") {
		t.Fatalf("worker URL %s", c.Node(2).URL)
	}

	if status, body := call(2, http.MethodGet, "/connectors", "", ""); status != 401 || body != "User cannot access the resource." {
		t.Errorf("without credentials: %d %s", status, body)
	}
	if status, _ := call(2, http.MethodGet, "/connectors", "", "admin:wrong"); status != 401 {
		t.Errorf("wrong password: %d", status)
	}
	// Worker 0 joined first and leads; worker 2 forwards the create.
	create := `{"name":"secure","config":{"connector.class":"` + connectortest.SourceClass + `","tasks.max":"3","topic":"t-secure"}}`
	if status, body := call(2, http.MethodPost, "/connectors", create, "admin:s3cret"); status != 201 {
		t.Fatalf("create through a follower: %d %s", status, body)
	}
	c.WaitRunning(1, "secure", 3)
	status, body := call(1, http.MethodGet, "/connectors/secure/status", "", "admin:s3cret")
	if status != 200 || !strings.Contains(body, `"state":"RUNNING"`) {
		t.Errorf("status: %d %s", status, body)
	}

	// Plain http to an https listener is refused.
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, strings.Replace(c.Node(0).URL, "https", "http", 1)+"/", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(b, []byte("HTTPS")) {
			t.Errorf("plain http answered %d %s", resp.StatusCode, b)
		}
	}
}
