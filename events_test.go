package perso

import (
	"strings"
	"testing"

	"github.com/perso/perso/avroschema"
)

const fuzzSchema = `{"type":"record","name":"Interactions","namespace":"com.amazonaws.personalize.schema",
"fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},{"name":"TIMESTAMP","type":"long"},
{"name":"EVENT_TYPE","type":"string"},{"name":"EVENT_VALUE","type":["null","float"]},{"name":"DEVICE","type":["null","string"],"categorical":true},
{"name":"NUMBER_OF_VIEWS","type":["null","int"]},{"name":"IS_MOBILE","type":["null","boolean"]}],"version":"1.0"}`

func TestCamelCase(t *testing.T) {
	for in, want := range map[string]string{"NUMBER_OF_RATINGS": "numberOfRatings", "ITEM_ID": "itemId", "price": "price", "A__B": "aB", "X": "x"} {
		if got := CamelCase(in); got != want {
			t.Errorf("CamelCase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBuildRow(t *testing.T) {
	schema, err := avroschema.Parse(fuzzSchema)
	if err != nil {
		t.Fatal(err)
	}
	fixed := map[string]any{"USER_ID": "u", "ITEM_ID": "i", "TIMESTAMP": int64(1)}
	opt := map[string]any{"EVENT_TYPE": "click", "EVENT_VALUE": nil}
	t.Run("OK", func(t *testing.T) {
		row, err := buildRow(schema, fixed, opt, `{"device":"phone","numberOfViews":3,"isMobile":true}`, "e")
		if err != nil {
			t.Fatal(err)
		}
		want := `{"DEVICE":"phone","EVENT_TYPE":"click","IS_MOBILE":true,"ITEM_ID":"i","NUMBER_OF_VIEWS":3,"TIMESTAMP":1,"USER_ID":"u"}`
		if string(row) != want {
			t.Fatalf("row = %s\nwant  %s", row, want)
		}
	})
	t.Run("OKNumbersAsStrings", func(t *testing.T) {
		// AWS's own examples send numbers as JSON strings.
		row, err := buildRow(schema, fixed, opt, `{"numberOfViews":"12","device":"d"}`, "e")
		if err != nil || !strings.Contains(string(row), `"NUMBER_OF_VIEWS":12`) {
			t.Fatalf("row = %s, %v", row, err)
		}
		row, err = buildRow(schema, fixed, opt, `{"numberOfViews":12.0}`, "e")
		if err != nil || !strings.Contains(string(row), `"NUMBER_OF_VIEWS":12`) {
			t.Fatalf("row = %s, %v", row, err)
		}
	})
	for name, tc := range map[string]struct{ props, msg string }{
		"ErrUnknown":    {`{"colour":"red"}`, `"colour" is not a field`},
		"ErrType":       {`{"numberOfViews":"three"}`, "must be an integer"},
		"ErrNull":       {`null`, "JSON object"},
		"ErrTooLong":    {`{"device":"` + strings.Repeat("x", 1001) + `"}`, "limit"},
		"ErrRange":      {`{"numberOfViews":3000000000}`, "32-bit"},
		"ErrFraction":   {`{"numberOfViews":1.5}`, "must be an integer"},
		"ErrBool":       {`{"isMobile":"yes"}`, "true or false"},
		"ErrNotObject":  {`[1]`, "JSON object"},
		"ErrTrailing":   {`{} {}`, "JSON object"},
		"ErrReserved":   {`{"userId":"x"}`, "own request member"},
		"ErrOptionalBy": {`{"eventType":"x"}`, "own request member"},
		"ErrAbsentBy":   {`{"eventValue":2}`, "own request member"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := buildRow(schema, fixed, opt, tc.props, "eventList.1")
			if !IsKind(err, KindInvalid) || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "eventList.1") {
				t.Fatalf("err = %v, want an Invalid error naming the event and %q", err, tc.msg)
			}
		})
	}
	t.Run("ErrFloatRange", func(t *testing.T) {
		_, err := buildRow(schema, fixed, map[string]any{"EVENT_TYPE": "click", "EVENT_VALUE": 1e39}, "", "eventList.3")
		if !IsKind(err, KindInvalid) || !strings.Contains(err.Error(), "EVENT_VALUE") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ErrRequired", func(t *testing.T) {
		_, err := buildRow(schema, map[string]any{"USER_ID": "u", "TIMESTAMP": int64(1)}, opt, "", "eventList.2")
		if !IsKind(err, KindInvalid) || !strings.Contains(err.Error(), "ITEM_ID") {
			t.Fatalf("err = %v", err)
		}
	})
}

// FuzzBuildRow checks the event property checker: arbitrary properties
// never panic, and anything accepted decodes back to the schema's types.
func FuzzBuildRow(f *testing.F) {
	schema, err := avroschema.Parse(fuzzSchema)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{`{"device":"phone","numberOfViews":3}`, `{}`, `{"eventValue":1.5e3}`, `{"isMobile":false,"device":null}`, `{"numberOfViews":-0}`, `"x"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, props string) {
		row, err := buildRow(schema, map[string]any{"USER_ID": "u", "ITEM_ID": "i", "TIMESTAMP": int64(1)}, map[string]any{"EVENT_TYPE": "e"}, props, "e")
		if err != nil {
			if !IsKind(err, KindInvalid) {
				t.Fatalf("error of kind %v: %v", KindOf(err), err)
			}
			return
		}
		if len(row) == 0 || row[0] != '{' {
			t.Fatalf("row %q is not a JSON object", row)
		}
	})
}
