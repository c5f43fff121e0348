package blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perso/perso/blob"
)

func TestFile(t *testing.T) {
	st, err := blob.New(context.Background(), blob.Config{})
	if err != nil {
		t.Fatal(err)
	}
	runSuite(t, st, "file://"+t.TempDir()+"/")
}

func TestFileRoot(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	st, err := blob.New(ctx, blob.Config{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	runSuite(t, st, "file://"+root+"/sub/")

	outside := filepath.Join(filepath.Dir(root), "elsewhere.csv")
	for _, u := range []string{"file://" + outside, "file:///etc/passwd", "file://" + root + "x/a", "file://" + root} {
		_, err := st.Open(ctx, u)
		if err == nil || !strings.Contains(err.Error(), "outside the root directory") {
			t.Errorf("Open(%s) = %v, want an outside-root error", u, err)
		}
	}
	// A key prefix that matches siblings of the root lists only the root.
	if err := os.WriteFile(root+"x.csv", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(root + "x.csv")
	w, err := st.Create(ctx, "file://"+root+"/in.csv")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	objs, err := st.List(ctx, "file://"+root)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) == 0 || objs[0].URL != "file://"+root+"/in.csv" {
		t.Errorf("List(root as key prefix) = %v, want in.csv first", objs)
	}
	for _, o := range objs {
		if !strings.HasPrefix(o.URL, "file://"+root+"/") {
			t.Errorf("List(root as key prefix) lists %s, outside the root", o.URL)
		}
	}
	if _, err := blob.New(ctx, blob.Config{Root: "relative/dir"}); err == nil {
		t.Error("New with a relative root: no error")
	}
}

// TestFileLeftovers checks that a file:// write in progress is invisible and
// that an aborted or failed one leaves no file in the directory.
func TestFileLeftovers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := blob.New(ctx, blob.Config{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := st.Create(ctx, "file://"+dir+"/a")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(w, "partial")
	objs, err := st.List(ctx, "file://"+dir+"/")
	if err != nil || len(objs) != 0 {
		t.Errorf("List during a write = %v, %v; want nothing", objs, err)
	}
	w.Abort()

	cctx, cancel := context.WithCancel(ctx)
	w, err = st.Create(cctx, "file://"+dir+"/b")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(w, "data")
	cancel()
	if err := w.Close(); !errors.Is(err, context.Canceled) {
		t.Errorf("Close after cancel = %v, want context.Canceled", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 0 {
		t.Errorf("directory after Abort and failed Close holds %v", ents)
	}

	// Create over a path whose parent is a file fails clearly.
	os.WriteFile(dir+"/f", nil, 0o644)
	if _, err := st.Create(ctx, "file://"+dir+"/f/x"); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Create under a file = %v", err)
	}
	// Opening or deleting a directory is refused.
	os.Mkdir(dir+"/d", 0o755)
	if _, err := st.Open(ctx, "file://"+dir+"/d"); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("Open(dir) = %v", err)
	}
	if err := st.Delete(ctx, "file://"+dir+"/d"); err == nil {
		t.Error("Delete(dir): no error")
	}
}

func TestS3(t *testing.T) {
	endpoint := os.Getenv("PERSO_TEST_S3")
	if endpoint == "" {
		t.Skip("PERSO_TEST_S3 not set: S3 suite skipped")
	}
	bucket := os.Getenv("PERSO_TEST_S3_BUCKET")
	if bucket == "" {
		t.Fatal("PERSO_TEST_S3 is set but PERSO_TEST_S3_BUCKET is not")
	}
	ctx := context.Background()
	cfg := &blob.S3Config{
		Endpoint:        endpoint,
		AccessKeyID:     os.Getenv("PERSO_TEST_S3_ACCESS_KEY"),
		SecretAccessKey: os.Getenv("PERSO_TEST_S3_SECRET_KEY"),
		PathStyle:       true,
	}
	st, err := blob.New(ctx, blob.Config{S3: cfg})
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("s3://%s/blobtest-%d-%08x/", bucket, time.Now().UnixNano(), mrand.Uint32())
	t.Cleanup(func() {
		objs, err := st.List(ctx, base)
		if err != nil {
			t.Errorf("cleanup: %v", err)
		}
		for _, o := range objs {
			if err := st.Delete(ctx, o.URL); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
	runSuite(t, st, base)

	t.Run("Multipart", func(t *testing.T) {
		defer blob.SetMultipart(5<<20, 5<<20)()
		data := randBytes(12<<20 + 123)
		u := base + "multipart/big.bin"
		put(t, st, u, data)
		if got := get(t, st, u); !bytes.Equal(got, data) {
			t.Fatalf("multipart object read back differs (%d bytes, want %d)", len(got), len(data))
		}
		ra, size, err := st.ReaderAt(ctx, u)
		if err != nil || size != int64(len(data)) {
			t.Fatalf("ReaderAt = %d, %v", size, err)
		}
		defer ra.Close()
		checkRandomReads(t, ra, data)
	})

	t.Run("MissingBucket", func(t *testing.T) {
		u := "s3://no-such-bucket-perso/k"
		_, err := st.Open(ctx, u)
		if !errors.Is(err, blob.ErrNotFound) || !strings.Contains(err.Error(), "open "+u+": bucket no-such-bucket-perso does not exist") {
			t.Errorf("Open in a missing bucket = %v", err)
		}
		_, err = st.List(ctx, "s3://no-such-bucket-perso/")
		if !errors.Is(err, blob.ErrNotFound) || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("List of a missing bucket = %v", err)
		}
		w, err := st.Create(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(w, "x")
		if err := w.Close(); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Close in a missing bucket = %v, want ErrNotFound", err)
		}
	})

	t.Run("BadCredentials", func(t *testing.T) {
		bad := *cfg
		bad.SecretAccessKey = "wrong"
		st, err := blob.New(ctx, blob.Config{S3: &bad})
		if err != nil {
			t.Fatal(err)
		}
		_, err = st.List(ctx, base)
		if err == nil || errors.Is(err, blob.ErrNotFound) || !strings.HasPrefix(err.Error(), "list "+base+": ") {
			t.Errorf("List with a wrong secret = %v", err)
		}
		// versitygw answers an unknown access key with a 404
		// (XAdminUserNotFound): that is not a missing object.
		bad.AccessKeyID = "no-such-user"
		st, err = blob.New(ctx, blob.Config{S3: &bad})
		if err != nil {
			t.Fatal(err)
		}
		_, err = st.Open(ctx, base+"any")
		if err == nil || errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Open with an unknown access key = %v, want an error other than ErrNotFound", err)
		}
	})
}

func TestS3NotConfigured(t *testing.T) {
	st, err := blob.New(context.Background(), blob.Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Open(context.Background(), "s3://bucket/key")
	if err == nil || !strings.Contains(err.Error(), "S3 is not configured") {
		t.Errorf("Open(s3://) without S3 config = %v", err)
	}
}

func TestNewS3ConfigErrors(t *testing.T) {
	ctx := context.Background()
	for _, c := range []blob.S3Config{
		{Endpoint: "127.0.0.1:9000", AccessKeyID: "a", SecretAccessKey: "b"},
		{Endpoint: "ftp://x", AccessKeyID: "a", SecretAccessKey: "b"},
		{AccessKeyID: "a"},
	} {
		if _, err := blob.New(ctx, blob.Config{S3: &c}); err == nil {
			t.Errorf("New(%+v): no error", c)
		}
	}
}

// runSuite runs the behaviours every Store backend shares, under base, a
// "directory" URL ending in "/" that holds nothing yet.
func runSuite(t *testing.T, st blob.Store, base string) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		for _, n := range []int{0, 1, 1000, 5 << 20} {
			data := randBytes(n)
			u := fmt.Sprintf("%sroundtrip/obj-%d.bin", base, n)
			put(t, st, u, data)
			if got := get(t, st, u); !bytes.Equal(got, data) {
				t.Fatalf("%s: read back %d bytes that differ from the %d written", u, len(got), n)
			}
			ra, size, err := st.ReaderAt(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			if size != int64(n) {
				t.Errorf("ReaderAt(%s) size = %d, want %d", u, size, n)
			}
			checkRandomReads(t, ra, data)
			if err := ra.Close(); err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("Overwrite", func(t *testing.T) {
		u := base + "overwrite.txt"
		put(t, st, u, []byte("first version"))
		put(t, st, u, []byte("second"))
		if got := get(t, st, u); string(got) != "second" {
			t.Errorf("after overwrite: %q", got)
		}
	})

	t.Run("Abort", func(t *testing.T) {
		u := base + "abort/x.csv"
		w, err := st.Create(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(randBytes(1 << 20)); err != nil {
			t.Fatal(err)
		}
		if err := w.Abort(); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("x")); err == nil {
			t.Error("Write after Abort: no error")
		}
		if err := w.Close(); err == nil {
			t.Error("Close after Abort: no error")
		}
		if _, err := st.Open(ctx, u); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Open after Abort = %v, want ErrNotFound", err)
		}
		if objs, err := st.List(ctx, base+"abort/"); err != nil || len(objs) != 0 {
			t.Errorf("List after Abort = %v, %v; want nothing", objs, err)
		}
		// Abort after a successful Close is a no-op, so it can be deferred.
		w, err = st.Create(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(w, "kept")
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w.Abort(); err != nil {
			t.Errorf("Abort after Close = %v", err)
		}
		if err := w.Close(); err == nil {
			t.Error("second Close: no error")
		}
		if got := get(t, st, u); string(got) != "kept" {
			t.Errorf("after Close then Abort: %q", got)
		}
	})

	t.Run("List", func(t *testing.T) {
		p := base + "list/"
		files := map[string]int{
			"a.csv": 1, "b/c.csv": 22, "b/d/e.csv": 333, "b-x.csv": 4, "bb.csv": 5,
			"b/d2.txt": 6, "z/y/x/w.csv": 0,
		}
		for name, n := range files {
			put(t, st, p+name, randBytes(n))
		}
		for _, c := range []struct {
			prefix string
			want   []string
		}{
			{"", []string{"a.csv", "b-x.csv", "b/c.csv", "b/d/e.csv", "b/d2.txt", "bb.csv", "z/y/x/w.csv"}},
			{"b/", []string{"b/c.csv", "b/d/e.csv", "b/d2.txt"}},
			{"b", []string{"b-x.csv", "b/c.csv", "b/d/e.csv", "b/d2.txt", "bb.csv"}},
			{"b/d", []string{"b/d/e.csv", "b/d2.txt"}},
			{"b/d/", []string{"b/d/e.csv"}},
			{"b/c.csv", []string{"b/c.csv"}},
			{"z/", []string{"z/y/x/w.csv"}},
			{"nothing", nil},
			{"nothing/", nil},
			{"a.csv/", nil},
		} {
			objs, err := st.List(ctx, p+c.prefix)
			if err != nil {
				t.Errorf("List(%q): %v", p+c.prefix, err)
				continue
			}
			var got []string
			for _, o := range objs {
				name := strings.TrimPrefix(o.URL, p)
				got = append(got, name)
				if o.Size != int64(files[name]) {
					t.Errorf("List(%q): %s has size %d, want %d", p+c.prefix, o.URL, o.Size, files[name])
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("List(%q) = %v, want %v", p+c.prefix, got, c.want)
			}
		}
		// A listed URL opens.
		objs, _ := st.List(ctx, p+"b/d/")
		if len(objs) == 1 {
			if got := get(t, st, objs[0].URL); len(got) != 333 {
				t.Errorf("listed object has %d bytes", len(got))
			}
		}
	})

	t.Run("Delete", func(t *testing.T) {
		u := base + "del/x"
		put(t, st, u, []byte("x"))
		if err := st.Delete(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Open(ctx, u); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Open after Delete = %v", err)
		}
		if err := st.Delete(ctx, u); err != nil {
			t.Errorf("second Delete = %v", err)
		}
		if err := st.Delete(ctx, base+"del/never/was"); err != nil {
			t.Errorf("Delete of a missing object = %v", err)
		}
		if objs, err := st.List(ctx, base+"del/"); err != nil || len(objs) != 0 {
			t.Errorf("List after Delete = %v, %v", objs, err)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		u := base + "missing/object.csv"
		_, err := st.Open(ctx, u)
		if !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Open(missing) = %v, want ErrNotFound", err)
		}
		if !strings.HasPrefix(err.Error(), "open "+u+": ") {
			t.Errorf("Open(missing) error %q does not name the URL", err)
		}
		if _, _, err := st.ReaderAt(ctx, u); !errors.Is(err, blob.ErrNotFound) || !strings.Contains(err.Error(), u) {
			t.Errorf("ReaderAt(missing) = %v, want ErrNotFound naming the URL", err)
		}
	})

	t.Run("ConcurrentWriters", func(t *testing.T) {
		const n = 8
		var wg sync.WaitGroup
		data := make([][]byte, n)
		for i := range n {
			data[i] = randBytes(100_000 + i)
			wg.Add(1)
			go func() {
				defer wg.Done()
				u := fmt.Sprintf("%sconc/%d", base, i)
				w, err := st.Create(ctx, u)
				if err != nil {
					t.Error(err)
					return
				}
				for b := data[i]; len(b) > 0; {
					k := min(len(b), 4096)
					if _, err := w.Write(b[:k]); err != nil {
						t.Error(err)
						w.Abort()
						return
					}
					b = b[k:]
				}
				if err := w.Close(); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		objs, err := st.List(ctx, base+"conc/")
		if err != nil || len(objs) != n {
			t.Fatalf("List = %d objects, %v; want %d", len(objs), err, n)
		}
		for i := range n {
			if got := get(t, st, fmt.Sprintf("%sconc/%d", base, i)); !bytes.Equal(got, data[i]) {
				t.Errorf("object %d differs", i)
			}
		}
	})

	t.Run("URLErrors", func(t *testing.T) {
		for _, c := range []struct{ url, want string }{
			{"http://example.com/x", "unsupported URL scheme"},
			{"/abs/path", "unsupported URL scheme"},
			{"file://host/x", "host"},
			{"file:relative/x", "not absolute"},
			{"file:///a/../b", "not clean"},
			{"file:///a//b", "not clean"},
			{"s3:///key", "no bucket"},
			{"s3://Bad_Bucket/key", "invalid S3 bucket name"},
			{base, "directory prefix"},
			{base + "x/", "directory prefix"},
		} {
			_, err := st.Open(ctx, c.url)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.url) {
				t.Errorf("Open(%q) = %v, want an error naming the URL and %q", c.url, err, c.want)
			}
			if _, err := st.Create(ctx, c.url); err == nil {
				t.Errorf("Create(%q): no error", c.url)
			}
		}
		if _, err := st.List(ctx, "ftp://x/"); err == nil || !strings.Contains(err.Error(), "file:///abs/path or s3://bucket/key") {
			t.Errorf("List(ftp) = %v, want the supported schemes", err)
		}
	})
}

func put(t *testing.T, st blob.Store, u string, data []byte) {
	t.Helper()
	w, err := st.Create(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		w.Abort()
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, st blob.Store, u string) []byte {
	t.Helper()
	r, err := st.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// checkRandomReads reads ra at random offsets and lengths (and at the edges),
// comparing with data, with io.ReaderAt's rules on short reads.
func checkRandomReads(t *testing.T, ra io.ReaderAt, data []byte) {
	t.Helper()
	size := int64(len(data))
	check := func(off int64, n int) {
		p := make([]byte, n)
		got, err := ra.ReadAt(p, off)
		want := int64(n)
		if off+want > size {
			want = max(0, size-off)
		}
		if int64(got) != want {
			t.Fatalf("ReadAt(%d bytes at %d) = %d, %v; want %d bytes (size %d)", n, off, got, err, want, size)
		}
		if want < int64(n) && err != io.EOF {
			t.Fatalf("short ReadAt(%d bytes at %d) = %d, %v; want io.EOF", n, off, got, err)
		}
		if want == int64(n) && err != nil && err != io.EOF {
			t.Fatalf("ReadAt(%d bytes at %d): %v", n, off, err)
		}
		if got > 0 && !bytes.Equal(p[:got], data[off:off+int64(got)]) {
			t.Fatalf("ReadAt(%d bytes at %d) returned wrong bytes", n, off)
		}
	}
	check(0, 0)
	check(size, 1)
	check(size+10, 5)
	if size == 0 {
		return
	}
	check(max(0, size-8), 8) // a Parquet footer
	check(0, 4)
	check(size-1, 10)
	check(0, int(size))
	for range 40 {
		off := mrand.Int64N(size)
		n := mrand.IntN(int(min(size, 3<<20))) + 1
		if mrand.IntN(2) == 0 {
			n = mrand.IntN(300) + 1
		}
		check(off, n)
	}
	// Concurrent reads, as parquet readers do.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			off := mrand.Int64N(size)
			n := min(int(size-off), 1000)
			p := make([]byte, n)
			if k, err := ra.ReadAt(p, off); k != n || !bytes.Equal(p, data[off:off+int64(n)]) {
				t.Errorf("concurrent ReadAt(%d at %d) = %d, %v", n, off, k, err)
			}
		}()
	}
	wg.Wait()
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
