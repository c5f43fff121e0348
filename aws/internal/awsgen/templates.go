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

import "github.com/perso/perso/aws/awsvalid"
{{range .}}
// Validate checks s against the constraints of the model and returns a
// *awsvalid.ValidationError listing every violation, or nil.
func (s *{{.Name}}) Validate() error {
	if s == nil {
		return nil
	}
	v := &awsvalid.Validator{}
	s.validate(v, "", false)
	return v.Err()
}

func (s *{{.Name}}) validate(v *awsvalid.Validator, path string, redact bool) {
{{- range .Body}}
	{{.}}
{{- end}}
}
{{end}}`

const validationTmpl = `package ` + pkgPlaceholder + `
{{- if .Patterns}}

import "regexp"

// Patterns of the model, anchored because the whole value must match, and
// translated from Java's regular expression dialect where needed.
var (
{{- range .Patterns}}
	// {{.Source}}
	{{.Var}} = regexp.MustCompile({{.RE2}})
{{- end}}
)
{{- end}}
`
