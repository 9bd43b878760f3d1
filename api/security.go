package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Security configures the REST security features of Kafka Connect's RestServer: an authentication filter
// (the BasicAuthSecurityRestExtension), CORS (Jetty's CrossOriginFilter) and extra response headers
// (Jetty's HeaderFilter). They apply to the regular listeners; with SeparateAdmin the admin endpoints are
// served by AdminHandler without any of them, as Kafka Connect registers neither extensions nor filters on
// its admin listeners.
type Security struct {
	// Authenticate, when set, checks the Authorization header (possibly "") of every request that matched a
	// route, except the inter-worker POST /connectors/{name}/tasks and PUT /connectors/{name}/fence (their
	// KIP-507 signature protects them). ok false answers 401 with Kafka Connect's body, "User cannot access
	// the resource."; an error (credentials that are not Base64) answers 500 with its message. Unknown paths
	// and methods get their 404 and 405 without credentials, as with Kafka Connect's post-matching filter.
	Authenticate func(authorization string) (ok bool, err error)
	// AllowOrigin is access.control.allow.origin: comma-separated origins, "*" for any, "*" inside one
	// matching any text (Jetty's CrossOriginFilter). Blank turns CORS off.
	AllowOrigin string
	// AllowMethods is access.control.allow.methods; blank means Jetty's default, GET,POST,HEAD.
	AllowMethods string
	// ResponseHeaders is response.http.headers.config: comma-separated `[set|add|setDate|addDate] Name: Value`
	// rules applied to every response of the regular listeners.
	ResponseHeaders string
	// SeparateAdmin serves /admin/loggers only through AdminHandler (admin.listeners is set).
	SeparateAdmin bool
}

// Jetty's CrossOriginFilter defaults that Kafka Connect does not change.
const (
	corsDefaultMethods = "GET,POST,HEAD"
	corsAllowedHeaders = "X-Requested-With,Content-Type,Accept,Origin"
	corsMaxAge         = "1800"
)

// headerRule is one response.http.headers.config rule.
type headerRule struct {
	action, name, value string
	// offset is the value of a setDate/addDate rule: milliseconds from now.
	offset time.Duration
}

// parseHeaderRules reads response.http.headers.config as Jetty's HeaderFilter does.
func parseHeaderRules(v string) ([]headerRule, error) {
	var rules []headerRule
	for _, raw := range csvSplit(v) {
		rule := strings.TrimSpace(raw)
		action, rest, ok := strings.Cut(rule, " ")
		name, value, ok2 := strings.Cut(strings.TrimSpace(rest), ":")
		if !ok || !ok2 || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("invalid response.http.headers.config rule %q: expected '[action] [header name]:[header value]'", rule)
		}
		hr := headerRule{action: strings.ToLower(action), name: strings.TrimSpace(name), value: strings.TrimSpace(value)}
		switch hr.action {
		case "set", "add":
		case "setdate", "adddate":
			ms, err := strconv.ParseInt(hr.value, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("invalid response.http.headers.config rule %q: a date rule's value is milliseconds", rule)
			}
			hr.offset = time.Duration(ms) * time.Millisecond
		default:
			return nil, fmt.Errorf("invalid response.http.headers.config action %q: expected one of [set, add, setDate, addDate]", action)
		}
		rules = append(rules, hr)
	}
	return rules, nil
}

// csvSplit splits on commas outside double quotes and drops the quotes (Jetty's StringUtil.csvSplit).
func csvSplit(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ',' && !quoted:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	out = append(out, cur.String())
	kept := out[:0]
	for _, p := range out {
		if strings.TrimSpace(p) != "" {
			kept = append(kept, p)
		}
	}
	return kept
}

// responseHeaders sets the configured headers before the handler writes, as Jetty's HeaderFilter does
// before it calls the chain.
func responseHeaders(rules []headerRule) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			for _, rule := range rules {
				switch rule.action {
				case "set":
					h.Set(rule.name, rule.value)
				case "add":
					h.Add(rule.name, rule.value)
				case "setdate":
					h.Set(rule.name, time.Now().Add(rule.offset).UTC().Format(http.TimeFormat))
				case "adddate":
					h.Add(rule.name, time.Now().Add(rule.offset).UTC().Format(http.TimeFormat))
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// corsPolicy is Jetty's CrossOriginFilter as Kafka Connect configures it.
type corsPolicy struct {
	anyOrigin bool
	origins   []*regexp.Regexp
	methods   []string
}

func newCORS(allowOrigin, allowMethods string) *corsPolicy {
	p := &corsPolicy{}
	for _, o := range strings.Split(allowOrigin, ",") {
		o = strings.TrimSpace(o)
		switch o {
		case "":
		case "*":
			p.anyOrigin = true
		default:
			p.origins = append(p.origins, regexp.MustCompile("^"+strings.ReplaceAll(regexp.QuoteMeta(o), `\*`, ".*")+"$"))
		}
	}
	if strings.TrimSpace(allowMethods) == "" {
		allowMethods = corsDefaultMethods
	}
	for _, m := range strings.Split(allowMethods, ",") {
		if m = strings.TrimSpace(m); m != "" {
			p.methods = append(p.methods, m)
		}
	}
	return p
}

func (p *corsPolicy) originAllowed(origin string) bool {
	if p.anyOrigin {
		return true
	}
	for _, o := range strings.Fields(origin) { // an Origin header may list several origins
		for _, re := range p.origins {
			if re.MatchString(o) {
				return true
			}
		}
	}
	return false
}

// middleware adds the CORS headers to requests from an allowed origin. A preflight (OPTIONS with
// Access-Control-Request-Method) is answered here with 200 and no body: a browser never sends credentials
// with one, and Kafka Connect, which passes it on to its authentication filter, answers it 401.
func (p *corsPolicy) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || !p.originAllowed(origin) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		reqMethod := r.Header.Get("Access-Control-Request-Method")
		if r.Method == http.MethodOptions && reqMethod != "" {
			allowed := false
			for _, m := range p.methods {
				allowed = allowed || strings.EqualFold(m, reqMethod)
			}
			if allowed {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Allow-Credentials", "true")
				h.Set("Access-Control-Max-Age", corsMaxAge)
				h.Set("Access-Control-Allow-Methods", strings.Join(p.methods, ","))
				h.Set("Access-Control-Allow-Headers", corsAllowedHeaders)
			}
			w.WriteHeader(http.StatusOK)
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Credentials", "true")
		next.ServeHTTP(w, r)
	})
}

// authMessage is Kafka Connect's 401 body (JaasBasicAuthFilter), plain text although it is labelled JSON as
// every answer of the resource it protects.
const authMessage = "User cannot access the resource."

// authenticate runs Security.Authenticate for a request that matched a public route.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.authenticated(w, r, "") {
			next.ServeHTTP(w, r)
		}
	})
}

// authenticated runs Security.Authenticate and, when it refuses the request, answers it: 401 with Kafka
// Connect's body (and a WWW-Authenticate header when challenge is not ""), or the error's answer.
func (s *Server) authenticated(w http.ResponseWriter, r *http.Request, challenge string) bool {
	ok, err := s.cfg.Security.Authenticate(r.Header.Get("Authorization"))
	if err != nil {
		writeError(w, r, err)
		return false
	}
	if !ok {
		if info := requestInfoFrom(r.Context()); info != nil {
			info.err = errUnauthenticated
		}
		if challenge != "" {
			w.Header().Set("WWW-Authenticate", challenge)
		}
		w.Header().Set("Content-Type", contentTypeJSON)
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(authMessage))
		return false
	}
	return true
}

// errUnauthenticated is logged for a 401; it names no user and no password.
var errUnauthenticated = errors.New("request failed authentication")

// msgCrossSite is the 403 of a write a browser sent on behalf of another site.
const msgCrossSite = "Cross-site requests cannot change this worker: send the request from the worker's own origin, " +
	"or from an origin allowed by access.control.allow.origin."

// refuseCrossSite answers 403 to a write (POST, PUT, PATCH, DELETE) that a browser sends on behalf of a page of
// another site: a "simple" request (a form post, a fetch in no-cors mode, a bodiless POST .../restart) needs no
// CORS preflight, and the browser adds the basic-auth credentials it caches for the worker. An origin that
// access.control.allow.origin (cors, nil when CORS is off) allows may write, as before. Otherwise the browser's
// Sec-Fetch-Site decides when it sends one (same-origin passes, also behind a proxy that rewrites Host;
// same-site and cross-site do not), and else the Origin header, which must name the request's own host. curl,
// the workers' forwarding and the inter-worker routes send neither header and pass.
func refuseCrossSite(cors *corsPolicy) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.Method {
			case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
				if crossSite(r, cors) {
					writeError(w, r, newAPIError(http.StatusForbidden, msgCrossSite))
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// crossSite tells whether a browser sent r on behalf of a page that is neither the worker's own nor allowed
// by CORS.
func crossSite(r *http.Request, cors *corsPolicy) bool {
	origin := r.Header.Get("Origin")
	if origin != "" && cors != nil && cors.originAllowed(origin) {
		return false
	}
	switch strings.ToLower(r.Header.Get("Sec-Fetch-Site")) {
	case "same-origin", "none": // "none": the user's own navigation
		return false
	case "same-site", "cross-site":
		return true
	}
	return origin != "" && !sameHost(origin, r.Host)
}

// sameHost tells whether origin (scheme://host[:port]) names host, the request's Host. The scheme is not
// compared: behind a TLS-terminating proxy the worker sees http for a page served over https.
func sameHost(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false // "null" (a sandboxed frame, a cross-site redirect) included
	}
	return strings.EqualFold(u.Host, host)
}
