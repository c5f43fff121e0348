package awsjson

import (
	"strings"
	"testing"
)

type inner struct {
	TagKey string `json:"tagKey,omitempty"`
}

type request struct {
	Name  string            `json:"name,omitempty"`
	Count *int64            `json:"count,omitempty"`
	Tags  []inner           `json:"tags,omitzero"`
	Map   map[string]*inner `json:"map,omitzero"`
	When  *Timestamp        `json:"when,omitempty"`
}

func (r *request) Validate() error { return nil }

func TestDecode(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		var r request
		if err := Decode(strings.NewReader(`{"name":"a","count":9007199254740993,"tags":[{"tagKey":"k"}],"when":1700000000.5,"other":1}`), &r); err != nil {
			t.Fatal(err)
		}
		if r.Name != "a" || *r.Count != 9007199254740993 || r.Tags[0].TagKey != "k" || r.When.UnixMilli() != 1700000000500 {
			t.Fatalf("decoded %+v", r)
		}
	})
	t.Run("OKMemberNamesMatchExactly", func(t *testing.T) {
		var r request
		if err := Decode(strings.NewReader(`{"NAME":"x","count":1,"tags":[{"TagKey":"k","tagKey":"ok"}],"map":{"a":{"TAGKEY":"no"}}}`), &r); err != nil {
			t.Fatal(err)
		}
		if r.Name != "" || r.Tags[0].TagKey != "ok" || r.Map["a"].TagKey != "" || *r.Count != 1 {
			t.Fatalf("decoded %+v: members in another case must be ignored", r)
		}
	})
	t.Run("OKFoldedUnicode", func(t *testing.T) {
		// encoding/json folds ſ to s: a key that folds to a member only
		// that way is dropped too.
		var r request
		if err := Decode(strings.NewReader(`{"nAme":"x","name":"ok","tagſ":[{"tagKey":"bad"}]}`), &r); err != nil {
			t.Fatal(err)
		}
		if r.Name != "ok" || r.Tags != nil {
			t.Fatalf("decoded %+v", r)
		}
	})
	for name, body := range map[string]string{
		"ErrSyntax":     `{"name":`,
		"ErrType":       `{"name":1}`,
		"ErrNotObject":  `[]`,
		"ErrTwoValues":  `{} {}`,
		"ErrTimestamp":  `{"when":"yesterday"}`,
		"ErrNestedType": `{"tags":[{"tagKey":false}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			var r request
			err := Decode(strings.NewReader(body), &r)
			if err == nil || err.Code != "SerializationException" {
				t.Fatalf("Decode(%s) = %v, want a SerializationException", body, err)
			}
		})
	}
}

// A body of many small values costs memory in proportion to the body, not
// a tree of it.
func BenchmarkDecode_ManyValues(b *testing.B) {
	body := `{"name":"x","tags":[` + strings.Repeat(`{"tagKey":"k"},`, 100000) + `{"tagKey":"k"}]}`
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var r request
		if err := Decode(strings.NewReader(body), &r); err != nil {
			b.Fatal(err)
		}
	}
}
