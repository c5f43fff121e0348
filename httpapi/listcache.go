package httpapi

import (
	"bytes"
	"container/list"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/perso/perso/aws/awsjson"
)

// pageCache keeps the encoded responses of List operations, each with the
// version of its scope it was computed at. The store raises a scope's
// version in every transaction that writes one of its records, so an entry
// whose version is the scope's current one is exactly what the operation
// would compute again; checking costs one point read instead of a range
// scan, a decode of every record and an encode of the page. This holds
// across replicas sharing a store, since the version lives in the store.
// Entries are evicted least recently used beyond maxBytes.
type pageCache struct {
	mu       sync.Mutex
	entries  map[string]*list.Element
	lru      list.List // of *pageEntry, most recent first
	bytes    int
	maxBytes int
}

// maxCachedRequest is the largest request body whose page is cached.
const maxCachedRequest = 4 << 10

type pageEntry struct {
	key     string
	version int64
	body    []byte
}

func newPageCache(maxBytes int) *pageCache {
	return &pageCache{entries: map[string]*list.Element{}, maxBytes: maxBytes}
}

func (c *pageCache) get(key string, version int64) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*pageEntry)
	if e.version != version {
		return nil, false
	}
	c.lru.MoveToFront(el)
	return e.body, true
}

func (c *pageCache) put(key string, version int64, body []byte) {
	size := len(key) + len(body)
	if size > c.maxBytes/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		e := el.Value.(*pageEntry)
		if e.version > version {
			return // a newer page is already here
		}
		c.bytes += len(body) - len(e.body)
		e.version, e.body = version, body
		c.lru.MoveToFront(el)
	} else {
		c.entries[key] = c.lru.PushFront(&pageEntry{key: key, version: version, body: body})
		c.bytes += size
	}
	for c.bytes > c.maxBytes {
		el := c.lru.Back()
		e := el.Value.(*pageEntry)
		c.lru.Remove(el)
		delete(c.entries, e.key)
		c.bytes -= len(e.key) + len(e.body)
	}
}

// cached serves a List operation from the page cache when the scope has
// not changed since the page was computed, and fills the cache otherwise.
func (a *api) cached(op string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, awsjson.MaxBodyBytes+1))
		// A List request is a few hundred bytes (a filter ARN and a token of
		// at most 1500 characters); larger bodies are not worth a cache
		// entry and could push useful pages out.
		if err != nil || len(body) > maxCachedRequest {
			r.Body = io.NopCloser(bytes.NewReader(body))
			next.ServeHTTP(w, r)
			return
		}
		sc := scope(r.Context())
		// Read the version before computing: a write that commits while
		// the page is computed makes the stored entry stale, never wrong.
		version, err := a.svc.Version(r.Context(), sc)
		if err != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			next.ServeHTTP(w, r)
			return
		}
		key := op + "\x00" + sc.Account + "\x00" + sc.Region + "\x00" + string(body)
		if page, ok := a.pages.get(key, version); ok {
			h := w.Header()
			h.Set("Content-Type", awsjson.ContentType)
			// With its length known the body goes out in one write, not
			// in chunks.
			h.Set("Content-Length", strconv.Itoa(len(page)))
			_, _ = w.Write(page)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		if rec.status == http.StatusOK {
			a.pages.put(key, version, rec.body.Bytes())
		}
	})
}

// recorder passes a response through and keeps a copy of its body.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}
