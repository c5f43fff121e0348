package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// tmpPrefix starts the names of the temporary files of writes in progress;
// List skips them.
const tmpPrefix = ".blob-tmp-"

// fileStore serves file:// URLs.
type fileStore struct {
	root string // "" allows any absolute path
}

// allowed reports whether loc is inside the root: strictly for an object, or
// the root itself for a prefix.
func (s *fileStore) allowed(loc location, object bool) bool {
	if s.root == "" {
		return true
	}
	if object && loc.path == s.root {
		return false
	}
	return hasDirPrefix(loc.path, s.root)
}

// fileErr wraps a file system error, reporting a missing file as not found.
func fileErr(op, url string, err error) error {
	cause := err
	var pe *fs.PathError
	if errors.As(err, &pe) {
		// The path is already in the URL: keep the bare cause, but wrap
		// the original error.
		cause = &causeError{msg: pe.Err.Error(), err: err}
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		cause = &causeError{msg: le.Err.Error(), err: err}
	}
	return &opError{Op: op, URL: url, Err: cause, notFound: errors.Is(err, fs.ErrNotExist)}
}

// openRegular opens path for reading and checks that it is a regular file.
func openRegular(op, url, path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fileErr(op, url, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fileErr(op, url, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		if fi.IsDir() {
			return nil, 0, &opError{Op: op, URL: url, Err: errors.New("is a directory, not an object")}
		}
		return nil, 0, &opError{Op: op, URL: url, Err: errors.New("is not a regular file")}
	}
	return f, fi.Size(), nil
}

func (s *fileStore) open(ctx context.Context, url string, loc location) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, &opError{Op: "open", URL: url, Err: err}
	}
	f, _, err := openRegular("open", url, loc.path)
	if err != nil {
		return nil, err
	}
	return &fileReader{f: f, url: url}, nil
}

func (s *fileStore) readerAt(ctx context.Context, url string, loc location) (ReaderAtCloser, int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, &opError{Op: "open", URL: url, Err: err}
	}
	f, size, err := openRegular("open", url, loc.path)
	if err != nil {
		return nil, 0, err
	}
	return &fileReader{f: f, url: url}, size, nil
}

// fileReader names the URL in its read errors.
type fileReader struct {
	f   *os.File
	url string
}

func (r *fileReader) Read(p []byte) (int, error) {
	n, err := r.f.Read(p)
	if err != nil && err != io.EOF {
		err = fileErr("read", r.url, err)
	}
	return n, err
}

func (r *fileReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.f.ReadAt(p, off)
	if err != nil && err != io.EOF {
		err = fileErr("read", r.url, err)
	}
	return n, err
}

func (r *fileReader) Close() error {
	if err := r.f.Close(); err != nil {
		return fileErr("close", r.url, err)
	}
	return nil
}

func (s *fileStore) create(ctx context.Context, url string, loc location) (Writer, error) {
	if err := ctx.Err(); err != nil {
		return nil, &opError{Op: "create", URL: url, Err: err}
	}
	dir := filepath.Dir(loc.path)
	if err := mkdirAllSync(dir); err != nil {
		return nil, fileErr("create", url, err)
	}
	f, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return nil, fileErr("create", url, err)
	}
	return &fileWriter{ctx: ctx, f: f, url: url, path: loc.path}, nil
}

// mkdirAllSync creates dir and its missing parents, fsyncing the parent of
// each directory it creates so that the new entries are durable.
func mkdirAllSync(dir string) error {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				return &fs.PathError{Op: "mkdir", Path: d, Err: fmt.Errorf("%s is not a directory", d)}
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) || d == filepath.Dir(d) {
			return err
		}
		missing = append(missing, d)
	}
	if len(missing) == 0 {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := syncDir(filepath.Dir(missing[i])); err != nil {
			return err
		}
	}
	return nil
}

// syncDir fsyncs a directory, making the entries created in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// fileWriter writes to a temporary file that Close renames into place.
type fileWriter struct {
	ctx  context.Context
	f    *os.File // nil once closed or aborted
	url  string
	path string
	done bool // Close succeeded
}

func (w *fileWriter) Write(p []byte) (int, error) {
	if w.f == nil {
		return 0, &opError{Op: "write", URL: w.url, Err: errClosed}
	}
	n, err := w.f.Write(p)
	if err != nil {
		err = fileErr("write", w.url, err)
	}
	return n, err
}

func (w *fileWriter) Close() error {
	if w.f == nil {
		return &opError{Op: "create", URL: w.url, Err: errClosed}
	}
	f := w.f
	w.f = nil
	tmp := f.Name()
	err := f.Sync()
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = w.ctx.Err()
	}
	if err == nil {
		err = os.Rename(tmp, w.path)
	}
	if err != nil {
		os.Remove(tmp)
		return fileErr("create", w.url, err)
	}
	if err := syncDir(filepath.Dir(w.path)); err != nil {
		// The object is in place but may not survive a crash; report it
		// and leave nothing behind, as promised for a failed Close.
		os.Remove(w.path)
		return fileErr("create", w.url, err)
	}
	w.done = true
	return nil
}

func (w *fileWriter) Abort() error {
	if w.f == nil {
		return nil
	}
	f := w.f
	w.f = nil
	f.Close()
	if err := os.Remove(f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fileErr("abort", w.url, err)
	}
	return nil
}

func (s *fileStore) list(ctx context.Context, prefix string, loc location) ([]Object, error) {
	want := loc.path // the string every listed path starts with
	if loc.dir && want != "/" {
		want += "/"
	}
	start := want[:strings.LastIndexByte(want, '/')+1]
	var objs []Object
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == start && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)) {
				return fs.SkipDir // no such directory: no objects
			}
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if p == start {
			return nil
		}
		if d.IsDir() {
			dp := p
			if dp != "/" {
				dp += "/"
			}
			if strings.HasPrefix(dp, want) || strings.HasPrefix(want, dp) {
				return nil
			}
			return fs.SkipDir
		}
		if !strings.HasPrefix(p, want) || strings.HasPrefix(d.Name(), tmpPrefix) {
			return nil
		}
		if s.root != "" && !hasDirPrefix(p, s.root) {
			return nil
		}
		var fi fs.FileInfo
		if d.Type()&fs.ModeSymlink != 0 {
			fi, err = os.Stat(p) // a link to a file counts; one to a directory is not followed
		} else {
			fi, err = d.Info()
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed meanwhile, or a dangling link
		}
		if err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			objs = append(objs, Object{URL: "file://" + p, Size: fi.Size()})
		}
		return nil
	})
	if err != nil {
		return nil, fileErr("list", prefix, err)
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].URL < objs[j].URL })
	return objs, nil
}

func (s *fileStore) remove(ctx context.Context, url string, loc location) error {
	if err := ctx.Err(); err != nil {
		return &opError{Op: "delete", URL: url, Err: err}
	}
	fi, err := os.Lstat(loc.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fileErr("delete", url, err)
	}
	if fi.IsDir() {
		return &opError{Op: "delete", URL: url, Err: errors.New("is a directory, not an object")}
	}
	if err := os.Remove(loc.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fileErr("delete", url, err)
	}
	return nil
}
