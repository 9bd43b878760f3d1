package restauth_test

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connectd/connectd/worker/restauth"
)

func basic(userPass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(userPass))
}

// writeJAAS writes a credentials file with creds and a JAAS file naming it; it returns the JAAS file's path.
func writeJAAS(t *testing.T, creds string) string {
	t.Helper()
	dir := t.TempDir()
	credFile := filepath.Join(dir, "connect.password")
	if err := os.WriteFile(credFile, []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	jaas := filepath.Join(dir, "jaas.conf")
	text := "// the file of Confluent's docs\nKafkaConnect {\n  " + restauth.LoginModuleClass + " required\n  file=\"" + credFile + "\";\n};\n" +
		"Other { com.example.Module optional debug=true; };\n"
	if err := os.WriteFile(jaas, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return jaas
}

func TestAuthenticate(t *testing.T) {
	a, warnings, err := restauth.Load(writeJAAS(t, "# users\nalice=secret\nbob: pa:ss\ncarol   trailing  \ndave=secret12\n"))
	if err != nil || len(warnings) != 0 {
		t.Fatalf("Load: %v %v", err, warnings)
	}
	for _, tc := range []struct {
		header string
		ok     bool
	}{
		{basic("alice:secret"), true},
		{"basic " + base64.StdEncoding.EncodeToString([]byte("alice:secret")), true}, // scheme case-insensitive
		{basic("bob:pa:ss"), true},        // the password runs to the end, ':' included
		{basic("carol:trailing  "), true}, // Properties keeps trailing blanks of a value
		{basic("alice:wrong"), false},
		{basic("mallory:secret"), false},
		{basic(":secret"), false}, // an empty user name is no user
		{basic("alice"), false},   // no ':'
		{"", false},               // no header
		{"Basic", false},          // no space
		{"Bearer " + base64.StdEncoding.EncodeToString([]byte("alice:secret")), false},
		// java.util.Base64's decoder: padding optional, leftover bits ignored (checked on JDK 17).
		{"Basic ZGF2ZTpzZWNyZXQxMg", true},   // "dave:secret12" without its padding
		{"Basic ZGF2ZTpzZWNyZXQxMj==", true}, // and with its last unit's spare bits set
	} {
		_, ok, err := a.Authenticate(tc.header)
		if err != nil || ok != tc.ok {
			t.Errorf("Authenticate(%q) = %v, %v; want %v", tc.header, ok, err, tc.ok)
		}
	}
	// Java's messages, taken from JDK 17's decoder.
	for header, want := range map[string]string{
		"Basic a-b":                   "Illegal base64 character 2d",
		"Basic YWxp\r\nY2U6":          "Illegal base64 character d",
		"Basic YWxpY":                 "Last unit does not have enough valid bits",
		"Basic YWxp=":                 "Input byte array has wrong 4-byte ending unit",
		"Basic YW=xp":                 "Input byte array has wrong 4-byte ending unit",
		"Basic YWxpY2U==":             "Input byte array has incorrect ending byte at 8",
		"Basic ZGF2ZTpzZWNyZXQxMg===": "Input byte array has incorrect ending byte at 20",
	} {
		_, _, err = a.Authenticate(header)
		var me *restauth.MalformedError
		if !errors.As(err, &me) || me.Message != want {
			t.Errorf("Authenticate(%q): %v, want %q", header, err, want)
		}
	}
}

func TestEmptyCredentialsFileAcceptsEveryone(t *testing.T) {
	a, warnings, err := restauth.Load(writeJAAS(t, "# nobody\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "all requests will be permitted") {
		t.Errorf("warnings = %v", warnings)
	}
	if _, ok, _ := a.Authenticate(""); !ok {
		t.Error("an empty credentials file must let a request without credentials through, as Kafka Connect does")
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for name, tc := range map[string]struct {
		path, want string
	}{
		"no path":      {"", "KAFKA_OPTS=-Djava.security.auth.login.config"},
		"no entry":     {write("a.conf", "Other { x required; };"), "no KafkaConnect entry"},
		"other module": {write("b.conf", "KafkaConnect { com.example.Ldap required; };"), "not supported"},
		"no file":      {write("c.conf", "KafkaConnect { "+restauth.LoginModuleClass+" required; };"), "Property Credentials file must be specified"},
		"missing file": {write("d.conf", "KafkaConnect { "+restauth.LoginModuleClass+" required file=\"/nonexistent/x\"; };"), "error loading Property Credentials file"},
		"syntax":       {write("e.conf", "KafkaConnect { "+restauth.LoginModuleClass+" required file=\"x\" }"), "expected key=value"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := restauth.Load(tc.path); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestLoginConfigPath(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{[]string{"KAFKA_OPTS=-Djava.security.auth.login.config=/etc/kafka/connect-jaas.conf"}, "/etc/kafka/connect-jaas.conf"},
		{[]string{`KAFKA_OPTS=-Xmx1g "-Djava.security.auth.login.config=/a b/jaas.conf" -Dx=y`}, "/a b/jaas.conf"},
		{[]string{"KAFKA_OPTS=-Djava.security.auth.login.config==/only.conf"}, "/only.conf"},
		{[]string{"KAFKA_HEAP_OPTS=-Xmx1g"}, ""},
	} {
		if got := restauth.LoginConfigPath(tc.env); got != tc.want {
			t.Errorf("LoginConfigPath(%q) = %q, want %q", tc.env, got, tc.want)
		}
	}
}
