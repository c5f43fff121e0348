package perso

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
)

// PageTokens issues and checks the nextToken of List operations.
//
// A token names the position after which the next page starts (the Seq of
// the last record returned: paging is by keyset, so records created or
// deleted between pages never make a client skip or repeat the others) and
// is bound to the query that issued it by an HMAC over the query's
// identity: operation, scope and filters. A token edited by hand, issued by
// another query or for another account answers InvalidNextTokenException.
// Tokens are short (well under the API's 1500 characters), URL-safe ASCII,
// and stay valid across restarts and replicas because the key lives in the
// store.
type PageTokens struct {
	key []byte
}

const (
	tokenVersion = 1
	tokenMACSize = 16
)

// NewPageTokens returns a token codec keyed by key.
func NewPageTokens(key []byte) *PageTokens {
	return &PageTokens{key: append([]byte(nil), key...)}
}

// Encode returns the token of the page that starts after position before
// in the listing identified by query.
func (p *PageTokens) Encode(query string, before int64) string {
	buf := make([]byte, 1, 1+binary.MaxVarintLen64+tokenMACSize)
	buf[0] = tokenVersion
	buf = binary.AppendUvarint(buf, uint64(before))
	buf = append(buf, p.mac(query, buf)...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// Decode returns the position a token names, or an InvalidToken error when
// the token was not issued by Encode for the same query.
func (p *PageTokens) Decode(query, token string) (int64, error) {
	invalid := Errorf(KindInvalidToken, "the nextToken is not valid for this request: pass back a token exactly as a previous call with the same parameters returned it")
	raw, err := base64.RawURLEncoding.DecodeString(token)
	// The decoder skips line breaks; only the canonical spelling counts.
	if err != nil || len(raw) < 2+tokenMACSize || raw[0] != tokenVersion || base64.RawURLEncoding.EncodeToString(raw) != token {
		return 0, invalid
	}
	body, sum := raw[:len(raw)-tokenMACSize], raw[len(raw)-tokenMACSize:]
	if !hmac.Equal(sum, p.mac(query, body)) {
		return 0, invalid
	}
	before, n := binary.Uvarint(body[1:])
	if n <= 0 || 1+n != len(body) || before == 0 || before > 1<<62 {
		return 0, invalid
	}
	return int64(before), nil
}

func (p *PageTokens) mac(query string, body []byte) []byte {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(query))
	m.Write([]byte{0})
	m.Write(body)
	return m.Sum(nil)[:tokenMACSize]
}
