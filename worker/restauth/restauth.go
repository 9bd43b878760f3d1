// Package restauth is HTTP basic authentication for the REST API as Kafka Connect's
// BasicAuthSecurityRestExtension does it: the JAAS file named by the JVM property
// java.security.auth.login.config (set in KAFKA_OPTS) has an entry KafkaConnect whose
// PropertyFileLoginModule names a credentials file of user=password lines, and a request passes when its
// Authorization header carries a user and password from that file.
//
// Unlike Java, which answers 401 to every request when the JAAS file or a credentials file cannot be read, the
// worker refuses to start (Load returns the error). Like Java, a credentials file is read once: edits need a
// restart, and an empty file lets every request through (with a warning).
//
// Passwords never reach a log line or an error.
package restauth

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/connectd/connectd/worker/properties"
)

// ExtensionClass is the rest.extension.classes value that turns basic authentication on.
const ExtensionClass = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"

// LoginModuleClass is the one login module supported.
const LoginModuleClass = "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule"

// EntryName is the JAAS entry the extension logs in with (JaasBasicAuthFilter.CONNECT_LOGIN_MODULE).
const EntryName = "KafkaConnect"

// LoginConfigProperty is the JVM system property that names the JAAS file.
const LoginConfigProperty = "java.security.auth.login.config"

// Unauthorized is the body of the 401 answer, as JaasBasicAuthFilter writes it.
const Unauthorized = "User cannot access the resource."

// Authenticator checks Authorization headers against the credentials files of the KafkaConnect entry.
type Authenticator struct {
	// files hold the credentials of each login module; a user passes when any of them accepts (a
	// PropertyFileLoginModule that does not accept returns false, which JAAS ignores).
	files []map[string]string
}

// LoginConfigPath returns the JAAS file named by -Djava.security.auth.login.config=... in the JVM options
// variables a Kafka Connect start script reads (KAFKA_OPTS, then KAFKA_JVM_PERFORMANCE_OPTS), "" when none.
// A leading "=" (Java's "==path": use only this file) is dropped.
func LoginConfigPath(environ []string) string {
	for _, name := range []string{"KAFKA_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS"} {
		for _, kv := range environ {
			v, ok := strings.CutPrefix(kv, name+"=")
			if !ok {
				continue
			}
			for _, f := range shellFields(v) {
				if p, ok := strings.CutPrefix(f, "-D"+LoginConfigProperty+"="); ok {
					return strings.TrimPrefix(p, "=")
				}
			}
		}
	}
	return ""
}

// shellFields splits JVM options on blanks, honouring single and double quotes.
func shellFields(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	inField := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inField = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inField {
				out = append(out, cur.String())
				cur.Reset()
				inField = false
			}
		default:
			cur.WriteRune(r)
			inField = true
		}
	}
	if inField {
		out = append(out, cur.String())
	}
	return out
}

// Load reads the JAAS file at path and the credentials files of its KafkaConnect entry. warnings are for the
// log (an empty credentials file lets every request through).
func Load(path string) (*Authenticator, []string, error) {
	if path == "" {
		return nil, nil, fmt.Errorf("%s needs a JAAS file: start the worker with KAFKA_OPTS=-D%s=/path/to/jaas.conf",
			ExtensionClass, LoginConfigProperty)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read the JAAS file: %w", err)
	}
	entries, err := ParseJAAS(string(data))
	if err != nil {
		return nil, nil, fmt.Errorf("JAAS file %s: %w", path, err)
	}
	modules, ok := entries[EntryName]
	if !ok || len(modules) == 0 {
		return nil, nil, fmt.Errorf("JAAS file %s: no %s entry (No LoginModules configured for %s)", path, EntryName, EntryName)
	}
	a := &Authenticator{}
	var warnings []string
	for _, m := range modules {
		if m.Class != LoginModuleClass {
			return nil, nil, fmt.Errorf("JAAS file %s: login module %s is not supported; the only one is %s",
				path, m.Class, LoginModuleClass)
		}
		file := strings.TrimSpace(m.Options["file"])
		if file == "" {
			return nil, nil, fmt.Errorf("JAAS file %s: Property Credentials file must be specified (option file)", path)
		}
		f, err := os.Open(file)
		if err != nil {
			return nil, nil, fmt.Errorf("error loading Property Credentials file: %w", err)
		}
		creds, err := properties.Parse(f)
		f.Close()
		if err != nil {
			// The parser's error names a line, never its text.
			return nil, nil, fmt.Errorf("error loading Property Credentials file %s: %w", file, err)
		}
		if len(creds) == 0 {
			warnings = append(warnings, fmt.Sprintf("Credential properties file '%s' is empty; all requests will be permitted", file))
		}
		a.files = append(a.files, creds)
	}
	return a, warnings, nil
}

// New returns an Authenticator over credentials given in memory, one map per login module.
func New(files ...map[string]string) *Authenticator { return &Authenticator{files: files} }

// MalformedError is an Authorization header whose Basic credentials are not Base64. Kafka Connect lets the
// decoder's exception through, which its REST layer answers with 500.
type MalformedError struct{ Message string }

func (e *MalformedError) Error() string { return e.Message }

// Authenticate checks an Authorization header value; user is the authenticated user name, "" when the
// request passes without one (an empty credentials file). ok is false for missing or wrong credentials; err is
// a *MalformedError for Basic credentials that are not Base64.
func (a *Authenticator) Authenticate(header string) (user string, ok bool, err error) {
	user, password, present, err := parseBasic(header)
	if err != nil {
		return "", false, err
	}
	for _, creds := range a.files {
		switch {
		case len(creds) == 0:
			return user, true, nil
		case !present:
		default:
			if passwordMatches(creds, user, password) {
				return user, true, nil
			}
		}
	}
	return "", false, nil
}

// passwordMatches compares password with user's in constant time (over SHA-256 digests, so lengths do not
// show either), and compares against a dummy for an unknown user, so that timing reveals neither how much of a
// password matched nor which users exist.
func passwordMatches(creds map[string]string, user, password string) bool {
	want, found := creds[user]
	got := sha256.Sum256([]byte(password))
	exp := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(got[:], exp[:]) == 1 && found
}

// parseBasic reads `Basic base64(user:password)` as JaasBasicAuthFilter.BasicAuthCredentials does: the scheme
// is the text before the first space (case-insensitive), the user the text before the first ':' and not empty.
func parseBasic(header string) (user, password string, ok bool, err error) {
	space := strings.IndexByte(header, ' ')
	if space <= 0 || !strings.EqualFold(header[:space], "Basic") {
		return "", "", false, nil
	}
	dec, derr := decodeBase64(header[space+1:])
	if derr != nil {
		return "", "", false, derr
	}
	if !utf8.Valid(dec) {
		dec = bytes.ToValidUTF8(dec, []byte("\uFFFD"))
	}
	s := string(dec)
	i := strings.IndexByte(s, ':')
	if i <= 0 {
		return "", "", false, nil
	}
	return s[:i], s[i+1:], true, nil
}

// decodeBase64 decodes as java.util.Base64.getDecoder() does, with its messages: the padding is optional but,
// when present, completes the last unit and ends the input; bits left over in the last unit are ignored; any
// other character outside the alphabet (line breaks included) is illegal.
func decodeBase64(enc string) ([]byte, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	end := len(enc) // where the data ends
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		if c != '=' {
			if !strings.ContainsRune(alphabet, rune(c)) {
				return nil, &MalformedError{Message: fmt.Sprintf("Illegal base64 character %x", c)}
			}
			continue
		}
		end, i = i, i+1
		switch end % 4 {
		case 0, 1:
			return nil, &MalformedError{Message: "Input byte array has wrong 4-byte ending unit"}
		case 2: // two padding characters complete the unit
			if i >= len(enc) || enc[i] != '=' {
				return nil, &MalformedError{Message: "Input byte array has wrong 4-byte ending unit"}
			}
			i++
		}
		if i < len(enc) {
			return nil, &MalformedError{Message: "Input byte array has incorrect ending byte at " + strconv.Itoa(i)}
		}
		break
	}
	if end%4 == 1 {
		return nil, &MalformedError{Message: "Last unit does not have enough valid bits"}
	}
	// RawStdEncoding without Strict ignores the leftover bits, as Java does; the characters were checked above.
	dec, err := base64.RawStdEncoding.DecodeString(enc[:end])
	if err != nil {
		return nil, &MalformedError{Message: err.Error()}
	}
	return dec, nil
}
