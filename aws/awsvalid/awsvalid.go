// Package awsvalid checks requests against the constraints of the AWS
// service models and words the problems as AWS does
// ("1 validation error detected: Value 'x' at 'name' failed to satisfy
// constraint: ..."). The generated Validate methods of the wire packages
// call it.
package awsvalid

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ValidationError lists every constraint a request violated, in AWS's words.
type ValidationError struct{ Problems []string }

// Error returns the problems as AWS words them.
func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return "1 validation error detected: " + e.Problems[0]
	}
	return strconv.Itoa(len(e.Problems)) + " validation errors detected: " + strings.Join(e.Problems, "; ")
}

// Validator collects the problems found in one request.
type Validator struct{ problems []string }

// Err returns nil when no problem was found, else a *ValidationError.
func (v *Validator) Err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

// Null records a missing required member.
func (v *Validator) Null(path string) {
	v.problems = append(v.problems, "Value null at '"+path+"' failed to satisfy constraint: Member must not be null")
}

// Fail records a violation; redact hides values of sensitive shapes.
func (v *Validator) Fail(path, value string, redact bool, constraint string) {
	if redact {
		value = "***"
	}
	v.problems = append(v.problems, "Value '"+value+"' at '"+path+"' failed to satisfy constraint: "+constraint)
}

// MinLen checks a string's length in characters against a lower bound.
func (v *Validator) MinLen(path, s string, redact bool, n int) {
	if utf8.RuneCountInString(s) < n {
		v.Fail(path, s, redact, "Member must have length greater than or equal to "+strconv.Itoa(n))
	}
}

// MaxLen checks a string's length in characters against an upper bound.
func (v *Validator) MaxLen(path, s string, redact bool, n int) {
	if utf8.RuneCountInString(s) > n {
		v.Fail(path, s, redact, "Member must have length less than or equal to "+strconv.Itoa(n))
	}
}

// Match checks a string against a pattern that must match it whole.
func (v *Validator) Match(path, s string, redact bool, re *regexp.Regexp, pattern string) {
	if !re.MatchString(s) {
		v.Fail(path, s, redact, "Member must satisfy regular expression pattern: "+pattern)
	}
}

// OneOf checks a string against the values of an enum.
func (v *Validator) OneOf(path, s string, redact bool, values []string) {
	if !slices.Contains(values, s) {
		v.Fail(path, s, redact, "Member must satisfy enum value set: ["+strings.Join(values, ", ")+"]")
	}
}

// MinInt checks an integer against a lower bound.
func (v *Validator) MinInt(path string, n int64, redact bool, bound int64) {
	if n < bound {
		v.Fail(path, strconv.FormatInt(n, 10), redact, "Member must have value greater than or equal to "+strconv.FormatInt(bound, 10))
	}
}

// MaxInt checks an integer against an upper bound.
func (v *Validator) MaxInt(path string, n int64, redact bool, bound int64) {
	if n > bound {
		v.Fail(path, strconv.FormatInt(n, 10), redact, "Member must have value less than or equal to "+strconv.FormatInt(bound, 10))
	}
}

// MinFloat checks a number against a lower bound.
func (v *Validator) MinFloat(path string, f float64, redact bool, bound float64) {
	if f < bound {
		v.Fail(path, formatFloat(f), redact, "Member must have value greater than or equal to "+formatFloat(bound))
	}
}

// MaxFloat checks a number against an upper bound.
func (v *Validator) MaxFloat(path string, f float64, redact bool, bound float64) {
	if f > bound {
		v.Fail(path, formatFloat(f), redact, "Member must have value less than or equal to "+formatFloat(bound))
	}
}

// MinCount and MaxCount bound the length of a list, map or blob.
func (v *Validator) MinCount(path string, value any, n int, redact bool, bound int) {
	if n < bound {
		v.Fail(path, briefValue(value), redact, "Member must have length greater than or equal to "+strconv.Itoa(bound))
	}
}

// MaxCount checks the length of a list, map or blob against an upper bound.
func (v *Validator) MaxCount(path string, value any, n int, redact bool, bound int) {
	if n > bound {
		v.Fail(path, briefValue(value), redact, "Member must have length less than or equal to "+strconv.Itoa(bound))
	}
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Join extends a member path; the top level has the empty path.
func Join(path, member string) string {
	if path == "" {
		return member
	}
	return path + "." + member
}

// ElemPath is the path of the i'th (0-based) element of a list, which
// AWS numbers from 1.
func ElemPath(path string, i int) string {
	return path + "." + strconv.Itoa(i+1) + ".member"
}

// SortedKeys returns the keys of m in order, so that problems are listed
// in a stable order.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// briefValue renders a list, map or blob for a message, cut short when long.
func briefValue(value any) string {
	const limit = 200
	s := renderValue(reflect.ValueOf(value))
	if utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit]) + "..."
	}
	return s
}

func renderValue(rv reflect.Value) string {
	switch rv.Kind() {
	case reflect.Invalid:
		return "null"
	case reflect.Pointer:
		if rv.IsNil() {
			return "null"
		}
		return renderValue(rv.Elem())
	case reflect.Slice:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return fmt.Sprintf("%d bytes", rv.Len())
		}
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = renderValue(rv.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.Map:
		keys := rv.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k.String() + "=" + renderValue(rv.MapIndex(k))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case reflect.Struct:
		return rv.Type().Name() + "(...)"
	}
	return fmt.Sprint(rv.Interface())
}
