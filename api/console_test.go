package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/connectd/connectd/api/console"
)

func withConsole(c *Config) { c.Console = console.Handler() }

func TestConsoleServed(t *testing.T) {
	h := newTestServer(t, seededHerder(t), withConsole).Handler()
	rec := do(t, h, http.MethodGet, "/ui", "")
	if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/ui/" {
		t.Errorf("GET /ui: %d Location %q, want 301 to /ui/", rec.Code, rec.Header().Get("Location"))
	}
	rec = do(t, h, http.MethodGet, "/ui/", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<title>connectd console</title>") {
		t.Fatalf("GET /ui/: %d %.200s", rec.Code, rec.Body)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); csp != console.ContentSecurityPolicy {
		t.Errorf("GET /ui/: Content-Security-Policy %q", csp)
	}
	if rec := do(t, h, http.MethodGet, "/ui/console.js", ""); rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/javascript") {
		t.Errorf("GET /ui/console.js: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if rec := do(t, h, http.MethodPost, "/ui/", "{}"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /ui/: %d, want 405", rec.Code)
	}
	// The API next to it is unchanged.
	if rec := do(t, h, http.MethodGet, "/connectors", ""); rec.Code != http.StatusOK {
		t.Errorf("GET /connectors: %d", rec.Code)
	}
}

// rest.ui.enable=false leaves Config.Console nil: /ui is an unknown path like any other.
func TestConsoleDisabled(t *testing.T) {
	h := newTestServer(t, seededHerder(t)).Handler()
	for _, target := range []string{"/ui", "/ui/", "/ui/console.js"} {
		checkResponse(t, do(t, h, http.MethodGet, target, ""), http.StatusNotFound, notFound)
	}
}

// The console sits behind the API's authentication; its 401 challenges the browser so that it asks for the
// credentials, while the API's 401 stays Kafka Connect's, without a challenge.
func TestConsoleNeedsCredentials(t *testing.T) {
	h := newTestServer(t, seededHerder(t), withConsole, withAuth).Handler()
	for _, target := range []string{"/ui", "/ui/", "/ui/console.js"} {
		rec := do(t, h, http.MethodGet, target, "")
		checkResponse(t, rec, http.StatusUnauthorized, "User cannot access the resource.")
		if got := rec.Header().Get("WWW-Authenticate"); got != consoleRealm {
			t.Errorf("GET %s: WWW-Authenticate %q, want %q", target, got, consoleRealm)
		}
		if rec := do(t, h, http.MethodGet, target, "", "Authorization", basic("alice", "wrong")); rec.Code != http.StatusUnauthorized {
			t.Errorf("GET %s with wrong credentials: %d, want 401", target, rec.Code)
		}
	}
	rec := do(t, h, http.MethodGet, "/ui/", "", "Authorization", basic("alice", "secret"))
	if rec.Code != http.StatusOK || rec.Header().Get("WWW-Authenticate") != "" {
		t.Errorf("GET /ui/ with credentials: %d, WWW-Authenticate %q", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	if rec := do(t, h, http.MethodGet, "/connectors", ""); rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") != "" {
		t.Errorf("GET /connectors without credentials: %d, WWW-Authenticate %q; want Kafka Connect's 401", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
}
