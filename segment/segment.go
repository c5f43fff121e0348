// Package segment stores the rows of a dataset as immutable Parquet files,
// called segments, and reads them back into [ingest.Table] batches.
//
// A segment has one column per schema field, named after the field and in
// schema order, so that users can read segments with any Parquet reader
// (DuckDB, pandas, Spark). Types map as follows: string to BYTE_ARRAY
// annotated UTF8 (STRING), dictionary-encoded; int to INT32; long to INT64;
// float to FLOAT; double to DOUBLE; boolean to BOOLEAN. Nullable fields are
// OPTIONAL columns, the others REQUIRED. Pages are compressed with zstd at
// its fastest level, and row groups hold at most [RowGroupRows] rows.
package segment

import (
	"errors"
	"fmt"
	"io"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/perso/perso/avroschema"
	"github.com/perso/perso/ingest"
)

// RowGroupRows is the maximum number of rows of a row group.
const RowGroupRows = 1 << 20

// RowGroupBytes bounds the string bytes of a row group: the writer buffers
// a whole row group, so rows with long textual values end a group sooner
// and memory stays bounded whatever the data.
const RowGroupBytes = 64 << 20

// sliceRows is the number of rows written between checks of the row
// group's size.
const sliceRows = 1 << 14

// chunkRows is the number of values converted to parquet.Value at a time
// when writing.
const chunkRows = 4096

// orderedGroup is a parquet.Group whose fields come in the order of the
// dataset schema rather than sorted by name, so that segment columns are in
// schema order.
type orderedGroup struct {
	parquet.Group
	fields []parquet.Field
}

func (g orderedGroup) Fields() []parquet.Field { return g.fields }

// Schema returns the Parquet schema of segments of the given fields.
func Schema(fields []avroschema.Field) (*parquet.Schema, error) {
	g := make(parquet.Group, len(fields))
	for _, f := range fields {
		var n parquet.Node
		switch f.Type {
		case "string":
			// IDs and categories repeat: a dictionary stores them once.
			// Textual values hardly ever do, and a dictionary of them would
			// hold a whole row group's text twice.
			n = parquet.Encoded(parquet.String(), &parquet.RLEDictionary)
			if f.Textual {
				n = parquet.String()
			}
		case "int":
			n = parquet.Int(32)
		case "long":
			n = parquet.Int(64)
		case "float":
			n = parquet.Leaf(parquet.FloatType)
		case "double":
			n = parquet.Leaf(parquet.DoubleType)
		case "boolean":
			n = parquet.Leaf(parquet.BooleanType)
		default:
			return nil, fmt.Errorf("segment: field %s has unsupported type %q", f.Name, f.Type)
		}
		if f.Nullable {
			n = parquet.Optional(n)
		}
		if _, dup := g[f.Name]; dup {
			return nil, fmt.Errorf("segment: field %s is declared twice", f.Name)
		}
		g[f.Name] = n
	}
	byName := make(map[string]parquet.Field, len(fields))
	for _, pf := range g.Fields() {
		byName[pf.Name()] = pf
	}
	og := orderedGroup{Group: g, fields: make([]parquet.Field, len(fields))}
	for i, f := range fields {
		og.fields[i] = byName[f.Name]
	}
	return parquet.NewSchema("perso", og), nil
}

// Writer writes batches of rows into one segment.
type Writer struct {
	fields    []avroschema.Field
	pw        *parquet.GenericWriter[any]
	vals      []parquet.Value
	rows      int64
	inGroup   int64 // rows in the current row group
	groupRows int64 // RowGroupRows, but for tests
	// inGroupBytes counts the string bytes of the current row group.
	inGroupBytes, groupBytes int64
	err                      error
}

// NewWriter returns a writer of a segment of rows of the given fields to w.
// It panics if fields has a type other than those of [avroschema.Field] or
// a name twice, which avroschema.Parse rejects.
func NewWriter(w io.Writer, fields []avroschema.Field) *Writer {
	schema, err := Schema(fields)
	if err != nil {
		panic(err)
	}
	pw := parquet.NewGenericWriter[any](w, schema,
		parquet.Compression(&zstd.Codec{Level: zstd.SpeedFastest}),
		parquet.PageBufferSize(1<<20),
		parquet.WriteBufferSize(1<<20),
		parquet.CreatedBy("perso", "", ""),
	)
	return &Writer{fields: fields, pw: pw, vals: make([]parquet.Value, chunkRows), groupRows: RowGroupRows, groupBytes: RowGroupBytes}
}

// Rows returns the number of rows written so far.
func (w *Writer) Rows() int64 { return w.rows }

// Write appends the rows of t, whose fields must be those of the writer.
// After an error, the writer is unusable and every call returns the error.
func (w *Writer) Write(t *ingest.Table) error {
	if w.err != nil {
		return w.err
	}
	if err := sameFields(t.Fields, w.fields); err != nil {
		return err
	}
	for start := 0; start < t.Len; {
		n := min(t.Len-start, int(w.groupRows-w.inGroup), sliceRows)
		if err := w.writeRows(t, start, start+n); err != nil {
			w.err = err
			return err
		}
		w.inGroupBytes += stringBytes(t, start, start+n)
		start += n
		w.rows += int64(n)
		w.inGroup += int64(n)
		if w.inGroup == w.groupRows || w.inGroupBytes >= w.groupBytes {
			if err := w.pw.Flush(); err != nil {
				w.err = err
				return err
			}
			w.inGroup, w.inGroupBytes = 0, 0
		}
	}
	return nil
}

// stringBytes returns the bytes of the string values of rows [from, to).
func stringBytes(t *ingest.Table, from, to int) int64 {
	var n int64
	for j, f := range t.Fields {
		if f.Type != "string" {
			continue
		}
		for _, s := range t.Columns[j].Str[from:to] {
			n += int64(len(s))
		}
	}
	return n
}

func sameFields(got, want []avroschema.Field) error {
	if len(got) != len(want) {
		return fmt.Errorf("segment: table has %d fields, the segment %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Name != w.Name || g.Type != w.Type || g.Nullable != w.Nullable {
			return fmt.Errorf("segment: table field %d is %s (%s, nullable %t), the segment's is %s (%s, nullable %t)",
				i+1, g.Name, g.Type, g.Nullable, w.Name, w.Type, w.Nullable)
		}
	}
	return nil
}

// writeRows writes rows [from, to) of t, column by column.
func (w *Writer) writeRows(t *ingest.Table, from, to int) error {
	cols := w.pw.ColumnWriters()
	for j, f := range w.fields {
		c := &t.Columns[j]
		def := 0
		if f.Nullable {
			def = 1
		}
		for lo := from; lo < to; lo += chunkRows {
			hi := min(lo+chunkRows, to)
			vals := w.vals[:hi-lo]
			for i := range vals {
				r := lo + i
				if c.IsNull(r) {
					vals[i] = parquet.NullValue().Level(0, 0, j)
					continue
				}
				var v parquet.Value
				switch f.Type {
				case "string":
					s := c.Str[r]
					v = parquet.ByteArrayValue(unsafe.Slice(unsafe.StringData(s), len(s)))
				case "int":
					v = parquet.Int32Value(int32(c.Int[r]))
				case "long":
					v = parquet.Int64Value(c.Int[r])
				case "float":
					v = parquet.FloatValue(float32(c.Float[r]))
				case "double":
					v = parquet.DoubleValue(c.Float[r])
				case "boolean":
					v = parquet.BooleanValue(c.Bool[r])
				}
				vals[i] = v.Level(0, def, j)
			}
			if _, err := cols[j].WriteRowValues(vals); err != nil {
				return fmt.Errorf("segment: writing column %s: %w", f.Name, err)
			}
			clear(vals) // drop references to the table's strings
		}
	}
	return nil
}

// Close flushes the last row group and writes the file footer. It does not
// close the underlying writer.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	w.err = errors.New("segment: writer is closed")
	return w.pw.Close()
}

// Write writes t as one segment to w.
func Write(w io.Writer, t *ingest.Table) error {
	sw := NewWriter(w, t.Fields)
	if err := sw.Write(t); err != nil {
		return err
	}
	return sw.Close()
}
