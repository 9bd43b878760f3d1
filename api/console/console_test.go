package console

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, target string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestServesTheEmbeddedAssets(t *testing.T) {
	h := Handler()
	tests := []struct {
		target, ctype, contains string
	}{
		{"/ui/", "text/html; charset=utf-8", "<title>connectd console</title>"},
		{"/ui/index.html", "text/html; charset=utf-8", `<script src="console.js" defer></script>`},
		{"/ui/console.js", "text/javascript; charset=utf-8", "connectd/cluster"},
		{"/ui/console.css", "text/css; charset=utf-8", ".state-RUNNING"},
	}
	for _, tt := range tests {
		rec := get(t, h, http.MethodGet, tt.target)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d", tt.target, rec.Code)
			continue
		}
		if ct := rec.Header().Get("Content-Type"); ct != tt.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", tt.target, ct, tt.ctype)
		}
		if !strings.Contains(rec.Body.String(), tt.contains) {
			t.Errorf("GET %s: the body does not contain %q", tt.target, tt.contains)
		}
		for name, want := range map[string]string{
			"Content-Security-Policy": ContentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"Cache-Control":           "no-cache",
			"Referrer-Policy":         "no-referrer",
		} {
			if got := rec.Header().Get(name); got != want {
				t.Errorf("GET %s: %s = %q, want %q", tt.target, name, got, want)
			}
		}
		// Revalidation: the same ETag answers 304 without a body.
		etag := rec.Header().Get("ETag")
		if etag == "" {
			t.Errorf("GET %s: no ETag", tt.target)
			continue
		}
		if rec := get(t, h, http.MethodGet, tt.target, "If-None-Match", etag); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Errorf("GET %s with If-None-Match: %d with %d bytes, want 304 and none", tt.target, rec.Code, rec.Body.Len())
		}
	}
	if rec := get(t, h, http.MethodHead, "/ui/"); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD /ui/: %d with %d bytes", rec.Code, rec.Body.Len())
	}
}

func TestRedirectsAndNotFound(t *testing.T) {
	h := Handler()
	rec := get(t, h, http.MethodGet, "/ui")
	if rec.Code != http.StatusFound || rec.Header().Get("Location") != "ui/" {
		t.Errorf("GET /ui: %d Location %q, want 302 to ui/", rec.Code, rec.Header().Get("Location"))
	}
	for _, target := range []string{"/ui/nope.js", "/ui/assets/console.js", "/elsewhere"} {
		rec := get(t, h, http.MethodGet, target)
		if rec.Code != http.StatusNotFound || rec.Body.String() != `{"error_code":404,"message":"HTTP 404 Not Found"}` {
			t.Errorf("GET %s: %d %s, want Kafka Connect's 404", target, rec.Code, rec.Body)
		}
	}
}

// TestAssetsLoadNothingRemote checks what the CSP enforces in a browser: every file the page references is
// embedded, and no asset names a remote URL.
func TestAssetsLoadNothingRemote(t *testing.T) {
	index, err := assets.ReadFile("assets/index.html")
	if err != nil {
		t.Fatal(err)
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"#][^"]*)"`).FindAllStringSubmatch(string(index), -1)
	if len(refs) < 2 {
		t.Fatalf("index.html references %d files, want the script and the stylesheet", len(refs))
	}
	for _, m := range refs {
		if strings.HasPrefix(m[1], "data:") {
			continue
		}
		if _, err := fs.Stat(assets, "assets/"+m[1]); err != nil {
			t.Errorf("index.html references %s, which is not embedded: %v", m[1], err)
		}
	}
	remote := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/`)
	err = fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		if m := remote.Find(b); m != nil {
			t.Errorf("%s names a remote location: %s", p, m)
		}
		if strings.Contains(string(b), " style=\"") {
			t.Errorf("%s has an inline style attribute, which the CSP blocks", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ContentSecurityPolicy, "default-src 'none'") || strings.Contains(ContentSecurityPolicy, "unsafe") {
		t.Errorf("the CSP allows more than the console's own files: %s", ContentSecurityPolicy)
	}
}
