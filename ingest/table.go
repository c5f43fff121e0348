// Package ingest turns bulk CSV files into typed columns checked against a
// dataset schema, following the rules Amazon Personalize applies to the
// files of a dataset import job.
//
// A [Reader] reads a CSV file in batches: the first line is a header naming
// schema fields, and every following record becomes one row of a [Table],
// which stores one [Column] per schema field. Every value is checked while it
// is read: types, nulls, lengths and UTF-8. The first value that breaks a
// rule stops the import with an [*Error] naming the file, the physical line,
// the column and the rule.
//
// The reader is built for large files: it parses CSV itself instead of using
// encoding/csv, does not allocate per value, and stores the strings of a
// batch in one shared block of memory with repeated values stored once.
package ingest

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/perso/perso/avroschema"
)

// Table is a batch of rows in columns, one per schema field, in schema
// order.
type Table struct {
	Fields  []avroschema.Field
	Columns []Column
	Len     int
}

// Column holds one field's values. Exactly one of the slices is used, by
// field type: string uses Str, int and long use Int, float and double use
// Float, and boolean uses Bool. Null marks null values and is nil when the
// column has none; the value slot of a null holds the zero value.
//
// The strings of a table read by a [Reader] share memory: keeping one of
// them alive keeps every distinct string of its batch alive. Use
// strings.Clone to retain a few values of a large batch.
type Column struct {
	Str   []string
	Int   []int64
	Float []float64
	Bool  []bool
	Null  []bool
}

// IsNull reports whether row i of the column is null.
func (c *Column) IsNull(i int) bool { return c.Null != nil && c.Null[i] }

// NewTable returns an empty table of the given fields with room for
// capacity rows.
func NewTable(fields []avroschema.Field, capacity int) *Table {
	t := &Table{Fields: fields, Columns: make([]Column, len(fields))}
	for i, f := range fields {
		c := &t.Columns[i]
		switch f.Type {
		case "string":
			c.Str = make([]string, 0, capacity)
		case "int", "long":
			c.Int = make([]int64, 0, capacity)
		case "float", "double":
			c.Float = make([]float64, 0, capacity)
		case "boolean":
			c.Bool = make([]bool, 0, capacity)
		}
	}
	return t
}

// AppendRow appends one row given as one value per field, in field order:
// a string for string fields; an int, int32 or int64 for int and long
// fields; a float32 or float64 for float and double fields; a bool for
// boolean fields; or nil for null, which only nullable fields accept. It
// applies the rules of [Reader] (ranges, string lengths, UTF-8, no NaN or
// infinity) and leaves the table unchanged when it returns an error.
func (t *Table) AppendRow(values []any) error {
	if len(values) != len(t.Fields) {
		return fmt.Errorf("row has %d values but the schema has %d fields", len(values), len(t.Fields))
	}
	for i, f := range t.Fields {
		if err := checkValue(f, values[i]); err != nil {
			return fmt.Errorf("field %s: %s", f.Name, err)
		}
	}
	for i, f := range t.Fields {
		c := &t.Columns[i]
		v := values[i]
		if v == nil {
			c.markNull(t.Len)
		} else if c.Null != nil {
			c.Null = append(c.Null, false)
		}
		switch f.Type {
		case "string":
			s, _ := v.(string)
			c.Str = append(c.Str, s)
		case "int", "long":
			n, _ := toInt(v)
			c.Int = append(c.Int, n)
		case "float", "double":
			x, _ := toFloat(v)
			c.Float = append(c.Float, x)
		case "boolean":
			b, _ := v.(bool)
			c.Bool = append(c.Bool, b)
		}
	}
	t.Len++
	return nil
}

// markNull records that row i, about to be appended, is null.
func (c *Column) markNull(i int) {
	if c.Null == nil {
		c.Null = make([]bool, i, max(i+1, 16))
	}
	c.Null = append(c.Null, true)
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	}
	return 0, false
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// checkValue checks one boxed value of field f and returns the reason it
// is not acceptable.
func checkValue(f avroschema.Field, v any) error {
	if v == nil {
		if !f.Nullable {
			return fmt.Errorf("null value but %s is not nullable", f.Name)
		}
		return nil
	}
	switch f.Type {
	case "string":
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("value of type %T is not a string", v)
		}
		if reason := checkString(s, maxLen(f)); reason != "" {
			return fmt.Errorf("%s", reason)
		}
	case "int", "long":
		n, ok := toInt(v)
		if !ok {
			return fmt.Errorf("value of type %T is not an integer", v)
		}
		if f.Type == "int" && (n < math.MinInt32 || n > math.MaxInt32) {
			return fmt.Errorf("%d is out of range for an int (32-bit)", n)
		}
	case "float", "double":
		x, ok := toFloat(v)
		if !ok {
			return fmt.Errorf("value of type %T is not a floating-point number", v)
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%v is not a finite number", x)
		}
		if f.Type == "float" && math.Abs(x) > math.MaxFloat32 {
			return fmt.Errorf("%v is out of range for a float (32-bit)", x)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("value of type %T is not a boolean", v)
		}
	default:
		return fmt.Errorf("unsupported field type %q", f.Type)
	}
	return nil
}

// Length limits of string values, in characters, as documented for
// Personalize datasets: item, user and action IDs have at most 256
// characters; categorical values (the whole value, "|" separators
// included) and IMPRESSION at most 1000; textual values at most 20,000.
// Other strings are only bounded by the record size limit.
const (
	maxIDLen          = 256
	maxCategoricalLen = 1000
	maxTextualLen     = 20000
)

// maxLen returns the maximum number of characters of a value of f, or 0
// when there is no specific limit.
func maxLen(f avroschema.Field) int {
	switch {
	case f.Name == "USER_ID" || f.Name == "ITEM_ID" || f.Name == "ACTION_ID":
		return maxIDLen
	case f.Categorical || f.Name == "IMPRESSION":
		return maxCategoricalLen
	case f.Textual:
		return maxTextualLen
	}
	return 0
}

// checkString returns why s is not an acceptable string value with at most
// limit characters (0: no limit), or "" if it is.
func checkString(s string, limit int) string {
	if !utf8.ValidString(s) {
		return "value is not valid UTF-8"
	}
	if limit > 0 && len(s) > limit {
		if n := utf8.RuneCountInString(s); n > limit {
			return fmt.Sprintf("value has %d characters, more than the limit of %d", n, limit)
		}
	}
	return ""
}

// Row returns the values of row i, boxed: string, int64, float64 or bool,
// or nil for null.
func (t *Table) Row(i int) []any {
	row := make([]any, len(t.Columns))
	for j := range t.Columns {
		c := &t.Columns[j]
		if c.IsNull(i) {
			continue
		}
		switch t.Fields[j].Type {
		case "string":
			row[j] = c.Str[i]
		case "int", "long":
			row[j] = c.Int[i]
		case "float", "double":
			row[j] = c.Float[i]
		case "boolean":
			row[j] = c.Bool[i]
		}
	}
	return row
}

// SplitCategorical splits a categorical value into its values, separated
// by "|". It returns nil for the empty string; empty parts (as in "a||b")
// are returned as empty strings, and values are not trimmed.
func SplitCategorical(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}

// CheckValue checks one value for field f by the rules the import format
// applies, so that records arriving by other paths (the events API) hold to
// the same limits: a string, int64, float64 or bool of the field's type,
// within its range and length, or nil if the field is nullable. The error
// says why the value is refused.
func CheckValue(f avroschema.Field, v any) error { return checkValue(f, v) }
