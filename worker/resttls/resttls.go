// Package resttls builds the TLS configurations of the REST server's https listeners and of the client that
// forwards requests to other workers, from Kafka Connect's ssl.* worker settings as its SSLUtils reads them.
//
// Kafka Connect hands the settings to Jetty's SslContextFactory, so key and trust stores are Java key stores.
// A Go worker reads PKCS12 stores (the type keytool creates by default since Java 9) and PEM files (Kafka's
// ssl.keystore.type=PEM: one file with the private key and its certificate chain; a trust store of
// certificates); JKS stores are refused with an error that says how to convert them. A store's type is taken
// from its content when ssl.*store.type is unset or JKS (Java's default), since a JVM reads a PKCS12 file
// named JKS too.
//
// Errors name the property at fault and never contain a password.
package resttls

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/connectd/connectd/worker/properties"
	"github.com/connectd/connectd/worker/tlschain"
	"software.sslmate.com/src/go-pkcs12"
)

// Prefixes of the settings of the regular and the admin listeners (RestServerConfig).
const (
	ListenersPrefix      = "listeners.https."
	AdminListenersPrefix = "admin.listeners.https."
)

// Settings are the ssl.* settings of one side, keys without the listener prefix.
type Settings struct {
	values map[string]string
	// prefix is prepended to the keys named in errors ("" for the worker's own ssl.* keys).
	prefix string
}

// Select picks the settings as AbstractConfig.valuesWithPrefixAllOrNothing does: when any property starts
// with prefix, only those (prefix removed) count, and settings they leave out take their defaults even when
// the un-prefixed ssl.* property is set; otherwise the worker's ssl.* properties are used.
func Select(props map[string]string, prefix string) Settings {
	prefixed := map[string]string{}
	for k, v := range props {
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" {
			prefixed[rest] = v
		}
	}
	if len(prefixed) > 0 {
		return Settings{values: prefixed, prefix: prefix}
	}
	own := map[string]string{}
	for k, v := range props {
		if strings.HasPrefix(k, "ssl.") {
			own[k] = v
		}
	}
	return Settings{values: own}
}

func (s Settings) get(key string) string { return strings.TrimSpace(s.values[key]) }

// Error is a problem with one setting.
type Error struct {
	Key     string // the property as the user wrote it, prefix included
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("Invalid value for configuration %s: %s", e.Key, e.Message)
}

func (s Settings) errorf(key, format string, args ...any) error {
	return &Error{Key: s.prefix + key, Message: fmt.Sprintf(format, args...)}
}

// Server builds the configuration of an https listener: the key store (required), the trust store that checks
// client certificates, ssl.client.auth (required, requested, else none, compared as Kafka does: exactly),
// ssl.enabled.protocols and ssl.cipher.suites.
func (s Settings) Server() (*tls.Config, error) {
	tc, err := s.common()
	if err != nil {
		return nil, err
	}
	if len(tc.Certificates) == 0 {
		return nil, s.errorf("ssl.keystore.location", "an https listener needs a key store with its certificate and private key")
	}
	pool, err := s.trustStore()
	if err != nil {
		return nil, err
	}
	tc.ClientCAs = pool
	// Exact values, as Kafka's validator takes them: a misspelt "REQUIRED" must not turn the check off.
	switch v := s.get("ssl.client.auth"); v {
	case "required":
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	case "requested":
		tc.ClientAuth = tls.VerifyClientCertIfGiven
	case "", "none":
		tc.ClientAuth = tls.NoClientCert
	default:
		return nil, s.errorf("ssl.client.auth", "invalid value %q: String must be one of: required, requested, none", v)
	}
	return tc, nil
}

// Client builds the configuration the worker uses to reach other workers' https listeners: the trust store
// (unset: the system's roots), the key store as its client certificate, and host name verification unless
// ssl.endpoint.identification.algorithm is empty (Jetty's client verifies by default).
func (s Settings) Client() (*tls.Config, error) {
	tc, err := s.common()
	if err != nil {
		return nil, err
	}
	pool, err := s.trustStore()
	if err != nil {
		return nil, err
	}
	tc.RootCAs = pool
	if v, set := s.values["ssl.endpoint.identification.algorithm"]; set && strings.TrimSpace(v) == "" {
		// Host names are not checked; the chain still is, as with Jetty's client.
		tlschain.VerifyWithoutHostname(tc, pool, "worker")
	}
	return tc, nil
}

// common reads what both sides share: protocols, cipher suites and the key store.
func (s Settings) common() (*tls.Config, error) {
	// TLS 1.2 and 1.3 only: JDK 17, which Kafka Connect 3.9 runs on, disables TLSv1 and TLSv1.1
	// (jdk.tls.disabledAlgorithms), so a worker listing them still never speaks them. Blank: both.
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if v := s.get("ssl.enabled.protocols"); strings.TrimSpace(v) != "" {
		versions := map[string]uint16{"TLSv1.2": tls.VersionTLS12, "TLSv1.3": tls.VersionTLS13}
		tc.MinVersion = 0
		for _, p := range properties.Items(v) {
			ver, ok := versions[p]
			if !ok {
				return nil, s.errorf("ssl.enabled.protocols", "unsupported protocol %q (supported: TLSv1.2, TLSv1.3; "+
					"Java 17 disables TLSv1 and TLSv1.1 too)", p)
			}
			if tc.MinVersion == 0 || ver < tc.MinVersion {
				tc.MinVersion = ver
			}
			tc.MaxVersion = max(tc.MaxVersion, ver)
		}
	}
	if v := s.get("ssl.cipher.suites"); v != "" {
		byName := map[string]*tls.CipherSuite{}
		for _, c := range tls.CipherSuites() {
			byName[c.Name] = c
		}
		tls13 := false
		for _, name := range properties.Items(v) {
			c, ok := byName[name]
			if !ok {
				return nil, s.errorf("ssl.cipher.suites", "unsupported cipher suite %q", name)
			}
			if slices.Contains(c.SupportedVersions, tls.VersionTLS13) {
				// Go always offers every TLS 1.3 suite; naming one keeps TLS 1.3 on.
				tls13 = true
				continue
			}
			tc.CipherSuites = append(tc.CipherSuites, c.ID)
		}
		// As in Java, a list of TLS 1.2 suites alone leaves no suite for TLS 1.3, and a list of TLS 1.3
		// suites alone none for TLS 1.2.
		switch {
		case !tls13:
			tc.MaxVersion = tls.VersionTLS12
		case len(tc.CipherSuites) == 0:
			tc.MinVersion = tls.VersionTLS13
		}
		if tc.MaxVersion != 0 && tc.MinVersion > tc.MaxVersion {
			return nil, s.errorf("ssl.cipher.suites", "no suite of %q is usable with ssl.enabled.protocols", v)
		}
	}
	cert, err := s.keyStore()
	if err != nil {
		return nil, err
	}
	if cert != nil {
		tc.Certificates = []tls.Certificate{*cert}
	}
	return tc, nil
}

// Store formats.
const (
	formatPEM    = "PEM"
	formatPKCS12 = "PKCS12"
	formatJKS    = "JKS"
)

// readStore reads a store file and decides its format from its content, checked against the configured type.
func (s Settings) readStore(kind string) (data []byte, format string, err error) {
	locationKey, typeKey := "ssl."+kind+".location", "ssl."+kind+".type"
	location := s.get(locationKey)
	if location == "" {
		return nil, "", nil
	}
	data, err = os.ReadFile(location)
	if err != nil {
		return nil, "", s.errorf(locationKey, "cannot read the %s: %v", kind, err)
	}
	switch {
	case bytes.Contains(data, []byte("-----BEGIN ")):
		format = formatPEM
	case len(data) >= 4 && bytes.Equal(data[:4], []byte{0xFE, 0xED, 0xFE, 0xED}):
		format = formatJKS
	case len(data) > 0 && data[0] == 0x30: // a DER SEQUENCE: PKCS12
		format = formatPKCS12
	default:
		return nil, "", s.errorf(locationKey, "the %s is neither PKCS12 nor PEM", kind)
	}
	typ := strings.ToUpper(s.get(typeKey))
	if format == formatJKS {
		return nil, "", s.errorf(locationKey, "JKS stores are not supported; convert it to PKCS12 with "+
			"`keytool -importkeystore -srckeystore %s -destkeystore %s.p12 -deststoretype PKCS12` and set %s%s=PKCS12",
			location, location, s.prefix, typeKey)
	}
	if typ != "" && typ != formatJKS && typ != format {
		return nil, "", s.errorf(typeKey, "%s is %s, not %s", location, format, typ)
	}
	return data, format, nil
}

// keyStore returns the certificate and key of ssl.keystore.location, nil when unset.
func (s Settings) keyStore() (*tls.Certificate, error) {
	data, format, err := s.readStore("keystore")
	if err != nil || data == nil {
		return nil, err
	}
	if format == formatPKCS12 {
		// Kafka's keytool-made stores protect the key with the store password; ssl.key.password, when it
		// differs, is tried too.
		var lastErr error
		for _, pw := range dedupe(s.values["ssl.keystore.password"], s.values["ssl.key.password"]) {
			key, leaf, chain, err := pkcs12.DecodeChain(data, pw)
			if err != nil {
				lastErr = err
				continue
			}
			cert := tls.Certificate{PrivateKey: key, Leaf: leaf, Certificate: [][]byte{leaf.Raw}}
			for _, c := range chain {
				cert.Certificate = append(cert.Certificate, c.Raw)
			}
			return &cert, nil
		}
		return nil, s.errorf("ssl.keystore.location", "cannot read the PKCS12 key store (wrong ssl.keystore.password?): %v", lastErr)
	}
	keyPEM := keyBlocks(data)
	if keyPEM == nil {
		return nil, s.errorf("ssl.keystore.location", "the PEM key store has no private key")
	}
	if b, _ := pem.Decode(keyPEM); b != nil && (b.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED")) {
		return nil, s.errorf("ssl.keystore.location", "encrypted PEM private keys are not supported; "+
			"provide an unencrypted key or a PKCS12 key store")
	}
	cert, err := tls.X509KeyPair(data, keyPEM)
	if err != nil {
		return nil, s.errorf("ssl.keystore.location", "cannot load the certificate and key: %v", err)
	}
	return &cert, nil
}

// trustStore returns the CA pool of ssl.truststore.location, nil (the system's roots) when unset.
func (s Settings) trustStore() (*x509.CertPool, error) {
	data, format, err := s.readStore("truststore")
	if err != nil || data == nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if format == formatPEM {
		if !pool.AppendCertsFromPEM(data) {
			return nil, s.errorf("ssl.truststore.location", "no PEM certificate found")
		}
		return pool, nil
	}
	certs, err := pkcs12.DecodeTrustStore(data, s.values["ssl.truststore.password"])
	if err != nil || len(certs) == 0 {
		// A store of key entries (openssl pkcs12 -export) holds its CA in the chain.
		if _, leaf, chain, cerr := pkcs12.DecodeChain(data, s.values["ssl.truststore.password"]); cerr == nil {
			certs = append([]*x509.Certificate{leaf}, chain...)
		} else if err == nil {
			err = cerr
		}
	}
	if len(certs) == 0 {
		return nil, s.errorf("ssl.truststore.location", "cannot read the PKCS12 trust store (wrong ssl.truststore.password?): %v", err)
	}
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

func dedupe(vs ...string) []string {
	var out []string
	for _, v := range vs {
		found := false
		for _, o := range out {
			found = found || o == v
		}
		if !found {
			out = append(out, v)
		}
	}
	return out
}

// keyBlocks returns the PEM text from the first private key block on, nil when there is none.
func keyBlocks(data []byte) []byte {
	rest := data
	for {
		i := bytes.Index(rest, []byte("-----BEGIN "))
		if i < 0 {
			return nil
		}
		rest = rest[i:]
		block, next := pem.Decode(rest)
		if block == nil {
			return nil
		}
		if strings.Contains(block.Type, "PRIVATE KEY") {
			return rest
		}
		rest = next
	}
}
