package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/perso/perso/avroschema"
)

// Error reports a CSV file that breaks a rule of the import format. Line is
// the 1-based physical line of the file (the header is line 1) on which the
// offending record starts; Column and Index name the CSV column involved,
// Index counting from 1, and are empty and 0 when the rule concerns a whole
// record or the file.
type Error struct {
	File   string
	Line   int64
	Column string
	Index  int
	Reason string
}

// Error returns the message "<file> line <n>: column <NAME> (<index>):
// <reason>", leaving out the parts that are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(' ')
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Index > 0 {
		if e.Column != "" {
			fmt.Fprintf(&b, "column %s (%d): ", e.Column, e.Index)
		} else {
			fmt.Fprintf(&b, "column %d: ", e.Index)
		}
	}
	b.WriteString(e.Reason)
	return b.String()
}

// kind is the storage type of a field.
type kind uint8

const (
	kString kind = iota
	kInt
	kLong
	kFloat
	kDouble
	kBool
)

func kindOf(t string) (kind, bool) {
	switch t {
	case "string":
		return kString, true
	case "int":
		return kInt, true
	case "long":
		return kLong, true
	case "float":
		return kFloat, true
	case "double":
		return kDouble, true
	case "boolean":
		return kBool, true
	}
	return 0, false
}

const (
	// initialBufSize is the size of the read buffer; it grows to hold a
	// longer record.
	initialBufSize = 1 << 20
	// maxRecordBytes bounds one record, which keeps an unclosed quote from
	// making the reader buffer the rest of the file. Textual values, the
	// longest, have at most 20,000 characters (80 KB of UTF-8).
	maxRecordBytes = 8 << 20
	// Strings of a batch are stored as offset<<lenBits | length into the
	// batch's arena; lengths fit since records are shorter than 1<<lenBits.
	lenBits = 24
	lenMask = 1<<lenBits - 1
	// cacheBits is the log2 size of the per-column direct-mapped cache that
	// stores repeated strings of a batch once.
	cacheBits = 14
)

// column describes one column of the CSV file.
type column struct {
	name     string
	field    int // index in the schema
	kind     kind
	nullable bool
	limit    int      // maximum characters of a string, 0 for none
	cache    []uint64 // strings only: packed arena references, 0 = empty
}

// span locates one value of a record parsed on the slow path: in the
// scratch buffer or in the read buffer, relative to the record's start.
type span struct {
	scratch bool
	a, b    int
}

// Reader reads a CSV file in batches of typed, checked rows.
//
// The format is the one of Personalize's bulk imports: comma-separated
// values with RFC 4180 quoting (a quoted value may contain commas, newlines
// and doubled quotes), in UTF-8, LF or CRLF line endings, a header line
// first. Blank lines are skipped. An empty value, quoted or not, is null.
type Reader struct {
	src    io.Reader
	name   string
	schema *avroschema.Schema
	cols   []column // per CSV column, in file order
	absent []int    // schema fields missing from the header

	buf      []byte
	pos, end int
	eof      bool
	line     int64 // physical lines consumed so far
	recLine  int64 // line on which the current record starts
	rec      [][]byte
	spans    []span
	scratch  []byte
	rows     int64
	err      error
	seed     maphash.Seed
	vals     [][]uint64 // per schema field: values of the batch
	nullRows [][]int32  // per schema field: null rows of the batch
	arena    []byte     // distinct strings of the batch
}

// NewReader returns a reader of the CSV file read from r, whose rows must
// follow schema. name is the file's name for error messages.
//
// NewReader reads the header line. It names schema fields in any order,
// matched exactly, case included, as Personalize matches reserved names
// such as USER_ID exactly; a column that is not a schema field, an empty or
// repeated name, and a missing non-nullable field are errors. Nullable
// fields missing from the header are null in every row.
func NewReader(r io.Reader, schema *avroschema.Schema, name string) (*Reader, error) {
	rd := &Reader{
		src:    r,
		name:   name,
		schema: schema,
		buf:    make([]byte, initialBufSize),
		seed:   maphash.MakeSeed(),
	}
	if err := rd.readHeader(); err != nil {
		return nil, err
	}
	n := len(schema.Fields)
	rd.vals = make([][]uint64, n)
	rd.nullRows = make([][]int32, n)
	return rd, nil
}

// MaxBatchBytes bounds the string bytes of a batch: Next ends a batch
// early once its distinct strings take this much, so that files of long
// textual values are read in bounded memory.
const MaxBatchBytes = 64 << 20

// bom is the UTF-8 byte order mark some tools write at the start of a file.
var bom = []byte("\uFEFF")

func (r *Reader) readHeader() error {
	headerErr := func(col int, name, format string, args ...any) error {
		return &Error{File: r.name, Line: 1, Column: name, Index: col, Reason: fmt.Sprintf(format, args...)}
	}
	// Skip a byte order mark before parsing, so that a quoted first field
	// ("USER_ID",...), as spreadsheet tools write, is seen as quoted.
	for r.end-r.pos < len(bom) && !r.eof {
		if err := r.fill(); err != nil {
			return err
		}
	}
	if bytes.HasPrefix(r.buf[r.pos:r.end], bom) {
		r.pos += len(bom)
	}
	if err := r.readRecord(); err != nil {
		if err == io.EOF {
			return &Error{File: r.name, Reason: "file is empty; its first line must be a header naming the schema fields, such as USER_ID,ITEM_ID,TIMESTAMP"}
		}
		return err
	}
	if r.recLine != 1 {
		return headerErr(0, "", "the first line is blank; it must be a header naming the schema fields")
	}
	seen := make(map[string]int, len(r.rec))
	fields := r.schema.Fields
	for j, raw := range r.rec {
		name := string(raw)
		if name == "" {
			return headerErr(j+1, "", "the header names no field in this column")
		}
		if prev, dup := seen[name]; dup {
			return headerErr(j+1, name, "field %s is named twice in the header, in columns %d and %d", name, prev, j+1)
		}
		seen[name] = j + 1
		fi := -1
		for i := range fields {
			if fields[i].Name == name {
				fi = i
				break
			}
		}
		if fi < 0 {
			for i := range fields {
				if strings.EqualFold(fields[i].Name, name) {
					return headerErr(j+1, name, "the header names %s, which is not a schema field; did you mean %s? Field names are matched exactly, case included", name, fields[i].Name)
				}
			}
			return headerErr(j+1, name, "the header names %s, which is not a field of the schema (%s)", name, fieldList(fields))
		}
		f := fields[fi]
		k, ok := kindOf(f.Type)
		if !ok {
			return headerErr(j+1, name, "field %s has type %q, which cannot be imported", name, f.Type)
		}
		c := column{name: name, field: fi, kind: k, nullable: f.Nullable, limit: maxLen(f)}
		if k == kString {
			c.cache = make([]uint64, 1<<cacheBits)
		}
		r.cols = append(r.cols, c)
	}
	for i, f := range fields {
		if _, ok := seen[f.Name]; ok {
			continue
		}
		if !f.Nullable {
			return headerErr(0, "", "the header has no column %s, which the schema requires (the field is not nullable)", f.Name)
		}
		r.absent = append(r.absent, i)
	}
	return nil
}

func fieldList(fields []avroschema.Field) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// Rows returns the number of rows read so far, in the batches returned by
// Next.
func (r *Reader) Rows() int64 { return r.rows }

// Next returns the next batch of at most n rows (fewer once its strings
// take MaxBatchBytes), or io.EOF after the last.
// Any other error is an [*Error] describing the first rule the file breaks,
// or an error of the underlying reader; the rows of the batch in which it
// occurs are not returned, and every later call returns the same error.
func (r *Reader) Next(n int) (*Table, error) {
	if r.err != nil {
		return nil, r.err
	}
	if n <= 0 {
		return nil, errors.New("ingest: batch size must be positive")
	}
	for i := range r.vals {
		r.vals[i] = r.vals[i][:0]
		r.nullRows[i] = r.nullRows[i][:0]
	}
	r.arena = r.arena[:0]
	for i := range r.cols {
		if r.cols[i].cache != nil {
			clear(r.cols[i].cache)
		}
	}
	rows := 0
	for rows < n && len(r.arena) < MaxBatchBytes {
		err := r.readRecord()
		if err == nil {
			err = r.convert(rows)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			r.err = err
			return nil, err
		}
		rows++
	}
	if rows == 0 {
		r.err = io.EOF
		return nil, io.EOF
	}
	r.rows += int64(rows)
	return r.finish(rows), nil
}

// finish builds the table of the batch's rows.
func (r *Reader) finish(rows int) *Table {
	fields := r.schema.Fields
	t := &Table{Fields: fields, Columns: make([]Column, len(fields)), Len: rows}
	var strs string
	if len(r.arena) > 0 {
		strs = string(r.arena)
	}
	for f := range fields {
		c := &t.Columns[f]
		vals := r.vals[f][:rows]
		k, _ := kindOf(fields[f].Type)
		switch k {
		case kString:
			c.Str = make([]string, rows)
			for i, v := range vals {
				if v != 0 {
					off := v >> lenBits
					c.Str[i] = strs[off : off+v&lenMask]
				}
			}
		case kInt, kLong:
			c.Int = make([]int64, rows)
			for i, v := range vals {
				c.Int[i] = int64(v)
			}
		case kFloat, kDouble:
			c.Float = make([]float64, rows)
			for i, v := range vals {
				c.Float[i] = math.Float64frombits(v)
			}
		case kBool:
			c.Bool = make([]bool, rows)
			for i, v := range vals {
				c.Bool[i] = v != 0
			}
		}
		if nulls := r.nullRows[f]; len(nulls) > 0 {
			c.Null = make([]bool, rows)
			for _, i := range nulls {
				c.Null[i] = true
			}
		}
	}
	return t
}

// convert checks the values of the current record and appends them to the
// batch as row number row.
func (r *Reader) convert(row int) error {
	if len(r.rec) != len(r.cols) {
		return &Error{File: r.name, Line: r.recLine, Reason: fmt.Sprintf("expected %d columns as in the header, got %d", len(r.cols), len(r.rec))}
	}
	for j, v := range r.rec {
		c := &r.cols[j]
		if len(v) == 0 {
			if !c.nullable {
				return r.errAt(j, "empty value but %s is not nullable", c.name)
			}
			r.vals[c.field] = append(r.vals[c.field], 0)
			r.nullRows[c.field] = append(r.nullRows[c.field], int32(row))
			continue
		}
		var x uint64
		switch c.kind {
		case kString:
			var err error
			if x, err = r.intern(j, v); err != nil {
				return err
			}
		case kInt, kLong:
			n, ok := parseInt(v)
			if !ok {
				return r.intErr(j, v)
			}
			if c.kind == kInt && (n < math.MinInt32 || n > math.MaxInt32) {
				return r.errAt(j, "%s is out of range for an int (32-bit)", v)
			}
			x = uint64(n)
		case kFloat, kDouble:
			f, err := parseFloat(v, c.kind == kFloat)
			if err != nil {
				return r.errAt(j, "%s", err)
			}
			x = math.Float64bits(f)
		case kBool:
			switch {
			case bytes.EqualFold(v, []byte("true")):
				x = 1
			case bytes.EqualFold(v, []byte("false")):
			default:
				return r.errAt(j, "%q is not a boolean; use true or false", v)
			}
		}
		r.vals[c.field] = append(r.vals[c.field], x)
	}
	for _, f := range r.absent {
		r.vals[f] = append(r.vals[f], 0)
		r.nullRows[f] = append(r.nullRows[f], int32(row))
	}
	return nil
}

// intern stores a string value of column j in the batch's arena, once per
// distinct value as far as the column's cache remembers, and returns its
// packed reference. It checks the value when storing it, so a value found
// in the cache was already checked.
func (r *Reader) intern(j int, v []byte) (uint64, error) {
	c := &r.cols[j]
	slot := &c.cache[maphash.Bytes(r.seed, v)&(1<<cacheBits-1)]
	if x := *slot; x != 0 && int(x&lenMask) == len(v) {
		off := x >> lenBits
		if bytes.Equal(r.arena[off:off+uint64(len(v))], v) {
			return x, nil
		}
	}
	if !utf8.Valid(v) {
		return 0, r.errAt(j, "value is not valid UTF-8")
	}
	if c.limit > 0 && len(v) > c.limit {
		if n := utf8.RuneCount(v); n > c.limit {
			return 0, r.errAt(j, "value has %d characters, more than the limit of %d for %s", n, c.limit, c.name)
		}
	}
	x := uint64(len(r.arena))<<lenBits | uint64(len(v))
	r.arena = append(r.arena, v...)
	*slot = x
	return x, nil
}

func (r *Reader) errAt(j int, format string, args ...any) error {
	e := &Error{File: r.name, Line: r.recLine, Index: j + 1, Reason: fmt.Sprintf(format, args...)}
	if j < len(r.cols) {
		e.Column = r.cols[j].name
	}
	return e
}

func (r *Reader) intErr(j int, v []byte) error {
	t := "long"
	if r.cols[j].kind == kInt {
		t = "int"
	}
	if _, err := strconv.ParseInt(string(v), 10, 64); err != nil && errors.Is(err, strconv.ErrRange) {
		return r.errAt(j, "%s is out of range for a %s", v, t)
	}
	article := "a"
	if t == "int" {
		article = "an"
	}
	return r.errAt(j, "%q is not %s %s", v, article, t)
}

// parseInt parses a base-10 integer with an optional sign.
func parseInt(b []byte) (int64, bool) {
	s := b
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, false
	}
	if len(s) > 18 {
		n, err := strconv.ParseInt(string(b), 10, 64)
		return n, err == nil
	}
	var n int64
	for _, c := range s {
		d := c - '0'
		if d > 9 {
			return 0, false
		}
		n = n*10 + int64(d)
	}
	if neg {
		n = -n
	}
	return n, true
}

// parseFloat parses a decimal number, in plain or exponent notation: not
// hexadecimal, NaN or infinity, which strconv.ParseFloat also accepts.
func parseFloat(b []byte, single bool) (float64, error) {
	t := "double"
	bits := 64
	if single {
		t, bits = "float", 32
	}
	for _, c := range b {
		if (c < '0' || c > '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			return 0, fmt.Errorf("%q is not a %s", b, t)
		}
	}
	x, err := strconv.ParseFloat(string(b), bits)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%s is out of range for a %s", b, t)
		}
		return 0, fmt.Errorf("%q is not a %s", b, t)
	}
	return x, nil
}

// readRecord reads the next record that is not a blank line into r.rec and
// sets r.recLine. It returns io.EOF at the end of the input.
func (r *Reader) readRecord() error {
	for {
		done, err := r.parseRecord()
		if err != nil || done {
			return err
		}
		if err := r.fill(); err != nil {
			return err
		}
	}
}

// fill reads more input into the buffer, moving the unread part to its
// start and growing it if it is full.
func (r *Reader) fill() error {
	if r.pos > 0 {
		r.end = copy(r.buf, r.buf[r.pos:r.end])
		r.pos = 0
	}
	if r.end == len(r.buf) {
		nb := make([]byte, 2*len(r.buf))
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	for range 100 {
		n, err := r.src.Read(r.buf[r.end:])
		r.end += n
		if err == io.EOF {
			r.eof = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
		if n > 0 {
			return nil
		}
	}
	return fmt.Errorf("%s: %w", r.name, io.ErrNoProgress)
}

// more reports that the record at r.pos continues past the buffered input,
// or fails if it is already too long.
func (r *Reader) more() (bool, error) {
	if r.end-r.pos > maxRecordBytes {
		return false, &Error{File: r.name, Line: r.line + 1, Reason: fmt.Sprintf("record is longer than %d MiB; is a quote not closed?", maxRecordBytes>>20)}
	}
	return false, nil
}

// parseRecord parses the record at r.pos into r.rec if the buffer holds
// all of it, and reports whether it did; it returns false and no error when
// more input is needed.
func (r *Reader) parseRecord() (bool, error) {
	for {
		data := r.buf[r.pos:r.end]
		if len(data) == 0 {
			if r.eof {
				return false, io.EOF
			}
			return false, nil
		}
		line, adv := data, len(data)
		if nl := bytes.IndexByte(data, '\n'); nl >= 0 {
			line, adv = data[:nl], nl+1
		} else if !r.eof {
			return r.more()
		}
		if bytes.IndexByte(line, '"') >= 0 {
			return r.parseQuoted(data)
		}
		r.line++
		r.recLine = r.line
		r.pos += adv
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(line) == 0 {
			continue // blank line
		}
		r.rec = r.rec[:0]
		for {
			i := bytes.IndexByte(line, ',')
			if i < 0 {
				r.rec = append(r.rec, line)
				break
			}
			r.rec = append(r.rec, line[:i])
			line = line[i+1:]
		}
		return true, nil
	}
}

// parseQuoted parses a record with quotes, which may span lines, at the
// start of data (the buffered input from r.pos).
func (r *Reader) parseQuoted(data []byte) (bool, error) {
	r.scratch = r.scratch[:0]
	r.spans = r.spans[:0]
	newlines := int64(0) // inside quoted values
	r.recLine = r.line + 1
	i, col := 0, 0
	for {
		if i < len(data) && data[i] == '"' {
			i++
			start := len(r.scratch)
			for {
				j := bytes.IndexByte(data[i:], '"')
				if j < 0 {
					if !r.eof {
						return r.more()
					}
					return false, r.errAt(col, "a quoted value is not closed: its closing quote is missing")
				}
				chunk := data[i : i+j]
				if n := bytes.Count(chunk, []byte{'\n'}); n > 0 {
					newlines += int64(n)
					chunk = bytes.ReplaceAll(chunk, []byte("\r\n"), []byte("\n"))
				}
				r.scratch = append(r.scratch, chunk...)
				i += j + 1
				if i == len(data) && !r.eof {
					return r.more() // the quote may be the first of a pair
				}
				if i < len(data) && data[i] == '"' {
					r.scratch = append(r.scratch, '"')
					i++
					continue
				}
				break
			}
			r.spans = append(r.spans, span{scratch: true, a: start, b: len(r.scratch)})
			switch {
			case i == len(data):
				return r.endQuoted(data, i, newlines)
			case data[i] == ',':
				i++
				col++
				if i == len(data) && r.eof {
					r.spans = append(r.spans, span{})
					return r.endQuoted(data, i, newlines)
				}
				continue
			case data[i] == '\n':
				return r.endQuoted(data, i+1, newlines)
			case data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n':
				return r.endQuoted(data, i+2, newlines)
			case data[i] == '\r' && i+1 == len(data):
				if !r.eof {
					return r.more()
				}
				return r.endQuoted(data, i+1, newlines)
			default:
				return false, r.errAt(col, "a quoted value is followed by other characters before the next comma; double a quote that is part of the value (\"\")")
			}
		}
		// Unquoted value: up to the next comma or end of line.
		k := i
		for k < len(data) && data[k] != ',' && data[k] != '\n' && data[k] != '"' {
			k++
		}
		switch {
		case k == len(data):
			if !r.eof {
				return r.more()
			}
			v := data[i:k]
			if len(v) > 0 && v[len(v)-1] == '\r' {
				k--
			}
			r.spans = append(r.spans, span{a: i, b: k})
			return r.endQuoted(data, len(data), newlines)
		case data[k] == '"':
			return false, r.errAt(col, "a quote (\") appears inside a value that does not start with one; enclose the value in quotes and double the quotes inside it")
		case data[k] == '\n':
			end := k
			if end > i && data[end-1] == '\r' {
				end--
			}
			r.spans = append(r.spans, span{a: i, b: end})
			return r.endQuoted(data, k+1, newlines)
		default: // comma
			r.spans = append(r.spans, span{a: i, b: k})
			i = k + 1
			col++
			if i == len(data) && r.eof {
				r.spans = append(r.spans, span{})
				return r.endQuoted(data, i, newlines)
			}
		}
	}
}

// endQuoted completes a record parsed by parseQuoted that ends n bytes
// into data.
func (r *Reader) endQuoted(data []byte, n int, newlines int64) (bool, error) {
	r.rec = r.rec[:0]
	for _, s := range r.spans {
		if s.scratch {
			r.rec = append(r.rec, r.scratch[s.a:s.b])
		} else {
			r.rec = append(r.rec, data[s.a:s.b])
		}
	}
	r.pos += n
	r.line += 1 + newlines
	return true, nil
}
