// Package tlschain checks a TLS peer's certificate chain without its host name: what Java's clients do when
// ssl.endpoint.identification.algorithm is empty, for the worker's Kafka clients and its REST client alike.
package tlschain

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
)

// VerifyWithoutHostname turns off tc's host name verification and checks the peer's chain against roots
// (nil: the system's) instead, so that only the host name goes unchecked. peer names the other side in the
// error for a peer that sent no certificate ("broker", "worker").
func VerifyWithoutHostname(tc *tls.Config, roots *x509.CertPool, peer string) {
	tc.InsecureSkipVerify = true
	tc.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("tls: the " + peer + " sent no certificate")
		}
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
		return err
	}
}
