// Package sigv4 authenticates requests signed with AWS Signature Version 4,
// as the AWS SDKs and the AWS CLI sign them for Amazon Personalize, and
// records who made each request in its context.
//
// [Middleware] runs in one of two modes. In local mode (the default) it
// checks only that an Authorization header, when present, is well formed: any
// access key is accepted, a key of exactly 12 digits selects that account and
// every other key (or no header at all) acts in account 000000000000. In
// strict mode it looks the access key up in a credentials map (see
// [LoadCredentials]) and verifies the signature, the X-Amz-Date clock skew
// and the credential scope, answering failures with the error codes and
// messages AWS uses.
//
// The expected signature is computed by the AWS SDK for Go v2's own signer
// (aws/signer/v4) over a reconstruction of the request that carries exactly
// the headers the client listed in SignedHeaders, so canonicalisation is the
// SDK's, not a second implementation. Only header-based signing is
// supported; presigned (query-string) requests count as unauthenticated.
//
// Known limits of strict mode: the query string is canonicalised as the Go
// SDK does it (decoded and re-encoded), a signed content-length of 0 cannot
// be reproduced through the SDK signer and fails, X-Amz-Security-Token is
// signed but not validated (there is no STS), and the body must hash to
// X-Amz-Content-Sha256 when that header is sent, so UNSIGNED-PAYLOAD is
// refused. None of these arise with the Personalize APIs, whose requests
// are POSTs with JSON bodies and no query.
package sigv4

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// SigningName is the service name every Personalize API (personalize,
// personalize-events, personalize-runtime) signs with.
const SigningName = "personalize"

// DefaultAccount is the account requests act in when local mode cannot
// derive one from the access key, or when they are unsigned.
const DefaultAccount = "000000000000"

// DefaultRegion is the region unsigned requests act in under local mode.
const DefaultRegion = "us-east-1"

// MaxSkew is how far X-Amz-Date may be from the server clock in strict mode.
const MaxSkew = 15 * time.Minute

// MaxBodySize is the largest request body strict mode reads to hash; larger
// requests are refused with HTTP 413.
const MaxBodySize = 10 << 20

// amzDateFormat is the ISO 8601 basic format of X-Amz-Date.
const amzDateFormat = "20060102T150405Z"

// Error codes the middleware answers with.
const (
	codeMissingToken     = "MissingAuthenticationTokenException"
	codeIncomplete       = "IncompleteSignatureException"
	codeUnrecognized     = "UnrecognizedClientException"
	codeInvalidSignature = "InvalidSignatureException"
	codeTooLarge         = "RequestEntityTooLargeException"
	codeShaMismatch      = "XAmzContentSHA256Mismatch"
	codeSerialization    = "SerializationException"
)

const (
	msgMissingToken     = "Missing Authentication Token"
	msgUnrecognized     = "The security token included in the request is invalid."
	msgInvalidSignature = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// Config selects the mode of a [Middleware], its credentials, its clock and
// how it renders errors.
type Config struct {
	// Strict turns on signature verification against Credentials.
	Strict bool
	// Credentials maps access key IDs to their secrets and accounts; it is
	// consulted only when Strict is set, and must not be modified while the
	// middleware serves requests.
	Credentials map[string]Credential
	// Now returns the server time the X-Amz-Date skew is measured against;
	// nil means time.Now.
	Now func() time.Time
	// WriteError renders an authentication failure. Nil means the AWS JSON
	// 1.1 error shape: header x-amzn-ErrorType, Content-Type
	// application/x-amz-json-1.1 and body {"__type":code,"message":message}.
	WriteError func(w http.ResponseWriter, r *http.Request, status int, code, message string)
}

// Identity is the caller a request was authenticated as.
type Identity struct {
	AccessKeyID string // the access key the request was signed with; empty when unsigned
	Account     string // the 12-digit account the request acts in
	Region      string // the region of the credential scope
}

type identityKey struct{}

// NewContext returns a copy of ctx that carries id.
func NewContext(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// FromContext returns the Identity stored in ctx by [Middleware] or
// [NewContext], and whether there was one.
func FromContext(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(Identity)
	return id, ok
}

// Middleware returns a handler that authenticates each request according to
// cfg and, on success, calls next with the caller's [Identity] in the request
// context. On failure it answers through cfg.WriteError and does not call
// next.
func Middleware(cfg Config, next http.Handler) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.WriteError == nil {
		cfg.WriteError = writeJSONError
	}
	return &middleware{cfg: cfg, next: next}
}

type middleware struct {
	cfg  Config
	next http.Handler
}

// authError is a failed authentication: the HTTP status, AWS error code and
// message to answer with.
type authError struct {
	status        int
	code, message string
}

func (m *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var id Identity
	var err *authError
	if m.cfg.Strict {
		id, err = m.verify(r)
	} else {
		id, err = local(r)
	}
	if err != nil {
		m.cfg.WriteError(w, r, err.status, err.code, err.message)
		return
	}
	m.next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), id)))
}

// authorization returns the parsed Authorization header, nil when there is
// none, or the error that malformed headers earn.
func authorization(r *http.Request) (*Authorization, *authError) {
	vals := r.Header.Values("Authorization")
	switch len(vals) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, &authError{http.StatusBadRequest, codeIncomplete, "Request carries more than one Authorization header."}
	}
	a, err := ParseAuthorization(vals[0])
	if err != nil {
		return nil, &authError{http.StatusBadRequest, codeIncomplete, err.Error()}
	}
	return &a, nil
}

// local authenticates r in local mode: no secret is checked.
func local(r *http.Request) (Identity, *authError) {
	a, err := authorization(r)
	if err != nil {
		return Identity{}, err
	}
	if a == nil {
		return Identity{Account: DefaultAccount, Region: DefaultRegion}, nil
	}
	account := DefaultAccount
	if isAccountID(a.AccessKeyID) {
		account = a.AccessKeyID
	}
	return Identity{AccessKeyID: a.AccessKeyID, Account: account, Region: a.Region}, nil
}

// verify authenticates r in strict mode.
func (m *middleware) verify(r *http.Request) (Identity, *authError) {
	a, aerr := authorization(r)
	if aerr != nil {
		return Identity{}, aerr
	}
	if a == nil {
		return Identity{}, &authError{http.StatusForbidden, codeMissingToken, msgMissingToken}
	}

	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		return Identity{}, &authError{http.StatusBadRequest, codeIncomplete, "Authorization header requires existence of a 'X-Amz-Date' header."}
	}
	signedAt, err := time.Parse(amzDateFormat, amzDate)
	if err != nil || signedAt.Format(amzDateFormat) != amzDate {
		return Identity{}, &authError{http.StatusBadRequest, codeIncomplete, fmt.Sprintf("X-Amz-Date %s is not an ISO 8601 basic date-time such as 20261126T012345Z.", quote(amzDate))}
	}
	if a.Date != amzDate[:8] {
		return Identity{}, &authError{http.StatusForbidden, codeInvalidSignature, fmt.Sprintf(
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", a.Date, amzDate[:8], amzDate)}
	}
	if a.Service != SigningName {
		return Identity{}, &authError{http.StatusForbidden, codeInvalidSignature, "Credential should be scoped to correct service: '" + SigningName + "'."}
	}

	cred, ok := m.cfg.Credentials[a.AccessKeyID]
	if !ok {
		return Identity{}, &authError{http.StatusForbidden, codeUnrecognized, msgUnrecognized}
	}

	if err := checkSkew(signedAt, m.cfg.Now()); err != nil {
		return Identity{}, err
	}

	body, aerr := readBody(r)
	if aerr != nil {
		return Identity{}, aerr
	}
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != payloadHash {
		// The header is what the client signed, but a signed hash that is
		// not the body's (or UNSIGNED-PAYLOAD) would let the body be
		// altered in flight, so it is refused as S3 refuses it.
		return Identity{}, &authError{http.StatusBadRequest, codeShaMismatch, "The provided 'x-amz-content-sha256' header does not match what was computed."}
	}

	want, err := expectedSignature(r, a, cred, payloadHash, signedAt)
	if err != nil || !hmac.Equal([]byte(want), []byte(a.Signature)) {
		return Identity{}, &authError{http.StatusForbidden, codeInvalidSignature, msgInvalidSignature}
	}
	return Identity{AccessKeyID: a.AccessKeyID, Account: cred.Account, Region: a.Region}, nil
}

// checkSkew refuses a signing time more than MaxSkew from now, with AWS's
// messages.
func checkSkew(signedAt, now time.Time) *authError {
	now = now.UTC().Truncate(time.Second)
	f := func(t time.Time) string { return t.UTC().Format(amzDateFormat) }
	if earliest := now.Add(-MaxSkew); signedAt.Before(earliest) {
		return &authError{http.StatusForbidden, codeInvalidSignature, fmt.Sprintf(
			"Signature expired: %s is now earlier than %s (%s - 15 min.)", f(signedAt), f(earliest), f(now))}
	}
	if latest := now.Add(MaxSkew); signedAt.After(latest) {
		return &authError{http.StatusForbidden, codeInvalidSignature, fmt.Sprintf(
			"Signature not yet current: %s is still later than %s (%s + 15 min.)", f(signedAt), f(latest), f(now))}
	}
	return nil
}

// readBody reads r's body, at most MaxBodySize bytes, and puts the bytes
// back into r.Body for the handlers after the middleware.
func readBody(r *http.Request) ([]byte, *authError) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	tooLarge := &authError{http.StatusRequestEntityTooLarge, codeTooLarge, fmt.Sprintf("Request body is larger than %d bytes.", MaxBodySize)}
	if r.ContentLength > MaxBodySize {
		return nil, tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodySize+1))
	if err != nil {
		return nil, &authError{http.StatusBadRequest, codeSerialization, "Could not read the request body: " + err.Error()}
	}
	if len(body) > MaxBodySize {
		return nil, tooLarge
	}
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// expectedSignature signs a reconstruction of r with the SDK signer and
// returns the signature the client should have sent.
//
// The reconstruction has r's method, raw path and raw query, Host, and only
// the headers named in SignedHeaders, so the SDK signer signs the same
// header set the client did. Three details make that hold:
//
//   - The SDK signer skips headers it considers unsignable (Authorization,
//     User-Agent, X-Amzn-Trace-Id, Expect, Transfer-Encoding) by looking
//     their canonical names up in a case-sensitive map. Other clients do
//     sign some of them (botocore's list differs; older SDKs sign
//     User-Agent), so the headers are stored under their lowercase names,
//     which the SDK still signs.
//   - The SDK signer always signs host and x-amz-date itself (from Host and
//     the signing time), and signs content-length from ContentLength when
//     it is positive, ignoring any Content-Length header; so those three
//     are not copied but set through the fields the signer reads.
//   - The path is handed over verbatim through URL.Opaque as the client
//     sent it; the signer then escapes it once more, which is the
//     double-escaping every AWS service except S3 expects.
func expectedSignature(r *http.Request, a *Authorization, cred Credential, payloadHash string, signedAt time.Time) (string, error) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	req := &http.Request{
		Method: r.Method,
		URL: &url.URL{
			Scheme:   scheme,
			Host:     r.Host,
			Opaque:   "//" + r.Host + rawPath(r),
			RawQuery: r.URL.RawQuery,
		},
		Host:   r.Host,
		Header: make(http.Header, len(a.SignedHeaders)),
	}
	for _, name := range a.SignedHeaders {
		switch name {
		case "host", "x-amz-date":
			// Signed by the signer from req.Host and signedAt.
		case "content-length":
			n := r.ContentLength
			if v := r.Header.Get("Content-Length"); v != "" {
				p, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return "", err
				}
				n = p
			}
			req.ContentLength = n
		case "transfer-encoding":
			// net/http moves Transfer-Encoding out of the header map.
			if v := r.Header.Values(name); len(v) > 0 {
				req.Header[name] = v
			} else if len(r.TransferEncoding) > 0 {
				req.Header[name] = []string{strings.Join(r.TransferEncoding, ", ")}
			}
		default:
			if v := r.Header.Values(name); len(v) > 0 {
				req.Header[name] = v
			}
		}
	}
	creds := aws.Credentials{AccessKeyID: a.AccessKeyID, SecretAccessKey: cred.SecretAccessKey}
	// A fresh signer per request: a Signer caches one derived key per
	// region and service, checked against the access key ID and day but
	// not the secret, and a shared one would serialise all requests on
	// its lock as keys alternate. Deriving costs four HMACs.
	if err := v4.NewSigner().SignHTTP(r.Context(), creds, req, payloadHash, a.Service, a.Region, signedAt); err != nil {
		return "", err
	}
	got, err := ParseAuthorization(req.Header.Get("Authorization"))
	if err != nil {
		return "", err
	}
	return got.Signature, nil
}

// rawPath returns the escaped path of r exactly as the client sent it, even
// if a handler in front of the middleware rewrote r.URL.
func rawPath(r *http.Request) string {
	uri := r.RequestURI
	if strings.HasPrefix(uri, "/") {
		p, _, _ := strings.Cut(uri, "?")
		return p
	}
	if u, err := url.ParseRequestURI(uri); err == nil && u.Opaque == "" {
		return u.EscapedPath()
	}
	if p := r.URL.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

// writeJSONError renders an error in the AWS JSON 1.1 protocol's shape.
func writeJSONError(w http.ResponseWriter, _ *http.Request, status int, code, message string) {
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{code, message})
	h := w.Header()
	h.Set("X-Amzn-Errortype", code)
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}
