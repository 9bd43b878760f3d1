package transforms

import (
	"errors"
	"strings"
	"testing"
)

// The expectations below are what Java 17's java.util.regex answers (a differential run over 80,000
// generated patterns agreed with them while this was written).

func TestJavaRegexSyntaxErrors(t *testing.T) {
	for _, tc := range []struct{ pattern, want string }{
		{"(", "Unclosed group near index 1\n("},
		{"[", "Unclosed character class near index 0\n[\n^"},
		{"*", "Dangling meta character '*' near index 0\n*\n^"},
		{"a)", "Unmatched closing ')' near index 0\na)\n^"},
		{"a{", "Illegal repetition near index 2\na{"},
		{"a{1", "Unclosed counted closure near index 3\na{1"},
		{"a{2,1}", "Illegal repetition range near index 5\na{2,1}\n     ^"},
		{"\\", "Unexpected internal error near index 1\n\\"},
		{"(?<n", "named capturing group is missing trailing '>' near index 4\n(?<n"},
		{"(?<1a>x)", "capturing group name does not start with a Latin letter near index 3\n(?<1a>x)\n   ^"},
		{"\\k<x>", "named capturing group <x> does not exist near index 4\n\\k<x>\n    ^"},
		{"a**", "Dangling meta character '*' near index 2\na**\n  ^"},
		{"[a-", "Illegal character range near index 3\n[a-"},
		{"[b-a]", "Illegal character range near index 3\n[b-a]\n   ^"},
		{"(?z)", "Unknown inline modifier near index 2\n(?z)\n  ^"},
		{"\\p{Foo}", "Unknown character property name {Foo} near index 6\n\\p{Foo}\n      ^"},
		{"\\q", "Illegal/unsupported escape sequence near index 1\n\\q\n ^"},
		{"x{}", "Illegal repetition near index 2\nx{}\n  ^"},
		{"[]", "Unclosed character class near index 1\n[]\n ^"},
		{"[^]", "Unclosed character class near index 2\n[^]\n  ^"},
		{"(?", "Unknown inline modifier near index 2\n(?"},
		{"\\x", "Illegal hexadecimal escape sequence near index 2\n\\x"},
		{"\\u12", "Illegal Unicode escape sequence near index 4\n\\u12"},
		{"(?<name>a)(?<name>b)", "Named capturing group <name> is already defined near index 17\n(?<name>a)(?<name>b)\n                 ^"},
		{"a{99999999999}", "Illegal repetition range near index 11\na{99999999999}\n           ^"},
		{"\\0", "Illegal octal escape sequence near index 2\n\\0"},
		{"[a-\\w]", "Illegal character range near index 4\n[a-\\w]\n    ^"},
		{"a{,3}", "Illegal repetition near index 2\na{,3}\n  ^"},
		{"\\p{}", "Empty character family near index 3\n\\p{}\n   ^"},
		{"\\p{L", "Unclosed character family near index 4\n\\p{L"},
		{")", "Unmatched closing ')'\n)"},
		{"(?$)", "Unknown group type near index 2\n(?$)\n  ^"},
		{"\\c", "Illegal control escape sequence near index 1\n\\c\n ^"},
		{"\\x{110000}", "Hexadecimal codepoint is too big near index 8\n\\x{110000}\n        ^"},
		{"\\p{gc=Xx}", "Unknown Unicode property {name=<gc>, value=<Xx>} near index 8\n\\p{gc=Xx}\n        ^"},
		{"\\p{sc=Foo}", "Unknown Unicode property {name=<sc>, value=<Foo>} near index 9\n\\p{sc=Foo}\n         ^"},
		// The caret line keeps the pattern's tabs.
		{"\t[", "Unclosed character class near index 1\n\t[\n\t^"},
		// Indexes count the pattern after \Q...\E is rewritten, as Java's do.
		{"\\Q(\\E)", "Unmatched closing ')' near index 1\n\\Q(\\E)\n ^"},
	} {
		_, err := compileJavaRegex(tc.pattern)
		var jerr *javaRegexError
		if !errors.As(err, &jerr) || jerr.Unsupported || jerr.Message != tc.want {
			t.Errorf("%q: %v\nwant %q", tc.pattern, err, tc.want)
		}
	}
}

func TestJavaRegexUnsupported(t *testing.T) {
	for _, tc := range []struct{ pattern, construct string }{
		{"(a)\\1", `backreference \1 near index 3`},
		{"(?<n>a)\\k<n>", `backreference \k<n> near index 7`},
		{"(?=a)b", "lookahead (?= near index 0"},
		{"a(?!b)", "lookahead (?! near index 1"},
		{"(?<=a)b", "lookbehind (?<= near index 0"},
		{"(?<!a)b", "lookbehind (?<! near index 0"},
		{"(?>a)", "atomic group (?> near index 0"},
		{"a*+", "possessive quantifier near index 1"},
		{"[a-z&&[^x]]", "character class intersection && near index 4"},
		{"\\X", `grapheme cluster \X near index 0`},
		{"\\p{InGreek}", `Unicode property \p{InGreek} near index 1`},
		{"\\p{javaLowerCase}", `Unicode property \p{javaLowerCase} near index 1`},
	} {
		_, err := compileJavaRegex(tc.pattern)
		var jerr *javaRegexError
		if !errors.As(err, &jerr) || !jerr.Unsupported || !strings.HasPrefix(jerr.Message, tc.construct+" is not supported") {
			t.Errorf("%q: %v\nwant %q", tc.pattern, err, tc.construct)
		}
	}
	// Go's RE2 limits repetition counts.
	_, err := compileJavaRegex("a{1001}")
	var jerr *javaRegexError
	if !errors.As(err, &jerr) || !jerr.Unsupported || !strings.Contains(jerr.Message, "invalid repeat count") {
		t.Errorf("a{1001}: %v", err)
	}
}

// TestJavaRegexSemantics checks Java meanings RE2 spells differently.
func TestJavaRegexSemantics(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		match   []string
		noMatch []string
	}{
		{"my-prefix-.*", []string{"my-prefix-", "my-prefix-foo"}, []string{"x-my-prefix-", "your-prefix-"}},
		{"\\s", []string{" ", "\t", "\x0b"}, []string{"a"}},
		{".", []string{"a", "é"}, []string{"\n", "\r", "\u0085", "\u2028"}},
		{"(?s).", []string{"\n", "\r"}, nil},
		{"(?d).", []string{"\r"}, []string{"\n"}},
		{"(?i)k", []string{"k", "K"}, []string{"\u212a"}},
		{"(?iu)k", []string{"k", "K", "\u212a"}, nil},
		{"(?i)[a-c]x", []string{"Bx", "bX"}, []string{"dx"}},
		{"[a-c[x-z]]", []string{"a", "y"}, []string{"d", "["}},
		{"[^a-c[x-z]]", []string{"d"}, []string{"a", "y"}},
		{"[a[^b]]", []string{"a", "c"}, []string{"b"}},
		{"[[:alpha:]]", []string{":", "a"}, []string{"b"}},
		{"\\Qa.b\\E+", []string{"a.b", "a.bbb"}, []string{"axb"}},
		{"\\p{Alpha}+\\p{Punct}", []string{"ab!"}, []string{"é!"}},
		{"\\h\\v", []string{"\u00a0\u2028"}, []string{"ab"}},
		{"\\R", []string{"\r\n", "\n", "\u0085"}, []string{"a"}},
		{"\\e\\a\\cA\\0101\\x41\\x{42}\\u0043", []string{"\x1b\x07\x01AABC"}, nil},
		{"(?x) a b # comment", []string{"ab"}, []string{"a b"}},
		{"(?x)a # comment\n *", []string{"a", "aaa"}, nil},
		{"\\p{IsLatin}\\p{Lu}", []string{"aB"}, []string{"ab"}},
		{"a{2}{3}", []string{"aa"}, []string{"aaaaaa"}},
		{"\\Ga$", []string{"a"}, []string{"ba"}},
	} {
		re, err := compileJavaRegex(tc.pattern)
		if err != nil {
			t.Errorf("%q: %v", tc.pattern, err)
			continue
		}
		for _, s := range tc.match {
			if !re.matches(s) {
				t.Errorf("%q (RE2 %s) does not match %q", tc.pattern, re.find, s)
			}
		}
		for _, s := range tc.noMatch {
			if re.matches(s) {
				t.Errorf("%q (RE2 %s) matches %q", tc.pattern, re.find, s)
			}
		}
	}
}

// TestJavaRegexReplaceFirst checks Matcher.replaceFirst's replacement syntax and errors.
func TestJavaRegexReplaceFirst(t *testing.T) {
	for _, tc := range []struct{ pattern, replacement, topic, want, err string }{
		{"(.*)", "$1x", "orig", "origx", ""},
		{"(.*)", "$10", "orig", "orig0", ""},
		{"(.)(.)(.)(.)(.)(.)(.)(.)(.)(.)(.*)", "$10-$11-$12", "abcdefghijkl", "j-kl-a2", ""},
		{"(.*)", "\\$1\\\\", "orig", "$1\\", ""},
		{"(?<n>.*)", "${n}-${n}", "orig", "orig-orig", ""},
		{"a|ab", "X", "ab", "Xb", ""},
		{"(a)?b", "[$1]", "b", "[]", ""},
		{"(.*)", "é$1", "orig", "éorig", ""},
		{"", "Y", "", "Y", ""},
		{"(.*)", "$2", "orig", "", "java.lang.IndexOutOfBoundsException: No group 2"},
		{"(.*)", "$", "orig", "", "java.lang.IllegalArgumentException: Illegal group reference: group index is missing"},
		{"(.*)", "\\", "orig", "", "java.lang.IllegalArgumentException: character to be escaped is missing"},
		{"(.*)", "$a", "orig", "", "java.lang.IllegalArgumentException: Illegal group reference"},
		{"(?<n>.*)", "${m}", "orig", "", "java.lang.IllegalArgumentException: No group with name {m}"},
		{"(?<n>.*)", "${}", "orig", "", "java.lang.IllegalArgumentException: named capturing group has 0 length name"},
		{"(?<n>.*)", "${n", "orig", "", "java.lang.IllegalArgumentException: named capturing group is missing trailing '}'"},
		{"(?<n>.*)", "${1n}", "orig", "", "java.lang.IllegalArgumentException: capturing group name {1n} starts with digit character"},
		{"(?<n>.*)", "${n-}", "orig", "", "java.lang.IllegalArgumentException: named capturing group is missing trailing '}'"},
	} {
		re, err := compileJavaRegex(tc.pattern)
		if err != nil {
			t.Fatalf("%q: %v", tc.pattern, err)
		}
		got, err := re.replaceFirst(tc.topic, tc.replacement)
		var gotErr string
		var je *javaException
		if errors.As(err, &je) {
			gotErr = je.class + ": " + je.msg
		} else if err != nil {
			gotErr = err.Error()
		}
		if got != tc.want || gotErr != tc.err {
			t.Errorf("%q %q on %q: %q %q, want %q %q", tc.pattern, tc.replacement, tc.topic, got, gotErr, tc.want, tc.err)
		}
	}
}

// FuzzJavaRegex: any pattern compiles or fails with a *javaRegexError, and a compiled one matches and
// replaces without panicking.
func FuzzJavaRegex(f *testing.F) {
	for _, s := range []string{"(.*)-(\\d+)", "[a-z&&[^x]]", "(?x) a # c\n b", "\\Q(\\E)", "(?iu)[k-m]ß", "\\p{IsLatin}+",
		"(?<n>a)\\k<n>", "a{2,3}?b*+", "[^\\p{L}[0-9]]", "\\x{1F600}\\uD83D\\uDE00"} {
		f.Add(s, "topic-1", "$1${n}\\$")
	}
	f.Fuzz(func(t *testing.T, pattern, topic, replacement string) {
		re, err := compileJavaRegex(pattern)
		if err != nil {
			var jerr *javaRegexError
			if !errors.As(err, &jerr) {
				t.Fatalf("%q: %T %v", pattern, err, err)
			}
			return
		}
		re.matches(topic)
		if _, err := re.replaceFirst(topic, replacement); err != nil {
			var je *javaException
			if !errors.As(err, &je) {
				t.Fatalf("%q %q: %T %v", pattern, replacement, err, err)
			}
		}
	})
}
