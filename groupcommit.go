package perso

import (
	"context"
	"fmt"
	"sync"
)

// maxAppendBatch bounds the calls committed together.
const maxAppendBatch = 256

// appendReq is one call's rows waiting to be committed.
type appendReq struct {
	scope   Scope
	dataset string
	rows    []Row
	done    chan error
}

// appendBatcher commits the rows of concurrent events API calls together:
// one transaction, and so one fsync, for all the calls waiting when it
// starts. A call still returns only once its own rows are durable, and a
// call whose dataset is not ACTIVE fails alone.
//
// While calls are waiting, one goroutine commits batch after batch; it ends
// when none is left, so there is no goroutine while the events API is idle,
// and no caller is kept committing other callers' batches.
type appendBatcher struct {
	mu      sync.Mutex
	pending []*appendReq
	busy    bool
}

// appendRows stores rows streamed into a dataset if the dataset is ACTIVE,
// durably when it returns nil.
func (s *Service) appendRows(ctx context.Context, scope Scope, datasetARN string, rows []Row) error {
	req := &appendReq{scope: scope, dataset: datasetARN, rows: rows, done: make(chan error, 1)}
	b := &s.appends
	b.mu.Lock()
	b.pending = append(b.pending, req)
	if !b.busy {
		b.busy = true
		// The batches hold many callers' rows: no one caller's
		// cancellation may abort them.
		go s.drainAppends(context.WithoutCancel(ctx))
	}
	b.mu.Unlock()
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		// The rows may still be committed; the caller was not told so.
		return ctx.Err()
	}
}

// drainAppends commits batches until none is waiting.
func (s *Service) drainAppends(ctx context.Context) {
	b := &s.appends
	for {
		b.mu.Lock()
		if len(b.pending) == 0 {
			b.busy = false
			b.mu.Unlock()
			return
		}
		n := min(len(b.pending), maxAppendBatch)
		batch := b.pending[:n:n]
		b.pending = b.pending[n:]
		b.mu.Unlock()
		s.commitAppendsSafely(ctx, batch)
	}
}

// commitAppendsSafely commits a batch and answers every caller in it, even
// if the commit panics: the panic becomes the callers' error, and the
// events API goes on.
func (s *Service) commitAppendsSafely(ctx context.Context, batch []*appendReq) {
	defer func() {
		if r := recover(); r != nil {
			err := fmt.Errorf("commit of streamed records failed: %v", r)
			for _, req := range batch {
				select {
				case req.done <- err:
				default: // already answered
				}
			}
		}
	}()
	s.commitAppends(ctx, batch)
}

// commitAppends commits a batch, one transaction per scope, and tells each
// caller its outcome.
func (s *Service) commitAppends(ctx context.Context, batch []*appendReq) {
	byScope := map[Scope][]*appendReq{}
	var scopes []Scope
	for _, r := range batch {
		if _, ok := byScope[r.scope]; !ok {
			scopes = append(scopes, r.scope)
		}
		byScope[r.scope] = append(byScope[r.scope], r)
	}
	for _, sc := range scopes {
		reqs := byScope[sc]
		results := make([]error, len(reqs))
		err := s.update(ctx, sc, func(tx Tx) error {
			status := map[string]error{}
			for i, r := range reqs {
				st, seen := status[r.dataset]
				if !seen {
					st = datasetWritable(ctx, tx, r.dataset)
					status[r.dataset] = st
				}
				if st != nil {
					results[i] = st
					continue
				}
				if err := tx.AppendRows(ctx, r.dataset, r.rows); err != nil {
					return err
				}
			}
			return nil
		})
		for i, r := range reqs {
			if err != nil {
				r.done <- err
			} else {
				r.done <- results[i]
			}
		}
	}
}

// datasetWritable answers nil if the dataset exists and is ACTIVE.
func datasetWritable(ctx context.Context, tx Tx, arn string) error {
	r, err := tx.Get(ctx, arn)
	if err != nil {
		return err
	}
	if r.Status != StatusActive {
		return Errorf(KindInUse, "Dataset %s is in status %s; it must be ACTIVE.", arn, r.Status)
	}
	return nil
}
