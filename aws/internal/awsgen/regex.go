package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// javaClasses maps the POSIX-style \p{...} classes of java.util.regex that
// RE2 lacks to equivalent bracket contents. Unicode categories (\p{L}, ...)
// are shared by both and pass through.
var javaClasses = map[string]string{
	"ASCII":  `\x00-\x7F`,
	"Alpha":  `A-Za-z`,
	"Digit":  `0-9`,
	"Alnum":  `A-Za-z0-9`,
	"Upper":  `A-Z`,
	"Lower":  `a-z`,
	"Punct":  `!-/:-@\[-` + "`" + `{-~`,
	"Graph":  `!-~`,
	"Print":  ` -~`,
	"Blank":  ` \t`,
	"Cntrl":  `\x00-\x1F\x7F`,
	"XDigit": `0-9a-fA-F`,
	"Space":  ` \t\n\x0B\f\r`,
}

// javaDot is what an unescaped '.' matches in Java: anything but a line
// terminator. RE2's '.' only excludes '\n'.
const javaDot = `[^\n\r\x{85}\x{2028}\x{2029}]`

// maxRepeat is RE2's limit on a counted repetition.
const maxRepeat = 1000

// translatePattern turns a model pattern, written for java.util.regex, into
// an RE2 expression that must match the whole value, and compiles it to
// prove the translation.
func translatePattern(pat string) (string, error) {
	body, err := translateBody(pat)
	if err != nil {
		return "", fmt.Errorf("pattern %q: %w", pat, err)
	}
	full := "^(?:" + body + ")$"
	if _, err := regexp.Compile(full); err != nil {
		return "", fmt.Errorf("pattern %q translated to %q: %w", pat, full, err)
	}
	return full, nil
}

func translateBody(pat string) (string, error) {
	var out strings.Builder
	var groups []int // output offsets of open groups
	lastAtom := -1   // output offset where the last complete atom starts
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		start := out.Len()
		switch c {
		case '\\':
			esc, n, err := translateEscape(rs[i:], false)
			if err != nil {
				return "", err
			}
			out.WriteString(esc)
			i += n - 1
			lastAtom = start
		case '[':
			cls, n, err := translateClass(rs[i:])
			if err != nil {
				return "", err
			}
			out.WriteString(cls)
			i += n - 1
			lastAtom = start
		case '(':
			groups = append(groups, start)
			out.WriteRune(c)
			lastAtom = -1
		case ')':
			if len(groups) == 0 {
				return "", fmt.Errorf("unbalanced ')'")
			}
			out.WriteRune(c)
			lastAtom = groups[len(groups)-1]
			groups = groups[:len(groups)-1]
		case '.':
			out.WriteString(javaDot)
			lastAtom = start
		case '{':
			end := -1
			for j := i + 1; j < len(rs); j++ {
				if rs[j] == '}' {
					end = j
					break
				}
			}
			if end < 0 || lastAtom < 0 {
				return "", fmt.Errorf("bad repetition at offset %d", i)
			}
			quant := string(rs[i : end+1])
			lo, hi, ok := parseRepeat(quant)
			if !ok {
				return "", fmt.Errorf("bad repetition %s", quant)
			}
			i = end
			if i+1 < len(rs) && rs[i+1] == '+' { // possessive, see below
				i++
			}
			if hi <= maxRepeat && lo <= maxRepeat {
				out.WriteString(quant)
				lastAtom = -1
				continue
			}
			atom := out.String()[lastAtom:]
			prefix := out.String()[:lastAtom]
			out.Reset()
			out.WriteString(prefix)
			out.WriteString(splitRepeat("(?:"+atom+")", lo, hi))
			lastAtom = -1
		case '*', '+', '?':
			out.WriteRune(c)
			// Java's possessive quantifiers (x*+) have no RE2 form; the
			// greedy one accepts the same whole-value matches for the
			// patterns models use.
			if i+1 < len(rs) && rs[i+1] == '+' {
				i++
			}
			lastAtom = -1
		default:
			out.WriteRune(c)
			lastAtom = start
		}
	}
	if len(groups) != 0 {
		return "", fmt.Errorf("unbalanced '('")
	}
	return out.String(), nil
}

// parseRepeat reads {n}, {n,} or {n,m}; hi is -1 when unbounded.
func parseRepeat(q string) (lo, hi int, ok bool) {
	inner := q[1 : len(q)-1]
	a, b, comma := strings.Cut(inner, ",")
	lo, err := strconv.Atoi(a)
	if err != nil {
		return 0, 0, false
	}
	switch {
	case !comma:
		return lo, lo, true
	case b == "":
		return lo, -1, true
	}
	hi, err = strconv.Atoi(b)
	if err != nil || hi < lo {
		return 0, 0, false
	}
	return lo, hi, true
}

// splitRepeat writes atom{lo,hi} as a sequence of repetitions no larger
// than RE2 allows: x{0,1500} becomes x{0,1000}x{0,500}.
func splitRepeat(atom string, lo, hi int) string {
	var b strings.Builder
	for n := lo; n > 0; n -= maxRepeat {
		fmt.Fprintf(&b, "%s{%d}", atom, min(n, maxRepeat))
	}
	if hi < 0 {
		b.WriteString(atom + "*")
		return b.String()
	}
	for n := hi - lo; n > 0; n -= maxRepeat {
		fmt.Fprintf(&b, "%s{0,%d}", atom, min(n, maxRepeat))
	}
	return b.String()
}

// translateEscape handles one escape sequence at the start of rs and
// reports how many runes it used.
func translateEscape(rs []rune, inClass bool) (string, int, error) {
	if len(rs) < 2 {
		return "", 0, fmt.Errorf("trailing backslash")
	}
	if (rs[1] == 'p' || rs[1] == 'P') && len(rs) > 2 && rs[2] == '{' {
		end := -1
		for j := 3; j < len(rs); j++ {
			if rs[j] == '}' {
				end = j
				break
			}
		}
		if end < 0 {
			return "", 0, fmt.Errorf("unterminated \\p{")
		}
		name := strings.TrimPrefix(string(rs[3:end]), "Is")
		if cls, ok := javaClasses[name]; ok {
			switch {
			case rs[1] == 'P' && inClass:
				return "", 0, fmt.Errorf("negated \\P{%s} inside a class is not supported", name)
			case rs[1] == 'P':
				return "[^" + cls + "]", end + 1, nil
			case inClass:
				return cls, end + 1, nil
			default:
				return "[" + cls + "]", end + 1, nil
			}
		}
		return string(rs[:end+1]), end + 1, nil
	}
	switch rs[1] {
	case 'Z':
		return `\z`, 2, nil // differs only for a trailing line terminator
	case 'h':
		return `[ \t\xA0\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}]`, 2, nil
	}
	return string(rs[:2]), 2, nil
}

// translateClass copies a bracket expression, translating escapes inside.
func translateClass(rs []rune) (string, int, error) {
	var out strings.Builder
	out.WriteRune('[')
	i := 1
	if i < len(rs) && rs[i] == '^' {
		out.WriteRune('^')
		i++
	}
	if i < len(rs) && rs[i] == ']' { // a leading ']' is literal
		out.WriteString(`\]`)
		i++
	}
	for ; i < len(rs); i++ {
		switch c := rs[i]; c {
		case '\\':
			esc, n, err := translateEscape(rs[i:], true)
			if err != nil {
				return "", 0, err
			}
			out.WriteString(esc)
			i += n - 1
		case '[':
			return "", 0, fmt.Errorf("nested character classes are not supported")
		case ']':
			out.WriteRune(']')
			return out.String(), i + 1, nil
		default:
			out.WriteRune(c)
		}
	}
	return "", 0, fmt.Errorf("unterminated character class")
}
