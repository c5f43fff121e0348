// Package avroschema parses the Avro record schemas that Amazon Personalize
// accepts for datasets and checks them against the rules of each dataset
// type and domain.
//
// Personalize understands a small subset of Avro: one flat record whose
// fields have a primitive type, optionally made nullable by a union with
// "null", plus two Personalize-specific field attributes, "categorical" and
// "textual". [Parse] checks that subset, which does not depend on how the
// schema is used. [Schema.CheckDataset] then checks the required and
// reserved fields of one dataset type in a dataset group of a given domain,
// and [CheckDomain] checks a schema created for a domain before any dataset
// uses it.
//
// Every error is an [*Error] whose message is a sentence a user can act on:
// it names the field involved and the rule it breaks.
package avroschema

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Field is one column of a dataset schema.
type Field struct {
	Name        string
	Type        string // "string", "int", "long", "float", "double", "boolean"
	Nullable    bool   // declared as a union with "null"
	Categorical bool
	Textual     bool
}

// Schema is a parsed, checked schema.
type Schema struct {
	Name      string
	Namespace string
	Fields    []Field
}

// Field returns the field whose name is exactly name, and whether there is
// one.
func (s *Schema) Field(name string) (Field, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Error reports a schema that breaks a rule. Field names the field at fault, or
// is empty when the rule concerns the schema as a whole; Reason is the
// complete message, which Error returns.
type Error struct {
	Field  string
	Reason string
}

// Error returns the reason.
func (e *Error) Error() string { return e.Reason }

func fieldErr(field, format string, args ...any) error {
	return &Error{Field: field, Reason: fmt.Sprintf(format, args...)}
}

func schemaErr(format string, args ...any) error {
	return &Error{Reason: fmt.Sprintf(format, args...)}
}

// Limits of the schema language itself. The API already caps a schema body
// at 10000 characters, which admits a few hundred fields at most; the field
// cap here only keeps Parse bounded when it is called on longer input.
const (
	maxFieldNameLen = 150
	maxFields       = 1000
)

// primitives are the Avro types Personalize accepts for a field, in the
// order used in messages.
var primitives = []string{"string", "int", "long", "float", "double", "boolean"}

const primitiveList = "string, int, long, float, double or boolean"

func isPrimitive(t string) bool {
	for _, p := range primitives {
		if p == t {
			return true
		}
	}
	return false
}

// unsupportedTypes are the Avro types that nest or name other types, which
// Personalize does not accept. ("bytes" is a primitive of Avro that
// Personalize does not accept either; it gets its own message.)
var unsupportedTypes = map[string]bool{
	"record": true, "array": true, "map": true, "enum": true, "fixed": true, "error": true,
}

// coreNames are the reserved and required names shared by several dataset
// types. Parse rejects a field whose name matches one of them except in case
// (such as "user_id"): Personalize matches these names exactly, so such a
// field would silently become ordinary metadata, which is never what was
// meant. Names reserved by one dataset type or domain only (such as PRICE)
// are checked the same way by CheckDataset, where their meaning is known.
var coreNames = []string{
	"USER_ID", "ITEM_ID", "ACTION_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE",
	"IMPRESSION", "RECOMMENDATION_ID", "EVENT_ATTRIBUTION_SOURCE", "CREATION_TIMESTAMP",
}

// Parse parses the Avro JSON and checks the subset Personalize accepts,
// independent of dataset type.
//
// The top level must be a JSON object with "type": "record", a non-empty
// "name" that is a valid Avro name (dots allowed), and a non-empty "fields"
// array. "namespace" and "version" are optional but must be strings when
// present; any other member (such as "doc") is ignored, as Avro allows.
//
// Each field needs a "name" following the Avro rule [A-Za-z_][A-Za-z0-9_]*
// of at most 150 characters, and a "type" that is one of string, int, long,
// float, double and boolean, written either as a name, as an object such as
// {"type": "long"}, or as a union of that type with "null" in either order
// (a one-branch union such as ["string"] is the type itself). Names must be
// unique ignoring case, since two names differing only in case would be
// indistinguishable to a user, and a name that is a reserved name of
// several dataset types (USER_ID, ITEM_ID, TIMESTAMP, EVENT_TYPE and the
// like) in another case is rejected. "categorical" and "textual" must be
// booleans, are allowed on string fields only, and exclude each other; at
// most one field of a schema may be textual. A "default", when present, must
// be null on a nullable field or a value of the field's type.
func Parse(body string) (*Schema, error) {
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, schemaErr("schema is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, schemaErr("schema must be a single JSON object, but text follows it")
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, schemaErr("schema must be a JSON object describing an Avro record")
	}

	switch t, present := top["type"]; {
	case !present:
		return nil, schemaErr(`schema must declare "type": "record"`)
	case t != "record":
		if ts, ok := t.(string); ok {
			return nil, schemaErr(`schema type must be "record", not %q`, ts)
		}
		return nil, schemaErr(`schema type must be the string "record"`)
	}

	s := &Schema{}
	name, present := top["name"]
	if !present {
		return nil, schemaErr(`schema must have a "name"`)
	}
	if s.Name, ok = name.(string); !ok || s.Name == "" {
		return nil, schemaErr(`schema "name" must be a non-empty string`)
	}
	if !validFullName(s.Name) {
		return nil, schemaErr("schema name %q is not a valid Avro name: use letters, digits and underscores, not starting with a digit, optionally separated by dots", s.Name)
	}
	if ns, present := top["namespace"]; present && ns != nil {
		if s.Namespace, ok = ns.(string); !ok {
			return nil, schemaErr(`schema "namespace" must be a string`)
		}
	}
	if ver, present := top["version"]; present {
		if _, ok := ver.(string); !ok {
			return nil, schemaErr(`schema "version" must be a string such as "1.0"`)
		}
	}

	rawFields, present := top["fields"]
	if !present {
		return nil, schemaErr(`schema must have a "fields" array`)
	}
	list, ok := rawFields.([]any)
	if !ok {
		return nil, schemaErr(`schema "fields" must be an array of field objects`)
	}
	if len(list) == 0 {
		return nil, schemaErr("schema must declare at least one field")
	}
	if len(list) > maxFields {
		return nil, schemaErr("schema declares %d fields, more than the limit of %d", len(list), maxFields)
	}

	seen := make(map[string]string, len(list)) // upper-cased name -> name
	textual := ""
	for i, raw := range list {
		f, err := parseField(i, raw)
		if err != nil {
			return nil, err
		}
		key := strings.ToUpper(f.Name)
		if prev, dup := seen[key]; dup {
			if prev == f.Name {
				return nil, fieldErr(f.Name, "schema field %q is declared more than once", f.Name)
			}
			return nil, fieldErr(f.Name, "schema field %q differs from field %q only in case; field names must be unique ignoring case", f.Name, prev)
		}
		seen[key] = f.Name
		for _, core := range coreNames {
			if key == core && f.Name != core {
				return nil, fieldErr(f.Name, "schema field %q must be spelled %q: reserved field names are upper case", f.Name, core)
			}
		}
		if f.Textual {
			if textual != "" {
				return nil, fieldErr(f.Name, "schema field %q is textual, but field %q already is and a schema can have at most one textual field", f.Name, textual)
			}
			textual = f.Name
		}
		s.Fields = append(s.Fields, f)
	}
	return s, nil
}

func parseField(i int, raw any) (Field, error) {
	obj, ok := raw.(map[string]any)
	if !ok {
		return Field{}, schemaErr("schema field #%d must be a JSON object with a name and a type", i+1)
	}
	var f Field
	name, present := obj["name"]
	if !present {
		return Field{}, schemaErr(`schema field #%d must have a "name"`, i+1)
	}
	if f.Name, ok = name.(string); !ok || f.Name == "" {
		return Field{}, schemaErr(`schema field #%d "name" must be a non-empty string`, i+1)
	}
	if len(f.Name) > maxFieldNameLen {
		return Field{}, fieldErr(f.Name, "schema field name %q is longer than %d characters", f.Name, maxFieldNameLen)
	}
	if !validName(f.Name) {
		return Field{}, fieldErr(f.Name, "schema field name %q is not a valid Avro name: use letters, digits and underscores, not starting with a digit", f.Name)
	}

	t, present := obj["type"]
	if !present {
		return Field{}, fieldErr(f.Name, `schema field %q must have a "type"`, f.Name)
	}
	var err error
	if f.Type, f.Nullable, err = parseType(f.Name, t); err != nil {
		return Field{}, err
	}

	if f.Categorical, err = boolAttr(f.Name, obj, "categorical"); err != nil {
		return Field{}, err
	}
	if f.Textual, err = boolAttr(f.Name, obj, "textual"); err != nil {
		return Field{}, err
	}
	switch {
	case f.Categorical && f.Textual:
		return Field{}, fieldErr(f.Name, "schema field %q cannot be both categorical and textual", f.Name)
	case f.Categorical && f.Type != "string":
		return Field{}, fieldErr(f.Name, "schema field %q is categorical but categorical is only allowed on string fields, and its type is %s", f.Name, f.Type)
	case f.Textual && f.Type != "string":
		return Field{}, fieldErr(f.Name, "schema field %q is textual but textual is only allowed on string fields, and its type is %s", f.Name, f.Type)
	}

	if d, present := obj["default"]; present {
		if err := checkDefault(f, d); err != nil {
			return Field{}, err
		}
	}
	return f, nil
}

// parseType resolves a field's "type" to one primitive and whether it is
// nullable.
func parseType(field string, t any) (string, bool, error) {
	union, ok := t.([]any)
	if !ok {
		p, err := primitive(field, t)
		return p, false, err
	}
	var prim string
	nulls := 0
	for _, branch := range union {
		if name, _ := typeName(branch); name == "null" {
			nulls++
			continue
		}
		p, err := primitive(field, branch)
		if err != nil {
			return "", false, err
		}
		if prim != "" {
			return "", false, fieldErr(field, "schema field %q has a union of %s and %s, but a union may only combine \"null\" with one type", field, prim, p)
		}
		prim = p
	}
	switch {
	case nulls > 1:
		return "", false, fieldErr(field, "schema field %q lists \"null\" more than once in its union", field)
	case prim == "" && nulls == 1:
		return "", false, fieldErr(field, "schema field %q cannot be only null; use a union such as [\"null\", \"string\"]", field)
	case prim == "":
		return "", false, fieldErr(field, "schema field %q has an empty union; give it a type such as \"string\"", field)
	}
	return prim, nulls == 1, nil
}

// typeName returns the name of a non-union type written either as a name
// or as an object whose "type" is a name.
func typeName(t any) (string, bool) {
	if obj, isObj := t.(map[string]any); isObj {
		t = obj["type"]
	}
	name, ok := t.(string)
	return name, ok
}

// primitive resolves one non-union type: a name, or an object whose "type"
// is a name.
func primitive(field string, t any) (string, error) {
	name, ok := typeName(t)
	switch {
	case !ok:
		return "", fieldErr(field, "schema field %q has an invalid type; use one of %s, optionally in a union with \"null\"", field, primitiveList)
	case isPrimitive(name):
		return name, nil
	case unsupportedTypes[name]:
		return "", fieldErr(field, "schema field %q has type %s, but nested types are not supported; use one of %s", field, name, primitiveList)
	case name == "bytes":
		return "", fieldErr(field, "schema field %q has type bytes, which is not supported; use one of %s", field, primitiveList)
	case name == "null":
		return "", fieldErr(field, "schema field %q cannot be only null; use a union such as [\"null\", \"string\"]", field)
	}
	return "", fieldErr(field, "schema field %q has unknown type %q; use one of %s", field, name, primitiveList)
}

func boolAttr(field string, obj map[string]any, attr string) (bool, error) {
	v, present := obj[attr]
	if !present {
		return false, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, fieldErr(field, "schema field %q attribute %q must be true or false", field, attr)
	}
	return b, nil
}

// checkDefault accepts null on a nullable field, or a value of the field's
// primitive type whichever branch of the union comes first. Avro proper
// wants the default to match the first branch; Personalize never reads
// defaults, so the looser rule only rejects defaults that make no sense.
func checkDefault(f Field, d any) error {
	if d == nil {
		if f.Nullable {
			return nil
		}
		return fieldErr(f.Name, "schema field %q has a null default but is not nullable; make its type a union with \"null\" or drop the default", f.Name)
	}
	ok := false
	switch f.Type {
	case "string":
		_, ok = d.(string)
	case "boolean":
		_, ok = d.(bool)
	case "int", "long":
		if n, isNum := d.(json.Number); isNum {
			bits := 64
			if f.Type == "int" {
				bits = 32
			}
			_, err := strconv.ParseInt(string(n), 10, bits)
			ok = err == nil
		}
	case "float", "double":
		if n, isNum := d.(json.Number); isNum {
			x, err := strconv.ParseFloat(string(n), 64)
			ok = err == nil && !math.IsInf(x, 0)
			if ok && f.Type == "float" && math.Abs(x) > math.MaxFloat32 {
				ok = false
			}
		}
	}
	if !ok {
		return fieldErr(f.Name, "schema field %q has a default that is not a valid %s value", f.Name, f.Type)
	}
	return nil
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func validFullName(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if !validName(part) {
			return false
		}
	}
	return true
}
