package worker

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"

	"github.com/connectd/connectd/herder"
	"github.com/connectd/connectd/storage/records"
	"github.com/connectd/connectd/worker/kafkalog"
)

// Request signing between workers (KIP-507, protocol "sessioned"): the leader keeps a session key in the
// config topic and every internal request carries an HMAC of its body under that key.

const (
	headerSignature = "X-Connect-Authorization"
	headerAlgorithm = "X-Connect-Request-Signature-Algorithm"
	hmacSHA256      = "HmacSHA256"
)

// ensureSessionKey writes a new session key when there is none or the current one has expired (leader only).
func (w *Worker) ensureSessionKey(ctx context.Context) error {
	if w.cfg.ConnectProtocol != "sessioned" {
		return nil
	}
	if k, ok := w.store.SessionKey(); ok && time.Since(time.UnixMilli(k.CreationTimestamp)) < w.cfg.InterWorkerKeyTTL &&
		k.Algorithm == hmacSHA256 {
		return nil
	}
	size := w.cfg.InterWorkerKeySize
	if size <= 0 {
		size = 256
	}
	key := make([]byte, size/8)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	v, err := records.EncodeSessionKey(records.SessionKey{Key: key, Algorithm: hmacSHA256, CreationTimestamp: time.Now().UnixMilli()})
	if err != nil {
		return err
	}
	return w.writeConfig(ctx, kafkalog.Record{Key: []byte(records.SessionKeyKey), Value: v})
}

// SignRequest signs an internal request body with the current session key (api.Config.SignRequest).
func (w *Worker) SignRequest(body []byte, h http.Header) {
	k, ok := w.store.SessionKey()
	if !ok {
		return
	}
	mac := hmac.New(sha256.New, k.Key)
	mac.Write(body)
	h.Set(headerSignature, base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	h.Set(headerAlgorithm, hmacSHA256)
}

// VerifyInternal checks the signature of an internal request (api.Config.VerifyInternal), with Kafka
// Connect's answers: 400 unsigned or unknown algorithm, 503 no key yet, 403 bad signature.
func (w *Worker) VerifyInternal(r *http.Request, body []byte) error {
	if w.cfg.ConnectProtocol != "sessioned" {
		return nil
	}
	sig, alg := r.Header.Get(headerSignature), r.Header.Get(headerAlgorithm)
	if sig == "" || alg == "" {
		return requestError(herder.ErrBadRequest, "Internal request missing required signature")
	}
	supported := false
	for _, a := range w.cfg.InterWorkerVerificationAlgorithms {
		supported = supported || a == alg
	}
	if !supported || alg != hmacSHA256 {
		return requestError(herder.ErrBadRequest, fmt.Sprintf("This worker does not support the '%s' key signing algorithm used by other workers. "+
			"This worker is currently configured to use: %v. Check that all workers' configuration files permit the same set of signature algorithms, "+
			"and correct any misconfigured worker and restart it.", alg, w.cfg.InterWorkerVerificationAlgorithms))
	}
	k, ok := w.store.SessionKey()
	if !ok {
		return requestError(herder.ErrUnavailable, "This worker is still starting up and has not been able to read a session key from the config topic yet")
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	mac := hmac.New(sha256.New, k.Key)
	mac.Write(body)
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		return requestError(herder.ErrForbidden, "Internal request contained invalid signature.")
	}
	return nil
}
