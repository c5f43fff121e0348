package main

import (
	"fmt"
	"strconv"
	"strings"
)

// hasConstraints reports whether a value of the shape can ever fail
// validation, so that code is only emitted where it can find something.
func (g *generator) hasConstraints(name string) bool {
	if c, ok := g.constrained[name]; ok {
		return c
	}
	if g.visiting[name] {
		return false // a cycle adds nothing the first visit does not find
	}
	g.visiting[name] = true
	defer delete(g.visiting, name)
	s := g.shape(name)
	c := false
	switch s.Type {
	case "string":
		c = (s.Min != nil && *s.Min > 0) || s.Max != nil || s.Pattern != "" || len(s.Enum) > 0
	case "integer", "long", "double", "float", "blob":
		c = s.Min != nil || s.Max != nil
	case "list":
		c = s.Min != nil && *s.Min > 0 || s.Max != nil || g.hasConstraints(s.Member.Shape)
	case "map":
		c = s.Min != nil && *s.Min > 0 || s.Max != nil || g.hasConstraints(s.Key.Shape) || g.hasConstraints(s.Value.Shape)
	case "structure":
		c = len(s.Required) > 0
		for _, m := range s.Members {
			c = c || g.hasConstraints(m.Ref.Shape)
		}
	}
	g.constrained[name] = c
	return c
}

// patternVar names the compiled expression of a string shape's pattern.
func patternVar(shape string) string { return "pattern" + shape }

type methodData struct {
	Name string
	Body []string
}

func (g *generator) validateData() (string, any, error) {
	var methods []methodData
	for _, name := range g.structures() {
		s := g.m.Shapes[name]
		var body []string
		for _, m := range s.Members {
			lines, err := g.memberChecks(m, s.required(m.Name))
			if err != nil {
				return "", nil, fmt.Errorf("%s.%s: %w", name, m.Name, err)
			}
			body = append(body, lines...)
		}
		methods = append(methods, methodData{Name: name, Body: body})
	}
	if len(methods) == 0 {
		return "", nil, nil
	}
	return validateTmpl, methods, nil
}

// memberChecks emits the checks of one structure member, read from s.
func (g *generator) memberChecks(m member, required bool) ([]string, error) {
	s := g.shape(m.Ref.Shape)
	field := "s." + fieldName(m.Name)
	path := fmt.Sprintf("awsvalid.Join(path, %q)", m.Name)
	redact := "redact"
	if s.Sensitive {
		redact = "true"
	}
	absent, present, value := field+" == nil", field+" != nil", field
	switch s.Type {
	case "string":
		absent, present = field+` == ""`, field+` != ""`
	case "integer", "long", "double", "float":
		value = "*" + field
	}
	checks, err := g.valueChecks("p", value, m.Ref.Shape, redact, 0)
	if err != nil {
		return nil, err
	}
	if required && s.Type == "string" && s.Min != nil && *s.Min == 0 {
		// The model allows the empty string explicitly (TagValue does),
		// and a plain string cannot tell it from an absent member: accept
		// both rather than reject a valid request.
		if len(checks) == 0 {
			return nil, nil
		}
		return append(append([]string{"{", "p := " + path}, checks...), "}"), nil
	}
	var out []string
	switch {
	case required && len(checks) == 0:
		out = append(out, "if "+absent+" {", "v.Null("+path+")", "}")
	case required:
		out = append(out, "if p := "+path+"; "+absent+" {", "v.Null(p)", "} else {")
		out = append(out, checks...)
		out = append(out, "}")
	case len(checks) > 0:
		out = append(out, "if p := "+path+"; "+present+" {")
		out = append(out, checks...)
		out = append(out, "}")
	}
	return out, nil
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// valueChecks emits the checks of a present value expr of the named shape
// found at the path held in variable path. depth numbers the loop
// variables of nested lists and maps.
func (g *generator) valueChecks(path, expr, name, redact string, depth int) ([]string, error) {
	s := g.shape(name)
	if !g.hasConstraints(name) {
		return nil, nil
	}
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	switch s.Type {
	case "string":
		if s.Min != nil && *s.Min > 0 {
			add("v.MinLen(%s, %s, %s, %s)", path, expr, redact, num(*s.Min))
		}
		if s.Max != nil {
			add("v.MaxLen(%s, %s, %s, %s)", path, expr, redact, num(*s.Max))
		}
		if s.Pattern != "" {
			add("v.Match(%s, %s, %s, %s, %q)", path, expr, redact, patternVar(name), s.Pattern)
		}
		if len(s.Enum) > 0 {
			add("v.OneOf(%s, %s, %s, %sValues())", path, expr, redact, name)
		}
	case "integer", "long":
		if s.Min != nil {
			add("v.MinInt(%s, int64(%s), %s, %s)", path, expr, redact, num(*s.Min))
		}
		if s.Max != nil {
			add("v.MaxInt(%s, int64(%s), %s, %s)", path, expr, redact, num(*s.Max))
		}
	case "double", "float":
		if s.Min != nil {
			add("v.MinFloat(%s, float64(%s), %s, %s)", path, expr, redact, num(*s.Min))
		}
		if s.Max != nil {
			add("v.MaxFloat(%s, float64(%s), %s, %s)", path, expr, redact, num(*s.Max))
		}
	case "blob":
		if s.Min != nil && *s.Min > 0 {
			add("v.MinCount(%s, %s, len(%s), %s, %s)", path, expr, expr, redact, num(*s.Min))
		}
		if s.Max != nil {
			add("v.MaxCount(%s, %s, len(%s), %s, %s)", path, expr, expr, redact, num(*s.Max))
		}
	case "structure":
		add("%s.validate(v, %s, %s)", expr, path, redact)
	case "list", "map":
		if s.Min != nil && *s.Min > 0 {
			add("v.MinCount(%s, %s, len(%s), %s, %s)", path, expr, expr, redact, num(*s.Min))
		}
		if s.Max != nil {
			add("v.MaxCount(%s, %s, len(%s), %s, %s)", path, expr, expr, redact, num(*s.Max))
		}
		d := strconv.Itoa(depth + 1)
		if s.Type == "list" {
			elemRedact := redact
			if g.shape(s.Member.Shape).Sensitive {
				elemRedact = "true"
			}
			elem, err := g.valueChecks("p"+d, expr+"[i"+d+"]", s.Member.Shape, elemRedact, depth+1)
			if err != nil {
				return nil, err
			}
			if len(elem) > 0 {
				add("for i%s := range %s {", d, expr)
				add("p%s := awsvalid.ElemPath(%s, i%s)", d, path, d)
				out = append(out, elem...)
				add("}")
			}
			break
		}
		keyRedact, valRedact := redact, redact
		if g.shape(s.Key.Shape).Sensitive {
			keyRedact = "true"
		}
		if g.shape(s.Value.Shape).Sensitive {
			valRedact = "true"
		}
		keys, err := g.valueChecks(path, "k"+d, s.Key.Shape, keyRedact, depth+1)
		if err != nil {
			return nil, err
		}
		vals, err := g.valueChecks("p"+d, "v"+d, s.Value.Shape, valRedact, depth+1)
		if err != nil {
			return nil, err
		}
		if len(keys)+len(vals) > 0 {
			add("for _, k%s := range awsvalid.SortedKeys(%s) {", d, expr)
			out = append(out, keys...)
			if len(vals) > 0 {
				add("p%s, v%s := %s+\".\"+k%s, %s[k%s]", d, d, path, d, expr, d)
				out = append(out, vals...)
			}
			add("}")
		}
	}
	return out, nil
}

type patternData struct{ Var, Source, RE2 string }

func (g *generator) validationData() (string, any, error) {
	var pats []patternData
	for _, name := range sortedNames(g.m.Shapes) {
		s := g.m.Shapes[name]
		if s.Pattern == "" {
			continue
		}
		if s.Type != "string" {
			return "", nil, fmt.Errorf("pattern on %s shape %s", s.Type, name)
		}
		re, err := translatePattern(s.Pattern)
		if err != nil {
			return "", nil, fmt.Errorf("shape %s: %w", name, err)
		}
		if err := g.declare(patternVar(name), "pattern of "+name); err != nil {
			return "", nil, err
		}
		pats = append(pats, patternData{Var: patternVar(name), Source: s.Pattern, RE2: goRawOrQuoted(re)})
	}
	return validationTmpl, map[string]any{"Patterns": pats}, nil
}

// goRawOrQuoted writes s as a raw string literal when it can, for
// readability, and as an interpreted one otherwise.
func goRawOrQuoted(s string) string {
	if !strings.Contains(s, "`") && !strings.ContainsAny(s, "\r") {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}
