package perso

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Unlimited, as a quota, lifts the limit.
const Unlimited = -1

// Quotas are the limits AWS applies by default, adjustable per server.
// A negative value (Unlimited) lifts a limit.
type Quotas struct {
	DatasetGroups     int // per account and region
	Schemas           int // per account and region
	TagsPerResource   int
	PendingImportJobs int // per account and region, pending or in progress
	// MinImportInteractions is the fewest records an import into an
	// Interactions dataset must bring.
	MinImportInteractions int
}

// DefaultQuotas returns AWS's default quotas.
func DefaultQuotas() Quotas {
	return Quotas{DatasetGroups: 5, Schemas: 500, TagsPerResource: 50, PendingImportJobs: 5, MinImportInteractions: 1000}
}

func overQuota(limit, count int) bool { return limit >= 0 && count >= limit }

// Config tunes a Service.
type Config struct {
	Quotas Quotas
	// StepDelay is the time each step of a status machine takes: a new
	// resource spends it in CREATE PENDING and again in CREATE IN_PROGRESS.
	// Zero moves on as fast as the job queue allows.
	StepDelay time.Duration
	// Synchronous makes new resources ACTIVE, and deleted ones gone, before
	// the request that created or deleted them returns: for tests that do
	// not want to poll.
	Synchronous bool
	// Notify, if set, is called after a commit that queued a job, so a
	// worker in the same process can run it without waiting to poll.
	Notify func()
}

// Service carries out the Personalize operations on the store. Every method
// acts within one scope (account and region) and returns *Error values for
// everything a caller did wrong.
type Service struct {
	store  Store
	clock  Clock
	cfg    Config
	tokens *PageTokens
	// schemas caches parsed schemas by body.
	schemas boundedCache
	// appends gathers concurrent appends of streamed rows into one commit.
	appends appendBatcher
	// tracked caches the datasets events are recorded in, by tracking ID,
	// with the version of their scope.
	tracked boundedCache
}

// boundedCache is a concurrent map that forgets everything when it grows
// past maxCacheEntries: the values it holds are cheap to compute again,
// and entries for deleted resources must not pile up in a long-running
// server.
type boundedCache struct {
	mu sync.RWMutex
	m  map[string]any
}

const maxCacheEntries = 4096

func (c *boundedCache) load(key string) (any, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.m[key]
	return v, ok
}

func (c *boundedCache) store(key string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCacheEntries {
		c.m = make(map[string]any)
	}
	c.m[key] = v
}

// NewService returns a Service on store. The paging key is read from (or
// created in) the store, so tokens stay valid across restarts and replicas.
func NewService(ctx context.Context, store Store, clock Clock, cfg Config) (*Service, error) {
	key, err := store.Secret(ctx, "page-token-key", 32)
	if err != nil {
		return nil, fmt.Errorf("read paging key: %w", err)
	}
	if clock == nil {
		clock = SystemClock{}
	}
	return &Service{store: store, clock: clock, cfg: cfg, tokens: NewPageTokens(key)}, nil
}

// Version returns a number that changes whenever a resource of the scope
// is created, changed or deleted: a cache of anything read from the scope's
// resources is current while the version is unchanged.
func (s *Service) Version(ctx context.Context, scope Scope) (int64, error) {
	return s.store.Version(ctx, scope)
}

// Page asks for one page of a listing.
type Page struct {
	// MaxResults is the page size, 1 to 100; zero means 100.
	MaxResults int
	// NextToken continues a listing; "" starts it.
	NextToken string
}

const defaultPageSize = 100

// list pages through the records that q selects. query identifies the
// listing for its tokens: operation and filters.
func (s *Service) list(ctx context.Context, q ListQuery, query string, p Page) ([]Record, string, error) {
	query = fmt.Sprintf("%s\x00%s\x00%s", query, q.Account, q.Region)
	if p.NextToken != "" {
		before, err := s.tokens.Decode(query, p.NextToken)
		if err != nil {
			return nil, "", err
		}
		q.Before = before
	}
	size := p.MaxResults
	if size <= 0 {
		size = defaultPageSize
	}
	q.Limit = size + 1
	recs, err := s.store.List(ctx, q)
	if err != nil {
		return nil, "", fmt.Errorf("list %s: %w", q.Type, err)
	}
	next := ""
	if len(recs) > size {
		recs = recs[:size]
		next = s.tokens.Encode(query, recs[size-1].Seq)
	}
	return recs, next, nil
}

// listAs pages through records like list and decodes each with from.
func listAs[T any](ctx context.Context, s *Service, q ListQuery, query string, p Page, from func(Record) (T, error)) ([]T, string, error) {
	recs, next, err := s.list(ctx, q, query, p)
	if err != nil {
		return nil, "", err
	}
	out := make([]T, 0, len(recs))
	for _, r := range recs {
		v, err := from(r)
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	return out, next, nil
}

// describeAs reads the resource of type t with the ARN in scope and
// decodes it with from.
func describeAs[T any](ctx context.Context, s *Service, scope Scope, arn string, t ResourceType, from func(Record) (T, error)) (T, error) {
	r, err := get(ctx, s.read(scope), arn, t)
	if err != nil {
		var zero T
		return zero, err
	}
	return from(r)
}

// update runs fn in a write transaction of scope and wakes the worker if
// fn queued a job.
func (s *Service) update(ctx context.Context, scope Scope, fn func(tx Tx) error) error {
	tx := &notingTx{}
	err := s.store.Update(ctx, scope, func(inner Tx) error {
		tx.Tx = inner
		return fn(tx)
	})
	if err == nil && tx.queued && s.cfg.Notify != nil {
		s.cfg.Notify()
	}
	return err
}

type notingTx struct {
	Tx
	queued bool
}

func (t *notingTx) Enqueue(ctx context.Context, j *Job) error {
	t.queued = true
	return t.Tx.Enqueue(ctx, j)
}

// get returns the record of the given type and ARN, or NotFound. An ARN of
// another type, account or region is not found either.
func get(ctx context.Context, read func(context.Context, string) (Record, error), arn string, t ResourceType) (Record, error) {
	a, err := ParseARN(arn)
	if err != nil || a.Type != t {
		return Record{}, notFound(arn)
	}
	r, err := read(ctx, arn)
	if err != nil {
		if IsKind(err, KindNotFound) {
			return Record{}, notFound(arn)
		}
		return Record{}, err
	}
	if r.Type != t {
		return Record{}, notFound(arn)
	}
	return r, nil
}

func notFound(arn string) error {
	return Errorf(KindNotFound, "Resource %s does not exist.", arn)
}

func (s *Service) read(scope Scope) func(context.Context, string) (Record, error) {
	return func(ctx context.Context, arn string) (Record, error) { return s.store.Get(ctx, scope, arn) }
}

// insert stores a new record, stamped with the time; with lifecycle set it
// starts in CREATE PENDING with a job queued to advance it, or ACTIVE when
// the service is synchronous.
func (s *Service) insert(ctx context.Context, tx Tx, r *Record, lifecycle bool) error {
	now := s.clock.Now()
	r.Created, r.Updated = now, now
	if lifecycle {
		r.Status = StatusCreatePending
		if s.cfg.Synchronous {
			r.Status = StatusActive
		}
	}
	if err := tx.Insert(ctx, r); err != nil {
		return err
	}
	if lifecycle && !s.cfg.Synchronous {
		return s.enqueueAdvance(ctx, tx, r.ARN)
	}
	return nil
}

const jobAdvance = "advance"

func (s *Service) enqueueAdvance(ctx context.Context, tx Tx, arn string) error {
	return tx.Enqueue(ctx, &Job{Kind: jobAdvance, ARN: arn, RunAt: s.clock.Now().Add(s.cfg.StepDelay)})
}

// deletable answers InUse unless a resource in status may be deleted:
// nothing PENDING or IN_PROGRESS can be.
func deletable(arn, status string) error {
	if status == StatusActive || status == StatusCreateFailed || status == "" {
		return nil
	}
	return Errorf(KindInUse, "Resource %s is in status %s and cannot be deleted until it is ACTIVE or CREATE FAILED.", arn, status)
}

// remove deletes a resource: at once when synchronous, otherwise through
// DELETE PENDING and DELETE IN_PROGRESS.
func (s *Service) remove(ctx context.Context, tx Tx, r Record, lifecycle bool) error {
	if !lifecycle || s.cfg.Synchronous {
		return s.deleteRecord(ctx, tx, r)
	}
	r.Status = StatusDeletePending
	r.Updated = s.clock.Now()
	if err := tx.Put(ctx, r); err != nil {
		return err
	}
	return s.enqueueAdvance(ctx, tx, r.ARN)
}

// deleteRecord deletes a resource for good, with what belongs to it alone,
// so that a resource created again with the same ARN starts empty: a
// dataset's bulk data listing, import and export jobs and streamed rows; a
// dataset group's data deletion jobs. Segment files are deleted later,
// after FileGrace.
func (s *Service) deleteRecord(ctx context.Context, tx Tx, r Record) error {
	children := map[ResourceType][]ResourceType{
		ResourceDataset:      {ResourceSegment, ResourceDatasetImportJob, ResourceDatasetExportJob},
		ResourceDatasetGroup: {ResourceDataDeletionJob},
	}[r.Type]
	for _, t := range children {
		recs, err := tx.List(ctx, ListQuery{Type: t, Parent: r.ARN})
		if err != nil {
			return err
		}
		for _, c := range recs {
			if err := tx.Delete(ctx, c.ARN); err != nil {
				return err
			}
		}
		if err := s.enqueueFileDeletion(ctx, tx, r.ARN, segmentURLs(recs)); err != nil {
			return err
		}
	}
	if r.Type == ResourceDataset {
		if err := tx.DeleteRows(ctx, r.ARN, -1); err != nil {
			return err
		}
	}
	return tx.Delete(ctx, r.ARN)
}

// RunJob performs one claimed job and removes it from the queue in the same
// transaction, so a crash at any point leaves the job to be run again.
func (s *Service) RunJob(ctx context.Context, job Job) error {
	switch job.Kind {
	case jobAdvance:
		return s.update(ctx, job.Scope, func(tx Tx) error {
			if err := s.advance(ctx, tx, job.ARN); err != nil {
				return err
			}
			return tx.CompleteJob(ctx, job)
		})
	default:
		return s.update(ctx, job.Scope, func(tx Tx) error { return tx.CompleteJob(ctx, job) })
	}
}

// advance moves a resource one step along its status machine.
func (s *Service) advance(ctx context.Context, tx Tx, arn string) error {
	r, err := tx.Get(ctx, arn)
	if IsKind(err, KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	now := s.clock.Now()
	next, more := "", false
	switch r.Status {
	case StatusCreatePending:
		next, more = StatusCreateInProgress, true
	case StatusCreateInProgress:
		next = StatusActive
	case StatusDeletePending:
		next, more = StatusDeleteInProgress, true
	case StatusDeleteInProgress:
		return s.deleteRecord(ctx, tx, r)
	case StatusUpdatePending:
		next, more = StatusUpdateInProgress, true
	case StatusUpdateInProgress:
		next = StatusActive
	default:
		return nil
	}
	if r.Type == ResourceDataset && (r.Status == StatusUpdatePending || r.Status == StatusUpdateInProgress) {
		d, err := datasetFrom(r)
		if err != nil {
			return err
		}
		if u := d.LatestUpdate; u != nil {
			u.Updated = now
			u.Status = StatusCreateInProgress
			if next == StatusActive {
				u.Status = StatusActive
				d.SchemaARN = u.SchemaARN
			}
		}
		r.Data = encode(d)
	}
	r.Status, r.Updated = next, now
	if err := tx.Put(ctx, r); err != nil {
		return err
	}
	if more {
		return s.enqueueAdvance(ctx, tx, arn)
	}
	return nil
}

// checkTags checks tags against the per-resource limit and AWS's reserved
// prefix.
func (s *Service) checkTags(tags map[string]string) error {
	if overQuota(s.cfg.Quotas.TagsPerResource, len(tags)-1) {
		return Errorf(KindTooManyTags, "A resource can have at most %d tags; the request would leave %d.", s.cfg.Quotas.TagsPerResource, len(tags))
	}
	for k := range tags {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return Errorf(KindInvalid, "Tag key %q uses the prefix aws:, which is reserved for AWS use.", k)
		}
	}
	return nil
}

// TagResource adds tags to a resource, replacing the values of keys it has.
func (s *Service) TagResource(ctx context.Context, scope Scope, arn string, tags map[string]string) error {
	return s.update(ctx, scope, func(tx Tx) error {
		r, err := s.getAny(ctx, scope, tx, arn)
		if err != nil {
			return err
		}
		merged := make(map[string]string, len(r.Tags)+len(tags))
		for k, v := range r.Tags {
			merged[k] = v
		}
		for k, v := range tags {
			merged[k] = v
		}
		if err := s.checkTags(merged); err != nil {
			return err
		}
		r.Tags = merged
		return tx.Put(ctx, r)
	})
}

// UntagResource removes tags from a resource; keys it lacks are ignored.
func (s *Service) UntagResource(ctx context.Context, scope Scope, arn string, keys []string) error {
	if overQuota(s.cfg.Quotas.TagsPerResource, len(keys)-1) {
		return Errorf(KindTooManyTagKeys, "The request names %d tag keys; a resource can have at most %d tags.", len(keys), s.cfg.Quotas.TagsPerResource)
	}
	return s.update(ctx, scope, func(tx Tx) error {
		r, err := s.getAny(ctx, scope, tx, arn)
		if err != nil {
			return err
		}
		tags := make(map[string]string, len(r.Tags))
		for k, v := range r.Tags {
			tags[k] = v
		}
		for _, k := range keys {
			delete(tags, k)
		}
		r.Tags = tags
		return tx.Put(ctx, r)
	})
}

// ListTagsForResource returns a resource's tags sorted by key.
func (s *Service) ListTagsForResource(ctx context.Context, scope Scope, arn string) ([]Tag, error) {
	r, err := s.getAny(ctx, scope, nil, arn)
	if err != nil {
		return nil, err
	}
	return sortedTags(r.Tags), nil
}

// Tag is one key and value.
type Tag struct{ Key, Value string }

func sortedTags(m map[string]string) []Tag {
	tags := make([]Tag, 0, len(m))
	for k, v := range m {
		tags = append(tags, Tag{k, v})
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return tags
}

// getAny reads a taggable resource of any type, through tx when not nil.
func (s *Service) getAny(ctx context.Context, scope Scope, tx Tx, arn string) (Record, error) {
	if _, err := ParseARN(arn); err != nil {
		return Record{}, notFound(arn)
	}
	var (
		r   Record
		err error
	)
	if tx != nil {
		r, err = tx.Get(ctx, arn)
	} else {
		r, err = s.store.Get(ctx, scope, arn)
	}
	if IsKind(err, KindNotFound) {
		return Record{}, notFound(arn)
	}
	return r, err
}
