package restauth

import (
	"errors"
	"fmt"
	"strings"
)

// LoginModule is one login module line of a JAAS entry.
type LoginModule struct {
	Class   string
	Flag    string // required, requisite, sufficient or optional
	Options map[string]string
}

// ParseJAAS reads a JAAS login configuration file (Java's ConfigFile syntax): entries
// `Name { class flag key=value ...; ... };`, values bare words or double-quoted strings, with // and /* */
// comments. Errors never contain option values.
func ParseJAAS(text string) (map[string][]LoginModule, error) {
	toks, err := tokens(text)
	if err != nil {
		return nil, err
	}
	entries := map[string][]LoginModule{}
	i := 0
	next := func() (token, bool) {
		if i >= len(toks) {
			return token{}, false
		}
		i++
		return toks[i-1], true
	}
	for i < len(toks) {
		name, _ := next()
		if name.quoted || name.punct {
			return nil, errors.New("expected an entry name")
		}
		if t, ok := next(); !ok || !t.is("{") {
			return nil, fmt.Errorf("entry %s: expected '{'", name.text)
		}
		var modules []LoginModule
		for {
			t, ok := next()
			if !ok {
				return nil, fmt.Errorf("entry %s: expected '}'", name.text)
			}
			if t.is("}") {
				break
			}
			if t.quoted || t.punct {
				return nil, fmt.Errorf("entry %s: expected a login module class", name.text)
			}
			m := LoginModule{Class: t.text, Options: map[string]string{}}
			flag, ok := next()
			switch strings.ToLower(flag.text) {
			case "required", "requisite", "sufficient", "optional":
				m.Flag = strings.ToLower(flag.text)
			default:
				if ok && !flag.quoted {
					return nil, fmt.Errorf("entry %s: invalid control flag %q for %s", name.text, flag.text, m.Class)
				}
				return nil, fmt.Errorf("entry %s: expected a control flag for %s", name.text, m.Class)
			}
			for {
				k, ok := next()
				if !ok {
					return nil, fmt.Errorf("entry %s: login module %s is not terminated by ';'", name.text, m.Class)
				}
				if k.is(";") {
					break
				}
				eq, ok1 := next()
				v, ok2 := next()
				if k.quoted || k.punct || !ok1 || !eq.is("=") || !ok2 || v.punct {
					return nil, fmt.Errorf("entry %s: expected key=value options for %s", name.text, m.Class)
				}
				m.Options[k.text] = v.text
			}
			modules = append(modules, m)
		}
		if t, ok := next(); !ok || !t.is(";") {
			return nil, fmt.Errorf("entry %s: expected ';' after '}'", name.text)
		}
		entries[name.text] = append(entries[name.text], modules...)
	}
	return entries, nil
}

type token struct {
	text          string
	quoted, punct bool
}

func (t token) is(p string) bool { return t.punct && t.text == p }

func tokens(s string) ([]token, error) {
	var out []token
	r := []rune(s)
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '/' && i+1 < len(r) && r[i+1] == '/', c == '#':
			for i < len(r) && r[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(r) && r[i+1] == '*':
			j := i + 2
			for j+1 < len(r) && !(r[j] == '*' && r[j+1] == '/') {
				j++
			}
			if j+1 >= len(r) {
				return nil, errors.New("unterminated comment")
			}
			i = j + 2
		case strings.ContainsRune("{};=", c):
			out = append(out, token{text: string(c), punct: true})
			i++
		case c == '"' || c == '\'':
			var b strings.Builder
			i++
			for ; i < len(r) && r[i] != c; i++ {
				if r[i] == '\\' && i+1 < len(r) {
					i++
				}
				b.WriteRune(r[i])
			}
			if i >= len(r) {
				return nil, errors.New("unterminated quoted value")
			}
			i++
			out = append(out, token{text: b.String(), quoted: true})
		default:
			start := i
			for i < len(r) && !strings.ContainsRune(" \t\n\r\f{};=\"'", r[i]) {
				i++
			}
			out = append(out, token{text: string(r[start:i])})
		}
	}
	return out, nil
}
