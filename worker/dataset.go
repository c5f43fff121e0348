package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/perso/perso"
	"github.com/perso/perso/avroschema"
	"github.com/perso/perso/ingest"
	"github.com/perso/perso/segment"
)

// scanBatchRows is the batch size of dataset scans.
const scanBatchRows = 1 << 16

// scanDataset calls fn with batches of a dataset's records: its bulk data
// (segments, oldest first) when bulk is set, then the records streamed
// through the events API, oldest first, when put is set. It returns the
// number of records scanned.
func (r *Runner) scanDataset(ctx context.Context, scope perso.Scope, d perso.Dataset, schema *avroschema.Schema, bulk, put bool, fn func(*ingest.Table) error) (int64, error) {
	var n int64
	if bulk {
		segs, err := r.service.DatasetSegments(ctx, scope, d.ARN)
		if err != nil {
			return n, err
		}
		for _, sg := range segs {
			ra, size, err := r.Blobs.ReaderAt(ctx, sg.URL)
			if err != nil {
				return n, fmt.Errorf("open segment: %w", err)
			}
			err = segment.Scan(ra, size, schema.Fields, scanBatchRows, func(t *ingest.Table) error {
				n += int64(t.Len)
				return fn(t)
			})
			ra.Close()
			if err != nil {
				return n, fmt.Errorf("read segment %s: %w", sg.URL, err)
			}
		}
	}
	if put {
		var after int64
		for {
			rows, err := r.service.DatasetRows(ctx, scope, d.ARN, after, scanBatchRows)
			if err != nil {
				return n, err
			}
			if len(rows) == 0 {
				break
			}
			t := ingest.NewTable(schema.Fields, len(rows))
			for _, row := range rows {
				values, err := rowValues(schema, row.Data)
				if err != nil {
					return n, fmt.Errorf("read streamed record %d of %s: %w", row.Seq, d.ARN, err)
				}
				if err := t.AppendRow(values); err != nil {
					return n, fmt.Errorf("read streamed record %d of %s: %w", row.Seq, d.ARN, err)
				}
			}
			n += int64(t.Len)
			if err := fn(t); err != nil {
				return n, err
			}
			after = rows[len(rows)-1].Seq
		}
	}
	return n, nil
}

// rowValues decodes a streamed record into values in schema order.
func rowValues(schema *avroschema.Schema, data []byte) ([]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	values := make([]any, len(schema.Fields))
	for i, f := range schema.Fields {
		v, ok := m[f.Name]
		if !ok || v == nil {
			continue
		}
		switch f.Type {
		case "int", "long":
			num, ok := v.(json.Number)
			if !ok {
				return nil, fmt.Errorf("field %s is not a number", f.Name)
			}
			x, err := num.Int64()
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			values[i] = x
		case "float", "double":
			num, ok := v.(json.Number)
			if !ok {
				return nil, fmt.Errorf("field %s is not a number", f.Name)
			}
			x, err := num.Float64()
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			values[i] = x
		default:
			values[i] = v
		}
	}
	return values, nil
}
