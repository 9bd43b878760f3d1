package config

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/connectd/connectd/worker/resttls/resttlstest"
)

func TestRestSecurityConfig(t *testing.T) {
	f := resttlstest.Generate(t, t.TempDir())
	c, warnings := mustParseWorkerConfig(t, withWorkerProps(minimalWorkerProps(),
		"listeners", "https://127.0.0.1:8443",
		"listeners.https.ssl.keystore.type", "PKCS12",
		"listeners.https.ssl.keystore.location", f.ServerP12,
		"listeners.https.ssl.keystore.password", resttlstest.Password,
		"listeners.https.ssl.truststore.location", f.CA,
		"listeners.https.ssl.client.auth", "requested",
		"listeners.https.ssl.protocol", "TLSv1.3",
		"rest.extension.classes", "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"))
	if c.ListenerTLS == nil || c.ListenerTLS.ClientAuth != tls.VerifyClientCertIfGiven || c.ForwardTLS == nil {
		t.Fatalf("ListenerTLS %v, ForwardTLS %v", c.ListenerTLS, c.ForwardTLS)
	}
	if c.AdminListenerTLS != nil {
		t.Error("AdminListenerTLS built without https admin listeners")
	}
	if !c.BasicAuth {
		t.Error("BasicAuth false")
	}
	if u := c.AdvertisedURL(nil); !strings.HasPrefix(u, "https://127.0.0.1:8443") {
		t.Errorf("AdvertisedURL = %q", u)
	}
	var sawProtocol bool
	for _, w := range warnings {
		sawProtocol = sawProtocol || strings.Contains(w, "listeners.https.ssl.protocol=TLSv1.3 has no effect")
		if strings.Contains(w, resttlstest.Password) {
			t.Errorf("a warning shows the password: %s", w)
		}
	}
	if !sawProtocol {
		t.Errorf("warnings %v lack the one for listeners.https.ssl.protocol", warnings)
	}

	// An http-only worker ignores REST TLS settings meant for the Kafka clients.
	c, _ = mustParseWorkerConfig(t, withWorkerProps(minimalWorkerProps(), "ssl.keystore.location", "/nonexistent.jks"))
	if c.ListenerTLS != nil || c.ForwardTLS != nil {
		t.Error("TLS built for an http-only worker")
	}

	for name, tc := range map[string]struct {
		kv   []string
		want string
	}{
		"https without key store": {[]string{"listeners", "https://:8443"}, "ssl.keystore.location"},
		"https admin without key store": {[]string{"admin.listeners", "https://:9443", "ssl.keystore.location", f.ServerPEM,
			"admin.listeners.https.ssl.client.auth", "none"}, "admin.listeners.https.ssl.keystore.location"},
		"unknown extension": {[]string{"rest.extension.classes", "com.example.MyExtension"}, "the only REST extension connectd supports"},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := ParseConfig(withWorkerProps(minimalWorkerProps(), tc.kv...))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
