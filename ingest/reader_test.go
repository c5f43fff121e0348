package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/perso/perso/avroschema"
)

var interactions = &avroschema.Schema{Fields: []avroschema.Field{
	{Name: "USER_ID", Type: "string"},
	{Name: "ITEM_ID", Type: "string"},
	{Name: "TIMESTAMP", Type: "long"},
	{Name: "EVENT_TYPE", Type: "string"},
	{Name: "EVENT_VALUE", Type: "float", Nullable: true},
}}

var allTypes = &avroschema.Schema{Fields: []avroschema.Field{
	{Name: "ITEM_ID", Type: "string"},
	{Name: "S", Type: "string", Nullable: true},
	{Name: "I", Type: "int", Nullable: true},
	{Name: "L", Type: "long", Nullable: true},
	{Name: "F", Type: "float", Nullable: true},
	{Name: "D", Type: "double", Nullable: true},
	{Name: "B", Type: "boolean", Nullable: true},
	{Name: "C", Type: "string", Nullable: true, Categorical: true},
}}

// readAll reads a whole CSV in batches of n rows.
func readAll(t testing.TB, schema *avroschema.Schema, csv string, n int) ([][]any, error) {
	t.Helper()
	r, err := NewReader(strings.NewReader(csv), schema, "f.csv")
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for {
		tab, err := r.Next(n)
		if err == io.EOF {
			if r.Rows() != int64(len(rows)) {
				t.Errorf("Rows() = %d, read %d", r.Rows(), len(rows))
			}
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		checkTable(t, tab)
		for i := range tab.Len {
			rows = append(rows, tab.Row(i))
		}
	}
}

// checkTable checks the invariants of a table's columns.
func checkTable(t testing.TB, tab *Table) {
	t.Helper()
	for j, c := range tab.Columns {
		var n int
		switch tab.Fields[j].Type {
		case "string":
			n = len(c.Str)
		case "int", "long":
			n = len(c.Int)
		case "float", "double":
			n = len(c.Float)
		case "boolean":
			n = len(c.Bool)
		}
		if n != tab.Len || (c.Null != nil && len(c.Null) != tab.Len) {
			t.Fatalf("column %s has %d values (%d nulls) for %d rows", tab.Fields[j].Name, n, len(c.Null), tab.Len)
		}
	}
}

func TestReaderOK(t *testing.T) {
	tests := []struct {
		name   string
		schema *avroschema.Schema
		csv    string
		want   [][]any
	}{
		{"basic", interactions,
			"USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE,EVENT_VALUE\nu1,i1,1700000000,click,1.5\nu2,i2,-3,buy,\n",
			[][]any{{"u1", "i1", int64(1700000000), "click", 1.5}, {"u2", "i2", int64(-3), "buy", nil}}},
		{"header in another order", interactions,
			"EVENT_TYPE,TIMESTAMP,ITEM_ID,EVENT_VALUE,USER_ID\nclick,5,i1,2,u1\n",
			[][]any{{"u1", "i1", int64(5), "click", 2.0}}},
		{"nullable field absent from header", interactions,
			"ITEM_ID,USER_ID,EVENT_TYPE,TIMESTAMP\ni1,u1,watch,7\n",
			[][]any{{"u1", "i1", int64(7), "watch", nil}}},
		{"no final newline", interactions,
			"USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\nu1,i1,1,x",
			[][]any{{"u1", "i1", int64(1), "x", nil}}},
		{"CRLF", interactions,
			"USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE,EVENT_VALUE\r\nu1,i1,1,x,\r\nu2,i2,2,y,3\r\n",
			[][]any{{"u1", "i1", int64(1), "x", nil}, {"u2", "i2", int64(2), "y", 3.0}}},
		{"CRLF no final newline", interactions,
			"USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\r\nu1,i1,1,x\r",
			[][]any{{"u1", "i1", int64(1), "x", nil}}},
		{"blank lines skipped", interactions,
			"USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n\nu1,i1,1,x\n\r\n\n",
			[][]any{{"u1", "i1", int64(1), "x", nil}}},
		{"byte order mark", interactions,
			"\uFEFFUSER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\nu1,i1,1,x\n",
			[][]any{{"u1", "i1", int64(1), "x", nil}}},
		{"byte order mark before a quoted header", interactions,
			"\uFEFF\"USER_ID\",\"ITEM_ID\",\"TIMESTAMP\",\"EVENT_TYPE\"\n\"u1\",\"i1\",\"1\",\"x\"\n",
			[][]any{{"u1", "i1", int64(1), "x", nil}}},
		{"quoted fields", interactions,
			"\"USER_ID\",ITEM_ID,TIMESTAMP,EVENT_TYPE\n\"u,1\",\"i \"\"1\"\"\",\"9\",\"a\nb\"\n\"u2\",i2,2,\"\"\"\"\n",
			[][]any{{"u,1", `i "1"`, int64(9), "a\nb", nil}, {"u2", "i2", int64(2), `"`, nil}}},
		{"quoted CRLF inside value", interactions,
			"USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\r\nu1,i1,1,\"a\r\nb\"\r\nu2,\"i2\",2,x\r\n",
			[][]any{{"u1", "i1", int64(1), "a\nb", nil}, {"u2", "i2", int64(2), "x", nil}}},
		{"quoted last value without newline", interactions,
			"USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\nu1,i1,1,\"x\"",
			[][]any{{"u1", "i1", int64(1), "x", nil}}},
		{"quoted empty is null", interactions,
			"USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE,EVENT_VALUE\nu1,i1,1,\"x\",\"\"\n",
			[][]any{{"u1", "i1", int64(1), "x", nil}}},
		{"all types", allTypes,
			"ITEM_ID,S,I,L,F,D,B,C\n" +
				"i1,héllo,-2147483648,9223372036854775807,1.5,-2.5e300,TRUE,a|b\n" +
				"i2,,2147483647,-9223372036854775808,3e38,1e-300,false,\n" +
				"i3,s,,,,,,c\n" +
				"i4,s,+7,0,.5,5.,True,\n",
			[][]any{
				{"i1", "héllo", int64(-2147483648), int64(9223372036854775807), 1.5, -2.5e300, true, "a|b"},
				{"i2", nil, int64(2147483647), int64(-9223372036854775808), float64(float32(3e38)), 1e-300, false, nil},
				{"i3", "s", nil, nil, nil, nil, nil, "c"},
				{"i4", "s", int64(7), int64(0), 0.5, 5.0, true, nil},
			}},
		{"long values at the limits", allTypes,
			"ITEM_ID,C\n" + strings.Repeat("é", 256) + "," + strings.Repeat("x", 1000) + "\n",
			[][]any{{strings.Repeat("é", 256), nil, nil, nil, nil, nil, nil, strings.Repeat("x", 1000)}}},
		{"header only", interactions, "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n", nil},
	}
	for _, tt := range tests {
		for _, n := range []int{1, 3, 1000} {
			t.Run(fmt.Sprintf("%s/batch%d", tt.name, n), func(t *testing.T) {
				got, err := readAll(t, tt.schema, tt.csv, n)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got  %#v\nwant %#v", got, tt.want)
				}
			})
		}
	}
}

func TestReaderErr(t *testing.T) {
	const hdr = "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE,EVENT_VALUE\n"
	tests := []struct {
		name   string
		schema *avroschema.Schema
		csv    string
		want   string // the whole message
	}{
		{"empty file", interactions, "", "f.csv file is empty; its first line must be a header naming the schema fields, such as USER_ID,ITEM_ID,TIMESTAMP"},
		{"blank first line", interactions, "\nUSER_ID\n", "f.csv line 1: the first line is blank; it must be a header naming the schema fields"},
		{"unknown column", interactions, "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE,RATING\n",
			"f.csv line 1: column RATING (5): the header names RATING, which is not a field of the schema (USER_ID, ITEM_ID, TIMESTAMP, EVENT_TYPE, EVENT_VALUE)"},
		{"wrong case", interactions, "user_id,ITEM_ID,TIMESTAMP,EVENT_TYPE\n",
			"f.csv line 1: column user_id (1): the header names user_id, which is not a schema field; did you mean USER_ID? Field names are matched exactly, case included"},
		{"duplicate column", interactions, "USER_ID,ITEM_ID,USER_ID,TIMESTAMP,EVENT_TYPE\n",
			"f.csv line 1: column USER_ID (3): field USER_ID is named twice in the header, in columns 1 and 3"},
		{"empty header name", interactions, "USER_ID,ITEM_ID,,TIMESTAMP,EVENT_TYPE\n",
			"f.csv line 1: column 3: the header names no field in this column"},
		{"missing required", interactions, "USER_ID,TIMESTAMP,EVENT_TYPE\n",
			"f.csv line 1: the header has no column ITEM_ID, which the schema requires (the field is not nullable)"},
		{"too few columns", interactions, hdr + "u1,i1,1,x,1\nu1,i1,1,x\n",
			"f.csv line 3: expected 5 columns as in the header, got 4"},
		{"too many columns", interactions, hdr + "u1,i1,1,x,1,\n",
			"f.csv line 2: expected 5 columns as in the header, got 6"},
		{"empty required", interactions, hdr + "u1,i1,1,x,1\n\nu1,i1,1,x,1\nu1,i1,1,x,1\nu1,i1,1,x,1\nu1,i1,1,x,1\nu1,,1,x,1\n",
			"f.csv line 8: column ITEM_ID (2): empty value but ITEM_ID is not nullable"},
		{"quoted empty required", interactions, hdr + "\"\",i1,1,x,1\n",
			"f.csv line 2: column USER_ID (1): empty value but USER_ID is not nullable"},
		{"timestamp not a long", interactions, hdr + "u1,i1,yesterday,x,1\n",
			`f.csv line 2: column TIMESTAMP (3): "yesterday" is not a long`},
		{"timestamp decimal", interactions, hdr + "u1,i1,1.5,x,1\n",
			`f.csv line 2: column TIMESTAMP (3): "1.5" is not a long`},
		{"timestamp with space", interactions, hdr + "u1,i1, 15,x,1\n",
			`f.csv line 2: column TIMESTAMP (3): " 15" is not a long`},
		{"sign only", interactions, hdr + "u1,i1,-,x,1\n",
			`f.csv line 2: column TIMESTAMP (3): "-" is not a long`},
		{"long overflow", interactions, hdr + "u1,i1,9223372036854775808,x,1\n",
			"f.csv line 2: column TIMESTAMP (3): 9223372036854775808 is out of range for a long"},
		{"int overflow", allTypes, "ITEM_ID,I\ni,2147483648\n",
			"f.csv line 2: column I (2): 2147483648 is out of range for an int (32-bit)"},
		{"int syntax", allTypes, "ITEM_ID,I\ni,0x10\n",
			`f.csv line 2: column I (2): "0x10" is not an int`},
		{"float NaN", interactions, hdr + "u1,i1,1,x,NaN\n",
			`f.csv line 2: column EVENT_VALUE (5): "NaN" is not a float`},
		{"float Inf", interactions, hdr + "u1,i1,1,x,-Inf\n",
			`f.csv line 2: column EVENT_VALUE (5): "-Inf" is not a float`},
		{"float hex", interactions, hdr + "u1,i1,1,x,0x1p3\n",
			`f.csv line 2: column EVENT_VALUE (5): "0x1p3" is not a float`},
		{"float overflow", interactions, hdr + "u1,i1,1,x,1e39\n",
			"f.csv line 2: column EVENT_VALUE (5): 1e39 is out of range for a float"},
		{"double overflow", allTypes, "ITEM_ID,D\ni,1e309\n",
			"f.csv line 2: column D (2): 1e309 is out of range for a double"},
		{"double syntax", allTypes, "ITEM_ID,D\ni,1.2.3\n",
			`f.csv line 2: column D (2): "1.2.3" is not a double`},
		{"boolean", allTypes, "ITEM_ID,B\ni,yes\n",
			`f.csv line 2: column B (2): "yes" is not a boolean; use true or false`},
		{"ID too long", allTypes, "ITEM_ID\n" + strings.Repeat("é", 257) + "\n",
			"f.csv line 2: column ITEM_ID (1): value has 257 characters, more than the limit of 256 for ITEM_ID"},
		{"categorical too long", allTypes, "ITEM_ID,C\ni," + strings.Repeat("a|", 500) + "b\n",
			"f.csv line 2: column C (2): value has 1001 characters, more than the limit of 1000 for C"},
		{"invalid UTF-8", allTypes, "ITEM_ID,S\ni,a\xffb\n",
			"f.csv line 2: column S (2): value is not valid UTF-8"},
		{"bare quote", interactions, hdr + "u1,i\"1,1,x,1\n",
			`f.csv line 2: column ITEM_ID (2): a quote (") appears inside a value that does not start with one; enclose the value in quotes and double the quotes inside it`},
		{"text after closing quote", interactions, hdr + "u1,\"i1\"x,1,x,1\n",
			`f.csv line 2: column ITEM_ID (2): a quoted value is followed by other characters before the next comma; double a quote that is part of the value ("")`},
		{"unclosed quote", interactions, hdr + "u1,i1,1,x,1\nu1,\"i1,1,x,1\nu2,i2,2,y,2\n",
			"f.csv line 3: column ITEM_ID (2): a quoted value is not closed: its closing quote is missing"},
		{"line after multi-line value", interactions, hdr + "u1,i1,1,\"a\nb\nc\",1\nu1,i1,x,a,1\n",
			`f.csv line 5: column TIMESTAMP (3): "x" is not a long`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(t, tt.schema, tt.csv, 2)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want an *Error", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n %s\nwant\n %s", err, tt.want)
			}
		})
	}
}

// TestReaderSticky checks that an error is returned again by later calls.
func TestReaderSticky(t *testing.T) {
	r, err := NewReader(strings.NewReader("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\nu,i,1,x\nu,i,x,x\nu,i,1,x\n"), interactions, "f")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(1); err != nil {
		t.Fatal(err)
	}
	_, err1 := r.Next(10)
	_, err2 := r.Next(10)
	if err1 == nil || err1 != err2 {
		t.Fatalf("errors %v then %v", err1, err2)
	}
	if r.Rows() != 1 {
		t.Errorf("Rows() = %d, want 1", r.Rows())
	}
	if _, err := r.Next(0); err == nil {
		t.Error("Next(0) succeeded")
	}
}

// TestReaderSmallReads feeds the reader one byte at a time, so that every
// record straddles buffer refills.
func TestReaderSmallReads(t *testing.T) {
	csv := "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\r\n\"u\"\"1\",i1,1,\"a\r\nb\"\r\nu2,\"i,2\",2,x\r\n\"u3\",i3,3,\"\"\"\"\r"
	want := [][]any{{`u"1`, "i1", int64(1), "a\nb", nil}, {"u2", "i,2", int64(2), "x", nil}, {"u3", "i3", int64(3), `"`, nil}}
	r, err := NewReader(iotest.OneByteReader(strings.NewReader(csv)), interactions, "f")
	if err != nil {
		t.Fatal(err)
	}
	var got [][]any
	for {
		tab, err := r.Next(2)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for i := range tab.Len {
			got = append(got, tab.Row(i))
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
}

// TestReaderLongRecords checks records longer than the initial buffer and
// the record size limit.
func TestReaderLongRecords(t *testing.T) {
	s := &avroschema.Schema{Fields: []avroschema.Field{{Name: "ITEM_ID", Type: "string"}, {Name: "T", Type: "string", Nullable: true}}}
	long := strings.Repeat("x", 3*initialBufSize)
	rows, err := readAll(t, s, "ITEM_ID,T\ni1,"+long+"\ni2,\""+long+"\"\n", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][1] != long || rows[1][1] != long {
		t.Fatalf("long values not read back")
	}
	_, err = readAll(t, s, "ITEM_ID,T\ni1,\""+strings.Repeat("x", maxRecordBytes+10), 10)
	if err == nil || !strings.Contains(err.Error(), "line 2: record is longer than 8 MiB; is a quote not closed?") {
		t.Fatalf("error %v", err)
	}
}

// TestReaderInterning checks that repeated strings are stored once and
// distinct strings are kept apart.
func TestReaderInterning(t *testing.T) {
	var b strings.Builder
	b.WriteString("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "u%d,i%d,%d,click\n", i%37, i, i)
	}
	r, err := NewReader(strings.NewReader(b.String()), interactions, "f")
	if err != nil {
		t.Fatal(err)
	}
	tab, err := r.Next(10000)
	if err != nil {
		t.Fatal(err)
	}
	for i := range tab.Len {
		if got, want := tab.Columns[0].Str[i], fmt.Sprintf("u%d", i%37); got != want {
			t.Fatalf("row %d: USER_ID %q, want %q", i, got, want)
		}
		if got, want := tab.Columns[1].Str[i], fmt.Sprintf("i%d", i); got != want {
			t.Fatalf("row %d: ITEM_ID %q, want %q", i, got, want)
		}
	}
	if len(r.arena) > 5000*6+37*4+10 {
		t.Errorf("arena holds %d bytes: repeated values are not stored once", len(r.arena))
	}
}

func TestAppendRow(t *testing.T) {
	tab := NewTable(allTypes.Fields, 0)
	rows := [][]any{
		{"i1", "s", int32(3), int64(4), float32(1.5), 2.5, true, "a|b"},
		{"i2", nil, nil, nil, nil, nil, nil, nil},
		{"i3", "", 5, 6, 0.25, float32(3), false, "c"},
	}
	for _, row := range rows {
		if err := tab.AppendRow(row); err != nil {
			t.Fatal(err)
		}
	}
	checkTable(t, tab)
	want := [][]any{
		{"i1", "s", int64(3), int64(4), 1.5, 2.5, true, "a|b"},
		{"i2", nil, nil, nil, nil, nil, nil, nil},
		{"i3", "", int64(5), int64(6), 0.25, 3.0, false, "c"},
	}
	for i := range want {
		if got := tab.Row(i); !reflect.DeepEqual(got, want[i]) {
			t.Errorf("row %d = %#v, want %#v", i, got, want[i])
		}
	}
	bad := []struct {
		row  []any
		want string
	}{
		{[]any{nil, nil, nil, nil, nil, nil, nil, nil}, "field ITEM_ID: null value but ITEM_ID is not nullable"},
		{[]any{"i"}, "row has 1 values but the schema has 8 fields"},
		{[]any{1, nil, nil, nil, nil, nil, nil, nil}, "field ITEM_ID: value of type int is not a string"},
		{[]any{"i", nil, int64(1 << 40), nil, nil, nil, nil, nil}, "field I: 1099511627776 is out of range for an int (32-bit)"},
		{[]any{"i", nil, nil, "1", nil, nil, nil, nil}, "field L: value of type string is not an integer"},
		{[]any{"i", nil, nil, nil, 1e300, nil, nil, nil}, "field F: 1e+300 is out of range for a float (32-bit)"},
		{[]any{"i", nil, nil, nil, nil, 1, nil, nil}, "field D: value of type int is not a floating-point number"},
		{[]any{"i", nil, nil, nil, nil, nan(), nil, nil}, "field D: NaN is not a finite number"},
		{[]any{"i", nil, nil, nil, nil, nil, "true", nil}, "field B: value of type string is not a boolean"},
		{[]any{strings.Repeat("x", 257), nil, nil, nil, nil, nil, nil, nil}, "field ITEM_ID: value has 257 characters, more than the limit of 256"},
		{[]any{"i", "\xff", nil, nil, nil, nil, nil, nil}, "field S: value is not valid UTF-8"},
	}
	for _, b := range bad {
		err := tab.AppendRow(b.row)
		if err == nil || err.Error() != b.want {
			t.Errorf("AppendRow(%v) = %v, want %s", b.row, err, b.want)
		}
	}
	if tab.Len != 3 {
		t.Errorf("Len = %d after failed appends", tab.Len)
	}
	checkTable(t, tab)
}

func nan() float64 { var z float64; return z / z }

func TestSplitCategorical(t *testing.T) {
	for s, want := range map[string][]string{
		"":             nil,
		"a":            {"a"},
		"Action|Crime": {"Action", "Crime"},
		"a||b":         {"a", "", "b"},
	} {
		if got := SplitCategorical(s); !reflect.DeepEqual(got, want) {
			t.Errorf("SplitCategorical(%q) = %q, want %q", s, got, want)
		}
	}
}

// ml100kCSV converts MovieLens 100K's u.data to an interactions CSV.
func ml100kCSV(t testing.TB) []byte {
	t.Helper()
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
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestML100K reads MovieLens 100K's ratings whole.
func TestML100K(t *testing.T) {
	data := ml100kCSV(t)
	s := &avroschema.Schema{Fields: []avroschema.Field{
		{Name: "USER_ID", Type: "string"},
		{Name: "ITEM_ID", Type: "string"},
		{Name: "TIMESTAMP", Type: "long"},
		{Name: "EVENT_VALUE", Type: "float"},
	}}
	r, err := NewReader(bytes.NewReader(data), s, "u.csv")
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]bool{}
	var sum float64
	for {
		tab, err := r.Next(30000)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		checkTable(t, tab)
		for i := range tab.Len {
			users[tab.Columns[0].Str[i]] = true
			sum += tab.Columns[3].Float[i]
		}
		if tab.Columns[2].Int[0] < 870000000 {
			t.Errorf("implausible timestamp %d", tab.Columns[2].Int[0])
		}
	}
	if r.Rows() != 100000 || len(users) != 943 {
		t.Errorf("read %d rows by %d users, want 100000 by 943", r.Rows(), len(users))
	}
	if mean := sum / 100000; mean < 3.52 || mean > 3.54 {
		t.Errorf("mean rating %.3f, want 3.53", mean)
	}
}

func TestAirline(t *testing.T) {
	f, err := os.Open("/work/shared/data/airline/interactions.csv")
	if err != nil {
		t.Skipf("airline data: %v", err)
	}
	defer f.Close()
	s := &avroschema.Schema{Fields: []avroschema.Field{
		{Name: "USER_ID", Type: "string"},
		{Name: "ITEM_ID", Type: "string"},
		{Name: "TIMESTAMP", Type: "long"},
		{Name: "EVENT_TYPE", Type: "string"},
		{Name: "EVENT_VALUE", Type: "float", Nullable: true},
		{Name: "CABIN_TYPE", Type: "string", Nullable: true, Categorical: true},
	}}
	r, err := NewReader(f, s, "interactions.csv")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := r.Next(10000); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if r.Rows() != 34853 {
		t.Errorf("read %d rows, want 34853", r.Rows())
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE,EVENT_VALUE\nu1,i1,1,x,1.5\n"))
	f.Add([]byte("ITEM_ID,S,I,L,F,D,B,C\ni1,\"a\"\"b\",1,2,3,4,true,a|b\r\ni2,,,,,,,\n"))
	f.Add([]byte("ITEM_ID,S\n\"i\n1\",\"x"))
	f.Add([]byte("\uFEFFITEM_ID\n\n\"\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, s := range []*avroschema.Schema{interactions, allTypes} {
			r, err := NewReader(bytes.NewReader(data), s, "f")
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("NewReader error %v (%T) is not an *Error", err, err)
				}
				continue
			}
			for {
				tab, err := r.Next(3)
				if err == io.EOF {
					break
				}
				if err != nil {
					var e *Error
					if !errors.As(err, &e) || e.Line < 2 {
						t.Fatalf("error %v (%T) is not an *Error about a record", err, err)
					}
					break
				}
				checkTable(t, tab)
				for i := range tab.Len {
					if err := NewTable(s.Fields, 1).AppendRow(tab.Row(i)); err != nil {
						t.Fatalf("row %d read but not accepted by AppendRow: %v", i, err)
					}
				}
			}
		}
	})
}

// syntheticCSV generates an interactions CSV of n rows with a fixed seed:
// power-law item popularity and user activity, timestamps over 6 months.
func syntheticCSV(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	users := rand.NewZipf(rng, 1.1, 4, 199_999)
	items := rand.NewZipf(rng, 1.2, 2, 49_999)
	types := []string{"click", "click", "click", "watch", "purchase"}
	var b bytes.Buffer
	b.Grow(n * 40)
	b.WriteString("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n")
	ts := int64(1_700_000_000)
	for range n {
		ts += rng.Int64N(16)
		fmt.Fprintf(&b, "user-%d,item-%d,%d,%s\n", users.Uint64(), items.Uint64(), ts, types[rng.IntN(len(types))])
	}
	return b.Bytes()
}

var benchSchema = &avroschema.Schema{Fields: []avroschema.Field{
	{Name: "USER_ID", Type: "string"},
	{Name: "ITEM_ID", Type: "string"},
	{Name: "TIMESTAMP", Type: "long"},
	{Name: "EVENT_TYPE", Type: "string"},
}}

func BenchmarkReader(b *testing.B) {
	const rows = 1_000_000
	data := syntheticCSV(rows)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r, err := NewReader(bytes.NewReader(data), benchSchema, "bench.csv")
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(1 << 18); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		if r.Rows() != rows {
			b.Fatalf("read %d rows", r.Rows())
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
