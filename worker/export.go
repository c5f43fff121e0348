package worker

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strconv"

	"github.com/perso/perso"
	"github.com/perso/perso/ingest"
)

// runExport runs a dataset export job: it writes the dataset's records, as
// the ingestion mode selects them, to one CSV file with a header of the
// schema's fields under <path>/<job name>/. The file appears whole or not
// at all; the job is ACTIVE once it is there.
func (r *Runner) runExport(ctx context.Context, job perso.Job) error {
	task, done, err := r.service.StartExport(ctx, job)
	if err != nil || done {
		return err
	}
	log := r.log.With("job", task.Job.ARN, "attempt", job.Attempts)
	log.Info("export started", "dataset", task.Dataset.ARN, "mode", task.Job.IngestionMode, "path", task.Job.Path)
	url := task.FilePrefix + "part-00000.csv"
	rows, err := r.exportCSV(ctx, job.Scope, task, url)
	failure := ""
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if job.Attempts < maxJobAttempts {
			return fmt.Errorf("export %s: %w", task.Job.ARN, err)
		}
		failure = fmt.Sprintf("The export failed %d times; last: %v", job.Attempts, err)
	}
	var files []string
	if failure == "" {
		files = []string{url}
		log.Info("export done", "rows", rows, "file", url)
	}
	return r.service.FinishExport(ctx, job, files, failure)
}

func (r *Runner) exportCSV(ctx context.Context, scope perso.Scope, task perso.ExportTask, url string) (int64, error) {
	if r.Blobs == nil {
		return 0, errors.New("no blob store is configured")
	}
	schema, err := r.service.DatasetSchema(ctx, scope, task.Dataset)
	if err != nil {
		return 0, err
	}
	out, err := r.Blobs.Create(ctx, url)
	if err != nil {
		return 0, err
	}
	defer out.Abort()
	bw := bufio.NewWriterSize(out, 1<<20)
	w := csv.NewWriter(bw)
	header := make([]string, len(schema.Fields))
	for i, f := range schema.Fields {
		header[i] = f.Name
	}
	if err := w.Write(header); err != nil {
		return 0, err
	}
	mode := task.Job.IngestionMode
	record := make([]string, len(schema.Fields))
	n, err := r.scanDataset(ctx, scope, task.Dataset, schema, mode != perso.IngestionPut, mode != perso.IngestionBulk, func(t *ingest.Table) error {
		for i := 0; i < t.Len; i++ {
			for j := range t.Fields {
				record[j] = formatValue(t, j, i)
			}
			if err := w.Write(record); err != nil {
				return err
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return n, err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return n, err
	}
	if err := bw.Flush(); err != nil {
		return n, err
	}
	return n, out.Close()
}

// formatValue formats a value as the import format writes it, so that an
// export imports again unchanged: null as an empty field, floats in the
// shortest form that reads back to the same value.
func formatValue(t *ingest.Table, col, row int) string {
	c := &t.Columns[col]
	if c.IsNull(row) {
		return ""
	}
	switch t.Fields[col].Type {
	case "string":
		return c.Str[row]
	case "int", "long":
		return strconv.FormatInt(c.Int[row], 10)
	case "float":
		return strconv.FormatFloat(c.Float[row], 'g', -1, 32)
	case "double":
		return strconv.FormatFloat(c.Float[row], 'g', -1, 64)
	case "boolean":
		return strconv.FormatBool(c.Bool[row])
	}
	return ""
}
