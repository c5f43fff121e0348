// Package worker runs the jobs of the durable queue: it claims due jobs,
// hands them to the service, and sleeps until the next one is due or a
// commit in the same process wakes it. Any number of workers, in one
// process or in many replicas sharing the store, may run at once: the
// store's leases give each job to one of them at a time.
package worker

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/perso/perso"
	"github.com/perso/perso/blob"
	"github.com/perso/perso/metrics"
)

// Runner claims and runs jobs.
type Runner struct {
	store   perso.Store
	service *perso.Service
	clock   perso.Clock
	log     *slog.Logger
	wake    chan struct{}

	// Lease is how long a claimed job is reserved for its worker. A worker
	// that dies leaves its job to be claimed again once the lease is over.
	Lease time.Duration
	// Poll bounds the sleep between looks at the queue, so jobs queued by
	// other replicas are found without a wake-up.
	Poll time.Duration
	// Blobs reads the files jobs import and holds the segments they write.
	Blobs blob.Store
	// DataRoot is the URL under which dataset data is kept, such as
	// file:///var/lib/perso/data or s3://bucket/perso.
	DataRoot string
	// Metrics, if set, counts the jobs run by kind and outcome.
	Metrics *metrics.Metrics
}

// New returns a Runner.
func New(store perso.Store, service *perso.Service, clock perso.Clock, log *slog.Logger) *Runner {
	if clock == nil {
		clock = perso.SystemClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{store: store, service: service, clock: clock, log: log, wake: make(chan struct{}, 1), Lease: 30 * time.Second, Poll: time.Second}
}

// Wake tells the runner that a job may have been queued. It never blocks.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run runs jobs with n concurrent workers until ctx is done.
func (r *Runner) Run(ctx context.Context, n int) {
	if n < 1 {
		n = 1
	}
	done := make(chan struct{})
	for i := 0; i < n; i++ {
		go func() {
			defer func() { done <- struct{}{} }()
			r.loop(ctx)
		}()
	}
	for i := 0; i < n; i++ {
		<-done
	}
}

func (r *Runner) loop(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for ctx.Err() == nil {
		ran, err := r.RunOne(ctx)
		if err != nil && ctx.Err() == nil {
			r.log.Error("job queue", "err", err)
		}
		if ran {
			continue
		}
		wait := r.Poll
		if next, ok, err := r.store.NextRunAt(ctx); err == nil && ok {
			if d := next.Sub(r.clock.Now()); d < wait {
				wait = max(d, time.Millisecond)
			}
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
		case <-r.wake:
			timer.Stop()
		case <-timer.C:
		}
	}
}

// RunOne claims one due job and runs it. ran reports whether a job was
// claimed. A job that fails stays leased and is retried when its lease
// runs out. While a job runs its lease is renewed, so long imports keep
// it; if the lease is lost all the same, the job's context is cancelled.
func (r *Runner) RunOne(ctx context.Context) (ran bool, err error) {
	job, ok, err := r.store.Claim(ctx, r.clock.Now(), r.Lease)
	if err != nil || !ok {
		return false, err
	}
	jobCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	keeperDone := make(chan struct{})
	go func() {
		defer close(keeperDone)
		r.keepLease(jobCtx, cancel, job)
	}()
	start := time.Now()
	err = r.run(jobCtx, job)
	cancel()
	<-keeperDone
	if err != nil && ctx.Err() != nil {
		// Shutting down: hand the job back at once rather than leave it
		// to wait out its lease.
		if rerr := r.store.ExtendLease(context.WithoutCancel(ctx), job, r.clock.Now()); rerr == nil {
			r.log.Info("job handed back for the next start", "kind", job.Kind, "arn", job.ARN)
			r.Metrics.Job(job.Kind, "handed_back", time.Since(start))
			return true, nil
		}
	}
	if errors.Is(err, errWaiting) {
		r.Metrics.Job(job.Kind, "waiting", time.Since(start))
		return true, nil
	}
	outcome := "done"
	if err != nil {
		outcome = "retry"
	}
	r.Metrics.Job(job.Kind, outcome, time.Since(start))
	switch {
	case errors.Is(err, perso.ErrLeaseLost):
		r.log.Warn("job outlived its lease and was handed to another worker; its work was rolled back", "kind", job.Kind, "arn", job.ARN)
	case err != nil:
		r.log.Error("job failed; it will be retried", "kind", job.Kind, "arn", job.ARN, "attempt", job.Attempts, "err", err)
	default:
		r.log.Debug("job done", "kind", job.Kind, "arn", job.ARN)
	}
	return true, nil
}

func (r *Runner) run(ctx context.Context, job perso.Job) error {
	switch job.Kind {
	case perso.JobImport:
		return r.runImport(ctx, job)
	case perso.JobExport:
		return r.runExport(ctx, job)
	case perso.JobDataDeletion:
		return r.runDataDeletion(ctx, job)
	case perso.JobDeleteFiles:
		return r.deleteFiles(ctx, job)
	default:
		return r.service.RunJob(ctx, job)
	}
}

// keepLease renews job's lease every third of a lease until ctx ends, and
// cancels the job when the lease is lost.
func (r *Runner) keepLease(ctx context.Context, cancel context.CancelFunc, job perso.Job) {
	t := time.NewTicker(r.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			err := r.store.ExtendLease(ctx, job, r.clock.Now().Add(r.Lease))
			if errors.Is(err, perso.ErrLeaseLost) {
				cancel()
				return
			}
			if err != nil && ctx.Err() == nil {
				r.log.Warn("could not renew a job's lease", "arn", job.ARN, "err", err)
			}
		}
	}
}

// deleteFiles deletes files nothing lists any more, then completes the job.
// Deleting a file that is already gone is not an error, so the job can run
// again after a crash.
func (r *Runner) deleteFiles(ctx context.Context, job perso.Job) error {
	urls, err := perso.FilesToDelete(job)
	if err != nil {
		r.log.Error("dropping a file deletion job with a bad file list", "err", err)
		return r.service.CompleteJob(ctx, job)
	}
	if r.Blobs == nil {
		return errors.New("no blob store is configured")
	}
	for _, u := range urls {
		if err := r.Blobs.Delete(ctx, u); err != nil {
			return err
		}
	}
	r.log.Info("deleted files no longer in use", "count", len(urls), "for", job.ARN)
	return r.service.CompleteJob(ctx, job)
}
