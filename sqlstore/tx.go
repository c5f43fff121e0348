package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/perso/perso"
)

// tx is a perso.Tx: a write transaction on one scope.
type tx struct {
	d     *dialect
	tx    *sql.Tx
	scope perso.Scope
	// changed records whether a record of the scope was written, so that
	// the scope's version is raised on commit.
	changed bool
}

var _ perso.Tx = (*tx)(nil)

func (t *tx) Get(ctx context.Context, arn string) (perso.Record, error) {
	return getRecord(ctx, t.tx, t.scope, arn)
}

func (t *tx) GetByKey(ctx context.Context, typ perso.ResourceType, key string) (perso.Record, error) {
	return getRecordByKey(ctx, t.tx, t.scope, typ, key)
}

// AppendRows inserts the rows in order and sets their Seq.
func (t *tx) AppendRows(ctx context.Context, dataset string, rows []perso.Row) error {
	for i := range rows {
		if rows[i].Data == nil {
			rows[i].Data = []byte{}
		}
		err := t.tx.QueryRowContext(ctx, `INSERT INTO rows (account, region, dataset, data) VALUES ($1, $2, $3, $4) RETURNING seq`,
			t.scope.Account, t.scope.Region, dataset, rows[i].Data).Scan(&rows[i].Seq)
		if err != nil {
			return fmt.Errorf("sqlstore: append row: %w", err)
		}
	}
	return nil
}

// DeleteRowSeqs removes the dataset's rows with the given Seqs and returns
// how many were removed.
func (t *tx) DeleteRowSeqs(ctx context.Context, dataset string, seqs []int64) (int, error) {
	n := 0
	for _, seq := range seqs {
		res, err := t.tx.ExecContext(ctx, `DELETE FROM rows WHERE account = $1 AND region = $2 AND dataset = $3 AND seq = $4`,
			t.scope.Account, t.scope.Region, dataset, seq)
		if err != nil {
			return n, fmt.Errorf("sqlstore: delete row: %w", err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return n, fmt.Errorf("sqlstore: delete row: %w", err)
		}
		n += int(k)
	}
	return n, nil
}

// DeleteRows removes the dataset's rows up to and including Seq through,
// or all of them when through is negative.
func (t *tx) DeleteRows(ctx context.Context, dataset string, through int64) error {
	q := `DELETE FROM rows WHERE account = $1 AND region = $2 AND dataset = $3`
	args := []any{t.scope.Account, t.scope.Region, dataset}
	if through >= 0 {
		q += ` AND seq <= $4`
		args = append(args, through)
	}
	if _, err := t.tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("sqlstore: delete rows: %w", err)
	}
	return nil
}

func (t *tx) List(ctx context.Context, q perso.ListQuery) ([]perso.Record, error) {
	return listRecords(ctx, t.tx, t.scope, q)
}

func (t *tx) Count(ctx context.Context, q perso.CountQuery) (int, error) {
	var b strings.Builder
	args := []any{t.scope.Account, t.scope.Region, string(q.Type)}
	b.WriteString(`SELECT COUNT(*) FROM records WHERE account = $1 AND region = $2 AND type = $3`)
	if q.Parent != "" {
		args = append(args, q.Parent)
		fmt.Fprintf(&b, ` AND parent = $%d`, len(args))
	}
	if len(q.Statuses) > 0 {
		b.WriteString(` AND status IN (`)
		for i, st := range q.Statuses {
			if i > 0 {
				b.WriteString(", ")
			}
			args = append(args, st)
			fmt.Fprintf(&b, `$%d`, len(args))
		}
		b.WriteString(`)`)
	}
	var n int64
	if err := t.tx.QueryRowContext(ctx, b.String(), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: count records: %w", err)
	}
	return int(n), nil
}

// keyHolder returns the ARN of the record of type typ with key in the
// transaction's scope, or "" if there is none.
func (t *tx) keyHolder(ctx context.Context, typ perso.ResourceType, key string) (string, error) {
	var arn string
	err := t.tx.QueryRowContext(ctx, `SELECT arn FROM records
		WHERE account = $1 AND region = $2 AND type = $3 AND key = $4`,
		t.scope.Account, t.scope.Region, string(typ), key).Scan(&arn)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("sqlstore: look up key: %w", err)
	}
	return arn, nil
}

func keyTaken(typ perso.ResourceType, key, holder string) error {
	return perso.Errorf(perso.KindAlreadyExists, "%s %q already exists as resource %s", typ, key, holder)
}

// Insert stores a new record in the transaction's scope and sets its Seq
// and Scope. It also truncates r.Created and r.Updated to what the store
// keeps, so that r equals the record as read back.
func (t *tx) Insert(ctx context.Context, r *perso.Record) error {
	t.changed = true
	// Writers of the scope are serialized and ARNs and keys are unique
	// per scope, so these checks cannot race with another insert.
	var one int
	err := t.tx.QueryRowContext(ctx, `SELECT 1 FROM records WHERE account = $1 AND region = $2 AND arn = $3`,
		t.scope.Account, t.scope.Region, r.ARN).Scan(&one)
	if err == nil {
		return perso.Errorf(perso.KindAlreadyExists, "resource %s already exists", r.ARN)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlstore: look up ARN: %w", err)
	}
	holder, err := t.keyHolder(ctx, r.Type, r.Key)
	if err != nil {
		return err
	}
	if holder != "" {
		return keyTaken(r.Type, r.Key, holder)
	}
	tags, err := encodeTags(r.Tags)
	if err != nil {
		return err
	}
	var seq int64
	err = t.tx.QueryRowContext(ctx, `INSERT INTO records
		(account, region, type, arn, key, parent, status, created, updated, tags, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		RETURNING seq`,
		t.scope.Account, t.scope.Region, string(r.Type), r.ARN, r.Key, r.Parent, r.Status,
		r.Created.UnixMicro(), r.Updated.UnixMicro(), tags, blobArg(r.Data)).Scan(&seq)
	if err != nil {
		if t.d.isUniqueViolation(err) {
			return perso.Errorf(perso.KindAlreadyExists, "resource %s already exists", r.ARN)
		}
		return fmt.Errorf("sqlstore: insert record: %w", err)
	}
	r.Seq = seq
	r.Scope = t.scope
	r.Created = normTime(r.Created)
	r.Updated = normTime(r.Updated)
	return nil
}

// Put replaces the Key, Parent, Status, Updated, Tags and Data of the
// record with r's ARN in the transaction's scope; its Type, Seq and
// Created stay as they are.
func (t *tx) Put(ctx context.Context, r perso.Record) error {
	t.changed = true
	var typ, key string
	err := t.tx.QueryRowContext(ctx, `SELECT type, key FROM records WHERE account = $1 AND region = $2 AND arn = $3`,
		t.scope.Account, t.scope.Region, r.ARN).Scan(&typ, &key)
	if errors.Is(err, sql.ErrNoRows) {
		return perso.Errorf(perso.KindNotFound, "resource %s does not exist", r.ARN)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: look up ARN: %w", err)
	}
	if r.Key != key {
		holder, err := t.keyHolder(ctx, perso.ResourceType(typ), r.Key)
		if err != nil {
			return err
		}
		if holder != "" {
			return keyTaken(perso.ResourceType(typ), r.Key, holder)
		}
	}
	tags, err := encodeTags(r.Tags)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `UPDATE records
		SET key = $1, parent = $2, status = $3, updated = $4, tags = $5, data = $6
		WHERE account = $7 AND region = $8 AND arn = $9`,
		r.Key, r.Parent, r.Status, r.Updated.UnixMicro(), tags, blobArg(r.Data),
		t.scope.Account, t.scope.Region, r.ARN)
	if err != nil {
		if t.d.isUniqueViolation(err) {
			return perso.Errorf(perso.KindAlreadyExists, "%s %q already exists", typ, r.Key)
		}
		return fmt.Errorf("sqlstore: update record: %w", err)
	}
	return nil
}

func (t *tx) Delete(ctx context.Context, arn string) error {
	t.changed = true
	res, err := t.tx.ExecContext(ctx, `DELETE FROM records WHERE account = $1 AND region = $2 AND arn = $3`,
		t.scope.Account, t.scope.Region, arn)
	if err != nil {
		return fmt.Errorf("sqlstore: delete record: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlstore: delete record: %w", err)
	}
	if n == 0 {
		return perso.Errorf(perso.KindNotFound, "resource %s does not exist", arn)
	}
	return nil
}

// Enqueue adds a job in the transaction's scope to the queue and sets its
// ID and Scope. The job is claimable once the transaction commits and its
// RunAt has come; its Attempts starts at zero whatever j says.
func (t *tx) Enqueue(ctx context.Context, j *perso.Job) error {
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO jobs (account, region, kind, arn, payload, run_at, attempts)
		VALUES ($1, $2, $3, $4, $5, $6, 0) RETURNING id`,
		t.scope.Account, t.scope.Region, j.Kind, j.ARN, blobArg(j.Payload), j.RunAt.UnixMicro()).Scan(&id)
	if err != nil {
		return fmt.Errorf("sqlstore: enqueue job: %w", err)
	}
	j.ID = id
	j.Scope = t.scope
	j.RunAt = normTime(j.RunAt)
	j.Attempts, j.Claim = 0, 0
	return nil
}

// CompleteJob removes the job if it belongs to the transaction's scope and
// has not been claimed again since job was claimed; otherwise it answers
// perso.ErrLeaseLost.
func (t *tx) CompleteJob(ctx context.Context, job perso.Job) error {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM jobs WHERE id = $1 AND claims = $2 AND account = $3 AND region = $4`,
		job.ID, job.Claim, t.scope.Account, t.scope.Region)
	if err != nil {
		return fmt.Errorf("sqlstore: complete job: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlstore: complete job: %w", err)
	}
	if n == 0 {
		return perso.ErrLeaseLost
	}
	return nil
}

func encodeTags(tags map[string]string) (string, error) {
	if len(tags) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(tags)
	if err != nil {
		return "", fmt.Errorf("sqlstore: encode tags: %w", err)
	}
	return string(b), nil
}
