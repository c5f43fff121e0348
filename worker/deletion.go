package worker

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/perso/perso"
	"github.com/perso/perso/avroschema"
	"github.com/perso/perso/blob"
	"github.com/perso/perso/ingest"
	"github.com/perso/perso/segment"
)

// userListSchema is the schema of the file a data deletion job reads.
var userListSchema = &avroschema.Schema{Name: "Users", Fields: []avroschema.Field{{Name: "USER_ID", Type: "string"}}}

// runDataDeletion runs a data deletion job: it reads the user IDs of its
// file and, for every dataset of the group with a USER_ID field, rewrites
// the segments that hold records of those users without them and finds the
// streamed records of those users; one transaction then swaps the segments,
// removes the records and completes the job. If the dataset changed in the
// meantime (an import replaced a segment), the job is run again.
func (r *Runner) runDataDeletion(ctx context.Context, job perso.Job) error {
	task, done, err := r.service.StartDataDeletion(ctx, job)
	if err != nil || done {
		return err
	}
	log := r.log.With("job", task.Job.ARN, "attempt", job.Attempts)
	log.Info("data deletion started", "source", task.Job.DataLocation)
	prefix := fmt.Sprintf("%s/%s/%s/deletions/%s/attempt-%d/", r.DataRoot, job.Account, job.Region, task.Job.Name, job.Attempts)
	users, failure, err := r.readUserIDs(ctx, task.Job.DataLocation)
	var rewrites []perso.DatasetRewrite
	if err == nil && failure == "" {
		rewrites, err = r.rewriteDatasets(ctx, job.Scope, task, users, prefix)
	}
	if err != nil {
		r.deleteUnder(ctx, prefix)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if job.Attempts < maxJobAttempts {
			return fmt.Errorf("data deletion %s: %w", task.Job.ARN, err)
		}
		failure = fmt.Sprintf("The deletion failed %d times; last: %v", job.Attempts, err)
	}
	if failure != "" {
		r.deleteUnder(ctx, prefix)
		rewrites = nil
	}
	if err := r.service.FinishDataDeletion(ctx, job, rewrites, failure); err != nil {
		r.deleteUnder(ctx, prefix)
		if ctx.Err() == nil && failure == "" && job.Attempts >= maxJobAttempts {
			// The datasets keep changing under the job: give up with a
			// reason rather than retry forever.
			return r.service.FinishDataDeletion(ctx, job, nil, fmt.Sprintf("The deletion failed %d times; last: %v", job.Attempts, err))
		}
		return err
	}
	log.Info("data deletion done", "users", len(users))
	return nil
}

// readUserIDs reads the USER_ID column of a CSV file.
func (r *Runner) readUserIDs(ctx context.Context, loc string) (map[string]bool, string, error) {
	if r.Blobs == nil {
		return nil, "", errors.New("no blob store is configured")
	}
	in, err := r.Blobs.Open(ctx, loc)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, fmt.Sprintf("%s does not exist.", loc), nil
	}
	if err != nil {
		return nil, "", err
	}
	defer in.Close()
	rd, err := ingest.NewReader(in, userListSchema, loc)
	if err != nil {
		failure, err := dataFailure(err)
		return nil, failure, err
	}
	users := map[string]bool{}
	for {
		t, err := rd.Next(scanBatchRows)
		if errors.Is(err, io.EOF) {
			return users, "", nil
		}
		if err != nil {
			failure, err := dataFailure(err)
			return nil, failure, err
		}
		for _, u := range t.Columns[0].Str {
			users[string([]byte(u))] = true
		}
	}
}

// rewriteDatasets prepares the rewrite of every dataset with a USER_ID
// field.
func (r *Runner) rewriteDatasets(ctx context.Context, scope perso.Scope, task perso.DeletionTask, users map[string]bool, prefix string) ([]perso.DatasetRewrite, error) {
	var out []perso.DatasetRewrite
	for _, d := range task.Datasets {
		schema, err := r.service.DatasetSchema(ctx, scope, d)
		if err != nil {
			return nil, err
		}
		col := -1
		for i, f := range schema.Fields {
			if f.Name == "USER_ID" {
				col = i
			}
		}
		if col < 0 {
			continue
		}
		rw := perso.DatasetRewrite{DatasetARN: d.ARN, Replace: map[string]perso.Segment{}}
		segs, err := r.service.DatasetSegments(ctx, scope, d.ARN)
		if err != nil {
			return nil, err
		}
		for i, sg := range segs {
			kept, changed, err := r.filterSegment(ctx, schema, sg, col, users, fmt.Sprintf("%s%s/part-%05d.parquet", prefix, d.DatasetType, i))
			if err != nil {
				return nil, err
			}
			if changed {
				rw.Replace[sg.URL] = kept
			}
		}
		var after int64
		for {
			rows, err := r.service.DatasetRows(ctx, scope, d.ARN, after, scanBatchRows)
			if err != nil {
				return nil, err
			}
			if len(rows) == 0 {
				break
			}
			for _, row := range rows {
				values, err := rowValues(schema, row.Data)
				if err != nil {
					return nil, err
				}
				if u, _ := values[col].(string); users[u] {
					rw.RowSeqs = append(rw.RowSeqs, row.Seq)
				}
			}
			after = rows[len(rows)-1].Seq
		}
		out = append(out, rw)
	}
	return out, nil
}

// filterSegment writes the records of a segment whose user is not in users
// to dst. changed is false, and nothing is written, when no record goes;
// the returned segment has an empty URL when every record goes.
func (r *Runner) filterSegment(ctx context.Context, schema *avroschema.Schema, sg perso.Segment, col int, users map[string]bool, dst string) (kept perso.Segment, changed bool, err error) {
	ra, size, err := r.Blobs.ReaderAt(ctx, sg.URL)
	if err != nil {
		return kept, false, err
	}
	defer ra.Close()
	hits := 0
	err = segment.Scan(ra, size, schema.Fields, scanBatchRows, func(t *ingest.Table) error {
		for _, u := range t.Columns[col].Str {
			if users[u] {
				hits++
			}
		}
		return nil
	})
	if err != nil || hits == 0 {
		return kept, false, err
	}
	if int64(hits) == sg.Rows {
		return perso.Segment{}, true, nil
	}
	out, err := r.Blobs.Create(ctx, dst)
	if err != nil {
		return kept, false, err
	}
	defer out.Abort()
	counted := &countingWriter{w: out}
	sw := segment.NewWriter(counted, schema.Fields)
	err = segment.Scan(ra, size, schema.Fields, scanBatchRows, func(t *ingest.Table) error {
		keep := ingest.NewTable(schema.Fields, t.Len)
		for i := 0; i < t.Len; i++ {
			if !users[t.Columns[col].Str[i]] {
				if err := keep.AppendRow(t.Row(i)); err != nil {
					return err
				}
			}
		}
		return sw.Write(keep)
	})
	if err != nil {
		return kept, false, err
	}
	if err := sw.Close(); err != nil {
		return kept, false, err
	}
	if err := out.Close(); err != nil {
		return kept, false, err
	}
	return perso.Segment{URL: dst, Rows: sw.Rows(), Bytes: counted.n}, true, nil
}
