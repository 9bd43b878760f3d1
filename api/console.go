package api

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
)

// consoleRealm is the realm of the console's basic authentication challenge.
const consoleRealm = `Basic realm="connectd", charset="UTF-8"`

// mountConsole serves Config.Console at /ui and /ui/*, behind the API's authentication. Unlike the API's 401,
// the console's carries a WWW-Authenticate challenge, so that a browser asks for the credentials. It is asked
// at /ui only, whose directory is "/", so that the browser then sends the credentials with the console's API
// calls as well: credentials asked at /ui/ would be scoped to /ui/ and the API calls would ask again. An
// unauthenticated /ui/* is therefore sent to /ui.
func (s *Server) mountConsole(r chi.Router) {
	if s.cfg.Console == nil {
		return
	}
	if s.cfg.Security.Authenticate == nil {
		r.Method(http.MethodGet, "/ui", s.cfg.Console)
		r.Method(http.MethodGet, "/ui/*", s.cfg.Console)
		return
	}
	r.With(s.challenge).Method(http.MethodGet, "/ui", s.cfg.Console)
	r.With(s.challenge).Method(http.MethodGet, "/ui/*", s.cfg.Console)
}

// signedInCookie marks a browser that /ui authenticated and sent on to /ui/: if it comes without credentials
// all the same (a browser that sends them only when challenged, as Chromium does with credentials given in the
// URL), /ui/ challenges it instead of sending it back to /ui, which would loop.
const signedInCookie = "connectd-ui-signed-in"

// challenge is authenticate with a WWW-Authenticate header on the 401 of /ui. An unauthenticated request for
// /ui/* (which the "/ui" route also gets for "/ui/", slashes being stripped for routing) is sent to /ui
// instead (302, so that no browser caches it), with a relative Location that works behind a proxy serving
// the worker under a path prefix; unless it was just sent there by /ui (signedInCookie), then it is challenged.
func (s *Server) challenge(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ui" {
			if s.authenticated(w, r, consoleRealm) {
				http.SetCookie(w, &http.Cookie{Name: signedInCookie, Value: "1", Path: "/", MaxAge: 60,
					HttpOnly: true, SameSite: http.SameSiteStrictMode})
				next.ServeHTTP(w, r)
			}
			return
		}
		if _, err := r.Cookie(signedInCookie); err == nil {
			if s.authenticated(w, r, consoleRealm) {
				next.ServeHTTP(w, r)
			}
			return
		}
		ok, err := s.cfg.Security.Authenticate(r.Header.Get("Authorization"))
		if err != nil {
			writeError(w, r, err)
			return
		}
		if !ok {
			if info := requestInfoFrom(r.Context()); info != nil {
				info.err = errUnauthenticated
			}
			rest := strings.TrimPrefix(r.URL.Path, "/ui/")
			w.Header().Set("Location", strings.Repeat("../", strings.Count(rest, "/")+1)+"ui")
			w.WriteHeader(http.StatusFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}
