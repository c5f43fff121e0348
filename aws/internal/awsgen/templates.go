package main

// pkgPlaceholder is the package clause's name in the templates.
const pkgPlaceholder = "{{pkg}}"

const operationsTmpl = `// Package {{.Pkg}} is the wire contract of {{.FullName}} as its model
// defines it: request and response types, their validation, enums, error
// codes and the table of operations.
package {{.Pkg}}

// The service's identity in the model.
const (
	ServiceID   = {{quote .ServiceID}}
	APIVersion  = {{quote .APIVersion}}
	SigningName = {{quote .SigningName}}
{{- if .TargetPrefix}}
	// TargetPrefix precedes the operation name in the X-Amz-Target header.
	TargetPrefix = {{quote .TargetPrefix}}
{{- end}}
)

// Operation describes one operation of the service as the model defines it.
type Operation struct {
	Name      string   // operation name, e.g. "CreateDatasetGroup"
	Method    string   // HTTP method
	Path      string   // "/" for the JSON protocol, else the request URI
	Input     string   // input shape name, "" if none
	Output    string   // output shape name, "" if none
	Errors    []string // error shape names, sorted
	Paginated bool     // the operation has a paginator
}

// Operation names.
const (
{{- range .Ops}}
	{{.Const}} = {{quote .Name}}
{{- end}}
)

// Operations lists every operation of the model, sorted by name.
var Operations = []Operation{
{{- range .Ops}}
	{
		Name:   {{.Const}},
		Method: {{quote .Method}},
		Path:   {{quote .Path}},
		{{- if .Input}}
		Input:  {{quote .Input}},
		{{- end}}
		{{- if .Output}}
		Output: {{quote .Output}},
		{{- end}}
		{{- if .Errors}}
		Errors: []string{ {{- range $i, $e := .Errors}}{{if $i}}, {{end}}{{$e}}{{end -}} },
		{{- end}}
		{{- if .Paginated}}
		Paginated: true,
		{{- end}}
	},
{{- end}}
}

// LookupOperation finds an operation by name.
func LookupOperation(name string) (Operation, bool) {
	lo, hi := 0, len(Operations)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if Operations[mid].Name < name {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(Operations) && Operations[lo].Name == name {
		return Operations[lo], true
	}
	return Operation{}, false
}
`

const errorsTmpl = `package ` + pkgPlaceholder + `

// Error codes: the names of the model's exception shapes.
const (
{{- range .Errors}}
	{{.Const}} = {{quote .Name}}
{{- end}}
)
{{- if .WithStatus}}

// ErrorHTTPStatus maps an error code to the HTTP status the model gives it.
var ErrorHTTPStatus = map[string]int{
{{- range .Errors}}{{if .Status}}
	{{.Const}}: {{.Status}},
{{- end}}{{end}}
}
{{- end}}
`

const enumsTmpl = `package ` + pkgPlaceholder + `
{{range .}}
// Values of the {{.Shape}} enum.
const (
{{- range .Consts}}
	{{.Name}} = {{quote .Value}}
{{- end}}
)

// {{.Shape}}Values returns the values of the {{.Shape}} enum in model order.
func {{.Shape}}Values() []string {
	return []string{ {{- range $i, $v := .Values}}{{if $i}}, {{end}}{{quote $v}}{{end -}} }
}
{{end}}`

const typesTmpl = `package ` + pkgPlaceholder + `
{{if .UsesTime}}
import "github.com/perso/perso/aws/awsjson"
{{end}}
{{- range .Structs}}
// {{.Name}} is the {{.Name}} structure of the model.
type {{.Name}} struct {
{{- range .Fields}}
	{{.Name}} {{.Type}} {{.Tag}}
{{- end}}
}
{{end}}`

const validateTmpl = `package ` + pkgPlaceholder + `
{{range .}}
// Validate checks s against the constraints of the model and returns a
// *ValidationError listing every violation, or nil.
func (s *{{.Name}}) Validate() error {
	if s == nil {
		return nil
	}
	v := &validator{}
	s.validate(v, "", false)
	return v.err()
}

func (s *{{.Name}}) validate(v *validator, path string, redact bool) {
{{- range .Body}}
	{{.}}
{{- end}}
}
{{end}}`

const validationTmpl = `package ` + pkgPlaceholder + `

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

func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return "1 validation error detected: " + e.Problems[0]
	}
	return strconv.Itoa(len(e.Problems)) + " validation errors detected: " + strings.Join(e.Problems, "; ")
}
{{- if .Patterns}}

// Patterns of the model, anchored because the whole value must match, and
// translated from Java's regular expression dialect where needed.
var (
{{- range .Patterns}}
	// {{.Source}}
	{{.Var}} = regexp.MustCompile({{.RE2}})
{{- end}}
)
{{- end}}

// validator collects the problems found in one request.
type validator struct{ problems []string }

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

func (v *validator) null(path string) {
	v.problems = append(v.problems, "Value null at '"+path+"' failed to satisfy constraint: Member must not be null")
}

// fail records a violation; redact hides values of sensitive shapes.
func (v *validator) fail(path, value string, redact bool, constraint string) {
	if redact {
		value = "***"
	}
	v.problems = append(v.problems, "Value '"+value+"' at '"+path+"' failed to satisfy constraint: "+constraint)
}

func (v *validator) minLen(path, s string, redact bool, n int) {
	if utf8.RuneCountInString(s) < n {
		v.fail(path, s, redact, "Member must have length greater than or equal to "+strconv.Itoa(n))
	}
}

func (v *validator) maxLen(path, s string, redact bool, n int) {
	if utf8.RuneCountInString(s) > n {
		v.fail(path, s, redact, "Member must have length less than or equal to "+strconv.Itoa(n))
	}
}

func (v *validator) match(path, s string, redact bool, re *regexp.Regexp, pattern string) {
	if !re.MatchString(s) {
		v.fail(path, s, redact, "Member must satisfy regular expression pattern: "+pattern)
	}
}

func (v *validator) oneOf(path, s string, redact bool, values []string) {
	if !slices.Contains(values, s) {
		v.fail(path, s, redact, "Member must satisfy enum value set: ["+strings.Join(values, ", ")+"]")
	}
}

func (v *validator) minInt(path string, n int64, redact bool, bound int64) {
	if n < bound {
		v.fail(path, strconv.FormatInt(n, 10), redact, "Member must have value greater than or equal to "+strconv.FormatInt(bound, 10))
	}
}

func (v *validator) maxInt(path string, n int64, redact bool, bound int64) {
	if n > bound {
		v.fail(path, strconv.FormatInt(n, 10), redact, "Member must have value less than or equal to "+strconv.FormatInt(bound, 10))
	}
}

func (v *validator) minFloat(path string, f float64, redact bool, bound float64) {
	if f < bound {
		v.fail(path, formatFloat(f), redact, "Member must have value greater than or equal to "+formatFloat(bound))
	}
}

func (v *validator) maxFloat(path string, f float64, redact bool, bound float64) {
	if f > bound {
		v.fail(path, formatFloat(f), redact, "Member must have value less than or equal to "+formatFloat(bound))
	}
}

// minCount and maxCount bound the length of a list, map or blob.
func (v *validator) minCount(path string, value any, n int, redact bool, bound int) {
	if n < bound {
		v.fail(path, briefValue(value), redact, "Member must have length greater than or equal to "+strconv.Itoa(bound))
	}
}

func (v *validator) maxCount(path string, value any, n int, redact bool, bound int) {
	if n > bound {
		v.fail(path, briefValue(value), redact, "Member must have length less than or equal to "+strconv.Itoa(bound))
	}
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// join extends a member path; the top level has the empty path.
func join(path, member string) string {
	if path == "" {
		return member
	}
	return path + "." + member
}

// elemPath is the path of the i'th (0-based) element of a list, which
// AWS numbers from 1.
func elemPath(path string, i int) string {
	return path + "." + strconv.Itoa(i+1) + ".member"
}

func sortedKeys[V any](m map[string]V) []string {
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
`
