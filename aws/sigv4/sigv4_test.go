package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/personalize"
	"github.com/aws/smithy-go"
)

const (
	testKey     = "AKIAIOSFODNN7EXAMPLE"
	testSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testAccount = "123456789012"
	otherKey    = "AKIAOTHERKEY0000TEST"
	otherSecret = "otherSecret+/=="
	otherAcct   = "210987654321"
)

// testNow is the server clock of the table tests: 2026-11-26T01:23:45Z.
var testNow = time.Date(2026, 11, 26, 1, 23, 45, 0, time.UTC)

var testCreds = map[string]Credential{
	testKey:  {SecretAccessKey: testSecret, Account: testAccount},
	otherKey: {SecretAccessKey: otherSecret, Account: otherAcct},
}

// seen records what the handler behind the middleware observed.
type seen struct {
	mu     sync.Mutex
	ids    []Identity
	bodies []string
}

func (s *seen) last(t *testing.T) (Identity, string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ids) == 0 {
		t.Fatal("handler was not called")
	}
	return s.ids[len(s.ids)-1], s.bodies[len(s.bodies)-1]
}

func (s *seen) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ids)
}

// newServer starts a loopback server running the middleware in front of a
// handler that records the Identity and body and answers {}.
func newServer(t *testing.T, cfg Config) (*httptest.Server, *seen) {
	t.Helper()
	s := &seen{}
	srv := httptest.NewServer(Middleware(cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := FromContext(r.Context())
		if !ok {
			t.Error("no Identity in the request context")
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("handler reading body: %v", err)
		}
		s.mu.Lock()
		s.ids = append(s.ids, id)
		s.bodies = append(s.bodies, string(body))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, "{}")
	})))
	t.Cleanup(srv.Close)
	return srv, s
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// sdkSign signs req the way the SDK clients do.
func sdkSign(t *testing.T, req *http.Request, payloadHash, key, secret, token, region, service string, at time.Time) {
	t.Helper()
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret, SessionToken: token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, payloadHash, service, region, at); err != nil {
		t.Fatalf("SignHTTP: %v", err)
	}
}

// awsError is the decoded default error response.
type awsError struct {
	status        int
	header        string
	code, message string
}

func do(t *testing.T, req *http.Request) (int, awsError) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	if resp.StatusCode == http.StatusOK {
		return resp.StatusCode, awsError{}
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("error Content-Type = %q", ct)
	}
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return resp.StatusCode, awsError{resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), e.Type, e.Message}
}

func checkErr(t *testing.T, got awsError, status int, code, msg string) {
	t.Helper()
	if got.status != status || got.code != code || got.header != code {
		t.Errorf("got %d %s (header %q) %q, want %d %s", got.status, got.code, got.header, got.message, status, code)
	}
	if !strings.Contains(got.message, msg) {
		t.Errorf("message %q does not contain %q", got.message, msg)
	}
}

// signedCase describes a request signed with the SDK signer, optionally
// altered after signing.
type signedCase struct {
	name        string
	method      string // default POST
	path        string // default /
	body        string
	header      map[string]string // set before signing
	key, secret string            // default testKey/testSecret
	token       string
	region      string // default eu-west-1
	service     string // default personalize
	at          time.Time
	payloadHash string // default the body's hash
	after       func(r *http.Request)
}

func (c signedCase) request(t *testing.T, base string) *http.Request {
	t.Helper()
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, base+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	key, secret := c.key, c.secret
	if key == "" {
		key, secret = testKey, testSecret
	}
	region, service := c.region, c.service
	if region == "" {
		region = "eu-west-1"
	}
	if service == "" {
		service = SigningName
	}
	at := c.at
	if at.IsZero() {
		at = testNow
	}
	ph := c.payloadHash
	if ph == "" {
		ph = hashHex([]byte(c.body))
	}
	sdkSign(t, req, ph, key, secret, c.token, region, service, at)
	if c.after != nil {
		c.after(req)
	}
	return req
}

var jsonHeaders = map[string]string{
	"Content-Type": "application/x-amz-json-1.1",
	"X-Amz-Target": "AmazonPersonalize.ListDatasetGroups",
}

func TestMiddleware_Strict(t *testing.T) {
	srv, s := newServer(t, Config{Strict: true, Credentials: testCreds, Now: func() time.Time { return testNow }})

	t.Run("OK", func(t *testing.T) {
		for _, c := range []struct {
			signedCase
			want Identity
		}{
			{signedCase{name: "json body", body: `{"maxResults":10}`, header: jsonHeaders},
				Identity{testKey, testAccount, "eu-west-1"}},
			{signedCase{name: "second key and region", key: otherKey, secret: otherSecret, region: "ap-southeast-2", body: "{}", header: jsonHeaders},
				Identity{otherKey, otherAcct, "ap-southeast-2"}},
			{signedCase{name: "non-ASCII body and escaped path", path: "/datasets/a%20b/%C3%BC%2Fx~y/%25", body: `{"name":"Zoë – 日本語 🎉"}`, header: jsonHeaders},
				Identity{testKey, testAccount, "eu-west-1"}},
			{signedCase{name: "query string", method: http.MethodGet, path: "/recommendations?userId=u%201&b=2&a=%E2%82%AC"},
				Identity{testKey, testAccount, "eu-west-1"}},
			{signedCase{name: "empty body", body: ""},
				Identity{testKey, testAccount, "eu-west-1"}},
			{signedCase{name: "session token", token: "FQoGZXIvYXdzEXAMPLE//token==", body: "{}", header: jsonHeaders},
				Identity{testKey, testAccount, "eu-west-1"}},
			{signedCase{name: "x-amz-content-sha256", body: `{"a":1}`, header: map[string]string{"X-Amz-Content-Sha256": hashHex([]byte(`{"a":1}`))}},
				Identity{testKey, testAccount, "eu-west-1"}},
			{signedCase{name: "header with runs of spaces", body: "{}", header: map[string]string{"X-Amz-Meta-Note": "  a   b  c "}},
				Identity{testKey, testAccount, "eu-west-1"}},
			{signedCase{name: "repeated header", body: "{}", after: nil, header: map[string]string{"X-Amz-Target": "AmazonPersonalize.ListDatasetGroups"}},
				Identity{testKey, testAccount, "eu-west-1"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				n := s.count()
				status, e := do(t, c.request(t, srv.URL))
				if status != http.StatusOK {
					t.Fatalf("status %d: %s %s", status, e.code, e.message)
				}
				if s.count() != n+1 {
					t.Fatal("handler not called exactly once")
				}
				id, body := s.last(t)
				if id != c.want {
					t.Errorf("identity = %+v, want %+v", id, c.want)
				}
				if body != c.body {
					t.Errorf("handler read body %q, want %q", body, c.body)
				}
			})
		}
	})

	t.Run("Err", func(t *testing.T) {
		big := strings.Repeat("x", MaxBodySize+1)
		for _, c := range []struct {
			signedCase
			status    int
			code, msg string
		}{
			{signedCase{name: "wrong secret", secret: "nope", key: testKey, body: "{}"},
				403, codeInvalidSignature, msgInvalidSignature},
			{signedCase{name: "unknown key", key: "AKIAUNKNOWN", secret: testSecret, body: "{}"},
				403, codeUnrecognized, msgUnrecognized},
			{signedCase{name: "no Authorization", body: "{}", after: func(r *http.Request) { r.Header.Del("Authorization") }},
				403, codeMissingToken, msgMissingToken},
			{signedCase{name: "presigned query only", path: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc", after: func(r *http.Request) { r.Header.Del("Authorization") }},
				403, codeMissingToken, msgMissingToken},
			{signedCase{name: "body altered", body: `{"a":1}`, after: func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader(`{"a":2}`)) }},
				403, codeInvalidSignature, msgInvalidSignature},
			{signedCase{name: "signed header altered", body: "{}", header: jsonHeaders, after: func(r *http.Request) { r.Header.Set("X-Amz-Target", "AmazonPersonalize.DeleteDatasetGroup") }},
				403, codeInvalidSignature, msgInvalidSignature},
			{signedCase{name: "path altered", path: "/a", after: func(r *http.Request) { r.URL.Path = "/b" }},
				403, codeInvalidSignature, msgInvalidSignature},
			{signedCase{name: "query altered", path: "/?a=1", after: func(r *http.Request) { r.URL.RawQuery = "a=2" }},
				403, codeInvalidSignature, msgInvalidSignature},
			{signedCase{name: "signed header removed", body: "{}", header: jsonHeaders, after: func(r *http.Request) { r.Header.Del("X-Amz-Target") }},
				403, codeInvalidSignature, msgInvalidSignature},
			{signedCase{name: "content sha256 not the body's", body: `{"a":1}`, payloadHash: hashHex([]byte("other")), header: map[string]string{"X-Amz-Content-Sha256": hashHex([]byte("other"))}},
				400, codeShaMismatch, "x-amz-content-sha256"},
			{signedCase{name: "unsigned payload", body: `{"a":1}`, payloadHash: "UNSIGNED-PAYLOAD", header: map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"}},
				400, codeShaMismatch, "x-amz-content-sha256"},
			{signedCase{name: "no X-Amz-Date", after: func(r *http.Request) { r.Header.Del("X-Amz-Date") }},
				400, codeIncomplete, "'X-Amz-Date'"},
			{signedCase{name: "bad X-Amz-Date", after: func(r *http.Request) { r.Header.Set("X-Amz-Date", "2026-11-26T01:23:45Z") }},
				400, codeIncomplete, "X-Amz-Date '2026-11-26T01:23:45Z'"},
			{signedCase{name: "scope date not X-Amz-Date's", after: func(r *http.Request) { r.Header.Set("X-Amz-Date", "20261127T012345Z") }},
				403, codeInvalidSignature, "'20261126' != '20261127', from '20261127T012345Z'"},
			{signedCase{name: "wrong service", service: "s3"},
				403, codeInvalidSignature, "Credential should be scoped to correct service: 'personalize'."},
			{signedCase{name: "bad algorithm", after: func(r *http.Request) {
				r.Header.Set("Authorization", "AWS4-HMAC-SHA512 Credential=a/20261126/us-east-1/personalize/aws4_request")
			}},
				400, codeIncomplete, "'AWS4-HMAC-SHA512'"},
			{signedCase{name: "missing signature", after: func(r *http.Request) {
				a := r.Header.Get("Authorization")
				r.Header.Set("Authorization", a[:strings.Index(a, ", Signature=")])
			}},
				400, codeIncomplete, "Authorization header requires 'Signature' parameter."},
			{signedCase{name: "two Authorization headers", after: func(r *http.Request) { r.Header.Add("Authorization", r.Header.Get("Authorization")) }},
				400, codeIncomplete, "more than one Authorization header"},
			{signedCase{name: "body too large", body: big},
				413, codeTooLarge, "larger than 10485760 bytes"},
		} {
			t.Run(c.name, func(t *testing.T) {
				n := s.count()
				status, e := do(t, c.request(t, srv.URL))
				if status == http.StatusOK {
					t.Fatal("request accepted")
				}
				checkErr(t, e, c.status, c.code, c.msg)
				if s.count() != n {
					t.Error("handler called on a refused request")
				}
			})
		}
	})
}

// TestMiddleware_Concurrent verifies requests for several keys at once, for
// the race detector.
func TestMiddleware_Concurrent(t *testing.T) {
	srv, _ := newServer(t, Config{Strict: true, Credentials: testCreds, Now: func() time.Time { return testNow }})
	t.Run("OK", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 16 {
			c := signedCase{body: `{"i":` + strings.Repeat("1", i+1) + `}`, region: []string{"eu-west-1", "us-east-1"}[i%2]}
			if i%3 == 0 {
				c.key, c.secret = otherKey, otherSecret
			}
			req := c.request(t, srv.URL)
			wg.Go(func() {
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("request %d: status %d", i, resp.StatusCode)
				}
			})
		}
		wg.Wait()
	})
}

// TestMiddleware_RawPath checks that the path verified is the one the client
// sent even when a handler in front of the middleware rewrote r.URL.
func TestMiddleware_RawPath(t *testing.T) {
	var got Identity
	h := Middleware(Config{Strict: true, Credentials: testCreds, Now: func() time.Time { return testNow }},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got, _ = FromContext(r.Context()) }))
	srv := httptest.NewServer(http.StripPrefix("/api", h))
	t.Cleanup(srv.Close)
	t.Run("OK", func(t *testing.T) {
		status, e := do(t, signedCase{path: "/api/datasets/a%20b", body: "{}"}.request(t, srv.URL))
		if status != http.StatusOK {
			t.Fatalf("status %d: %s %s", status, e.code, e.message)
		}
		if got.Account != testAccount {
			t.Errorf("identity = %+v", got)
		}
	})
}

func TestMiddleware_ClockSkew(t *testing.T) {
	now := time.Date(2026, 11, 26, 1, 30, 0, 0, time.UTC)
	srv, _ := newServer(t, Config{Strict: true, Credentials: testCreds, Now: func() time.Time { return now }})

	t.Run("OK", func(t *testing.T) {
		for _, d := range []time.Duration{0, -15 * time.Minute, 15 * time.Minute, -14*time.Minute - 59*time.Second, 14 * time.Minute} {
			t.Run(d.String(), func(t *testing.T) {
				status, e := do(t, signedCase{at: now.Add(d), body: "{}"}.request(t, srv.URL))
				if status != http.StatusOK {
					t.Fatalf("status %d: %s %s", status, e.code, e.message)
				}
			})
		}
	})

	t.Run("Err", func(t *testing.T) {
		for _, c := range []struct {
			name string
			at   time.Time
			msg  string
		}{
			{"past", time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC),
				"Signature expired: 20261126T010000Z is now earlier than 20261126T011500Z (20261126T013000Z - 15 min.)"},
			{"just past", now.Add(-15*time.Minute - time.Second),
				"Signature expired: 20261126T011459Z is now earlier than 20261126T011500Z (20261126T013000Z - 15 min.)"},
			{"future", time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC),
				"Signature not yet current: 20261126T020000Z is still later than 20261126T014500Z (20261126T013000Z + 15 min.)"},
			{"just future", now.Add(15*time.Minute + time.Second),
				"Signature not yet current: 20261126T014501Z is still later than 20261126T014500Z (20261126T013000Z + 15 min.)"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, e := do(t, signedCase{at: c.at, body: "{}"}.request(t, srv.URL))
				checkErr(t, e, 403, codeInvalidSignature, c.msg)
				if e.message != c.msg {
					t.Errorf("message = %q, want %q", e.message, c.msg)
				}
			})
		}
	})
}

func TestMiddleware_Local(t *testing.T) {
	srv, s := newServer(t, Config{})
	withAuth := func(h string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", h) }
	}

	t.Run("OK", func(t *testing.T) {
		for _, c := range []struct {
			signedCase
			want Identity
		}{
			{signedCase{name: "12-digit key selects the account", key: "123456789012", secret: "anything", region: "ap-south-1"},
				Identity{"123456789012", "123456789012", "ap-south-1"}},
			{signedCase{name: "other key maps to default", key: testKey, secret: "wrong", region: "eu-west-1"},
				Identity{testKey, DefaultAccount, "eu-west-1"}},
			{signedCase{name: "11 digits is not an account", key: "12345678901", secret: "x"},
				Identity{"12345678901", DefaultAccount, "eu-west-1"}},
			{signedCase{name: "13 digits is not an account", key: "1234567890123", secret: "x"},
				Identity{"1234567890123", DefaultAccount, "eu-west-1"}},
			{signedCase{name: "unsigned", after: func(r *http.Request) { r.Header.Del("Authorization") }},
				Identity{"", DefaultAccount, DefaultRegion}},
			{signedCase{name: "expired and other service still pass", at: testNow.Add(-48 * time.Hour), service: "s3", key: "000011112222", secret: "x"},
				Identity{"000011112222", "000011112222", "eu-west-1"}},
			{signedCase{name: "bad signature still passes", after: withAuth("AWS4-HMAC-SHA256 Credential=test/20261126/us-west-2/personalize/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("0", 64))},
				Identity{"test", DefaultAccount, "us-west-2"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				status, e := do(t, c.request(t, srv.URL))
				if status != http.StatusOK {
					t.Fatalf("status %d: %s %s", status, e.code, e.message)
				}
				if id, _ := s.last(t); id != c.want {
					t.Errorf("identity = %+v, want %+v", id, c.want)
				}
			})
		}
	})

	t.Run("Err", func(t *testing.T) {
		for _, c := range []struct {
			name, auth, msg string
		}{
			{"not SigV4", "Bearer abc", "Unsupported Authorization algorithm 'Bearer'"},
			{"no parameters", "AWS4-HMAC-SHA256", "requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."},
			{"short scope", "AWS4-HMAC-SHA256 Credential=a/20261126/us-east-1/aws4_request, SignedHeaders=host, Signature=" + strings.Repeat("a", 64), "exactly 5 slash-delimited elements"},
		} {
			t.Run(c.name, func(t *testing.T) {
				n := s.count()
				_, e := do(t, signedCase{after: withAuth(c.auth)}.request(t, srv.URL))
				checkErr(t, e, 400, codeIncomplete, c.msg)
				if s.count() != n {
					t.Error("handler called on a refused request")
				}
			})
		}
	})
}

func TestMiddleware_WriteError(t *testing.T) {
	var gotStatus int
	var gotCode, gotMsg string
	h := Middleware(Config{Strict: true, WriteError: func(w http.ResponseWriter, r *http.Request, status int, code, message string) {
		gotStatus, gotCode, gotMsg = status, code, message
		w.WriteHeader(status)
	}}, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("handler called") }))

	t.Run("Err", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
		if rec.Code != 403 || gotStatus != 403 || gotCode != codeMissingToken || gotMsg != msgMissingToken {
			t.Errorf("got %d/%d %s %q", rec.Code, gotStatus, gotCode, gotMsg)
		}
	})
}

// TestMiddleware_SDKClient drives the middleware with the aws-sdk-go-v2
// Personalize client.
func TestMiddleware_SDKClient(t *testing.T) {
	strict, s := newServer(t, Config{Strict: true, Credentials: testCreds})
	local, ls := newServer(t, Config{})

	client := func(url string, creds aws.CredentialsProvider) *personalize.Client {
		return personalize.New(personalize.Options{
			Region:           "eu-west-1",
			BaseEndpoint:     aws.String(url),
			Credentials:      creds,
			RetryMaxAttempts: 1,
		})
	}
	static := func(key, secret, token string) aws.CredentialsProvider {
		return credentials.NewStaticCredentialsProvider(key, secret, token)
	}

	t.Run("OK", func(t *testing.T) {
		for _, c := range []struct {
			name   string
			url    string
			seen   *seen
			creds  aws.CredentialsProvider
			wantID Identity
		}{
			{"strict", strict.URL, s, static(testKey, testSecret, ""), Identity{testKey, testAccount, "eu-west-1"}},
			{"strict with session token", strict.URL, s, static(otherKey, otherSecret, "session-token"), Identity{otherKey, otherAcct, "eu-west-1"}},
			{"local 12-digit key", local.URL, ls, static("111122223333", "x", ""), Identity{"111122223333", "111122223333", "eu-west-1"}},
			{"local anonymous", local.URL, ls, aws.AnonymousCredentials{}, Identity{"", DefaultAccount, DefaultRegion}},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := client(c.url, c.creds).ListDatasetGroups(context.Background(), &personalize.ListDatasetGroupsInput{MaxResults: aws.Int32(5)})
				if err != nil {
					t.Fatal(err)
				}
				id, body := c.seen.last(t)
				if id != c.wantID {
					t.Errorf("identity = %+v, want %+v", id, c.wantID)
				}
				if body != `{"maxResults":5}` {
					t.Errorf("handler read body %q", body)
				}
			})
		}
	})

	t.Run("Err", func(t *testing.T) {
		for _, c := range []struct {
			name  string
			creds aws.CredentialsProvider
			code  string
		}{
			{"wrong secret", static(testKey, "wrong", ""), codeInvalidSignature},
			{"unknown key", static("AKIANOBODY", testSecret, ""), codeUnrecognized},
			{"anonymous", aws.AnonymousCredentials{}, codeMissingToken},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := client(strict.URL, c.creds).ListDatasetGroups(context.Background(), &personalize.ListDatasetGroupsInput{})
				var apiErr smithy.APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("error %v is not a smithy.APIError", err)
				}
				if apiErr.ErrorCode() != c.code {
					t.Errorf("code = %q (%v), want %q", apiErr.ErrorCode(), err, c.code)
				}
			})
		}
	})
}

// botocore runs testdata/botosign.py, skipping the test when python3 or
// botocore is not installed.
func botocore(t *testing.T, in any, out any) {
	t.Helper()
	if err := exec.Command("python3", "-c", "import botocore").Run(); err != nil {
		t.Skipf("python3 with botocore not available: %v", err)
	}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", filepath.Join("testdata", "botosign.py"))
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("botosign.py: %v\n%s", err, stderr.Bytes())
	}
	if err := json.Unmarshal(res, out); err != nil {
		t.Fatalf("botosign.py output %q: %v", res, err)
	}
}

// TestMiddleware_Botocore replays requests signed by botocore, and lets a
// botocore Personalize client (what the AWS CLI uses) call the server.
func TestMiddleware_Botocore(t *testing.T) {
	srv, s := newServer(t, Config{Strict: true, Credentials: testCreds})

	type signReq struct {
		Mode           string      `json:"mode"`
		Method         string      `json:"method"`
		URL            string      `json:"url"`
		Headers        [][2]string `json:"headers"`
		Body           string      `json:"body"`
		AccessKey      string      `json:"access_key"`
		SecretKey      string      `json:"secret_key"`
		Region         string      `json:"region"`
		Service        string      `json:"service"`
		Token          string      `json:"token,omitempty"`
		SignAllHeaders bool        `json:"sign_all_headers,omitempty"`
	}
	type signed struct {
		Method  string      `json:"method"`
		URL     string      `json:"url"`
		Headers [][2]string `json:"headers"`
		Body    string      `json:"body"`
	}
	replay := func(t *testing.T, in signReq) (int, awsError) {
		t.Helper()
		in.Mode, in.Region, in.Service = "sign", "eu-west-1", SigningName
		if in.Method == "" {
			in.Method = http.MethodPost
		}
		var out signed
		botocore(t, in, &out)
		req, err := http.NewRequest(out.Method, out.URL, strings.NewReader(out.Body))
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range out.Headers {
			req.Header.Add(h[0], h[1])
		}
		return do(t, req)
	}
	target := [][2]string{
		{"Content-Type", "application/x-amz-json-1.1"},
		{"X-Amz-Target", "AmazonPersonalize.ListDatasetGroups"},
		{"User-Agent", "aws-cli/2.99 botocore/1.43"},
		{"X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793"},
	}

	t.Run("OK", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			signReq
		}{
			{"json", signReq{URL: srv.URL + "/", Headers: target, Body: `{"maxResults":3}`}},
			{"non-ASCII body and escaped path", signReq{URL: srv.URL + "/datasets/a%20b/%C3%BC%2Fx~y", Headers: target, Body: `{"name":"Zoë – 日本語 🎉"}`}},
			{"User-Agent and X-Amzn-Trace-Id signed", signReq{URL: srv.URL + "/", Headers: target, Body: "{}", SignAllHeaders: true}},
			{"session token", signReq{URL: srv.URL + "/", Headers: target, Body: "{}", Token: "botocore-session-token"}},
			{"GET with query", signReq{Method: http.MethodGet, URL: srv.URL + "/recommendations?userId=u1&numResults=5"}},
		} {
			c := tc.signReq
			t.Run(tc.name, func(t *testing.T) {
				c.AccessKey, c.SecretKey = testKey, testSecret
				status, e := replay(t, c)
				if status != http.StatusOK {
					t.Fatalf("status %d: %s %s", status, e.code, e.message)
				}
				id, body := s.last(t)
				if want := (Identity{testKey, testAccount, "eu-west-1"}); id != want {
					t.Errorf("identity = %+v, want %+v", id, want)
				}
				if body != c.Body {
					t.Errorf("handler read body %q, want %q", body, c.Body)
				}
			})
		}
		t.Run("client", func(t *testing.T) {
			var out map[string]any
			botocore(t, map[string]string{"mode": "call", "endpoint": srv.URL, "region": "eu-west-1", "access_key": otherKey, "secret_key": otherSecret}, &out)
			if out["ok"] != true {
				t.Fatalf("botocore call: %v", out)
			}
			if id, _ := s.last(t); id != (Identity{otherKey, otherAcct, "eu-west-1"}) {
				t.Errorf("identity = %+v", id)
			}
		})
	})

	t.Run("Err", func(t *testing.T) {
		for _, c := range []struct {
			name      string
			key, sec  string
			status    int
			code, msg string
		}{
			{"wrong secret", testKey, "wrong", 403, codeInvalidSignature, msgInvalidSignature},
			{"unknown key", "AKIANOBODY", testSecret, 403, codeUnrecognized, msgUnrecognized},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, e := replay(t, signReq{URL: srv.URL + "/", Headers: target, Body: "{}", AccessKey: c.key, SecretKey: c.sec})
				checkErr(t, e, c.status, c.code, c.msg)
			})
			t.Run(c.name+" client", func(t *testing.T) {
				var out struct {
					ErrorCode string `json:"error_code"`
					Status    int    `json:"status"`
				}
				botocore(t, map[string]string{"mode": "call", "endpoint": srv.URL, "region": "eu-west-1", "access_key": c.key, "secret_key": c.sec}, &out)
				if out.ErrorCode != c.code || out.Status != c.status {
					t.Errorf("botocore got %d %s, want %d %s", out.Status, out.ErrorCode, c.status, c.code)
				}
			})
		}
	})
}

func TestParseAuthorization(t *testing.T) {
	sig := strings.Repeat("0123456789abcdef", 4)
	t.Run("OK", func(t *testing.T) {
		for _, c := range []struct {
			name, h string
			want    Authorization
		}{
			{"SDK form", "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/personalize/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + sig,
				Authorization{Algorithm, "AKID", "20261126", "us-east-1", "personalize", []string{"content-type", "host", "x-amz-date", "x-amz-target"}, sig}},
			{"no spaces, other order", "AWS4-HMAC-SHA256 Signature=" + sig + ",SignedHeaders=host,Credential=123456789012/20240229/eu-west-1/personalize/aws4_request",
				Authorization{Algorithm, "123456789012", "20240229", "eu-west-1", "personalize", []string{"host"}, sig}},
			{"extra blanks", "  AWS4-HMAC-SHA256   Credential=AKID/20261126/us-east-1/personalize/aws4_request ,  SignedHeaders=host;x-amz-date ,Signature=" + sig + " ",
				Authorization{Algorithm, "AKID", "20261126", "us-east-1", "personalize", []string{"host", "x-amz-date"}, sig}},
		} {
			t.Run(c.name, func(t *testing.T) {
				got, err := ParseAuthorization(c.h)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, c.want) {
					t.Errorf("got %+v, want %+v", got, c.want)
				}
				again, err := ParseAuthorization(got.String())
				if err != nil || !reflect.DeepEqual(again, got) {
					t.Errorf("round trip of %q: %+v, %v", got.String(), again, err)
				}
			})
		}
	})

	t.Run("Err", func(t *testing.T) {
		cred := "Credential=AKID/20261126/us-east-1/personalize/aws4_request"
		for _, c := range []struct {
			name, h, msg string
		}{
			{"empty", "", "empty"},
			{"wrong algorithm", "AWS4-HMAC-SHA1 " + cred, "'AWS4-HMAC-SHA1'"},
			{"lowercase algorithm", "aws4-hmac-sha256 " + cred, "Unsupported Authorization algorithm"},
			{"no equals", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders", "'SignedHeaders' not a valid key=value pair"},
			{"unknown parameter", "AWS4-HMAC-SHA256 " + cred + ", Foo=bar", "Unknown parameter 'Foo'"},
			{"duplicate", "AWS4-HMAC-SHA256 " + cred + ", " + cred, "more than one 'Credential'"},
			{"missing SignedHeaders", "AWS4-HMAC-SHA256 " + cred + ", Signature=" + sig, "requires 'SignedHeaders' parameter."},
			{"missing Credential", "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=" + sig, "requires 'Credential' parameter."},
			{"four elements", "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/personalize, SignedHeaders=host, Signature=" + sig, "exactly 5 slash-delimited"},
			{"empty key", "AWS4-HMAC-SHA256 Credential=/20261126/us-east-1/personalize/aws4_request, SignedHeaders=host, Signature=" + sig, "valid access key ID"},
			{"bad date", "AWS4-HMAC-SHA256 Credential=AKID/20261131/us-east-1/personalize/aws4_request, SignedHeaders=host, Signature=" + sig, "valid date"},
			{"bad region", "AWS4-HMAC-SHA256 Credential=AKID/20261126/US East/personalize/aws4_request, SignedHeaders=host, Signature=" + sig, "valid region, not 'US East'"},
			{"empty service", "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1//aws4_request, SignedHeaders=host, Signature=" + sig, "valid service"},
			{"bad terminator", "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/personalize/aws5_request, SignedHeaders=host, Signature=" + sig, "valid terminator: 'aws4_request', not 'aws5_request'"},
			{"uppercase header", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=Host, Signature=" + sig, "'Host' is not one"},
			{"empty header name", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;;x-amz-date, Signature=" + sig, "'' is not one"},
			{"short signature", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, Signature=abc", "64 lowercase hexadecimal"},
			{"uppercase signature", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, Signature=" + strings.ToUpper(sig), "64 lowercase hexadecimal"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := ParseAuthorization(c.h)
				var ae *AuthorizationError
				if !errors.As(err, &ae) {
					t.Fatalf("error %v is not an *AuthorizationError", err)
				}
				if !strings.Contains(err.Error(), c.msg) {
					t.Errorf("error %q does not contain %q", err, c.msg)
				}
			})
		}
	})
}

func FuzzParseAuthorization(f *testing.F) {
	sig := strings.Repeat("ab", 32)
	for _, s := range []string{
		"",
		"AWS4-HMAC-SHA256",
		"AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/personalize/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + sig,
		"AWS4-HMAC-SHA256 Signature=" + sig + ",SignedHeaders=host,Credential=a/20000229/x/y/aws4_request",
		"AWS4-HMAC-SHA256 Credential=a/b/c, SignedHeaders=, Signature=",
		"AWS4-HMAC-SHA256 ,,,=,==,Credential==",
		"Bearer \xff\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		a, err := ParseAuthorization(h)
		if err != nil {
			return
		}
		b, err := ParseAuthorization(a.String())
		if err != nil {
			t.Fatalf("String() of a parsed header %q does not parse: %q: %v", h, a.String(), err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip of %q: %+v != %+v", h, a, b)
		}
	})
}

func TestLoadCredentials(t *testing.T) {
	write := func(t *testing.T, content string) string {
		p := filepath.Join(t.TempDir(), "credentials")
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	t.Run("OK", func(t *testing.T) {
		for _, c := range []struct {
			name, content string
			want          map[string]Credential
		}{
			{"empty", "", map[string]Credential{}},
			{"comments and blanks", "# ACCESS_KEY_ID SECRET ACCOUNT\n\n   # indented comment\n" +
				testKey + " " + testSecret + " " + testAccount + "\n" +
				"\t" + otherKey + "\t" + otherSecret + "   " + otherAcct + "  \r\n",
				testCreds},
		} {
			t.Run(c.name, func(t *testing.T) {
				got, err := LoadCredentials(write(t, c.content))
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, c.want) {
					t.Errorf("got %v, want %v", got, c.want)
				}
			})
		}
	})

	t.Run("Err", func(t *testing.T) {
		for _, c := range []struct {
			name, content, msg string
		}{
			{"two fields", "# c\nAKID secret\n", ":2: want 3 fields"},
			{"four fields", "AKID secret 123456789012 extra\n", ":1: want 3 fields"},
			{"short account", "AKID secret 12345678901\n", `account ID "12345678901" is not 12 digits`},
			{"non-digit account", "AKID secret 12345678901a\n", "is not 12 digits"},
			{"slash in key", "AK/ID secret 123456789012\n", "cannot carry"},
			{"duplicate", "AKID a 123456789012\nAKID b 210987654321\n", `:2: access key ID "AKID" appears more than once`},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := LoadCredentials(write(t, c.content))
				if err == nil || !strings.Contains(err.Error(), c.msg) {
					t.Errorf("error %v does not contain %q", err, c.msg)
				}
			})
		}
		t.Run("missing file", func(t *testing.T) {
			if _, err := LoadCredentials(filepath.Join(t.TempDir(), "nope")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("error %v is not ErrNotExist", err)
			}
		})
	})
}

func TestFromContext(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		want := Identity{"k", testAccount, "eu-west-1"}
		got, ok := FromContext(NewContext(context.Background(), want))
		if !ok || got != want {
			t.Errorf("got %+v, %v", got, ok)
		}
	})
	t.Run("Err", func(t *testing.T) {
		if got, ok := FromContext(context.Background()); ok || got != (Identity{}) {
			t.Errorf("got %+v, %v from an empty context", got, ok)
		}
	})
}
