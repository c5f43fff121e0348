package perso

import (
	"strings"
	"testing"
)

func TestPageTokens_Decode(t *testing.T) {
	p := NewPageTokens([]byte("key"))
	tok := p.Encode("ListDatasets\x00acct\x00region", 12345)

	t.Run("OK", func(t *testing.T) {
		before, err := p.Decode("ListDatasets\x00acct\x00region", tok)
		if err != nil || before != 12345 {
			t.Fatalf("Decode = %d, %v", before, err)
		}
		if len(tok) > 1500 || strings.Trim(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Fatalf("token %q is not short URL-safe ASCII", tok)
		}
	})
	for name, tc := range map[string]struct{ query, token string }{
		"ErrOtherQuery": {"ListSchemas\x00acct\x00region", tok},
		"ErrOtherKey":   {"ListDatasets\x00acct\x00region", NewPageTokens([]byte("other")).Encode("ListDatasets\x00acct\x00region", 12345)},
		"ErrEmpty":      {"ListDatasets\x00acct\x00region", ""},
		"ErrGarbage":    {"ListDatasets\x00acct\x00region", "not a token!"},
		"ErrTruncated":  {"ListDatasets\x00acct\x00region", tok[:len(tok)-2]},
		"ErrExtended":   {"ListDatasets\x00acct\x00region", tok + "AA"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := p.Decode(tc.query, tc.token); !IsKind(err, KindInvalidToken) {
				t.Fatalf("Decode(%q) = %v, want an InvalidToken error", tc.token, err)
			}
		})
	}
	t.Run("ErrEveryBitFlip", func(t *testing.T) {
		raw := []byte(tok)
		for i := range raw {
			for _, c := range []byte("A0_-z") {
				if raw[i] == c {
					continue
				}
				edited := append([]byte(nil), raw...)
				edited[i] = c
				if before, err := p.Decode("ListDatasets\x00acct\x00region", string(edited)); err == nil && before != 12345 {
					t.Fatalf("edited token %q decoded to %d", edited, before)
				}
			}
		}
	})
}

func FuzzPageTokens_Decode(f *testing.F) {
	p := NewPageTokens([]byte("fuzz-key"))
	f.Add("q", p.Encode("q", 1))
	f.Add("q", p.Encode("q", 1<<40))
	f.Add("q", "")
	f.Add("other", p.Encode("q", 7))
	f.Fuzz(func(t *testing.T, query, token string) {
		before, err := p.Decode(query, token)
		if err != nil {
			if !IsKind(err, KindInvalidToken) {
				t.Fatalf("error of kind %v", KindOf(err))
			}
			return
		}
		if before <= 0 {
			t.Fatalf("accepted token names position %d", before)
		}
		// Whatever decodes must be what this key issued for this query.
		if p.Encode(query, before) != token {
			t.Fatalf("accepted token %q that Encode would not issue", token)
		}
	})
}
