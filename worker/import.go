package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/perso/perso"
	"github.com/perso/perso/avroschema"
	"github.com/perso/perso/blob"
	"github.com/perso/perso/ingest"
	"github.com/perso/perso/segment"
)

// importBatchRows is the number of rows read and written at a time: it
// bounds an import's memory whatever the size of its files.
const importBatchRows = 1 << 18

// maxJobAttempts bounds the retries of an import, export or data deletion
// that keeps failing for reasons of the server (the blob store
// unreachable, say) rather than of its data; the last attempt fails the
// job with the cause.
const maxJobAttempts = 5

// errWaiting reports a job postponed without running.
var errWaiting = errors.New("the job waits for another")

// runImport runs a dataset import job: it reads the CSV files of the data
// location, checks every row against the dataset's schema, writes them as
// Parquet segments under a prefix of the job's own, and hands the segments
// to the service, which makes them the dataset's data in one transaction.
// A job that fails changes nothing; a crash at any point leaves the job to
// be run again, whose first act is to delete what earlier attempts wrote.
func (r *Runner) runImport(ctx context.Context, job perso.Job) error {
	task, done, err := r.service.StartImport(ctx, job, r.DataRoot)
	if errors.Is(err, perso.ErrNotYet) {
		// Look again shortly, when the older import may be done; waiting
		// is not a failed attempt.
		if err := r.store.Postpone(ctx, job, r.clock.Now().Add(time.Second)); err != nil {
			return err
		}
		return errWaiting
	}
	if err != nil || done {
		return err
	}
	log := r.log.With("job", task.Job.ARN, "attempt", job.Attempts)
	log.Info("import started", "source", task.Job.DataLocation, "mode", task.Job.ImportMode)
	segments, failure, err := r.importFiles(ctx, job, task)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if job.Attempts < maxJobAttempts {
			return fmt.Errorf("import %s: %w", task.Job.ARN, err)
		}
		failure = fmt.Sprintf("The import failed %d times; last: %v", job.Attempts, err)
	}
	if failure != "" {
		r.deleteUnder(ctx, task.JobPrefix)
		log.Info("import failed", "reason", failure)
		segments = nil
	}
	if err := r.service.FinishImport(ctx, job, segments, failure); err != nil {
		return err
	}
	if failure == "" {
		var rows int64
		for _, s := range segments {
			rows += s.Rows
		}
		log.Info("import done", "rows", rows, "segments", len(segments))
	}
	return nil
}

// importFiles writes the segments of an import. A problem with the data
// (a missing file, a bad row, too few rows) is returned as failure, the
// reason the job fails with; err reports a fault of the server, after
// which the job is retried.
func (r *Runner) importFiles(ctx context.Context, job perso.Job, task perso.ImportTask) (segments []perso.Segment, failure string, err error) {
	if r.Blobs == nil {
		return nil, "", errors.New("no blob store is configured")
	}
	// What earlier attempts of this job wrote is garbage now.
	old, err := r.Blobs.List(ctx, task.JobPrefix)
	if err != nil && !errors.Is(err, blob.ErrNotFound) {
		return nil, "", err
	}
	for _, o := range old {
		if !strings.HasPrefix(o.URL, task.SegmentPrefix) {
			if err := r.Blobs.Delete(ctx, o.URL); err != nil {
				return nil, "", err
			}
		}
	}

	sources, failure, err := r.importSources(ctx, task.Job.DataLocation)
	if err != nil || failure != "" {
		return nil, failure, err
	}
	schema, err := r.service.DatasetSchema(ctx, job.Scope, task.Dataset)
	if err != nil {
		return nil, "", err
	}
	var total int64
	for i, src := range sources {
		seg, failure, err := r.importFile(ctx, schema, src, fmt.Sprintf("%spart-%05d.parquet", task.SegmentPrefix, i))
		if err != nil || failure != "" {
			return nil, failure, err
		}
		total += seg.Rows
		segments = append(segments, seg)
		r.log.Info("import progress", "job", task.Job.ARN, "file", src, "rows", seg.Rows, "total", total)
	}
	if total < task.MinRows {
		return nil, fmt.Sprintf("The data holds %d records; an import into an Interactions dataset needs at least %d.", total, task.MinRows), nil
	}
	return segments, "", nil
}

// importSources lists the files of a data location: the object itself, or
// every .csv object under a location ending in "/".
func (r *Runner) importSources(ctx context.Context, loc string) (urls []string, failure string, err error) {
	if !strings.HasSuffix(loc, "/") {
		return []string{loc}, "", nil
	}
	objs, err := r.Blobs.List(ctx, loc)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, fmt.Sprintf("%s does not exist.", loc), nil
	}
	if err != nil {
		return nil, "", err
	}
	for _, o := range objs {
		if strings.HasSuffix(strings.ToLower(o.URL), ".csv") {
			urls = append(urls, o.URL)
		}
	}
	if len(urls) == 0 {
		return nil, fmt.Sprintf("No .csv files were found under %s.", loc), nil
	}
	return urls, "", nil
}

// importFile converts one CSV file to one segment.
func (r *Runner) importFile(ctx context.Context, schema *avroschema.Schema, src, dst string) (seg perso.Segment, failure string, err error) {
	in, err := r.Blobs.Open(ctx, src)
	if errors.Is(err, blob.ErrNotFound) {
		return seg, fmt.Sprintf("%s does not exist.", src), nil
	}
	if err != nil {
		return seg, "", err
	}
	defer in.Close()
	rd, err := ingest.NewReader(in, schema, src)
	if err != nil {
		failure, err := dataFailure(err)
		return seg, failure, err
	}
	out, err := r.Blobs.Create(ctx, dst)
	if err != nil {
		return seg, "", err
	}
	defer out.Abort()
	counted := &countingWriter{w: out}
	sw := segment.NewWriter(counted, schema.Fields)
	// Parsing and encoding each take about half of an import's time: the
	// reader parses the next batch while the writer encodes this one.
	batches := make(chan *ingest.Table, 1)
	readErr := make(chan error, 1)
	readCtx, stopReading := context.WithCancel(ctx)
	readerDone := make(chan struct{})
	// Stop the reader and wait for it before the file it reads is closed.
	defer func() {
		stopReading()
		<-readerDone
	}()
	go func() {
		defer close(readerDone)
		defer close(batches)
		for {
			t, err := rd.Next(importBatchRows)
			if err != nil {
				if !errors.Is(err, io.EOF) {
					readErr <- err
				}
				return
			}
			select {
			case batches <- t:
			case <-readCtx.Done():
				return
			}
		}
	}()
	for t := range batches {
		if err := sw.Write(t); err != nil {
			return seg, "", fmt.Errorf("write segment %s: %w", dst, err)
		}
		if ctx.Err() != nil {
			return seg, "", ctx.Err()
		}
	}
	select {
	case err := <-readErr:
		failure, err := dataFailure(err)
		return seg, failure, err
	default:
	}
	if err := sw.Close(); err != nil {
		return seg, "", fmt.Errorf("write segment %s: %w", dst, err)
	}
	if err := out.Close(); err != nil {
		return seg, "", fmt.Errorf("write segment %s: %w", dst, err)
	}
	return perso.Segment{URL: dst, Rows: sw.Rows(), Bytes: counted.n}, "", nil
}

// dataFailure sorts a reader error: a rule broken by the data becomes the
// job's failure reason; anything else (a read that failed) is a fault.
func dataFailure(err error) (string, error) {
	var ie *ingest.Error
	if errors.As(err, &ie) {
		return ie.Error(), nil
	}
	return "", err
}

// deleteUnder deletes every object under prefix, as far as it can.
func (r *Runner) deleteUnder(ctx context.Context, prefix string) {
	objs, err := r.Blobs.List(ctx, prefix)
	if err != nil {
		return
	}
	for _, o := range objs {
		if err := r.Blobs.Delete(ctx, o.URL); err != nil {
			r.log.Warn("could not delete a file of a failed import", "url", o.URL, "err", err)
		}
	}
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
