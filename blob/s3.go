package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Multipart upload tuning: objects larger than multipartThreshold are
// uploaded in parts of multipartPartSize bytes (S3 allows 10,000 parts of at
// least 5 MiB, and PutObject up to 5 GiB). Tests lower both.
var (
	multipartThreshold int64 = 256 << 20
	multipartPartSize  int64 = 64 << 20
)

// readAhead is how much a small ReadAt fetches around the bytes asked for,
// so that the many small reads of a Parquet footer and its metadata cost one
// request.
const readAhead = 256 << 10

// s3Store serves s3:// URLs.
type s3Store struct {
	client *s3.Client
}

func newS3Store(_ context.Context, cfg S3Config) (*s3Store, error) {
	opts := s3.Options{
		Region:                     cfg.Region,
		UsePathStyle:               cfg.PathStyle,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	switch {
	case cfg.AccessKeyID != "" && cfg.SecretAccessKey != "":
		opts.Credentials = credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, "")
	case cfg.AccessKeyID == "" && cfg.SecretAccessKey == "":
		opts.Credentials = aws.AnonymousCredentials{}
	default:
		return nil, errors.New("blob: S3 config needs both an access key ID and a secret access key, or neither")
	}
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("blob: S3 endpoint %q is not an http:// or https:// URL", cfg.Endpoint)
		}
		opts.BaseEndpoint = aws.String(cfg.Endpoint)
	}
	return &s3Store{client: s3.New(opts)}, nil
}

// s3Err turns an SDK error into an error naming the operation, the URL and
// a short cause, wrapping ErrNotFound for a missing object or bucket.
func s3Err(op, u string, loc location, err error) error {
	e := &opError{Op: op, URL: u, Err: err}
	var ae smithy.APIError
	var status interface{ HTTPStatusCode() int }
	code := ""
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	switch {
	case code == "NoSuchBucket":
		e.notFound = true
		e.Err = &causeError{msg: "bucket " + loc.bucket + " does not exist", err: err}
	case code == "NoSuchKey" || code == "NotFound" ||
		// A 404 without an error code (HEAD responses have no body). Other
		// codes are not "not found" even with a 404: versitygw answers an
		// unknown access key with 404 XAdminUserNotFound.
		code == "" && errors.As(err, &status) && status.HTTPStatusCode() == http.StatusNotFound:
		e.notFound = true
		e.Err = &causeError{msg: "object does not exist", err: err}
		if op == "list" {
			e.Err = &causeError{msg: "bucket " + loc.bucket + " does not exist", err: err}
		}
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		e.Err = &causeError{msg: contextCause(err).Error(), err: err}
	case ae != nil:
		msg := code
		if m := ae.ErrorMessage(); m != "" {
			msg += ": " + m
		}
		e.Err = &causeError{msg: msg, err: err}
	}
	return e
}

func contextCause(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return context.Canceled
}

func (s *s3Store) open(ctx context.Context, u string, loc location) (io.ReadCloser, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &loc.bucket, Key: &loc.key})
	if err != nil {
		return nil, s3Err("open", u, loc, err)
	}
	return &s3Body{body: out.Body, url: u, loc: loc}, nil
}

// s3Body names the URL in its read errors.
type s3Body struct {
	body io.ReadCloser
	url  string
	loc  location
}

func (b *s3Body) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if err != nil && err != io.EOF {
		err = s3Err("read", b.url, b.loc, err)
	}
	return n, err
}

func (b *s3Body) Close() error { return b.body.Close() }

func (s *s3Store) readerAt(ctx context.Context, u string, loc location) (ReaderAtCloser, int64, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &loc.bucket, Key: &loc.key})
	if err != nil {
		return nil, 0, s3Err("open", u, loc, err)
	}
	size := aws.ToInt64(out.ContentLength)
	return &s3ReaderAt{s: s, ctx: ctx, url: u, loc: loc, size: size, etag: aws.ToString(out.ETag)}, size, nil
}

// s3ReaderAt reads byte ranges with ranged GetObject requests, keeping the
// last read-ahead window in memory. It is safe for concurrent use.
type s3ReaderAt struct {
	s    *s3Store
	ctx  context.Context
	url  string
	loc  location
	size int64
	etag string // the object read must not change under the reader

	mu     sync.Mutex
	bufOff int64
	buf    []byte
}

func (r *s3ReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, &opError{Op: "read", URL: r.url, Err: errors.New("negative offset")}
	}
	if off >= r.size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	want := p
	var eof error
	if rest := r.size - off; int64(len(want)) > rest {
		want, eof = want[:rest], io.EOF
	}
	if len(want) == 0 {
		return 0, nil
	}
	r.mu.Lock()
	if off >= r.bufOff && off+int64(len(want)) <= r.bufOff+int64(len(r.buf)) {
		n := copy(want, r.buf[off-r.bufOff:])
		r.mu.Unlock()
		return n, eof
	}
	r.mu.Unlock()

	start, end := off, off+int64(len(want)) // the range to fetch
	small := len(want) < readAhead
	if small {
		end = start + readAhead
		if end > r.size {
			end = r.size
			start = max(0, end-readAhead)
		}
	}
	data, err := r.fetch(start, end)
	if err != nil {
		return 0, err
	}
	n := copy(want, data[off-start:])
	if small {
		r.mu.Lock()
		r.bufOff, r.buf = start, data
		r.mu.Unlock()
	}
	return n, eof
}

// fetch reads the bytes [start, end) of the object.
func (r *s3ReaderAt) fetch(start, end int64) ([]byte, error) {
	in := &s3.GetObjectInput{
		Bucket: &r.loc.bucket,
		Key:    &r.loc.key,
		Range:  aws.String(fmt.Sprintf("bytes=%d-%d", start, end-1)),
	}
	if r.etag != "" {
		in.IfMatch = aws.String(r.etag)
	}
	out, err := r.s.client.GetObject(r.ctx, in)
	if err != nil {
		return nil, s3Err("read", r.url, r.loc, err)
	}
	defer out.Body.Close()
	data := make([]byte, end-start)
	if _, err := io.ReadFull(out.Body, data); err != nil {
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			err = fmt.Errorf("short ranged read at %d: %w", start, io.ErrUnexpectedEOF)
		}
		return nil, s3Err("read", r.url, r.loc, err)
	}
	return data, nil
}

func (r *s3ReaderAt) Close() error {
	r.mu.Lock()
	r.buf = nil
	r.mu.Unlock()
	return nil
}

func (s *s3Store) create(ctx context.Context, u string, loc location) (Writer, error) {
	if err := ctx.Err(); err != nil {
		return nil, &opError{Op: "create", URL: u, Err: err}
	}
	f, err := os.CreateTemp("", "perso-blob-s3-*")
	if err != nil {
		return nil, &opError{Op: "create", URL: u, Err: fmt.Errorf("temporary file: %w", err)}
	}
	return &s3Writer{s: s, ctx: ctx, f: f, url: u, loc: loc}, nil
}

// s3Writer buffers the object in a temporary file and uploads it on Close,
// with one PutObject or, for large objects, a multipart upload.
type s3Writer struct {
	s    *s3Store
	ctx  context.Context
	f    *os.File // nil once closed or aborted
	url  string
	loc  location
	size int64
}

func (w *s3Writer) Write(p []byte) (int, error) {
	if w.f == nil {
		return 0, &opError{Op: "write", URL: w.url, Err: errClosed}
	}
	n, err := w.f.Write(p)
	w.size += int64(n)
	if err != nil {
		err = &opError{Op: "write", URL: w.url, Err: fmt.Errorf("temporary file: %w", err)}
	}
	return n, err
}

func (w *s3Writer) Close() error {
	if w.f == nil {
		return &opError{Op: "create", URL: w.url, Err: errClosed}
	}
	f := w.f
	w.f = nil
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	if err := w.ctx.Err(); err != nil {
		return &opError{Op: "create", URL: w.url, Err: err}
	}
	if w.size > multipartThreshold {
		return w.multipart(f)
	}
	_, err := w.s.client.PutObject(w.ctx, &s3.PutObjectInput{
		Bucket:        &w.loc.bucket,
		Key:           &w.loc.key,
		Body:          io.NewSectionReader(f, 0, w.size),
		ContentLength: aws.Int64(w.size),
	})
	if err != nil {
		return s3Err("create", w.url, w.loc, err)
	}
	return nil
}

// multipart uploads the temporary file f in parts.
func (w *s3Writer) multipart(f *os.File) error {
	c := w.s.client
	mu, err := c.CreateMultipartUpload(w.ctx, &s3.CreateMultipartUploadInput{Bucket: &w.loc.bucket, Key: &w.loc.key})
	if err != nil {
		return s3Err("create", w.url, w.loc, err)
	}
	fail := func(err error) error {
		// Abort with a fresh context: w.ctx may be what failed.
		_, _ = c.AbortMultipartUpload(context.WithoutCancel(w.ctx), &s3.AbortMultipartUploadInput{
			Bucket: &w.loc.bucket, Key: &w.loc.key, UploadId: mu.UploadId,
		})
		return s3Err("create", w.url, w.loc, err)
	}
	var parts []s3types.CompletedPart
	for off, num := int64(0), int32(1); off < w.size; off, num = off+multipartPartSize, num+1 {
		n := min(multipartPartSize, w.size-off)
		out, err := c.UploadPart(w.ctx, &s3.UploadPartInput{
			Bucket:        &w.loc.bucket,
			Key:           &w.loc.key,
			UploadId:      mu.UploadId,
			PartNumber:    aws.Int32(num),
			Body:          io.NewSectionReader(f, off, n),
			ContentLength: aws.Int64(n),
		})
		if err != nil {
			return fail(err)
		}
		parts = append(parts, s3types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num)})
	}
	_, err = c.CompleteMultipartUpload(w.ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          &w.loc.bucket,
		Key:             &w.loc.key,
		UploadId:        mu.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts},
	})
	if err != nil {
		return fail(err)
	}
	return nil
}

func (w *s3Writer) Abort() error {
	if w.f == nil {
		return nil
	}
	f := w.f
	w.f = nil
	f.Close()
	os.Remove(f.Name())
	return nil
}

func (s *s3Store) list(ctx context.Context, prefix string, loc location) ([]Object, error) {
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &loc.bucket, Prefix: aws.String(loc.key)})
	var objs []Object
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s3Err("list", prefix, loc, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if strings.HasSuffix(key, "/") {
				continue // a "directory" marker, not an object
			}
			objs = append(objs, Object{URL: "s3://" + loc.bucket + "/" + key, Size: aws.ToInt64(o.Size)})
		}
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].URL < objs[j].URL })
	return objs, nil
}

func (s *s3Store) remove(ctx context.Context, u string, loc location) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &loc.bucket, Key: &loc.key})
	if err != nil {
		e := s3Err("delete", u, loc, err)
		if errors.Is(e, ErrNotFound) {
			return nil
		}
		return e
	}
	return nil
}
