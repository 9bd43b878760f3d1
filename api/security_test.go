package api

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// withAuth makes the server accept alice:secret only, and answer "bad" credentials with an error.
func withAuth(c *Config) {
	c.Security.Authenticate = func(h string) (bool, error) {
		if h == "Basic bad" {
			return false, errors.New("Illegal base64 character 2d")
		}
		return h == basic("alice", "secret"), nil
	}
}

func TestBasicAuthFilter(t *testing.T) {
	s := newTestServer(t, seededHerder(t), withAuth)
	h := s.Handler()

	rec := do(t, h, http.MethodGet, "/connectors", "")
	checkResponse(t, rec, http.StatusUnauthorized, "User cannot access the resource.")
	if ct := rec.Header().Get("Content-Type"); ct != contentTypeJSON {
		t.Errorf("401 Content-Type = %q, want %q (what Jersey labels it)", ct, contentTypeJSON)
	}
	if got := rec.Header().Get("WWW-Authenticate"); got != "" {
		t.Errorf("WWW-Authenticate = %q, Kafka Connect sends none", got)
	}
	for _, target := range []string{"/", "/health", "/connectors/src/tasks", "/connector-plugins", "/admin/loggers"} {
		if rec := do(t, h, http.MethodGet, target, ""); rec.Code != http.StatusUnauthorized {
			t.Errorf("GET %s without credentials: %d, want 401", target, rec.Code)
		}
	}
	checkResponse(t, do(t, h, http.MethodGet, "/connectors", "", "Authorization", basic("alice", "wrong")),
		http.StatusUnauthorized, "User cannot access the resource.")
	if rec := do(t, h, http.MethodGet, "/connectors", "", "Authorization", basic("alice", "secret")); rec.Code != http.StatusOK {
		t.Errorf("GET /connectors with credentials: %d %s", rec.Code, rec.Body)
	}
	checkResponse(t, do(t, h, http.MethodGet, "/connectors", "", "Authorization", "Basic bad"),
		http.StatusInternalServerError, `{"error_code":500,"message":"Illegal base64 character 2d"}`)

	// Post-matching: unknown paths and methods are answered without credentials.
	if rec := do(t, h, http.MethodGet, "/nope", ""); rec.Code != http.StatusNotFound {
		t.Errorf("GET /nope: %d, want 404", rec.Code)
	}
	if rec := do(t, h, http.MethodDelete, "/connector-plugins", ""); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /connector-plugins: %d, want 405", rec.Code)
	}
	// The inter-worker endpoints are exempt (their signature protects them): no 401.
	if rec := do(t, h, http.MethodPost, "/connectors/src/tasks", `[]`); rec.Code == http.StatusUnauthorized {
		t.Errorf("POST /connectors/src/tasks without credentials: 401, want it exempt")
	}
	if rec := do(t, h, http.MethodPut, "/connectors/src/fence", ""); rec.Code == http.StatusUnauthorized {
		t.Errorf("PUT /connectors/src/fence without credentials: 401, want it exempt")
	}
}

func TestSeparateAdminListener(t *testing.T) {
	s := newTestServer(t, seededHerder(t), withAuth, func(c *Config) { c.Security.SeparateAdmin = true })
	if rec := do(t, s.Handler(), http.MethodGet, "/admin/loggers", "", "Authorization", basic("alice", "secret")); rec.Code != http.StatusNotFound {
		t.Errorf("GET /admin/loggers on the regular listener: %d, want 404", rec.Code)
	}
	// Kafka Connect registers no extension on the admin listeners: no credentials needed there.
	if rec := do(t, s.AdminHandler(), http.MethodGet, "/admin/loggers", ""); rec.Code != http.StatusOK {
		t.Errorf("GET /admin/loggers on the admin listener: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, s.AdminHandler(), http.MethodGet, "/connectors", ""); rec.Code != http.StatusNotFound {
		t.Errorf("GET /connectors on the admin listener: %d, want 404", rec.Code)
	}
}

func TestCORS(t *testing.T) {
	s := newTestServer(t, seededHerder(t), withAuth, func(c *Config) {
		c.Security.AllowOrigin = "https://*.example.com"
		c.Security.AllowMethods = "GET,PUT"
	})
	h := s.Handler()
	rec := do(t, h, http.MethodOptions, "/connectors", "", "Origin", "https://ui.example.com",
		"Access-Control-Request-Method", "PUT")
	if rec.Code != http.StatusOK {
		t.Errorf("preflight: %d, want 200", rec.Code)
	}
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin": "https://ui.example.com", "Access-Control-Allow-Methods": "GET,PUT",
		"Access-Control-Allow-Credentials": "true", "Access-Control-Max-Age": "1800",
		"Access-Control-Allow-Headers": "X-Requested-With,Content-Type,Accept,Origin",
	} {
		if got := rec.Header().Get(k); got != want {
			t.Errorf("preflight %s = %q, want %q", k, got, want)
		}
	}
	rec = do(t, h, http.MethodGet, "/connectors", "", "Origin", "https://ui.example.com", "Authorization", basic("alice", "secret"))
	if rec.Code != http.StatusOK || rec.Header().Get("Access-Control-Allow-Origin") != "https://ui.example.com" ||
		rec.Header().Get("Vary") != "Origin" || rec.Header().Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("simple request: %d, headers %v", rec.Code, rec.Header())
	}
	rec = do(t, h, http.MethodGet, "/connectors", "", "Origin", "https://evil.test", "Authorization", basic("alice", "secret"))
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("other origin got Allow-Origin %q", got)
	}
}

func TestResponseHeaders(t *testing.T) {
	s := newTestServer(t, seededHerder(t), withAuth, func(c *Config) {
		c.Security.ResponseHeaders = `set X-Frame-Options: DENY,"add Cache-Control: no-cache, no-store",setDate Expires: 31540000000`
	})
	// Like Jetty's HeaderFilter, the headers are on every answer of the listener, a 401 included.
	rec := do(t, s.Handler(), http.MethodGet, "/connectors", "")
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("status %d", rec.Code)
	}
	if got := rec.Header().Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("X-Frame-Options = %q", got)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-cache, no-store" {
		t.Errorf("Cache-Control = %q", got)
	}
	exp, err := http.ParseTime(rec.Header().Get("Expires"))
	if err != nil || time.Until(exp) < 364*24*time.Hour {
		t.Errorf("Expires = %q (%v), want a year from now", rec.Header().Get("Expires"), err)
	}
	if _, err := NewServer(Config{Herder: seededHerder(t), Security: Security{ResponseHeaders: "unset X: y"}}); err == nil ||
		!strings.Contains(err.Error(), "action") {
		t.Errorf("invalid rule: %v", err)
	}
}

// A leader that refuses the follower's credentials answers Kafka Connect's plain-text 401; the caller gets a 401
// (Kafka Connect's follower fails to parse it and answers 500).
func TestForwardedUnauthorized(t *testing.T) {
	strict := func(c *Config) {
		c.Security.Authenticate = func(h string) (bool, error) { return h == basic("alice", "leader-only"), nil }
	}
	c := newCluster(t, []func(*Config){strict}, []func(*Config){withAuth})
	rec := do(t, c.handler, http.MethodPut, "/connectors/new/config", `{"connector.class":"FileSink"}`, "Authorization", basic("alice", "secret"))
	checkResponse(t, rec, http.StatusUnauthorized, `{"error_code":401,"message":"User cannot access the resource."}`)
	if got := c.rec.last(t).header.Get("Authorization"); got != basic("alice", "secret") {
		t.Errorf("forwarded Authorization = %q", got)
	}
}

// TestMetricsNeedCredentials checks README's claim that GET /metrics is protected like every other endpoint.
func TestMetricsNeedCredentials(t *testing.T) {
	s := newTestServer(t, seededHerder(t), withAuth, func(c *Config) {
		c.Metrics = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("up 1\n")) })
	})
	h := s.Handler()
	checkResponse(t, do(t, h, http.MethodGet, "/metrics", ""), http.StatusUnauthorized, "User cannot access the resource.")
	rec := do(t, h, http.MethodGet, "/metrics", "", "Authorization", basic("alice", "secret"))
	if rec.Code != http.StatusOK || rec.Body.String() != "up 1\n" {
		t.Errorf("GET /metrics with credentials: %d %q", rec.Code, rec.Body)
	}
}

// A browser sends a form post, a no-cors fetch or a bodiless POST cross-site without a CORS preflight, with the
// credentials it caches: writes from another site get 403 and change nothing, while the console (same
// origin), curl (no Origin) and origins CORS allows keep working.
func TestCrossSiteWrites(t *testing.T) {
	f := seededHerder(t)
	h := newTestServer(t, f, withAuth, func(c *Config) { c.Security.AllowOrigin = "https://ui.example.com" }).Handler()
	auth := basic("alice", "secret")
	const create = `{"name":"evil","config":{"connector.class":"` + testSourceClass + `"}}`
	const forbidden = `{"error_code":403,"message":"` + msgCrossSite + `"}`
	for _, tc := range []struct {
		name, method, target, body string
		headers                    []string
	}{
		{"form post from another origin", http.MethodPost, "/connectors", create,
			[]string{"Origin", "https://evil", "Content-Type", "application/x-www-form-urlencoded"}},
		{"no-cors fetch, text/plain", http.MethodPost, "/connectors", create, []string{"Origin", "https://evil", "Content-Type", "text/plain"}},
		{"JSON from another origin", http.MethodPost, "/connectors", create, []string{"Origin", "https://evil"}},
		{"bodiless restart", http.MethodPost, "/connectors/src/restart", "", []string{"Origin", "https://evil"}},
		{"task restart, cross-site", http.MethodPost, "/connectors/src/tasks/0/restart", "", []string{"Sec-Fetch-Site", "cross-site"}},
		{"same-site", http.MethodPut, "/connectors/src/pause", "", []string{"Sec-Fetch-Site", "same-site", "Origin", "http://other.example.com"}},
		{"sandboxed frame", http.MethodDelete, "/connectors/src", "", []string{"Origin", "null"}},
		{"admin loggers", http.MethodPut, "/admin/loggers/root", `{"level":"DEBUG"}`, []string{"Origin", "https://evil"}},
	} {
		f.calls = nil
		rec := do(t, h, tc.method, tc.target, tc.body, append([]string{"Authorization", auth}, tc.headers...)...)
		checkResponse(t, rec, http.StatusForbidden, forbidden)
		if len(f.calls) != 0 {
			t.Errorf("%s: the herder was called: %v", tc.name, f.calls)
		}
	}
	if _, ok := f.conns["evil"]; ok {
		t.Fatal("a cross-site request created a connector")
	}

	// The console: same origin, by Origin or by Sec-Fetch-Site (behind a proxy that rewrites Host).
	if rec := do(t, h, http.MethodPost, "/connectors/src/restart", "", "Authorization", auth, "Origin", "http://example.com",
		"Sec-Fetch-Site", "same-origin"); rec.Code != http.StatusNoContent {
		t.Errorf("same-origin restart: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, h, http.MethodPut, "/connectors/src/pause", "", "Authorization", auth, "Origin", "https://EXAMPLE.com"); rec.Code != http.StatusAccepted {
		t.Errorf("pause from the own origin: %d %s", rec.Code, rec.Body)
	}
	// A CORS-allowed origin, cross-site for the browser.
	if rec := do(t, h, http.MethodPut, "/connectors/src/resume", "", "Authorization", auth, "Origin", "https://ui.example.com",
		"Sec-Fetch-Site", "cross-site"); rec.Code != http.StatusAccepted {
		t.Errorf("resume from a CORS-allowed origin: %d %s", rec.Code, rec.Body)
	}
	// curl -d without -H: no Origin, form type.
	rec := do(t, h, http.MethodPost, "/connectors", create, "Authorization", auth, "Content-Type", "application/x-www-form-urlencoded")
	if rec.Code != http.StatusCreated {
		t.Errorf("curl -d: %d %s", rec.Code, rec.Body)
	}
	// A browser's own-origin request must say JSON: an empty or form type with an Origin is 415.
	for _, ct := range []string{"application/x-www-form-urlencoded", ""} {
		req := httptest.NewRequest(http.MethodPut, "/connectors/src/config", strings.NewReader(`{"connector.class":"`+testSourceClass+`"}`))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Origin", "http://example.com")
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		checkResponse(t, rec, http.StatusUnsupportedMediaType, `{"error_code":415,"message":"HTTP 415 Unsupported Media Type"}`)
	}
	// The inter-worker route: workers send neither header.
	if rec := do(t, h, http.MethodPost, "/connectors/src/tasks", `[]`); rec.Code == http.StatusForbidden {
		t.Errorf("internal task configs: %d %s", rec.Code, rec.Body)
	}
}
