package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Object is one listed object.
type Object struct {
	// URL is the object's URL, in the same scheme and form as the listed prefix.
	URL string
	// Size is the object's length in bytes.
	Size int64
}

// Store reads and writes objects at URLs of the schemes it serves.
// Its methods are safe for concurrent use.
type Store interface {
	// Open opens the object at url for reading. A missing object is an error wrapping ErrNotFound.
	Open(ctx context.Context, url string) (io.ReadCloser, error)
	// ReaderAt opens the object for random access (Parquet needs it) and returns its size.
	// The context also governs the reads made through the returned reader.
	ReaderAt(ctx context.Context, url string) (ReaderAtCloser, int64, error)
	// Create returns a writer whose object appears atomically, whole, only when Close returns nil; Abort (or a failed Close) leaves nothing behind. Writes to file:// are fsynced (file and directory) before Close returns.
	Create(ctx context.Context, url string) (Writer, error)
	// List lists the objects whose URL starts with prefix (a "directory" prefix ending in "/" or any key prefix), sorted by URL.
	List(ctx context.Context, prefix string) ([]Object, error)
	// Delete removes an object; deleting a missing object is not an error.
	Delete(ctx context.Context, url string) error
}

// Writer writes one object, which appears only when Close returns nil.
//
// Abort discards what was written; it may be deferred, since after a
// successful Close it does nothing and returns nil.
type Writer interface {
	io.Writer
	// Close commits the object; when it fails, nothing is left behind.
	Close() error
	// Abort discards the object being written.
	Abort() error
}

// ReaderAtCloser is an io.ReaderAt that must be closed after use.
type ReaderAtCloser interface {
	io.ReaderAt
	io.Closer
}

// ErrNotFound is wrapped by the errors reporting a missing object (or, for
// S3, a missing bucket).
var ErrNotFound = errors.New("blob: object not found")

// S3Config configures the s3:// scheme.
type S3Config struct {
	// Endpoint is the base URL of the S3 service, such as
	// "http://127.0.0.1:7070"; "" uses AWS's endpoint for Region.
	Endpoint string
	// Region is the signing region; "" means "us-east-1".
	Region string
	// AccessKeyID and SecretAccessKey are the static credentials; both ""
	// sends anonymous requests.
	AccessKeyID, SecretAccessKey string
	// PathStyle addresses buckets as endpoint/bucket/key instead of
	// bucket.endpoint/key; most self-hosted S3 servers need it.
	PathStyle bool
}

// Config configures a Router.
type Config struct {
	// Root, when set, confines file:// URLs to this directory tree (reject others with a clear error); "" allows any absolute path.
	// The check is lexical: symbolic links inside Root are followed.
	Root string
	// S3 configures the s3:// scheme; nil refuses s3:// URLs with an error
	// saying that S3 is not configured.
	S3 *S3Config
}

// New returns a Store that routes each URL to its scheme: file:///abs/path and s3://bucket/key.
func New(ctx context.Context, cfg Config) (Store, error) {
	r := &router{}
	if cfg.Root != "" {
		if !filepath.IsAbs(cfg.Root) {
			return nil, fmt.Errorf("blob: root %q is not an absolute path", cfg.Root)
		}
		r.file.root = filepath.Clean(cfg.Root)
	}
	if cfg.S3 != nil {
		s, err := newS3Store(ctx, *cfg.S3)
		if err != nil {
			return nil, err
		}
		r.s3 = s
	}
	return r, nil
}

// backend is what one scheme implements; the locations it is given are
// already parsed and checked.
type backend interface {
	open(ctx context.Context, url string, loc location) (io.ReadCloser, error)
	readerAt(ctx context.Context, url string, loc location) (ReaderAtCloser, int64, error)
	create(ctx context.Context, url string, loc location) (Writer, error)
	list(ctx context.Context, prefix string, loc location) ([]Object, error)
	remove(ctx context.Context, url string, loc location) error
}

type router struct {
	file fileStore
	s3   *s3Store // nil when S3 is not configured
}

// route parses url and picks its backend; object says whether url must name
// an object rather than a prefix.
func (r *router) route(op, url string, object bool) (backend, location, error) {
	loc, err := parseURL(url)
	if err == nil && object {
		err = loc.checkObject()
	}
	if err != nil {
		return nil, location{}, &opError{Op: op, URL: url, Err: err}
	}
	switch loc.scheme {
	case schemeFile:
		if !r.file.allowed(loc, object) {
			return nil, location{}, &opError{Op: op, URL: url, Err: fmt.Errorf("path is outside the root directory %s", r.file.root)}
		}
		return &r.file, loc, nil
	case schemeS3:
		if r.s3 == nil {
			return nil, location{}, &opError{Op: op, URL: url, Err: errors.New("S3 is not configured")}
		}
		return r.s3, loc, nil
	}
	return nil, location{}, &opError{Op: op, URL: url, Err: errUnsupportedScheme}
}

func (r *router) Open(ctx context.Context, url string) (io.ReadCloser, error) {
	b, loc, err := r.route("open", url, true)
	if err != nil {
		return nil, err
	}
	return b.open(ctx, url, loc)
}

func (r *router) ReaderAt(ctx context.Context, url string) (ReaderAtCloser, int64, error) {
	b, loc, err := r.route("open", url, true)
	if err != nil {
		return nil, 0, err
	}
	return b.readerAt(ctx, url, loc)
}

func (r *router) Create(ctx context.Context, url string) (Writer, error) {
	b, loc, err := r.route("create", url, true)
	if err != nil {
		return nil, err
	}
	return b.create(ctx, url, loc)
}

func (r *router) List(ctx context.Context, prefix string) ([]Object, error) {
	b, loc, err := r.route("list", prefix, false)
	if err != nil {
		return nil, err
	}
	return b.list(ctx, prefix, loc)
}

func (r *router) Delete(ctx context.Context, url string) error {
	b, loc, err := r.route("delete", url, true)
	if err != nil {
		return err
	}
	return b.remove(ctx, url, loc)
}

// opError is the error returned by a Store's methods: it names the
// operation, the URL and the cause.
type opError struct {
	Op       string // "open", "read", "close", "create", "write", "abort", "list" or "delete"
	URL      string // as the caller gave it
	Err      error  // the cause
	notFound bool   // wrap ErrNotFound too
}

func (e *opError) Error() string {
	return e.Op + " " + e.URL + ": " + e.Err.Error()
}

// Unwrap returns the cause, and ErrNotFound when the object is missing.
func (e *opError) Unwrap() []error {
	if e.notFound {
		return []error{ErrNotFound, e.Err}
	}
	return []error{e.Err}
}

// causeError is a cause whose message is shorter than the error it wraps
// (the AWS SDK's errors are long).
type causeError struct {
	msg string
	err error
}

func (e *causeError) Error() string { return e.msg }
func (e *causeError) Unwrap() error { return e.err }

// errClosed reports a use of a Writer after Close or Abort.
var errClosed = errors.New("writer already closed")

var errUnsupportedScheme = errors.New(`unsupported URL scheme: want file:///abs/path or s3://bucket/key`)

// hasDirPrefix reports whether path is dir or inside it.
func hasDirPrefix(path, dir string) bool {
	if dir == "/" {
		return strings.HasPrefix(path, "/")
	}
	return path == dir || strings.HasPrefix(path, dir+"/")
}
