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
	if rec.Code != http.StatusFound || rec.Header().Get("Location") != "ui/" {
		t.Errorf("GET /ui: %d Location %q, want 302 to ui/", rec.Code, rec.Header().Get("Location"))
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
	rec := do(t, h, http.MethodGet, "/ui", "")
	checkResponse(t, rec, http.StatusUnauthorized, "User cannot access the resource.")
	if got := rec.Header().Get("WWW-Authenticate"); got != consoleRealm {
		t.Errorf("GET /ui: WWW-Authenticate %q, want %q", got, consoleRealm)
	}
	if rec := do(t, h, http.MethodGet, "/ui", "", "Authorization", basic("alice", "wrong")); rec.Code != http.StatusUnauthorized {
		t.Errorf("GET /ui with wrong credentials: %d, want 401", rec.Code)
	}
	// Credentials asked at /ui/ would be scoped to /ui/, and the API calls would ask again: /ui/* without
	// credentials goes to /ui (302, relative), which asks.
	for target, loc := range map[string]string{"/ui/": "../ui", "/ui/console.js": "../ui", "/ui/a/b": "../../ui"} {
		for _, auth := range []string{"", basic("alice", "wrong")} {
			rec := do(t, h, http.MethodGet, target, "", "Authorization", auth)
			if rec.Code != http.StatusFound || rec.Header().Get("Location") != loc || rec.Header().Get("WWW-Authenticate") != "" {
				t.Errorf("GET %s with %q: %d Location %q WWW-Authenticate %q, want 302 to %s", target, auth, rec.Code,
					rec.Header().Get("Location"), rec.Header().Get("WWW-Authenticate"), loc)
			}
		}
	}
	// /ui, authenticated, marks the browser it sends on to ui/: if that browser comes without credentials all
	// the same (it sends them only when challenged), /ui/ challenges it rather than loop.
	rec = do(t, h, http.MethodGet, "/ui", "", "Authorization", basic("alice", "secret"))
	var mark *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == signedInCookie {
			mark = c
		}
	}
	if rec.Code != http.StatusFound || mark == nil || !mark.HttpOnly || mark.SameSite != http.SameSiteStrictMode {
		t.Fatalf("GET /ui with credentials: %d, cookies %v", rec.Code, rec.Result().Cookies())
	}
	rec = do(t, h, http.MethodGet, "/ui/", "", "Cookie", mark.Name+"="+mark.Value)
	if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") != consoleRealm {
		t.Errorf("GET /ui/ after /ui, without credentials: %d WWW-Authenticate %q, want the challenge", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	if rec := do(t, h, http.MethodGet, "/ui/", "", "Cookie", mark.Name+"="+mark.Value, "Authorization", basic("alice", "secret")); rec.Code != http.StatusOK {
		t.Errorf("GET /ui/ after /ui, with credentials: %d", rec.Code)
	}
	if rec := do(t, h, http.MethodGet, "/ui/", "", "Authorization", "Basic bad"); rec.Code != http.StatusInternalServerError {
		t.Errorf("GET /ui/ with credentials that are not Base64: %d, want 500", rec.Code)
	}
	rec = do(t, h, http.MethodGet, "/ui/", "", "Authorization", basic("alice", "secret"))
	if rec.Code != http.StatusOK || rec.Header().Get("WWW-Authenticate") != "" {
		t.Errorf("GET /ui/ with credentials: %d, WWW-Authenticate %q", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	if rec := do(t, h, http.MethodGet, "/connectors", ""); rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") != "" {
		t.Errorf("GET /connectors without credentials: %d, WWW-Authenticate %q; want Kafka Connect's 401", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
}
