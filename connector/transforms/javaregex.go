package transforms

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
)

// This file gives RegexRouter and TopicNameMatches Java's regular expressions (java.util.regex.Pattern, as
// Kafka compiles their configs) on top of Go's RE2.
//
// A pattern is parsed with Java's grammar, the way Java 17's Pattern parses it, so that a pattern Java rejects
// is rejected with PatternSyntaxException's message (description, "near index", the pattern and a caret), and
// is translated into RE2 syntax with Java's meaning: Java's \s includes \x0B, its . excludes \r, \u0085,
// \u2028 and \u2029, its (?i) folds only ASCII unless (?u), [a-z[0-9]] is a union, \Q...\E quotes, (?x)
// ignores whitespace and comments, \h, \v, \R, \e, \0oct, \cX, \x{h..}, \uhhhh and \p{Alpha}-style names
// exist. Constructs RE2 has no equivalent for are refused with a *javaRegexError that names them:
// backreferences (\1, \k<name>), lookahead and lookbehind, atomic groups, possessive quantifiers, class
// intersections (&&), grapheme clusters (\X, \b{g}), named characters (\N{...}), Unicode blocks,
// canonical equivalence (?c), Unicode character classes (?U) for \w and \b, and the Unicode properties RE2
// does not know.
//
// Remaining differences, which only show on text with line terminators or non-ASCII letters (Kafka topic
// names have neither): $ and \Z match only at the very end (Java also matches before a final line
// terminator); in (?m) mode ^ and $ see only \n as a line terminator, and ^ also matches at the end of the
// text (Java's never does); \b and \B count only ASCII letters, digits and _ as word characters (Java 17
// counts every letter and digit). Case folding follows Go's Unicode tables where Java follows its own, which
// may be of another Unicode version.

// javaRegex is a compiled Java pattern.
type javaRegex struct {
	// find is the pattern as Matcher.find searches for it; full is anchored at both ends, as Matcher.matches
	// requires.
	find, full *regexp.Regexp
}

// javaRegexError is a pattern compileJavaRegex refuses: a syntax error (the message is Java's
// PatternSyntaxException message) or, when Unsupported, a valid Java pattern with no RE2 translation.
type javaRegexError struct {
	Message     string
	Unsupported bool
}

func (e *javaRegexError) Error() string { return e.Message }

// matches is Matcher.matches: the whole of s matches.
func (r *javaRegex) matches(s string) bool { return r.full.MatchString(s) }

// replaceFirst is Matcher.replaceFirst: the first match Matcher.find finds (which may be shorter than the
// whole text even when matches holds: a|ab finds "a" in "ab") replaced by replacement, expanded as Java
// expands it. A bad replacement fails only when there is a match, as in Java.
func (r *javaRegex) replaceFirst(s, replacement string) (string, error) {
	m := r.find.FindStringSubmatchIndex(s)
	if m == nil {
		return s, nil
	}
	var b strings.Builder
	b.WriteString(s[:m[0]])
	if err := r.expand(&b, s, m, replacement); err != nil {
		return "", err
	}
	b.WriteString(s[m[1]:])
	return b.String(), nil
}

// expand appends replacement with its group references resolved, as Matcher.appendExpandedReplacement
// does: \x is x; $n takes the first digit as a group and each further digit while the number stays a group
// of the pattern ($10 is group 1 then "0" in a pattern with fewer than ten groups; Go's $10 is group 10 and
// $1x a group named "1x"); ${name} is a named group. The errors are Java's IllegalArgumentException and
// IndexOutOfBoundsException.
func (r *javaRegex) expand(b *strings.Builder, text string, m []int, replacement string) error {
	groups := r.find.NumSubexp()
	appendGroup := func(n int) error {
		if n > groups {
			return &javaException{class: "java.lang.IndexOutOfBoundsException", msg: "No group " + strconv.Itoa(n)}
		}
		if m[2*n] >= 0 && m[2*n+1] >= 0 {
			b.WriteString(text[m[2*n]:m[2*n+1]])
		}
		return nil
	}
	for i := 0; i < len(replacement); {
		c := replacement[i]
		switch c {
		case '\\':
			i++
			if i == len(replacement) {
				return illegalArgument("character to be escaped is missing")
			}
			// The escaped character may be multi-byte; copy it whole.
			j := i + 1
			for j < len(replacement) && replacement[j]&0xC0 == 0x80 {
				j++
			}
			b.WriteString(replacement[i:j])
			i = j
		case '$':
			i++
			if i == len(replacement) {
				return illegalArgument("Illegal group reference: group index is missing")
			}
			if replacement[i] == '{' {
				i++
				begin := i
				for i < len(replacement) && isASCIIAlnum(rune(replacement[i])) {
					i++
				}
				if begin == i {
					return illegalArgument("named capturing group has 0 length name")
				}
				if i == len(replacement) || replacement[i] != '}' {
					return illegalArgument("named capturing group is missing trailing '}'")
				}
				name := replacement[begin:i]
				if isASCIIDigit(rune(name[0])) {
					return illegalArgument("capturing group name {" + name + "} starts with digit character")
				}
				n := r.find.SubexpIndex(name)
				if n < 0 {
					return illegalArgument("No group with name {" + name + "}")
				}
				i++
				if err := appendGroup(n); err != nil {
					return err
				}
				continue
			}
			if !isASCIIDigit(rune(replacement[i])) {
				return illegalArgument("Illegal group reference")
			}
			n := int(replacement[i] - '0')
			i++
			for i < len(replacement) && isASCIIDigit(rune(replacement[i])) {
				next := n*10 + int(replacement[i]-'0')
				if next > groups {
					break
				}
				n = next
				i++
			}
			if err := appendGroup(n); err != nil {
				return err
			}
		default:
			b.WriteByte(c)
			i++
		}
	}
	return nil
}

// Java's inline flags.
const (
	jreCaseInsensitive = 1 << iota // i
	jreMultiline                   // m
	jreDotall                      // s
	jreUnixLines                   // d
	jreUnicodeCase                 // u
	jreCanonEq                     // c
	jreComments                    // x
	jreUnicodeClass                // U
)

// compileJavaRegex parses pattern as Java's Pattern.compile does and compiles its RE2 translation. The error
// is a *javaRegexError.
func compileJavaRegex(pattern string) (*javaRegex, error) {
	re, err := translateJavaRegex(pattern)
	if err != nil {
		return nil, err
	}
	find, ferr := regexp.Compile(re)
	full, aerr := regexp.Compile(`\A(?:` + re + `)\z`)
	if ferr != nil || aerr != nil {
		if ferr == nil {
			ferr = aerr
		}
		return nil, &javaRegexError{Unsupported: true, Message: "connectd cannot match this Java pattern with " +
			"Go's RE2 (" + ferr.Error() + ")\n" + pattern}
	}
	return &javaRegex{find: find, full: full}, nil
}

// translateJavaRegex returns the RE2 text of a Java pattern.
func translateJavaRegex(pattern string) (re string, err error) {
	p := newJREParser(pattern)
	defer func() {
		// The parser stops at the first syntax error by panicking with it, as Java's throws; nothing else is
		// recovered.
		if r := recover(); r != nil {
			e, ok := r.(*javaRegexError)
			if !ok {
				panic(r)
			}
			re, err = "", e
		}
	}()
	re = p.expr()
	if p.cursor != p.n {
		if p.peek() == ')' {
			p.fail("Unmatched closing ')'")
		}
		p.fail("Unexpected internal error")
	}
	if p.unsupported != "" {
		return "", &javaRegexError{Unsupported: true, Message: p.unsupported + " near index " +
			strconv.Itoa(p.unsupportedAt) + " is not supported: connectd runs Java patterns on Go's RE2 engine, " +
			"which has no backreferences, lookaround, atomic groups, possessive quantifiers, class intersections, " +
			"grapheme clusters or Unicode blocks" + caretLines(pattern, p.unsupportedAt)}
	}
	return re, nil
}

// caretLines is the tail of PatternSyntaxException.getMessage: the pattern, and a caret under index when it
// falls inside the pattern (counted in UTF-16 chars, as Java does), indented with spaces and with the tabs
// the pattern has before it.
func caretLines(pattern string, index int) string {
	s := "\n" + pattern
	chars := utf16.Encode([]rune(pattern))
	if index >= 0 && index < len(chars) {
		var b strings.Builder
		for _, c := range chars[:index] {
			if c == '\t' {
				b.WriteByte('\t')
			} else {
				b.WriteByte(' ')
			}
		}
		s += "\n" + b.String() + "^"
	}
	return s
}

// jreParser follows the structure of Java's Pattern parser (expr, sequence, atom, closure, group0, clazz,
// range, escape, family), whose cursor arithmetic decides where errors are reported, and builds the RE2
// text as it goes.
type jreParser struct {
	pattern string
	// temp is the pattern's code points after \Q...\E quoting is rewritten, followed by two zeros; n is their
	// count without the zeros.
	temp   []rune
	n      int
	cursor int
	flags  int
	// groups counts capturing groups so far; names maps group names to numbers.
	groups int
	names  map[string]int
	// unsupported names the first construct RE2 cannot express, found at unsupportedAt.
	unsupported   string
	unsupportedAt int
	// pred is the character set escape found for a class escape (\d, \s, ...); root the node it built
	// outside classes.
	pred jreSet
	root jreNode
}

// jreNode is the RE2 text of one element; single says a quantifier may follow it directly.
type jreNode struct {
	re     string
	single bool
}

func newJREParser(pattern string) *jreParser {
	p := &jreParser{pattern: pattern, temp: []rune(pattern), names: map[string]int{}}
	p.removeQEQuoting()
	p.n = len(p.temp)
	p.temp = append(p.temp, 0, 0)
	return p
}

// removeQEQuoting rewrites \Q...\E as Java's RemoveQEQuoting does: the quoted characters escaped one by one.
func (p *jreParser) removeQEQuoting() {
	t := p.temp
	n := len(t)
	i := 0
	for i < n-1 {
		if t[i] != '\\' {
			i++
		} else if t[i+1] != 'Q' {
			i += 2
		} else {
			break
		}
	}
	if i >= n-1 {
		return
	}
	out := slices.Clone(t[:i])
	i += 2
	inQuote, beginQuote := true, true
	at := func(k int) rune {
		if k < n {
			return t[k]
		}
		return 0
	}
	for i < n {
		c := t[i]
		i++
		switch {
		case c >= 0x80 || isASCIIAlpha(c):
			out = append(out, c)
		case isASCIIDigit(c):
			if beginQuote {
				// Java guards against the digit joining a preceding escape: it writes \x3<digit>.
				out = append(out, '\\', 'x', '3')
			}
			out = append(out, c)
		case c != '\\':
			if inQuote {
				out = append(out, '\\')
			}
			out = append(out, c)
		case inQuote:
			if at(i) == 'E' {
				i++
				inQuote = false
			} else {
				out = append(out, '\\', '\\')
			}
		default:
			if at(i) == 'Q' {
				i++
				inQuote, beginQuote = true, true
				continue
			}
			out = append(out, c)
			if i != n {
				out = append(out, t[i])
				i++
			}
		}
		beginQuote = false
	}
	p.temp = out
}

func (p *jreParser) has(f int) bool { return p.flags&f != 0 }

// at is temp[i], 0 past the end (Java's zero-terminated array).
func (p *jreParser) at(i int) rune {
	if i < 0 || i >= len(p.temp) {
		return 0
	}
	return p.temp[i]
}

// fail stops parsing with Java's error at the character before the cursor.
func (p *jreParser) fail(desc string) {
	idx := p.cursor - 1
	msg := desc
	if idx >= 0 {
		msg += " near index " + strconv.Itoa(idx)
	}
	panic(&javaRegexError{Message: msg + caretLines(p.pattern, idx)})
}

// unsupportedf records a construct RE2 cannot express (the first one is reported once parsing succeeds:
// a later syntax error still wins, as Java would report it).
func (p *jreParser) unsupportedf(at int, format string, args ...any) {
	if p.unsupported == "" {
		p.unsupported, p.unsupportedAt = fmt.Sprintf(format, args...), at
	}
}

func (p *jreParser) peek() rune {
	ch := p.at(p.cursor)
	if p.has(jreComments) {
		ch = p.peekPastWhitespace(ch)
	}
	return ch
}

func (p *jreParser) read() rune {
	ch := p.at(p.cursor)
	p.cursor++
	if p.has(jreComments) {
		ch = p.parsePastWhitespace(ch)
	}
	return ch
}

func (p *jreParser) next() rune {
	p.cursor++
	ch := p.at(p.cursor)
	if p.has(jreComments) {
		ch = p.peekPastWhitespace(ch)
	}
	return ch
}

func (p *jreParser) nextEscaped() rune {
	p.cursor++
	return p.at(p.cursor)
}

func (p *jreParser) skip() rune {
	ch := p.at(p.cursor + 1)
	p.cursor += 2
	return ch
}

func (p *jreParser) unread() { p.cursor-- }

func (p *jreParser) accept(ch rune, desc string) {
	got := p.at(p.cursor)
	p.cursor++
	if p.has(jreComments) {
		got = p.parsePastWhitespace(got)
	}
	if got != ch {
		p.fail(desc)
	}
}

func (p *jreParser) peekPastWhitespace(ch rune) rune {
	for isASCIISpace(ch) || ch == '#' {
		for isASCIISpace(ch) {
			p.cursor++
			ch = p.at(p.cursor)
		}
		if ch == '#' {
			ch = p.peekPastLine()
		}
	}
	return ch
}

func (p *jreParser) parsePastWhitespace(ch rune) rune {
	for isASCIISpace(ch) || ch == '#' {
		for isASCIISpace(ch) {
			ch = p.at(p.cursor)
			p.cursor++
		}
		if ch == '#' {
			ch = p.parsePastLine()
		}
	}
	return ch
}

func (p *jreParser) parsePastLine() rune {
	ch := p.at(p.cursor)
	p.cursor++
	for ch != 0 && !p.isLineSeparator(ch) {
		ch = p.at(p.cursor)
		p.cursor++
	}
	if ch == 0 && p.cursor > p.n {
		p.cursor = p.n
		ch = p.at(p.cursor)
		p.cursor++
	}
	return ch
}

func (p *jreParser) peekPastLine() rune {
	p.cursor++
	ch := p.at(p.cursor)
	for ch != 0 && !p.isLineSeparator(ch) {
		p.cursor++
		ch = p.at(p.cursor)
	}
	if ch == 0 && p.cursor > p.n {
		p.cursor = p.n
		ch = p.at(p.cursor)
	}
	return ch
}

func (p *jreParser) isLineSeparator(ch rune) bool {
	if p.has(jreUnixLines) {
		return ch == '\n'
	}
	return ch == '\n' || ch == '\r' || ch|1 == '\u2029' || ch == '\u0085'
}

// expr parses alternatives.
func (p *jreParser) expr() string {
	var alts []string
	for {
		alts = append(alts, p.sequence())
		if p.peek() != '|' {
			return strings.Join(alts, "|")
		}
		p.next()
	}
}

// sequence parses the elements between alternation bars.
func (p *jreParser) sequence() string {
	var b strings.Builder
	for {
		ch := p.peek()
		var node jreNode
		switch ch {
		case '(':
			if n, ok := p.group0(); ok {
				b.WriteString(n.re)
			}
			continue
		case '[':
			node = p.setNode(p.clazz(true))
		case '\\':
			ch = p.nextEscaped()
			if ch == 'p' || ch == 'P' {
				node = p.setNode(p.familyAfterEscape(ch == 'P'))
			} else {
				p.unread()
				node = p.atom()
			}
		case '^':
			p.next()
			node = jreNode{re: `\A`}
			if p.has(jreMultiline) {
				node = jreNode{re: `(?m:^)`}
			}
		case '$':
			p.next()
			node = jreNode{re: `\z`}
			if p.has(jreMultiline) {
				node = jreNode{re: `(?m:$)`}
			}
		case '.':
			p.next()
			switch {
			case p.has(jreDotall):
				node = jreNode{re: `(?s:.)`, single: true}
			case p.has(jreUnixLines):
				node = jreNode{re: `[^\n]`, single: true}
			default:
				node = jreNode{re: `[^\n\r\x{85}\x{2028}\x{2029}]`, single: true}
			}
		case '|', ')':
			return b.String()
		case '?', '*', '+':
			p.next()
			p.fail("Dangling meta character '" + string(ch) + "'")
		case 0:
			if p.cursor >= p.n {
				return b.String()
			}
			node = p.atom()
		default:
			// ] and } outside a class are literals, like any other character.
			node = p.atom()
		}
		b.WriteString(p.closure(node).re)
	}
}

// familyAfterEscape parses \p or \P with the cursor on the p: a one-letter name or {name}.
func (p *jreParser) familyAfterEscape(complement bool) jreSet {
	oneLetter := true
	if p.next() != '{' {
		p.unread()
	} else {
		oneLetter = false
	}
	return p.family(oneLetter, complement)
}

// atom parses a run of literal characters, or one escape that is not a literal.
func (p *jreParser) atom() jreNode {
	var chars []rune
	prev := -1
	ch := p.peek()
loop:
	for {
		switch ch {
		case '*', '+', '?', '{':
			// A quantifier applies to the last character only: give it back.
			if len(chars) > 1 {
				p.cursor = prev
				chars = chars[:len(chars)-1]
			}
			break loop
		case '$', '.', '^', '(', '[', '|', ')':
			break loop
		case '\\':
			ch = p.nextEscaped()
			if ch == 'p' || ch == 'P' {
				if len(chars) > 0 {
					p.unread()
					break loop
				}
				return p.setNode(p.familyAfterEscape(ch == 'P'))
			}
			p.unread()
			prev = p.cursor
			ch = p.escape(false, len(chars) == 0, false)
			if ch >= 0 {
				chars = append(chars, ch)
				ch = p.peek()
				continue
			}
			if len(chars) == 0 {
				return p.root
			}
			// A non-literal escape ends the run; it is parsed again on its own.
			p.cursor = prev
			break loop
		case 0:
			if p.cursor >= p.n {
				break loop
			}
			fallthrough
		default:
			prev = p.cursor
			chars = append(chars, ch)
			ch = p.next()
		}
	}
	var b strings.Builder
	for _, c := range chars {
		b.WriteString(p.literal(c, len(chars) > 1))
	}
	return jreNode{re: b.String(), single: len(chars) == 1}
}

// literal is the RE2 text matching c as Java matches a pattern character (in a run of several when inRun),
// case-insensitively under (?i).
func (p *jreParser) literal(c rune, inRun bool) string {
	if p.has(jreCaseInsensitive) {
		kind := foldSingle
		if inRun {
			kind = foldRun
		}
		if variants := p.caseVariants(c, kind); len(variants) > 1 {
			var b strings.Builder
			b.WriteByte('[')
			for _, v := range variants {
				b.WriteString(classChar(v))
			}
			b.WriteByte(']')
			return b.String()
		}
	}
	return literalChar(c)
}

// How Java compares a character case-insensitively depends on where it stands.
const (
	foldSingle = iota // a single character: Java's SingleI / SingleU
	foldRun           // in a run of characters: SliceI / SliceU
	foldBits          // in a class, below 256: BitClass
)

// caseVariants is c and the characters Java's case-insensitive matching takes as equal to it: ASCII case
// only, or with (?u) what Character.toUpperCase and toLowerCase relate, which Java applies slightly
// differently to single characters, runs and class members (a lone ß does not match ẞ, "ßa" matches "ẞa").
func (p *jreParser) caseVariants(c rune, kind int) []rune {
	if !p.has(jreUnicodeCase) || (c < 0x80 && kind != foldSingle) {
		switch {
		case c >= 'a' && c <= 'z':
			return []rune{c, c - 'a' + 'A'}
		case c >= 'A' && c <= 'Z':
			return []rune{c, c - 'A' + 'a'}
		}
		return []rune{c}
	}
	upper := unicode.ToUpper(c)
	lower := unicode.ToLower(upper)
	switch kind {
	case foldBits:
		return runeSet(c, unicode.ToLower(c), unicode.ToUpper(c))
	case foldSingle:
		if upper == lower {
			return []rune{c}
		}
	}
	// Every character whose lower(upper(x)) is lower: they are all in lower's case-folding orbit.
	out := []rune{lower}
	for f := unicode.SimpleFold(lower); f != lower; f = unicode.SimpleFold(f) {
		if unicode.ToLower(unicode.ToUpper(f)) == lower {
			out = append(out, f)
		}
	}
	if kind == foldSingle {
		out = append(out, c)
	}
	return runeSet(out...)
}

// runeSet is rs sorted without duplicates.
func runeSet(rs ...rune) []rune {
	slices.Sort(rs)
	return slices.Compact(rs)
}

// literalChar writes c for RE2 outside a class.
func literalChar(c rune) string {
	if isASCIIAlnum(c) || c == '_' || c == '-' || (c >= 0x80 && unicode.IsPrint(c)) {
		return string(c)
	}
	return fmt.Sprintf(`\x{%x}`, c)
}

// classChar writes c for RE2 inside a class.
func classChar(c rune) string {
	if isASCIIAlnum(c) || (c >= 0x80 && unicode.IsPrint(c)) {
		return string(c)
	}
	return fmt.Sprintf(`\x{%x}`, c)
}

// closure parses a quantifier after node, if any.
func (p *jreParser) closure(node jreNode) jreNode {
	var q string
	switch p.peek() {
	case '?':
		q = "?"
	case '*':
		q = "*"
	case '+':
		q = "+"
	case '{':
		ch := p.skip()
		if !isASCIIDigit(ch) {
			p.fail("Illegal repetition")
		}
		cmin, overflow := 0, false
		addDigit := func(n int, d rune) int {
			n = n*10 + int(d-'0')
			if n > 0x7FFFFFFF {
				overflow = true
			}
			return n
		}
		for {
			cmin = addDigit(cmin, ch)
			if overflow {
				p.fail("Illegal repetition range")
			}
			if ch = p.read(); !isASCIIDigit(ch) {
				break
			}
		}
		cmax := cmin
		unbounded := false
		if ch == ',' {
			ch = p.read()
			if ch == '}' {
				unbounded = true
			} else {
				cmax = 0
				for isASCIIDigit(ch) {
					if cmax = addDigit(cmax, ch); overflow {
						p.fail("Illegal repetition range")
					}
					ch = p.read()
				}
			}
		}
		if ch != '}' {
			p.fail("Unclosed counted closure")
		}
		if !unbounded && cmax < cmin {
			p.fail("Illegal repetition range")
		}
		p.unread()
		switch {
		case unbounded:
			q = "{" + strconv.Itoa(cmin) + ",}"
		case cmin == cmax:
			q = "{" + strconv.Itoa(cmin) + "}"
		default:
			q = "{" + strconv.Itoa(cmin) + "," + strconv.Itoa(cmax) + "}"
		}
	default:
		return node
	}
	// qtype: the quantifier may be followed by ? (reluctant) or + (possessive).
	at := p.cursor
	switch p.next() {
	case '?':
		p.next()
		q += "?"
	case '+':
		p.next()
		p.unsupportedf(at, "possessive quantifier")
	}
	re := node.re
	if !node.single {
		re = "(?:" + re + ")"
	}
	return jreNode{re: re + q}
}

// group0 parses a group: capturing, named, non-capturing, lookaround, atomic or flags. ok is false for a
// flags-only group such as (?i), which changes the flags of the rest of the enclosing group.
func (p *jreParser) group0() (jreNode, bool) {
	save := p.flags
	start := p.cursor
	var re string
	ch := p.next()
	if ch == '?' {
		ch = p.skip()
		switch ch {
		case ':':
			re = "(?:" + p.expr() + ")"
		case '=', '!':
			p.expr()
			p.unsupportedf(start, "lookahead (?%c", ch)
		case '>':
			p.expr()
			p.unsupportedf(start, "atomic group (?>")
		case '<':
			ch = p.read()
			if ch != '=' && ch != '!' {
				name := p.groupname(ch)
				if _, dup := p.names[name]; dup {
					p.fail("Named capturing group <" + name + "> is already defined")
				}
				p.groups++
				p.names[name] = p.groups
				re = "(?P<" + name + ">" + p.expr() + ")"
				break
			}
			p.expr()
			p.unsupportedf(start, "lookbehind (?<%c", ch)
		case '$', '@':
			p.fail("Unknown group type")
		default:
			p.unread()
			p.addFlags()
			ch = p.read()
			if ch == ')' {
				return jreNode{}, false
			}
			if ch != ':' {
				p.fail("Unknown inline modifier")
			}
			re = "(?:" + p.expr() + ")"
		}
	} else {
		p.groups++
		re = "(" + p.expr() + ")"
	}
	p.accept(')', "Unclosed group")
	p.flags = save
	if re == "" {
		// An unsupported group: keep parsing with a placeholder.
		re = "(?:)"
	}
	return p.closure(jreNode{re: re, single: true}), true
}

// groupname reads a group name starting with ch and the > after it.
func (p *jreParser) groupname(ch rune) string {
	if !isASCIIAlpha(ch) {
		p.fail("capturing group name does not start with a Latin letter")
	}
	var b strings.Builder
	for {
		b.WriteRune(ch)
		if ch = p.read(); !isASCIIAlnum(ch) {
			break
		}
	}
	if ch != '>' {
		p.fail("named capturing group is missing trailing '>'")
	}
	return b.String()
}

// jreFlagLetters are the inline flags; (?U) implies (?u).
var jreFlagLetters = map[rune]int{'i': jreCaseInsensitive, 'm': jreMultiline, 's': jreDotall, 'd': jreUnixLines,
	'u': jreUnicodeCase, 'c': jreCanonEq, 'x': jreComments, 'U': jreUnicodeClass | jreUnicodeCase}

// addFlags parses inline flags, as Java's addFlag and subFlag.
func (p *jreParser) addFlags() {
	ch := p.peek()
	for {
		if ch == '-' {
			ch = p.next()
			for {
				f, ok := jreFlagLetters[ch]
				if !ok {
					return
				}
				p.flags &^= f
				ch = p.next()
			}
		}
		f, ok := jreFlagLetters[ch]
		if !ok {
			return
		}
		if ch == 'c' {
			p.unsupportedf(p.cursor, "canonical equivalence (?c)")
		}
		p.flags |= f
		ch = p.next()
	}
}

// escape parses the escape at the cursor (on the backslash). It returns the character a literal escape
// stands for, or -1 for anything else, having set p.pred (a character set) and, outside classes when
// create is set, p.root. isrange says the escape starts a range, where \v is the character 0x0B.
func (p *jreParser) escape(inclass, create, isrange bool) rune {
	at := p.cursor
	ch := p.skip()
	set := func(s jreSet) rune {
		if create {
			p.pred = s
			if !inclass {
				p.root = p.setNode(s)
			}
		}
		return -1
	}
	node := func(re string) rune {
		if create {
			p.root = jreNode{re: re}
		}
		return -1
	}
	switch ch {
	case '0':
		return p.octal()
	case '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if inclass {
			break
		}
		if create {
			p.backref(at, int(ch-'0'))
		}
		return -1
	case 'A':
		if inclass {
			break
		}
		return node(`\A`)
	case 'B', 'b':
		if inclass {
			break
		}
		if ch == 'b' && create && p.peek() == '{' {
			if p.skip() == 'g' {
				if p.read() == '}' {
					p.unsupportedf(at, `grapheme cluster boundary \b{g}`)
					return node("")
				}
				break
			}
			p.unread()
			p.unread()
		}
		if create && p.has(jreUnicodeClass) {
			p.unsupportedf(at, `\%c with (?U)`, ch)
		}
		return node(`\` + string(ch))
	case 'D', 'd', 'S', 's', 'W', 'w', 'H', 'h', 'V', 'v':
		if ch == 'v' && isrange {
			return 0x0B
		}
		if create && (ch == 'w' || ch == 'W') && p.has(jreUnicodeClass) {
			p.unsupportedf(at, `\%c with (?U)`, ch)
		}
		s := p.perlClass(unicode.ToLower(ch))
		s.neg = unicode.IsUpper(ch)
		return set(s)
	case 'G':
		if inclass {
			break
		}
		// Kafka matches from the start of the topic, where the end of the previous match is.
		return node(`\A`)
	case 'N':
		return p.namedChar(at)
	case 'R':
		if inclass {
			break
		}
		return node(`(?:\r\n|[\n\x{b}\f\r\x{85}\x{2028}\x{2029}])`)
	case 'X':
		if inclass {
			break
		}
		if create {
			p.unsupportedf(at, `grapheme cluster \X`)
		}
		return node("")
	case 'Z', 'z':
		if inclass {
			break
		}
		return node(`\z`)
	case 'a':
		return 0x07
	case 'c':
		if p.cursor < p.n {
			return p.read() ^ 64
		}
		p.fail("Illegal control escape sequence")
	case 'e':
		return 0x1B
	case 'f':
		return '\f'
	case 'k':
		if inclass {
			break
		}
		if p.read() != '<' {
			p.fail(`\k is not followed by '<' for named capturing group`)
		}
		name := p.groupname(p.read())
		if _, ok := p.names[name]; !ok {
			p.fail("named capturing group <" + name + "> does not exist")
		}
		if create {
			p.unsupportedf(at, `backreference \k<%s>`, name)
		}
		return -1
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'u':
		return p.unicodeEscape()
	case 'x':
		return p.hexEscape()
	case 'C', 'E', 'F', 'I', 'J', 'K', 'L', 'M', 'O', 'P', 'Q', 'T', 'U', 'Y',
		'g', 'i', 'j', 'l', 'm', 'o', 'p', 'q', 'y':
	default:
		return ch
	}
	p.fail("Illegal/unsupported escape sequence")
	return -1
}

// backref parses a backreference after its first digit, as Java's ref: more digits join while the number
// stays a group defined so far.
func (p *jreParser) backref(at, n int) {
	for {
		ch := p.peek()
		if !isASCIIDigit(ch) {
			break
		}
		next := n*10 + int(ch-'0')
		if p.groups < next {
			break
		}
		n = next
		p.read()
	}
	p.unsupportedf(at, `backreference \%d`, n)
}

// perlClass is Java's \d, \s, \w, \h or \v as a set.
func (p *jreParser) perlClass(c rune) jreSet {
	unicodeClass := p.has(jreUnicodeClass)
	switch c {
	case 'd':
		if unicodeClass {
			return jreSet{items: []string{`\p{Nd}`}}
		}
		return jreSet{items: []string{`0-9`}}
	case 's':
		if unicodeClass {
			return jreSet{items: []string{whiteSpaceItems}}
		}
		return jreSet{items: []string{`\t\n\x{b}\f\r\x{20}`}}
	case 'w':
		return jreSet{items: []string{`0-9A-Z_a-z`}}
	case 'h':
		return jreSet{items: []string{`\x{20}\t\x{a0}\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}`}}
	}
	return jreSet{items: []string{`\n\x{b}\f\r\x{85}\x{2028}\x{2029}`}}
}

// whiteSpaceItems is Unicode's White_Space property.
const whiteSpaceItems = `\t-\r\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`

// namedChar parses \N{name}, which RE2 cannot resolve.
func (p *jreParser) namedChar(at int) rune {
	if p.read() == '{' {
		for p.read() != '}' {
			if p.cursor >= p.n {
				p.fail("Unclosed character name escape sequence")
			}
		}
		p.unsupportedf(at, `named character \N{...}`)
		return 'N'
	}
	p.fail("Illegal character name escape sequence")
	return -1
}

func (p *jreParser) octal() rune {
	isOct := func(c rune) bool { return c >= '0' && c <= '7' }
	n := p.read()
	if isOct(n) {
		m := p.read()
		if isOct(m) {
			o := p.read()
			if isOct(o) && n <= '3' {
				return (n-'0')*64 + (m-'0')*8 + (o - '0')
			}
			p.unread()
			return (n-'0')*8 + (m - '0')
		}
		p.unread()
		return n - '0'
	}
	p.fail("Illegal octal escape sequence")
	return -1
}

func (p *jreParser) hexEscape() rune {
	n := p.read()
	if isASCIIHex(n) {
		if m := p.read(); isASCIIHex(m) {
			return hexValue(n)*16 + hexValue(m)
		}
	} else if n == '{' && isASCIIHex(p.peek()) {
		var ch rune
		for n = p.read(); isASCIIHex(n); n = p.read() {
			ch = ch<<4 + hexValue(n)
			if ch > unicode.MaxRune {
				p.fail("Hexadecimal codepoint is too big")
			}
		}
		if n != '}' {
			p.fail("Unclosed hexadecimal escape sequence")
		}
		return ch
	}
	p.fail("Illegal hexadecimal escape sequence")
	return -1
}

func (p *jreParser) uxxxx() rune {
	var n rune
	for range 4 {
		ch := p.read()
		if !isASCIIHex(ch) {
			p.fail("Illegal Unicode escape sequence")
		}
		n = n*16 + hexValue(ch)
	}
	return n
}

func (p *jreParser) unicodeEscape() rune {
	n := p.uxxxx()
	if utf16.IsSurrogate(n) && n < 0xDC00 {
		cur := p.cursor
		if p.read() == '\\' && p.read() == 'u' {
			if n2 := p.uxxxx(); n2 >= 0xDC00 && n2 <= 0xDFFF {
				return utf16.DecodeRune(n, n2)
			}
		}
		p.cursor = cur
	}
	return n
}

// jreSet is a character class as RE2 can say it: the characters of items (class items as written between
// brackets) and of the complement of each of negs; neg complements the whole.
type jreSet struct {
	items []string
	negs  [][]string
	neg   bool
}

// normalize drops a double complement.
func (s jreSet) normalize() jreSet {
	if s.neg && len(s.items) == 0 && len(s.negs) == 1 {
		return jreSet{items: s.negs[0]}
	}
	return s
}

// union is the set of both; a complemented set that itself holds complements cannot be said in RE2.
func (p *jreParser) union(a, b jreSet) jreSet {
	var out jreSet
	for _, s := range []jreSet{a.normalize(), b.normalize()} {
		switch {
		case !s.neg:
			out.items = append(out.items, s.items...)
			out.negs = append(out.negs, s.negs...)
		case len(s.negs) == 0:
			out.negs = append(out.negs, s.items)
		default:
			p.unsupportedf(p.cursor, "nested negated character class")
		}
	}
	return out
}

// setNode is the RE2 text matching one character of s.
func (p *jreParser) setNode(s jreSet) jreNode {
	s = s.normalize()
	body := strings.Join(s.items, "")
	if s.neg {
		switch {
		case len(s.negs) > 0:
			p.unsupportedf(p.cursor, "negated character class holding a negated class")
			return jreNode{re: "(?:)"}
		case body == "":
			return jreNode{re: `[\x{0}-\x{10ffff}]`, single: true}
		}
		return jreNode{re: "[^" + body + "]", single: true}
	}
	var parts []string
	if body != "" {
		parts = append(parts, "["+body+"]")
	}
	for _, n := range s.negs {
		parts = append(parts, "[^"+strings.Join(n, "")+"]")
	}
	switch len(parts) {
	case 0:
		return jreNode{re: `[^\x{0}-\x{10ffff}]`, single: true}
	case 1:
		return jreNode{re: parts[0], single: true}
	}
	return jreNode{re: "(?:" + strings.Join(parts, "|") + ")", single: true}
}

// clazz parses a character class, the cursor on its [ (or, when consume is false, on the first item of an
// intersection operand, which ends without a ]).
func (p *jreParser) clazz(consume bool) jreSet {
	var prev *jreSet
	var bits jreSet
	hasBits, isNeg := false, false
	unionInto := func(s jreSet) {
		if prev == nil {
			prev = &s
			return
		}
		u := p.union(*prev, s)
		prev = &u
	}
	ch := p.next()
	if ch == '^' && p.at(p.cursor-1) == '[' {
		ch = p.next()
		isNeg = true
	}
	for {
		switch ch {
		case '[':
			unionInto(p.clazz(true))
			ch = p.peek()
			continue
		case '&':
			at := p.cursor
			if ch = p.next(); ch == '&' {
				ch = p.next()
				var right *jreSet
				for ch != ']' && ch != '&' {
					var s jreSet
					if ch == '[' {
						s = p.clazz(true)
					} else {
						p.unread()
						s = p.clazz(false)
					}
					if right == nil {
						right = &s
					} else {
						u := p.union(*right, s)
						right = &u
					}
					ch = p.peek()
				}
				if hasBits {
					unionInto(bits)
					hasBits = false
				}
				if prev == nil {
					if right == nil {
						p.fail("Bad class syntax")
					}
					prev = right
				} else {
					// Java 17 does not check that the left operand is there ("Bad intersection syntax" came
					// later), so neither does this.
					p.unsupportedf(at, "character class intersection &&")
				}
				continue
			}
			// A single & is a literal.
			p.unread()
		case 0:
			if p.cursor >= p.n {
				p.fail("Unclosed character class")
			}
		case ']':
			if prev != nil || hasBits {
				if consume {
					p.next()
				}
				var out jreSet
				if prev != nil {
					out = *prev
				}
				if hasBits {
					out = p.union(out, bits)
				}
				if isNeg {
					out.neg = !out.neg
				}
				return out
			}
		}
		item, usedBits := p.rangeItem(&bits)
		if usedBits {
			hasBits = true
		} else {
			unionInto(item)
		}
		ch = p.peek()
	}
}

// rangeItem parses one class item: a character, a range, a property or a class escape. Characters below
// 256 go to bits (usedBits true), as Java's BitClass takes them; which items do matters to Java's errors.
func (p *jreParser) rangeItem(bits *jreSet) (item jreSet, usedBits bool) {
	ch := p.peek()
	if ch == '\\' {
		ch = p.nextEscaped()
		if ch == 'p' || ch == 'P' {
			return p.familyAfterEscape(ch == 'P'), false
		}
		isrange := p.at(p.cursor+1) == '-'
		p.unread()
		if ch = p.escape(true, true, isrange); ch == -1 {
			return p.pred, false
		}
	} else {
		p.next()
	}
	if ch < 0 {
		p.fail("Unexpected character '" + string(ch) + "'")
	}
	if p.peek() == '-' {
		end := p.at(p.cursor + 1)
		if end != '[' && end != ']' {
			p.next()
			m := p.peek()
			if m == '\\' {
				m = p.escape(true, false, true)
			} else {
				p.next()
			}
			if m < ch {
				p.fail("Illegal character range")
			}
			return p.rangeSet(ch, m), false
		}
	}
	// Java keeps characters below 256 in a bit set, except those whose other case is outside it.
	special := p.has(jreCaseInsensitive) && p.has(jreUnicodeCase) && strings.ContainsRune("\u00ff\u00b5IiSsKk\u00c5\u00e5", ch)
	inBits := ch < 256 && !special
	s := jreSet{items: []string{classChar(ch)}}
	if p.has(jreCaseInsensitive) {
		kind := foldSingle
		if inBits {
			kind = foldBits
		}
		s.items = nil
		for _, v := range p.caseVariants(ch, kind) {
			s.items = append(s.items, classChar(v))
		}
	}
	if inBits {
		*bits = p.union(*bits, s)
		return jreSet{}, true
	}
	return s, false
}

// rangeSet is the class items of lo-hi. Case-insensitive, Java also matches a character whose ASCII other
// case is in the range, or with (?u) one whose upper case or the lower case of that is.
func (p *jreParser) rangeSet(lo, hi rune) jreSet {
	s := jreSet{items: []string{classChar(lo) + "-" + classChar(hi)}}
	if !p.has(jreCaseInsensitive) {
		return s
	}
	in := func(c rune) bool { return c >= lo && c <= hi }
	var extra []rune
	if p.has(jreUnicodeCase) {
		// Only characters with case mappings can match through them.
		for _, cr := range unicode.CaseRanges {
			for c := rune(cr.Lo); c <= rune(cr.Hi); c++ {
				u := unicode.ToUpper(c)
				if !in(c) && (in(u) || in(unicode.ToLower(u))) {
					extra = append(extra, c)
				}
			}
		}
	} else {
		for c := rune('A'); c <= 'z'; c++ {
			if v := p.caseVariants(c, foldRun); !in(c) && len(v) == 2 && (in(v[0]) || in(v[1])) {
				extra = append(extra, c)
			}
		}
	}
	for _, r := range runeRanges(extra) {
		if r[0] == r[1] {
			s.items = append(s.items, classChar(r[0]))
		} else {
			s.items = append(s.items, classChar(r[0])+"-"+classChar(r[1]))
		}
	}
	return s
}

// runeRanges sorts runes into contiguous ranges.
func runeRanges(rs []rune) [][2]rune {
	slices.Sort(rs)
	rs = slices.Compact(rs)
	var out [][2]rune
	for _, r := range rs {
		if n := len(out); n > 0 && out[n-1][1]+1 == r {
			out[n-1][1] = r
			continue
		}
		out = append(out, [2]rune{r, r})
	}
	return out
}

// family parses the name of \p or \P (the cursor before it) and returns its set.
func (p *jreParser) family(singleLetter, complement bool) jreSet {
	at := p.cursor - 1
	p.next()
	var name string
	if singleLetter {
		name = string(p.at(p.cursor))
		p.read()
	} else {
		i := p.cursor
		// Java marks the end of the pattern with } so the scan stops there.
		p.temp[p.n] = '}'
		for p.read() != '}' {
		}
		p.temp[p.n] = 0
		j := p.cursor
		if j > p.n {
			p.fail("Unclosed character family")
		}
		if i+1 >= j {
			p.fail("Empty character family")
		}
		name = string(p.temp[i : j-1])
	}
	s, ok := p.property(at, name)
	if !ok {
		if k := strings.IndexByte(name, '='); k >= 0 {
			p.fail("Unknown Unicode property {name=<" + strings.ToLower(name[:k]) + ">, value=<" + name[k+1:] + ">}")
		}
		p.fail("Unknown character property name {" + name + "}")
	}
	if complement {
		s = jreSet{items: s.items, negs: s.negs, neg: !s.neg}
	}
	return s
}

// property translates a Unicode property name as Java's family resolves it. ok is false for a name Java
// does not know; a name Java knows and RE2 cannot express is recorded as unsupported.
func (p *jreParser) property(at int, name string) (jreSet, bool) {
	placeholder := jreSet{items: []string{`\x{0}`}}
	unsupported := func() (jreSet, bool) {
		p.unsupportedf(at, `Unicode property \p{%s}`, name)
		return placeholder, true
	}
	ci := p.has(jreCaseInsensitive)
	if k := strings.IndexByte(name, '='); k >= 0 {
		key, value := strings.ToLower(name[:k]), name[k+1:]
		switch key {
		case "sc", "script":
			if s, ok := scriptSet(value); ok {
				return s, true
			}
			if len(value) == 4 {
				// Java also knows scripts by their ISO 15924 codes, which Go does not.
				return unsupported()
			}
			return jreSet{}, false
		case "blk", "block":
			return unsupported()
		case "gc", "general_category":
			s, known, exact := propertySet(value, ci)
			if !known {
				return jreSet{}, false
			}
			if !exact {
				return unsupported()
			}
			return s, true
		}
		return jreSet{}, false
	}
	switch {
	case strings.HasPrefix(name, "In"):
		// Unicode blocks: RE2 has none.
		return unsupported()
	case strings.HasPrefix(name, "Is"):
		short := name[2:]
		if s, known, exact := binaryPropertySet(strings.ToUpper(short)); known {
			if !exact {
				return unsupported()
			}
			return s, true
		}
		if s, known, exact := propertySet(short, ci); known {
			if !exact {
				return unsupported()
			}
			return s, true
		}
		if s, ok := scriptSet(short); ok {
			return s, true
		}
		if len(short) == 4 {
			return unsupported()
		}
		return jreSet{}, false
	}
	if upper := strings.ToUpper(name); p.has(jreUnicodeClass) && posixNames[upper] {
		// (?U) takes POSIX names as Unicode classes.
		if s, _, exact := binaryPropertySet(upper); exact {
			return s, true
		}
		return unsupported()
	}
	s, known, exact := propertySet(name, ci)
	if !known {
		return jreSet{}, false
	}
	if !exact {
		return unsupported()
	}
	return s, true
}

// posixNames are the names Java's (?U) mode resolves as Unicode POSIX classes.
var posixNames = map[string]bool{"ALPHA": true, "LOWER": true, "UPPER": true, "SPACE": true, "PUNCT": true,
	"XDIGIT": true, "ALNUM": true, "CNTRL": true, "DIGIT": true, "BLANK": true, "GRAPH": true, "PRINT": true}

// scriptSet is a Unicode script by name, compared without case as Java's UnicodeScript.forName does.
func scriptSet(name string) (jreSet, bool) {
	for script := range unicode.Scripts {
		if strings.EqualFold(script, name) {
			return jreSet{items: []string{`\p{` + script + `}`}}, true
		}
	}
	return jreSet{}, false
}

// binaryPropertySet is Java's forUnicodeProperty (name upper-cased). known says Java knows it; exact that
// the set is the same in RE2.
func binaryPropertySet(name string) (s jreSet, known, exact bool) {
	switch name {
	case "LETTER":
		return jreSet{items: []string{`\pL`}}, true, true
	case "PUNCTUATION", "PUNCT":
		return jreSet{items: []string{`\pP`}}, true, true
	case "CONTROL", "CNTRL":
		return jreSet{items: []string{`\p{Cc}`}}, true, true
	case "DIGIT":
		return jreSet{items: []string{`\p{Nd}`}}, true, true
	case "WHITESPACE", "WHITE_SPACE", "SPACE":
		return jreSet{items: []string{whiteSpaceItems}}, true, true
	case "JOINCONTROL", "JOIN_CONTROL":
		return jreSet{items: []string{`\x{200c}\x{200d}`}}, true, true
	case "BLANK":
		return jreSet{items: []string{`\t\p{Zs}`}}, true, true
	case "ALPHABETIC", "ASSIGNED", "EMOJI", "EMOJI_PRESENTATION", "EMOJI_MODIFIER", "EMOJI_MODIFIER_BASE",
		"EMOJI_COMPONENT", "EXTENDED_PICTOGRAPHIC", "HEXDIGIT", "HEX_DIGIT", "IDEOGRAPHIC", "LOWERCASE",
		"NONCHARACTERCODEPOINT", "NONCHARACTER_CODE_POINT", "TITLECASE", "UPPERCASE", "WORD", "ALPHA", "LOWER",
		"UPPER", "XDIGIT", "ALNUM", "GRAPH", "PRINT":
		return jreSet{}, true, false
	}
	return jreSet{}, false, false
}

// propertySet is Java's forProperty: general categories, POSIX classes (ASCII) and java.lang.Character
// methods.
func propertySet(name string, ci bool) (s jreSet, known, exact bool) {
	one := func(item string) (jreSet, bool, bool) { return jreSet{items: []string{item}}, true, true }
	switch name {
	case "Cn":
		// Unassigned code points: RE2 has no such class.
		return jreSet{}, true, false
	case "Lu", "Ll", "Lt":
		if ci {
			return one(`\p{Lu}\p{Ll}\p{Lt}`)
		}
		return one(`\p{` + name + `}`)
	case "Lm", "Lo", "Mn", "Me", "Mc", "Nd", "Nl", "No", "Zs", "Zl", "Zp", "Cc", "Cf", "Co", "Cs", "Pd", "Ps",
		"Pe", "Pc", "Po", "Sm", "Sc", "Sk", "So", "Pi", "Pf":
		return one(`\p{` + name + `}`)
	case "L", "M", "N", "Z", "P", "S":
		return one(`\p` + name)
	case "C":
		// Java's C leaves out unassigned code points, RE2's includes them.
		return jreSet{}, true, false
	case "LC":
		return one(`\p{Lu}\p{Ll}\p{Lt}`)
	case "LD":
		return one(`\pL\p{Nd}`)
	case "L1":
		return one(`\x{0}-\x{ff}`)
	case "all":
		return one(`\x{0}-\x{10ffff}`)
	case "ASCII":
		return one(`\x{0}-\x{7f}`)
	case "Alnum":
		return one(`0-9A-Za-z`)
	case "Alpha":
		return one(`A-Za-z`)
	case "Blank":
		return one(`\t\x{20}`)
	case "Cntrl":
		return one(`\x{0}-\x{1f}\x{7f}`)
	case "Digit":
		return one(`0-9`)
	case "Graph":
		return one(`\x{21}-\x{7e}`)
	case "Lower":
		if ci {
			return one(`A-Za-z`)
		}
		return one(`a-z`)
	case "Print":
		return one(`\x{20}-\x{7e}`)
	case "Punct":
		return one(`\x{21}-\x{2f}\x{3a}-\x{40}\x{5b}-\x{60}\x{7b}-\x{7e}`)
	case "Space":
		return one(`\t\n\x{b}\f\r\x{20}`)
	case "Upper":
		if ci {
			return one(`A-Za-z`)
		}
		return one(`A-Z`)
	case "XDigit":
		return one(`0-9A-Fa-f`)
	case "javaLowerCase", "javaUpperCase", "javaAlphabetic", "javaIdeographic", "javaTitleCase", "javaDigit",
		"javaDefined", "javaLetter", "javaLetterOrDigit", "javaJavaIdentifierStart", "javaJavaIdentifierPart",
		"javaUnicodeIdentifierStart", "javaUnicodeIdentifierPart", "javaIdentifierIgnorable", "javaSpaceChar",
		"javaWhitespace", "javaISOControl", "javaMirrored":
		return jreSet{}, true, false
	}
	return jreSet{}, false, false
}

func isASCIIAlpha(c rune) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isASCIIDigit(c rune) bool { return c >= '0' && c <= '9' }
func isASCIIAlnum(c rune) bool { return isASCIIAlpha(c) || isASCIIDigit(c) }
func isASCIIHex(c rune) bool   { return isASCIIDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// isASCIISpace is Java's ASCII.isSpace: space, \t, \n, \x0B, \f, \r.
func isASCIISpace(c rune) bool { return c == ' ' || c >= '\t' && c <= '\r' }

func hexValue(c rune) rune {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
