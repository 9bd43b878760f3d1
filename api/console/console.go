// Package console is connectd's web console: a single page of plain HTML, CSS and JavaScript, embedded in the
// binary, that shows and operates the Connect cluster through the REST API of the worker serving it. It
// loads nothing from elsewhere (its Content-Security-Policy forbids it) and needs no build step.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed assets
var assets embed.FS

// Prefix is the path the console is served under; Handler redirects the bare "/ui" there.
const Prefix = "/ui/"

// ContentSecurityPolicy allows the page only its own scripts, styles and images and the API of its origin:
// no inline script, no remote load, no framing, and no string turned into script or markup (Trusted Types:
// the page builds its DOM with createElement and textContent only).
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'"

// asset is one embedded file, ready to serve.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

// Handler serves the console: GET /ui redirects (302) to /ui/, /ui/ is the page and /ui/<file> its assets. Every
// answer revalidates (Cache-Control: no-cache with a content hash as ETag), so an upgraded worker serves its
// new console at once and an unchanged one answers 304.
func Handler() http.Handler {
	files := map[string]asset{}
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		files[strings.TrimPrefix(p, "assets/")] = asset{body: b, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		// The files are compiled in: a failure here is a broken build, not a run-time condition.
		panic("console: embedded assets: " + err.Error())
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		if r.URL.Path == strings.TrimSuffix(Prefix, "/") {
			// 302, not 301: a browser caches a 301, and /ui/ sends an unauthenticated browser back to /ui.
			// Relative, so that it works behind a proxy serving the worker under a path prefix.
			h.Set("Location", "ui/")
			w.WriteHeader(http.StatusFound)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, Prefix)
		if name == "" {
			name = "index.html"
		}
		a, found := files[name]
		if !ok || !found {
			h.Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error_code":404,"message":"HTTP 404 Not Found"}`))
			return
		}
		h.Set("Content-Type", a.ctype)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", a.etag)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
	})
}
