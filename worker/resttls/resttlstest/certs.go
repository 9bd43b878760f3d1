// Package resttlstest generates throw-away certificates for tests of the REST listeners' TLS: a CA, a
// certificate for localhost and 127.0.0.1 signed by it, and a client certificate, written as PEM files and
// PKCS12 stores into a test's temporary directory. Nothing here is committed key material.
package resttlstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// Password protects the generated PKCS12 stores.
const Password = "changeit"

// Files are the paths of the generated material.
type Files struct {
	// CA is the CA certificate (PEM); CAP12 a PKCS12 trust store holding it.
	CA, CAP12 string
	// ServerPEM holds the server's key and certificate chain (Kafka's PEM key store); ServerP12 the same as
	// a PKCS12 key store. The certificate serves as a client certificate too, as a worker's does.
	ServerPEM, ServerP12 string
	// ClientPEM and ClientP12 are a client certificate signed by the CA, for ssl.client.auth.
	ClientPEM, ClientP12 string
	// Pool trusts the CA.
	Pool *x509.CertPool
}

// Generate writes a CA, a server and a client certificate into dir.
func Generate(t testing.TB, dir string) Files {
	t.Helper()
	caKey := newKey(t)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "connectd test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	leaf := func(serial int64, name string, usage ...x509.ExtKeyUsage) (*ecdsa.PrivateKey, *x509.Certificate) {
		key := newKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: usage,
			DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return key, c
	}
	f := Files{
		CA: filepath.Join(dir, "ca.pem"), CAP12: filepath.Join(dir, "truststore.p12"),
		ServerPEM: filepath.Join(dir, "server.pem"), ServerP12: filepath.Join(dir, "server.p12"),
		ClientPEM: filepath.Join(dir, "client.pem"), ClientP12: filepath.Join(dir, "client.p12"),
		Pool: x509.NewCertPool(),
	}
	f.Pool.AddCert(ca)
	write(t, f.CA, pemCert(ca))
	ts, err := pkcs12.Modern.EncodeTrustStore([]*x509.Certificate{ca}, Password)
	if err != nil {
		t.Fatal(err)
	}
	write(t, f.CAP12, ts)
	for _, l := range []struct {
		serial   int64
		name     string
		usage    []x509.ExtKeyUsage
		pem, p12 string
	}{
		{2, "localhost", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, f.ServerPEM, f.ServerP12},
		{3, "connectd test client", []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, f.ClientPEM, f.ClientP12},
	} {
		key, cert := leaf(l.serial, l.name, l.usage...)
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		data := append(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), pemCert(cert)...)
		write(t, l.pem, append(data, pemCert(ca)...))
		p12, err := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{ca}, Password)
		if err != nil {
			t.Fatal(err)
		}
		write(t, l.p12, p12)
	}
	return f
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func write(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
