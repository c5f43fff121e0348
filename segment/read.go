package segment

import (
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/perso/perso/avroschema"
	"github.com/perso/perso/ingest"
)

// Read reads a whole segment of size bytes from r into one table of the
// given fields, in their order. The segment's columns must be the fields,
// with the same types and nullability, in any order, except that a nullable
// field the segment lacks (one added to the schema after the segment was
// written) reads as null.
func Read(r io.ReaderAt, size int64, fields []avroschema.Field) (*ingest.Table, error) {
	s, err := open(r, size, fields)
	if err != nil {
		return nil, err
	}
	if s.total == 0 {
		return ingest.NewTable(fields, 0), nil
	}
	return s.next(int(s.total))
}

// Scan reads a segment like [Read] but in batches of at most n rows,
// calling fn with each; it stops at the first error, which it returns.
// The batches do not share memory with each other.
func Scan(r io.ReaderAt, size int64, fields []avroschema.Field, n int, fn func(*ingest.Table) error) error {
	if n <= 0 {
		return errors.New("segment: batch size must be positive")
	}
	s, err := open(r, size, fields)
	if err != nil {
		return err
	}
	for {
		t, err := s.next(n)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
	}
}

// scanner reads the rows of a segment in order.
type scanner struct {
	fields []avroschema.Field
	cols   []*cursor // per field; nil for a field the segment lacks
	total  int64
	done   int64
}

func open(r io.ReaderAt, size int64, fields []avroschema.Field) (*scanner, error) {
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("segment: %w", err)
	}
	top := f.Schema().Fields()
	byName := make(map[string]int, len(top))
	for i, pf := range top {
		byName[pf.Name()] = i
	}
	s := &scanner{fields: fields, cols: make([]*cursor, len(fields)), total: f.NumRows()}
	used := 0
	for i, fd := range fields {
		leaf, ok := byName[fd.Name]
		if !ok {
			if fd.Nullable {
				continue
			}
			return nil, fmt.Errorf("segment: the segment has no column %s", fd.Name)
		}
		used++
		pf := top[leaf]
		if !pf.Leaf() || pf.Repeated() || pf.Optional() != fd.Nullable || !kindMatches(pf.Type().Kind(), fd.Type) {
			return nil, fmt.Errorf("segment: column %s is %s, which does not store the schema's %s", fd.Name, describe(pf), describeField(fd))
		}
		c := &cursor{typ: fd.Type}
		if pf.Optional() {
			c.maxDef = 1
		}
		for _, rg := range f.RowGroups() {
			c.chunks = append(c.chunks, rg.ColumnChunks()[leaf])
		}
		s.cols[i] = c
	}
	if used != len(top) {
		for _, pf := range top {
			found := false
			for _, fd := range fields {
				found = found || fd.Name == pf.Name()
			}
			if !found {
				return nil, fmt.Errorf("segment: the segment has a column %s, which is not a field of the schema", pf.Name())
			}
		}
	}
	return s, nil
}

// describe describes a Parquet column, as in "a required INT32 column".
func describe(n parquet.Node) string {
	switch {
	case !n.Leaf():
		return "a group"
	case n.Repeated():
		return fmt.Sprintf("a repeated %s column", n.Type().Kind())
	case n.Optional():
		return fmt.Sprintf("an optional %s column", n.Type().Kind())
	}
	return fmt.Sprintf("a required %s column", n.Type().Kind())
}

// describeField describes a field, as in "nullable long".
func describeField(f avroschema.Field) string {
	if f.Nullable {
		return "nullable " + f.Type
	}
	return "non-nullable " + f.Type
}

func kindMatches(k parquet.Kind, typ string) bool {
	switch typ {
	case "string":
		return k == parquet.ByteArray
	case "int":
		return k == parquet.Int32
	case "long":
		return k == parquet.Int64
	case "float":
		return k == parquet.Float
	case "double":
		return k == parquet.Double
	case "boolean":
		return k == parquet.Boolean
	}
	return false
}

// next returns the next batch of at most n rows, or io.EOF after the last.
func (s *scanner) next(n int) (*ingest.Table, error) {
	k := int(min(int64(n), s.total-s.done))
	if k == 0 {
		s.close()
		return nil, io.EOF
	}
	t := ingest.NewTable(s.fields, k)
	t.Len = k
	for i, c := range s.cols {
		col := &t.Columns[i]
		if c == nil {
			fillNull(col, s.fields[i].Type, k)
			continue
		}
		if err := c.read(col, k); err != nil {
			s.close()
			return nil, fmt.Errorf("segment: reading column %s: %w", s.fields[i].Name, err)
		}
	}
	s.done += int64(k)
	return t, nil
}

func (s *scanner) close() {
	for _, c := range s.cols {
		if c != nil && c.pages != nil {
			c.pages.Close()
			c.pages = nil
		}
	}
}

func fillNull(c *ingest.Column, typ string, k int) {
	switch typ {
	case "string":
		c.Str = c.Str[:k]
	case "int", "long":
		c.Int = c.Int[:k]
	case "float", "double":
		c.Float = c.Float[:k]
	case "boolean":
		c.Bool = c.Bool[:k]
	}
	c.Null = make([]bool, k)
	for i := range c.Null {
		c.Null[i] = true
	}
}

// cursor reads the values of one column across its row groups, a page at
// a time: each page is decoded into the slices of the cursor, which own
// their memory, and served from there.
type cursor struct {
	typ    string
	maxDef int
	chunks []parquet.ColumnChunk // per row group
	next   int                   // next row group
	pages  parquet.Pages

	// values of the current page
	str     []string
	ints    []int64
	flts    []float64
	bools   []bool
	null    []bool
	hasNull bool
	n, pos  int

	dict     parquet.Dictionary
	dictStrs []string
	vals     []parquet.Value
}

// read appends the next k values of the column to dst.
func (c *cursor) read(dst *ingest.Column, k int) error {
	for k > 0 {
		if c.pos == c.n {
			if err := c.load(); err != nil {
				return err
			}
		}
		m := min(k, c.n-c.pos)
		lo, hi := c.pos, c.pos+m
		var before int
		switch c.typ {
		case "string":
			before = len(dst.Str)
			dst.Str = append(dst.Str, c.str[lo:hi]...)
		case "int", "long":
			before = len(dst.Int)
			dst.Int = append(dst.Int, c.ints[lo:hi]...)
		case "float", "double":
			before = len(dst.Float)
			dst.Float = append(dst.Float, c.flts[lo:hi]...)
		case "boolean":
			before = len(dst.Bool)
			dst.Bool = append(dst.Bool, c.bools[lo:hi]...)
		}
		if c.hasNull && dst.Null == nil {
			dst.Null = make([]bool, before, before+k)
		}
		if dst.Null != nil {
			if c.hasNull {
				dst.Null = append(dst.Null, c.null[lo:hi]...)
			} else {
				dst.Null = append(dst.Null, make([]bool, m)...)
			}
		}
		c.pos = hi
		k -= m
	}
	return nil
}

// load decodes the next non-empty page.
func (c *cursor) load() error {
	for {
		if c.pages == nil {
			if c.next == len(c.chunks) {
				return io.ErrUnexpectedEOF
			}
			c.pages = c.chunks[c.next].Pages()
			c.next++
		}
		p, err := c.pages.ReadPage()
		if err == io.EOF {
			c.pages.Close()
			c.pages = nil
			continue
		}
		if err != nil {
			return err
		}
		err = c.decode(p)
		parquet.Release(p)
		if err != nil {
			return err
		}
		if c.n > 0 {
			return nil
		}
	}
}

var errCorrupt = errors.New("page values do not match its definition levels")

// decode decodes page p into the cursor's slices.
func (c *cursor) decode(p parquet.Page) error {
	n := int(p.NumRows())
	c.n, c.pos = n, 0
	c.str, c.ints, c.flts, c.bools = c.str[:0], c.ints[:0], c.flts[:0], c.bools[:0]
	c.hasNull = p.NumNulls() > 0
	defs := p.DefinitionLevels()
	if c.hasNull {
		c.null = c.null[:0]
		for _, d := range defs {
			c.null = append(c.null, int(d) != c.maxDef)
		}
		if len(c.null) != n {
			return errCorrupt
		}
	} else {
		defs = nil
	}
	dict := p.Dictionary()
	if c.typ == "boolean" || (dict != nil && c.typ != "string") {
		return c.decodeValues(p)
	}
	data := p.Data()
	present := n // values stored in the page
	if c.hasNull {
		present = 0
		for _, isNull := range c.null {
			if !isNull {
				present++
			}
		}
	}
	switch c.typ {
	case "string":
		c.str = grow(c.str, n)
		if dict != nil {
			if dict != c.dict {
				dv := dict.Page().Data()
				b, offs := dv.ByteArray()
				all := string(b)
				c.dictStrs = c.dictStrs[:0]
				for i := 0; i+1 < len(offs); i++ {
					c.dictStrs = append(c.dictStrs, all[offs[i]:offs[i+1]])
				}
				c.dict = dict
			}
			idx := data.Int32()
			if len(idx) != present {
				return errCorrupt
			}
			j := 0
			for i := range n {
				if c.hasNull && c.null[i] {
					continue
				}
				x := idx[j]
				j++
				if x < 0 || int(x) >= len(c.dictStrs) {
					return fmt.Errorf("dictionary index %d out of range", x)
				}
				c.str[i] = c.dictStrs[x]
			}
			return nil
		}
		b, offs := data.ByteArray()
		if len(offs) != present+1 {
			return errCorrupt
		}
		all := string(b)
		j := 0
		for i := range n {
			if c.hasNull && c.null[i] {
				continue
			}
			c.str[i] = all[offs[j]:offs[j+1]]
			j++
		}
	case "int", "long":
		c.ints = grow(c.ints, n)
		if c.typ == "int" {
			src := data.Int32()
			if len(src) != present {
				return errCorrupt
			}
			spread(c.ints, c.null, c.hasNull, func(i, j int) { c.ints[i] = int64(src[j]) })
		} else {
			src := data.Int64()
			if len(src) != present {
				return errCorrupt
			}
			if !c.hasNull {
				copy(c.ints, src)
			} else {
				spread(c.ints, c.null, c.hasNull, func(i, j int) { c.ints[i] = src[j] })
			}
		}
	case "float", "double":
		c.flts = grow(c.flts, n)
		if c.typ == "float" {
			src := data.Float()
			if len(src) != present {
				return errCorrupt
			}
			spread(c.flts, c.null, c.hasNull, func(i, j int) { c.flts[i] = float64(src[j]) })
		} else {
			src := data.Double()
			if len(src) != present {
				return errCorrupt
			}
			spread(c.flts, c.null, c.hasNull, func(i, j int) { c.flts[i] = src[j] })
		}
	}
	return nil
}

// spread calls set(i, j) for every row i of dst that is not null, j
// counting the rows with values.
func spread[T any](dst []T, null []bool, hasNull bool, set func(i, j int)) {
	j := 0
	for i := range dst {
		if hasNull && null[i] {
			continue
		}
		set(i, j)
		j++
	}
}

// grow returns s resized to n zero values.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// decodeValues decodes a page through its generic value reader, for the
// cases without a fast path.
func (c *cursor) decodeValues(p parquet.Page) error {
	n := c.n
	switch c.typ {
	case "string":
		c.str = grow(c.str, n)
	case "int", "long":
		c.ints = grow(c.ints, n)
	case "float", "double":
		c.flts = grow(c.flts, n)
	case "boolean":
		c.bools = grow(c.bools, n)
	}
	if c.vals == nil {
		c.vals = make([]parquet.Value, 1024)
	}
	vr := p.Values()
	i := 0
	for {
		k, err := vr.ReadValues(c.vals)
		if i+k > n {
			return errCorrupt
		}
		for _, v := range c.vals[:k] {
			if v.IsNull() {
				if !c.hasNull || !c.null[i] {
					return errCorrupt
				}
				i++
				continue
			}
			switch c.typ {
			case "string":
				c.str[i] = string(v.ByteArray())
			case "int":
				c.ints[i] = int64(v.Int32())
			case "long":
				c.ints[i] = v.Int64()
			case "float":
				c.flts[i] = float64(v.Float())
			case "double":
				c.flts[i] = v.Double()
			case "boolean":
				c.bools[i] = v.Boolean()
			}
			i++
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if i != n {
		return errCorrupt
	}
	return nil
}
