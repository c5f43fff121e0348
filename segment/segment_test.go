package segment

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"github.com/perso/perso/avroschema"
	"github.com/perso/perso/ingest"
)

var allTypes = []avroschema.Field{
	{Name: "ITEM_ID", Type: "string"},
	{Name: "S", Type: "string", Nullable: true},
	{Name: "I", Type: "int"},
	{Name: "NI", Type: "int", Nullable: true},
	{Name: "L", Type: "long"},
	{Name: "NL", Type: "long", Nullable: true},
	{Name: "F", Type: "float"},
	{Name: "NF", Type: "float", Nullable: true},
	{Name: "D", Type: "double"},
	{Name: "ND", Type: "double", Nullable: true},
	{Name: "B", Type: "boolean"},
	{Name: "NB", Type: "boolean", Nullable: true},
	{Name: "C", Type: "string", Nullable: true, Categorical: true},
}

// allTypesTable returns n rows of every type, with nulls in various
// patterns.
func allTypesTable(t testing.TB, n int) *ingest.Table {
	tab := ingest.NewTable(allTypes, n)
	for i := range n {
		row := []any{
			fmt.Sprintf("item-%d", i%97), fmt.Sprintf("s%d", i), int32(i - n/2), int32(i), int64(i) << 33, int64(-i),
			float32(i) / 4, float32(i) * 3, float64(i) / 3, math.Pi * float64(i), i%3 == 0, i%2 == 0, "a|b",
		}
		if i%5 == 0 {
			row[1] = "" // empty, not null
		}
		for _, j := range []int{1, 3, 5, 7, 9, 11, 12} {
			if (i+j)%(j+1) == 0 || (i > n/3 && i < n/2) {
				row[j] = nil
			}
		}
		if err := tab.AppendRow(row); err != nil {
			t.Fatal(err)
		}
	}
	return tab
}

// equalTables compares two tables value by value, treating a nil Null as
// all false.
func equalTables(t testing.TB, got, want *ingest.Table) {
	t.Helper()
	if got.Len != want.Len {
		t.Fatalf("got %d rows, want %d", got.Len, want.Len)
	}
	if !reflect.DeepEqual(got.Fields, want.Fields) {
		t.Fatalf("fields %v, want %v", got.Fields, want.Fields)
	}
	for i := range want.Len {
		if g, w := got.Row(i), want.Row(i); !reflect.DeepEqual(g, w) {
			t.Fatalf("row %d = %v, want %v", i, g, w)
		}
	}
	for j := range want.Columns {
		if g, w := got.Columns[j].Null != nil, want.Columns[j].Null != nil; g && !w {
			// Allowed, but note it: nil Null is the documented form.
			for _, isNull := range got.Columns[j].Null {
				if isNull {
					t.Fatalf("column %d has nulls", j)
				}
			}
		}
	}
}

func roundTrip(t testing.TB, tab *ingest.Table) (*ingest.Table, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, tab); err != nil {
		t.Fatal(err)
	}
	got, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), tab.Fields)
	if err != nil {
		t.Fatal(err)
	}
	return got, buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 10, 10000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			want := allTypesTable(t, n)
			got, _ := roundTrip(t, want)
			equalTables(t, got, want)
		})
	}
}

// TestColumns checks the Parquet schema users see.
func TestColumns(t *testing.T) {
	_, data := roundTrip(t, allTypesTable(t, 3))
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, pf := range f.Schema().Fields() {
		got = append(got, fmt.Sprintf("%s %s %s", pf.Name(), describe(pf), pf.Type()))
	}
	want := []string{
		"ITEM_ID a required BYTE_ARRAY column STRING",
		"S an optional BYTE_ARRAY column STRING",
		"I a required INT32 column INT(32,true)",
		"NI an optional INT32 column INT(32,true)",
		"L a required INT64 column INT(64,true)",
		"NL an optional INT64 column INT(64,true)",
		"F a required FLOAT column FLOAT",
		"NF an optional FLOAT column FLOAT",
		"D a required DOUBLE column DOUBLE",
		"ND an optional DOUBLE column DOUBLE",
		"B a required BOOLEAN column BOOLEAN",
		"NB an optional BOOLEAN column BOOLEAN",
		"C an optional BYTE_ARRAY column STRING",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("columns\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, cc := range f.Metadata().RowGroups[0].Columns {
		md := cc.MetaData
		if md.Codec != format.Zstd {
			t.Errorf("column %s is compressed with %v", md.PathInSchema, md.Codec)
		}
		dict := slices.Contains(md.Encoding, format.RLEDictionary)
		if str := md.Type == format.ByteArray; dict != str {
			t.Errorf("column %s: dictionary encoded %t, encodings %v", md.PathInSchema, dict, md.Encoding)
		}
	}
}

// TestWriterBatches writes several batches across row groups and scans
// them back in batches of various sizes.
func TestWriterBatches(t *testing.T) {
	all := allTypesTable(t, 7000)
	var buf bytes.Buffer
	w := NewWriter(&buf, allTypes)
	w.groupRows = 1500
	for lo := 0; lo < all.Len; {
		n := min(1+lo%2345, all.Len-lo)
		if err := w.Write(slice(all, lo, lo+n)); err != nil {
			t.Fatal(err)
		}
		lo += n
	}
	if err := w.Write(ingest.NewTable(allTypes, 0)); err != nil {
		t.Fatal(err)
	}
	if w.Rows() != int64(all.Len) {
		t.Errorf("Rows() = %d", w.Rows())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(all); err == nil {
		t.Error("Write after Close succeeded")
	}
	data := buf.Bytes()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.RowGroups()) != 5 {
		t.Errorf("%d row groups, want 5", len(f.RowGroups()))
	}
	got, err := Read(bytes.NewReader(data), int64(len(data)), allTypes)
	if err != nil {
		t.Fatal(err)
	}
	equalTables(t, got, all)

	for _, n := range []int{1, 999, 1500, 4096, 7000, 10000} {
		var sizes []int
		var batches []*ingest.Table
		err := Scan(bytes.NewReader(data), int64(len(data)), allTypes, n, func(t *ingest.Table) error {
			sizes = append(sizes, t.Len)
			batches = append(batches, t)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range sizes {
			if s != n && i != len(sizes)-1 || s > n {
				t.Fatalf("batch size %d: batch %d has %d rows", n, i, s)
			}
		}
		equalTables(t, concat(t, batches), all)
	}
	stop := fmt.Errorf("stop")
	calls := 0
	err = Scan(bytes.NewReader(data), int64(len(data)), allTypes, 100, func(*ingest.Table) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Errorf("Scan returned %v after %d calls, want stop after 1", err, calls)
	}
}

func slice(t *ingest.Table, lo, hi int) *ingest.Table {
	s := &ingest.Table{Fields: t.Fields, Columns: make([]ingest.Column, len(t.Columns)), Len: hi - lo}
	for j, c := range t.Columns {
		d := &s.Columns[j]
		switch t.Fields[j].Type {
		case "string":
			d.Str = c.Str[lo:hi]
		case "int", "long":
			d.Int = c.Int[lo:hi]
		case "float", "double":
			d.Float = c.Float[lo:hi]
		case "boolean":
			d.Bool = c.Bool[lo:hi]
		}
		if c.Null != nil {
			d.Null = c.Null[lo:hi]
		}
	}
	return s
}

func concat(t testing.TB, batches []*ingest.Table) *ingest.Table {
	all := ingest.NewTable(batches[0].Fields, 0)
	for _, b := range batches {
		for i := range b.Len {
			if err := all.AppendRow(b.Row(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return all
}

func TestReadSchemaChecks(t *testing.T) {
	_, data := roundTrip(t, allTypesTable(t, 50))
	read := func(fields []avroschema.Field) (*ingest.Table, error) {
		return Read(bytes.NewReader(data), int64(len(data)), fields)
	}
	// Fields in another order, plus a nullable field the segment lacks.
	fields := append([]avroschema.Field{{Name: "NEW", Type: "double", Nullable: true}}, allTypes...)
	fields[1], fields[5] = fields[5], fields[1]
	got, err := read(fields)
	if err != nil {
		t.Fatal(err)
	}
	want := allTypesTable(t, 50)
	for i := range 50 {
		w := want.Row(i)
		w[0], w[4] = w[4], w[0]
		w = append([]any{nil}, w...)
		if g := got.Row(i); !reflect.DeepEqual(g, w) {
			t.Fatalf("row %d = %v, want %v", i, g, w)
		}
	}

	bad := []struct {
		change func([]avroschema.Field) []avroschema.Field
		want   string
	}{
		{func(f []avroschema.Field) []avroschema.Field { f[2].Type = "long"; return f },
			"segment: column I is a required INT32 column, which does not store the schema's non-nullable long"},
		{func(f []avroschema.Field) []avroschema.Field { f[0].Nullable = true; return f },
			"segment: column ITEM_ID is a required BYTE_ARRAY column, which does not store the schema's nullable string"},
		{func(f []avroschema.Field) []avroschema.Field { return f[1:] },
			"segment: the segment has a column ITEM_ID, which is not a field of the schema"},
		{func(f []avroschema.Field) []avroschema.Field {
			return append(f, avroschema.Field{Name: "X", Type: "string"})
		},
			"segment: the segment has no column X"},
	}
	for _, b := range bad {
		_, err := read(b.change(append([]avroschema.Field(nil), allTypes...)))
		if err == nil || err.Error() != b.want {
			t.Errorf("error %v, want %s", err, b.want)
		}
	}
	if _, err := Read(bytes.NewReader(data[:len(data)/2]), int64(len(data)/2), allTypes); err == nil {
		t.Error("reading a truncated segment succeeded")
	}
	var buf bytes.Buffer
	w := NewWriter(&buf, allTypes)
	if err := w.Write(ingest.NewTable(allTypes[:3], 0)); err == nil {
		t.Error("writing a table of other fields succeeded")
	}
}

// ml100k reads MovieLens 100K's ratings into one table.
func ml100k(t testing.TB) *ingest.Table {
	f, err := os.Open("/work/shared/data/ml-100k/u.data")
	if err != nil {
		t.Skipf("ml-100k data: %v", err)
	}
	defer f.Close()
	var b bytes.Buffer
	b.WriteString("USER_ID,ITEM_ID,EVENT_VALUE,TIMESTAMP\n")
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		b.WriteString(strings.ReplaceAll(sc.Text(), "\t", ","))
		b.WriteByte('\n')
	}
	schema := &avroschema.Schema{Fields: []avroschema.Field{
		{Name: "USER_ID", Type: "string"},
		{Name: "ITEM_ID", Type: "string"},
		{Name: "TIMESTAMP", Type: "long"},
		{Name: "EVENT_VALUE", Type: "float"},
	}}
	r, err := ingest.NewReader(&b, schema, "u.data")
	if err != nil {
		t.Fatal(err)
	}
	tab, err := r.Next(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestML100K(t *testing.T) {
	want := ml100k(t)
	if want.Len != 100000 {
		t.Fatalf("%d rows", want.Len)
	}
	got, data := roundTrip(t, want)
	if !reflect.DeepEqual(got, want) {
		equalTables(t, got, want)
		t.Fatal("tables differ")
	}
	t.Logf("ml-100k: %d bytes, %.1f bytes per row", len(data), float64(len(data))/100000)
}

// syntheticTable generates n interactions rows with a fixed seed:
// power-law item popularity and user activity, increasing timestamps.
func syntheticTable(t testing.TB, n int) *ingest.Table {
	rng := rand.New(rand.NewPCG(1, 2))
	users := rand.NewZipf(rng, 1.1, 4, 199_999)
	items := rand.NewZipf(rng, 1.2, 2, 49_999)
	types := []string{"click", "click", "click", "watch", "purchase"}
	var b bytes.Buffer
	b.WriteString("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n")
	ts := int64(1_700_000_000)
	for range n {
		ts += rng.Int64N(16)
		fmt.Fprintf(&b, "user-%d,item-%d,%d,%s\n", users.Uint64(), items.Uint64(), ts, types[rng.IntN(len(types))])
	}
	r, err := ingest.NewReader(&b, benchSchema, "bench.csv")
	if err != nil {
		t.Fatal(err)
	}
	tab, err := r.Next(n)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

var benchSchema = &avroschema.Schema{Fields: []avroschema.Field{
	{Name: "USER_ID", Type: "string"},
	{Name: "ITEM_ID", Type: "string"},
	{Name: "TIMESTAMP", Type: "long"},
	{Name: "EVENT_TYPE", Type: "string"},
}}

const benchRows = 1_000_000

func BenchmarkWrite(b *testing.B) {
	tab := syntheticTable(b, benchRows)
	var buf bytes.Buffer
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		buf.Reset()
		if err := Write(&buf, tab); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(buf.Len())/benchRows, "bytes/row")
}

func BenchmarkRead(b *testing.B) {
	tab := syntheticTable(b, benchRows)
	var buf bytes.Buffer
	if err := Write(&buf, tab); err != nil {
		b.Fatal(err)
	}
	data := bytes.NewReader(buf.Bytes())
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		got, err := Read(data, int64(buf.Len()), benchSchema.Fields)
		if err != nil {
			b.Fatal(err)
		}
		if got.Len != benchRows {
			b.Fatalf("%d rows", got.Len)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(buf.Len())/benchRows, "bytes/row")
}

// BenchmarkPipeline measures the import path: CSV through ingest.Reader in
// batches of RowGroupRows into one segment.
func BenchmarkPipeline(b *testing.B) {
	var csv bytes.Buffer
	csv.WriteString("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n")
	tab := syntheticTable(b, benchRows)
	for i := range tab.Len {
		fmt.Fprintf(&csv, "%s,%s,%d,%s\n", tab.Columns[0].Str[i], tab.Columns[1].Str[i], tab.Columns[2].Int[i], tab.Columns[3].Str[i])
	}
	tab = nil
	runtime.GC()
	b.SetBytes(int64(csv.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r, err := ingest.NewReader(bytes.NewReader(csv.Bytes()), benchSchema, "bench.csv")
		if err != nil {
			b.Fatal(err)
		}
		w := NewWriter(io.Discard, benchSchema.Fields)
		for {
			t, err := r.Next(RowGroupRows)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if err := w.Write(t); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
