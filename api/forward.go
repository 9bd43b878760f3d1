package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/connectd/connectd/herder"
)

// maxForwardedBody bounds what we read back from the leader.
const maxForwardedBody = 64 << 20

// forwardRequest describes how a request is re-sent to the leader (or to the owner of a connector).
type forwardRequest struct {
	method string
	// path is the escaped path, e.g. "/connectors/a%20b/config".
	path string
	// query is added after forward=, in this order.
	query [][2]string
	// body is encoded as JSON; nil sends no body.
	body any
	// internal requests are signed with Config.SignRequest.
	internal bool
}

// forwarded is the leader's successful answer.
type forwarded struct {
	status int
	body   []byte
}

// decode parses the leader's body into v; a nil f (the request was not forwarded) leaves v alone.
func (f *forwarded) decode(v any) error {
	if f == nil || f.status == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(f.body, v); err != nil {
		return newAPIError(http.StatusInternalServerError, msgForwardIOError+err.Error())
	}
	return nil
}

func forwardClient(c *http.Client) *http.Client {
	if c == nil {
		c = &http.Client{Transport: &http.Transport{
			// Worker-to-worker traffic never goes through an HTTP proxy, as with Kafka Connect's Jetty client.
			Proxy:                 nil,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second,
			ExpectContinueTimeout: time.Second,
		}}
	}
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// forwardParam is the hidden "forward" query parameter as a Java Boolean: nil when absent.
func forwardParam(r *http.Request) *bool {
	v := r.URL.Query().Get("forward")
	if v == "" {
		return nil
	}
	b := strings.EqualFold(v, "true")
	return &b
}

// completeOrForward runs op and, when it fails because this worker is not the leader (or not the owner),
// sends the request where the error points, as Kafka Connect's HerderRequestHandler.completeOrForwardRequest
// does: a request from a user (no forward parameter) may make two hops, one from a peer (forward=true) one
// more, and one with forward=false none. The returned forwarded is nil when op succeeded locally.
func (s *Server) completeOrForward(ctx context.Context, r *http.Request, fr forwardRequest, op func(context.Context) error) (*forwarded, error) {
	err := op(ctx)
	if err == nil {
		return nil, nil
	}
	var nl *herder.NotLeaderError
	if !errors.As(err, &nl) {
		return nil, conflictOnStale(err)
	}
	fwd := forwardParam(r)
	if fwd != nil && !*fwd {
		return nil, newAPIError(http.StatusConflict, msgConflictingOp)
	}
	if nl.TargetURL == "" {
		return nil, newAPIError(http.StatusConflict, msgNoLeader)
	}
	return s.forward(ctx, r, nl.TargetURL, fwd == nil, fr)
}

// isDialError reports whether err happened while connecting, before any byte of the request was sent.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func forwardURL(target string, recursive bool, fr forwardRequest) string {
	var q strings.Builder
	q.WriteString("forward=")
	q.WriteString(strconv.FormatBool(recursive))
	for _, kv := range fr.query {
		q.WriteString("&" + url.QueryEscape(kv[0]) + "=" + url.QueryEscape(kv[1]))
	}
	return strings.TrimRight(target, "/") + fr.path + "?" + q.String()
}

func (s *Server) forward(ctx context.Context, r *http.Request, target string, recursive bool, fr forwardRequest) (*forwarded, error) {
	u := forwardURL(target, recursive, fr)
	var body []byte
	if fr.body != nil {
		b, err := encodeJSON(fr.body)
		if err != nil {
			return nil, err
		}
		body = b
	}
	req, err := http.NewRequestWithContext(ctx, fr.method, u, bytes.NewReader(body))
	if err != nil {
		return nil, newAPIError(http.StatusInternalServerError, msgForwardIOError+err.Error())
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	} else {
		req.Header.Set("Content-Type", contentTypeJSON)
	}
	req.Header.Set("Accept", contentTypeJSON)
	req.Header.Set("User-Agent", "kafka-connect")
	// Only the caller's credentials travel with the request, as in Kafka Connect's RestClient.
	if auth := r.Header.Get("Authorization"); auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if fr.internal && s.cfg.SignRequest != nil {
		signed := body
		if signed == nil {
			signed = []byte{}
		}
		s.cfg.SignRequest(signed, req.Header)
	}
	// A connection of its own, closed after the answer: a kept-alive connection that the target closes as idle
	// while it shuts down (Go's http.Server.Shutdown does) would fail a request already written on it with a
	// reset, which for a write cannot be told from one the target applied. A new connection is refused
	// instead (a 409 below), or served to the end. Forwarding is control-plane traffic: a handshake each is cheap.
	req.Close = true
	s.log.Debug("forwarding request", "method", fr.method, "url", u)
	resp, err := s.forwarder.Do(req)
	if err != nil {
		if isDialError(err) {
			// The target never saw the request: it is leaving the group (or gone) and the group has not
			// rebalanced yet. Kafka Connect answers 500 with the IO error; a 409 tells the client what it is,
			// a request not applied that succeeds when retried after the rebalance.
			s.log.Debug("forward target unreachable", "url", u, "err", err)
			return nil, newAPIError(http.StatusConflict, msgConflictingOp)
		}
		return nil, newAPIError(http.StatusInternalServerError, msgForwardIOError+err.Error())
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxForwardedBody))
	if err != nil {
		return nil, newAPIError(http.StatusInternalServerError, msgForwardIOError+err.Error())
	}
	switch {
	case resp.StatusCode == http.StatusNoContent:
		return &forwarded{status: resp.StatusCode}, nil
	case resp.StatusCode == http.StatusUnauthorized && !json.Valid(b):
		// The leader refused the caller's credentials with Kafka Connect's plain-text 401: the workers do not
		// share one credentials file. The caller gets that 401 (Kafka Connect answers 500, failing to parse it).
		return nil, newAPIError(http.StatusUnauthorized, string(b))
	case resp.StatusCode >= 400:
		// The leader's error reaches the user unchanged: its status, error_code and message.
		var em herder.ErrorMessage
		if err := json.Unmarshal(b, &em); err != nil {
			return nil, newAPIError(http.StatusInternalServerError, msgForwardIOError+err.Error())
		}
		return nil, &apiError{status: resp.StatusCode, code: em.ErrorCode, message: em.Message}
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return &forwarded{status: resp.StatusCode, body: b}, nil
	default:
		return nil, newAPIError(http.StatusInternalServerError, msgForwardBadStatus+strconv.Itoa(resp.StatusCode))
	}
}
