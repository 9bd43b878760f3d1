package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// consoleRealm is the realm of the console's basic authentication challenge.
const consoleRealm = `Basic realm="connectd", charset="UTF-8"`

// mountConsole serves Config.Console at /ui and /ui/*, behind the API's authentication. Unlike the API's 401,
// the console's carries a WWW-Authenticate challenge, so that a browser asks for the credentials; asked at
// /ui, whose directory is "/", the browser then sends them with the console's API calls as well.
func (s *Server) mountConsole(r chi.Router) {
	if s.cfg.Console == nil {
		return
	}
	ui := r
	if s.cfg.Security.Authenticate != nil {
		ui = r.With(s.challenge)
	}
	ui.Method(http.MethodGet, "/ui", s.cfg.Console)
	ui.Method(http.MethodGet, "/ui/*", s.cfg.Console)
}

// challenge is authenticate with a WWW-Authenticate header on its 401.
func (s *Server) challenge(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.authenticated(w, r, consoleRealm) {
			next.ServeHTTP(w, r)
		}
	})
}
