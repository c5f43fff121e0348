package sigv4

import (
	"fmt"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm the package accepts.
const Algorithm = "AWS4-HMAC-SHA256"

// scopeTerminator ends every SigV4 credential scope.
const scopeTerminator = "aws4_request"

// Authorization is a parsed SigV4 Authorization header:
//
//	AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/personalize/aws4_request, SignedHeaders=host;x-amz-date, Signature=<64 hex digits>
type Authorization struct {
	Algorithm     string   // always AWS4-HMAC-SHA256
	AccessKeyID   string   // the first element of the credential scope
	Date          string   // the scope date, YYYYMMDD
	Region        string   // the scope region, e.g. us-east-1
	Service       string   // the scope signing name, e.g. personalize
	SignedHeaders []string // lowercase header names in the order the client listed them
	Signature     string   // 64 lowercase hexadecimal digits
}

// String formats a in the canonical form the AWS SDKs send. Parsing the
// result of String of a parsed header yields an equal Authorization.
func (a Authorization) String() string {
	return a.Algorithm + " Credential=" + a.AccessKeyID + "/" + a.Date + "/" + a.Region + "/" + a.Service + "/" + scopeTerminator +
		", SignedHeaders=" + strings.Join(a.SignedHeaders, ";") +
		", Signature=" + a.Signature
}

// AuthorizationError is the error [ParseAuthorization] returns. Its message
// is written for the client, in the words AWS uses for
// IncompleteSignatureException where AWS has them.
type AuthorizationError struct {
	Message string // what is wrong with the header
}

// Error returns the message.
func (e *AuthorizationError) Error() string { return e.Message }

// syntaxError returns an *AuthorizationError with a formatted message.
func syntaxError(format string, args ...any) error {
	return &AuthorizationError{Message: fmt.Sprintf(format, args...)}
}

// ParseAuthorization parses the value of a SigV4 Authorization header. It
// checks the syntax only: the algorithm, the presence of exactly one each of
// the Credential, SignedHeaders and Signature parameters, the shape of the
// credential scope (five slash-separated elements ending in aws4_request, a
// valid YYYYMMDD date, a region and service of lowercase letters, digits and
// hyphens), lowercase signed header names and a 64-digit lowercase hex
// signature. The error, an [*AuthorizationError], says what is wrong in words a client can act
// on; it never echoes the signature.
func ParseAuthorization(h string) (Authorization, error) {
	h = strings.TrimSpace(h)
	algo, rest, _ := strings.Cut(h, " ")
	if algo != Algorithm {
		if algo == "" {
			return Authorization{}, syntaxError("Authorization header is empty.")
		}
		return Authorization{}, syntaxError("Unsupported Authorization algorithm %s; only %s is supported.", quote(algo), Algorithm)
	}
	a := Authorization{Algorithm: Algorithm}
	var cred, signed, sig string
	var haveCred, haveSigned, haveSig bool
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return Authorization{}, syntaxError("%s not a valid key=value pair (missing equal-sign) in Authorization header.", quote(part))
		}
		var have *bool
		switch k {
		case "Credential":
			cred, have = v, &haveCred
		case "SignedHeaders":
			signed, have = v, &haveSigned
		case "Signature":
			sig, have = v, &haveSig
		default:
			return Authorization{}, syntaxError("Unknown parameter %s in Authorization header; want Credential, SignedHeaders and Signature.", quote(k))
		}
		if *have {
			return Authorization{}, syntaxError("Authorization header has more than one '%s' parameter.", k)
		}
		*have = true
	}
	var missing []string
	for _, p := range []struct {
		name string
		ok   bool
	}{{"Credential", haveCred}, {"Signature", haveSig}, {"SignedHeaders", haveSigned}} {
		if !p.ok {
			missing = append(missing, "Authorization header requires '"+p.name+"' parameter.")
		}
	}
	if len(missing) > 0 {
		return Authorization{}, syntaxError("%s", strings.Join(missing, " "))
	}

	elems := strings.Split(cred, "/")
	if len(elems) != 5 {
		return Authorization{}, syntaxError("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got %s.", quote(cred))
	}
	a.AccessKeyID, a.Date, a.Region, a.Service = elems[0], elems[1], elems[2], elems[3]
	switch {
	case !validAccessKeyID(a.AccessKeyID):
		return Authorization{}, syntaxError("Credential should name a valid access key ID, not %s.", quote(a.AccessKeyID))
	case !validDate(a.Date):
		return Authorization{}, syntaxError("Credential should be scoped to a valid date in the form YYYYMMDD, not %s.", quote(a.Date))
	case !validScopeName(a.Region):
		return Authorization{}, syntaxError("Credential should be scoped to a valid region, not %s.", quote(a.Region))
	case !validScopeName(a.Service):
		return Authorization{}, syntaxError("Credential should be scoped to a valid service, not %s.", quote(a.Service))
	case elems[4] != scopeTerminator:
		return Authorization{}, syntaxError("Credential should be scoped with a valid terminator: 'aws4_request', not %s.", quote(elems[4]))
	}

	for name := range strings.SplitSeq(signed, ";") {
		if !validHeaderName(name) {
			return Authorization{}, syntaxError("SignedHeaders must be a ';'-separated list of lowercase header names; %s is not one.", quote(name))
		}
		a.SignedHeaders = append(a.SignedHeaders, name)
	}

	if len(sig) != 64 || !isLowerHex(sig) {
		return Authorization{}, syntaxError("Signature must be 64 lowercase hexadecimal digits.")
	}
	a.Signature = sig
	return a, nil
}

// quote wraps s in single quotes as AWS messages do, replacing bytes that
// are not printable ASCII so an error message stays one clean line.
func quote(s string) string {
	const max = 128
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s) && i < max; i++ {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
		} else {
			b.WriteByte('?')
		}
	}
	if len(s) > max {
		b.WriteString("...")
	}
	b.WriteByte('\'')
	return b.String()
}

// validAccessKeyID reports whether s is a non-empty run of printable ASCII
// without the separators of the header (space, comma, slash).
func validAccessKeyID(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c >= 0x7f || c == ',' || c == '/' {
			return false
		}
	}
	return true
}

// validDate reports whether s is a real calendar date written YYYYMMDD.
func validDate(s string) bool {
	if len(s) != 8 || !allDigits(s) {
		return false
	}
	_, err := time.Parse("20060102", s)
	return err == nil
}

// validScopeName reports whether s is a plausible region or signing name:
// lowercase ASCII letters, digits and hyphens.
func validScopeName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validHeaderName reports whether s is a lowercase HTTP header name (an
// RFC 9110 token without uppercase letters).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
