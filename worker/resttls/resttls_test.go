package resttls_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connectd/connectd/worker/resttls"
	"github.com/connectd/connectd/worker/resttls/resttlstest"
)

// handshake serves https with server and GETs / with client; it returns the client's error.
func handshake(t *testing.T, server, client *tls.Config) error {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	srv.TLS = server
	srv.StartTLS()
	defer srv.Close()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: client}}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != "ok" {
		t.Errorf("body %q", b)
	}
	return nil
}

func build(t *testing.T, props map[string]string, prefix string) (server, client *tls.Config) {
	t.Helper()
	s := resttls.Select(props, prefix)
	server, err := s.Server()
	if err != nil {
		t.Fatalf("server: %v", err)
	}
	client, err = s.Client()
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return server, client
}

func TestPEMAndPKCS12Stores(t *testing.T) {
	f := resttlstest.Generate(t, t.TempDir())
	for name, props := range map[string]map[string]string{
		"pem": {"listeners.https.ssl.keystore.type": "PEM", "listeners.https.ssl.keystore.location": f.ServerPEM,
			"listeners.https.ssl.truststore.type": "PEM", "listeners.https.ssl.truststore.location": f.CA},
		// Java's default type JKS reads PKCS12 files too; so does this.
		"pkcs12 named JKS": {"listeners.https.ssl.keystore.location": f.ServerP12,
			"listeners.https.ssl.keystore.password":   resttlstest.Password,
			"listeners.https.ssl.truststore.location": f.CAP12,
			"listeners.https.ssl.truststore.password": resttlstest.Password},
		"pkcs12 un-prefixed": {"ssl.keystore.type": "PKCS12", "ssl.keystore.location": f.ServerP12,
			"ssl.keystore.password": resttlstest.Password, "ssl.key.password": resttlstest.Password,
			"ssl.truststore.type": "PKCS12", "ssl.truststore.location": f.CAP12, "ssl.truststore.password": resttlstest.Password},
	} {
		t.Run(name, func(t *testing.T) {
			server, client := build(t, props, resttls.ListenersPrefix)
			if err := handshake(t, server, client); err != nil {
				t.Fatalf("handshake: %v", err)
			}
		})
	}
}

func TestClientAuth(t *testing.T) {
	f := resttlstest.Generate(t, t.TempDir())
	props := map[string]string{
		"listeners.https.ssl.keystore.location": f.ServerP12, "listeners.https.ssl.keystore.password": resttlstest.Password,
		"listeners.https.ssl.truststore.location": f.CA, "listeners.https.ssl.client.auth": "required",
	}
	server, client := build(t, props, resttls.ListenersPrefix)
	if server.ClientAuth != tls.RequireAndVerifyClientCert {
		t.Fatalf("ClientAuth = %v", server.ClientAuth)
	}
	// The server's key store doubles as the client certificate of the forwarding client, as in Kafka Connect.
	if err := handshake(t, server, client); err != nil {
		t.Fatalf("with a client certificate: %v", err)
	}
	anonymous := &tls.Config{RootCAs: f.Pool, MinVersion: tls.VersionTLS12}
	if err := handshake(t, server, anonymous); err == nil {
		t.Fatal("a client without a certificate was accepted")
	}
}

func TestPrefixAllOrNothing(t *testing.T) {
	f := resttlstest.Generate(t, t.TempDir())
	// One listeners.https.* key hides every un-prefixed ssl.* one: the key store is then missing.
	props := map[string]string{"ssl.keystore.location": f.ServerPEM, "listeners.https.ssl.client.auth": "none"}
	_, err := resttls.Select(props, resttls.ListenersPrefix).Server()
	var e *resttls.Error
	if !errors.As(err, &e) || e.Key != "listeners.https.ssl.keystore.location" {
		t.Fatalf("err = %v, want one naming listeners.https.ssl.keystore.location", err)
	}
}

func TestStoreErrors(t *testing.T) {
	dir := t.TempDir()
	f := resttlstest.Generate(t, dir)
	jks := filepath.Join(dir, "server.jks")
	if err := os.WriteFile(jks, []byte{0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2}, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		props map[string]string
		want  string
	}{
		"jks":            {map[string]string{"ssl.keystore.location": jks}, "JKS stores are not supported"},
		"wrong password": {map[string]string{"ssl.keystore.location": f.ServerP12, "ssl.keystore.password": "nope-secret"}, "wrong ssl.keystore.password"},
		"type mismatch":  {map[string]string{"ssl.keystore.type": "PKCS12", "ssl.keystore.location": f.ServerPEM}, "is PEM, not PKCS12"},
		"missing file":   {map[string]string{"ssl.keystore.location": filepath.Join(dir, "none.p12")}, "cannot read the keystore"},
		"bad protocol":   {map[string]string{"ssl.keystore.location": f.ServerPEM, "ssl.enabled.protocols": "SSLv3"}, "unsupported protocol"},
		"TLSv1.1":        {map[string]string{"ssl.keystore.location": f.ServerPEM, "ssl.enabled.protocols": "TLSv1.1,TLSv1.2"}, "unsupported protocol \"TLSv1.1\""},
		// A misspelt client.auth must not turn client certificates off.
		"client auth upper case": {map[string]string{"ssl.keystore.location": f.ServerPEM, "ssl.client.auth": "REQUIRED"}, "ssl.client.auth"},
		"client auth prefixed":   {map[string]string{"listeners.https.ssl.keystore.location": f.ServerPEM, "listeners.https.ssl.client.auth": "require"}, "listeners.https.ssl.client.auth"},
		"1.2 suites with TLSv1.3 only": {map[string]string{"ssl.keystore.location": f.ServerPEM, "ssl.enabled.protocols": "TLSv1.3",
			"ssl.cipher.suites": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}, "no suite"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := resttls.Select(tc.props, resttls.ListenersPrefix).Server()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "nope-secret") || strings.Contains(err.Error(), resttlstest.Password) {
				t.Errorf("error shows a password: %v", err)
			}
		})
	}
}

// TestCipherSuitesBoundVersions checks that ssl.cipher.suites decides the TLS versions as in Java: TLS 1.2
// suites alone turn TLS 1.3 off, TLS 1.3 suites alone turn TLS 1.2 off.
func TestCipherSuitesBoundVersions(t *testing.T) {
	f := resttlstest.Generate(t, t.TempDir())
	for suites, want := range map[string][2]uint16{
		"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256":                        {tls.VersionTLS12, tls.VersionTLS12},
		"TLS_AES_128_GCM_SHA256":                                       {tls.VersionTLS13, 0},
		"TLS_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": {tls.VersionTLS12, 0},
	} {
		server, err := resttls.Select(map[string]string{"ssl.keystore.location": f.ServerPEM, "ssl.cipher.suites": suites},
			resttls.ListenersPrefix).Server()
		if err != nil {
			t.Fatalf("%s: %v", suites, err)
		}
		if got := [2]uint16{server.MinVersion, server.MaxVersion}; got != want {
			t.Errorf("%s: versions %x, want %x", suites, got, want)
		}
	}
}
