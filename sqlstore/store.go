// Package sqlstore implements perso.Store, the metadata store and durable
// job queue, over database/sql on SQLite (the embedded default) and
// PostgreSQL (for several replicas sharing one database).
//
// One code path serves both engines; what differs between them lives in
// dialect.go. The schema is created and migrated by Open from the SQL files
// embedded from migrations/, each applied once and recorded in the
// schema_migrations table.
//
// Conventions of the stored values:
//
//   - Times are kept as integer Unix microseconds: a time read back equals
//     the time written truncated to the microsecond, in UTC. The zero
//     time.Time reads back as the zero time.Time.
//   - Tags are kept as a JSON object. A record read from the store always
//     has a non-nil Tags map, empty when the record has no tags, so callers
//     may add tags to it in place.
//   - Data and Job.Payload read back exactly as written: byte for byte, and
//     nil stays nil while an empty non-nil slice stays empty and non-nil.
//
// Writers of one scope are serialized: on SQLite by the single writer
// connection (and BEGIN IMMEDIATE across processes), on PostgreSQL by a
// transaction-scoped advisory lock on the scope. So the read-then-write of
// a quota check inside Update is race-free, and Seq increases in commit
// order within a scope.
package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/perso/perso"
)

// Store is a perso.Store on SQLite or PostgreSQL. It is safe for
// concurrent use. The function passed to Update must use only the Tx it is
// given, never the Store: on SQLite the Store's writer is the transaction's
// own connection, so a Store write (or, in memory, any Store call) made
// from inside fn would wait for itself.
type Store struct {
	d *dialect
	w *sql.DB // writes; on SQLite a pool of exactly one connection
	r *sql.DB // reads; the same pool as w except for an SQLite file

	// Hot read statements, prepared once: compiling SQL is a large part of
	// a point read's cost.
	versionStmt, getStmt *sql.Stmt
	// listStmts are the four shapes of List's query: with or without a
	// parent filter (bit 0) and a position (bit 1).
	listStmts [4]*sql.Stmt
}

var _ perso.Store = (*Store)(nil)

// Open opens the store named by dsn, creating and migrating it if needed:
//
//	"postgres://..." or "postgresql://..."  PostgreSQL
//	"sqlite:<path>" or a plain file path    an SQLite file, created with its directory
//	"sqlite::memory:" or ":memory:"         an in-memory SQLite database, for tests
//
// An in-memory store lives until Close and is served by one connection.
func Open(ctx context.Context, dsn string) (*Store, error) {
	s, err := openDSN(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if s.versionStmt, err = s.r.PrepareContext(ctx, `SELECT version FROM scope_versions WHERE account = $1 AND region = $2`); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlstore: prepare: %w", err)
	}
	if s.getStmt, err = s.r.PrepareContext(ctx, `SELECT `+recordCols+` FROM records WHERE account = $1 AND region = $2 AND arn = $3`); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlstore: prepare: %w", err)
	}
	for shape := range s.listStmts {
		if s.listStmts[shape], err = s.r.PrepareContext(ctx, listQuery(shape&1 != 0, shape&2 != 0)); err != nil {
			s.Close()
			return nil, fmt.Errorf("sqlstore: prepare: %w", err)
		}
	}
	return s, nil
}

// Dialect returns the name of the store's database engine: "sqlite" or
// "postgres".
func (s *Store) Dialect() string { return s.d.name }

// Close closes the store's connections.
func (s *Store) Close() error {
	for _, st := range append([]*sql.Stmt{s.versionStmt, s.getStmt}, s.listStmts[:]...) {
		if st != nil {
			st.Close()
		}
	}
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int64
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlstore: migration %s: name must start with a positive version and an underscore", base)
		}
		b, err := migrationFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("sqlstore: migrations %s and %s share a version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// statements splits a migration into its statements: they end with a
// semicolon at the end of a line. Comment-only lines are dropped.
func statements(src string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.Lines(src) {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if rest := strings.TrimSpace(cur.String()); rest != "" {
		out = append(out, rest)
	}
	return out
}

// migrationLockKey is the advisory lock that keeps concurrently starting
// PostgreSQL replicas from migrating at once.
var migrationLockKey = lockKey("perso/sqlstore/migrate")

// migrate applies the migrations not yet recorded in schema_migrations,
// all in one transaction.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: begin migration: %w", err)
	}
	defer tx.Rollback()
	if err := s.d.lock(ctx, tx, migrationLockKey); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version BIGINT PRIMARY KEY,
		name    TEXT NOT NULL,
		applied BIGINT NOT NULL
	)`); err != nil {
		return fmt.Errorf("sqlstore: create schema_migrations: %w", err)
	}
	applied := map[int64]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("sqlstore: read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("sqlstore: read schema_migrations: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlstore: read schema_migrations: %w", err)
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		for _, stmt := range statements(s.d.ddl.Replace(m.sql)) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("sqlstore: apply migration %s: %w", m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO schema_migrations (version, name, applied) VALUES ($1, $2, $3)`,
			m.version, m.name, time.Now().UnixMicro()); err != nil {
			return fmt.Errorf("sqlstore: record migration %s: %w", m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: commit migration: %w", err)
	}
	return nil
}

// lockKey hashes s to an advisory lock key.
func lockKey(s string) int64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return int64(h.Sum64())
}

// scopeLockKey is the advisory lock key of the writers of one scope.
func scopeLockKey(sc perso.Scope) int64 {
	return lockKey("perso/sqlstore/scope\x00" + sc.Account + "\x00" + sc.Region)
}

// Get returns the record with the given ARN in scope, or a NotFound error.
func (s *Store) Get(ctx context.Context, scope perso.Scope, arn string) (perso.Record, error) {
	r, err := scanRecord(s.getStmt.QueryRowContext(ctx, scope.Account, scope.Region, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return perso.Record{}, perso.Errorf(perso.KindNotFound, "resource %s does not exist", arn)
	}
	if err != nil {
		return perso.Record{}, fmt.Errorf("sqlstore: get record: %w", err)
	}
	return r, nil
}

// Version returns the scope's version: a number that changes whenever a
// transaction that wrote a record of the scope commits.
func (s *Store) Version(ctx context.Context, scope perso.Scope) (int64, error) {
	var v int64
	err := s.versionStmt.QueryRowContext(ctx, scope.Account, scope.Region).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sqlstore: read scope version: %w", err)
	}
	return v, nil
}

// GetByKey returns the record of type typ with the key in scope.
func (s *Store) GetByKey(ctx context.Context, scope perso.Scope, typ perso.ResourceType, key string) (perso.Record, error) {
	return getRecordByKey(ctx, s.r, scope, typ, key)
}

// ScanRows returns up to limit rows of the dataset after Seq after, by
// ascending Seq.
func (s *Store) ScanRows(ctx context.Context, scope perso.Scope, dataset string, after int64, limit int) ([]perso.Row, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.r.QueryContext(ctx, `SELECT seq, data FROM rows
		WHERE account = $1 AND region = $2 AND dataset = $3 AND seq > $4 ORDER BY seq LIMIT $5`,
		scope.Account, scope.Region, dataset, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: scan rows: %w", err)
	}
	defer rows.Close()
	var out []perso.Row
	for rows.Next() {
		var r perso.Row
		if err := rows.Scan(&r.Seq, &r.Data); err != nil {
			return nil, fmt.Errorf("sqlstore: scan rows: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: scan rows: %w", err)
	}
	return out, nil
}

// List returns the records that match q, by descending Seq.
func (s *Store) List(ctx context.Context, q perso.ListQuery) ([]perso.Record, error) {
	shape := 0
	if q.Parent != "" {
		shape |= 1
	}
	if q.Before > 0 {
		shape |= 2
	}
	rows, err := s.listStmts[shape].QueryContext(ctx, listArgs(q.Scope, q)...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list records: %w", err)
	}
	return scanRecords(rows)
}

// Update runs fn in a transaction that excludes every other writer of the
// same scope, and commits it if fn returns nil. If fn returns an error,
// the transaction is rolled back and the error is returned unchanged; if
// fn panics, the transaction is rolled back and the panic goes on.
func (s *Store) Update(ctx context.Context, scope perso.Scope, fn func(perso.Tx) error) error {
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: begin transaction: %w", err)
	}
	done := false
	defer func() {
		if !done { // fn failed or panicked
			sqlTx.Rollback()
		}
	}()
	if err := s.d.lock(ctx, sqlTx, scopeLockKey(scope)); err != nil {
		return err
	}
	t := &tx{d: s.d, tx: sqlTx, scope: scope}
	if err := fn(t); err != nil {
		return err
	}
	if t.changed {
		if _, err := sqlTx.ExecContext(ctx, `INSERT INTO scope_versions (account, region, version) VALUES ($1, $2, 1)
			ON CONFLICT (account, region) DO UPDATE SET version = scope_versions.version + 1`, scope.Account, scope.Region); err != nil {
			return fmt.Errorf("sqlstore: raise scope version: %w", err)
		}
	}
	done = true
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: commit transaction: %w", err)
	}
	return nil
}

// ExtendLease moves a claimed job's lease to until, unless the job is gone
// or was claimed again since (perso.ErrLeaseLost).
func (s *Store) ExtendLease(ctx context.Context, job perso.Job, until time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE jobs SET leased_until = $1 WHERE id = $2 AND claims = $3`, until.UnixMicro(), job.ID, job.Claim)
	if err != nil {
		return fmt.Errorf("sqlstore: extend lease: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlstore: extend lease: %w", err)
	}
	if n == 0 {
		return perso.ErrLeaseLost
	}
	return nil
}

// Postpone gives a claimed job back, to be claimed again at runAt, and
// takes back the attempt its claim counted.
func (s *Store) Postpone(ctx context.Context, job perso.Job, runAt time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE jobs SET run_at = $1, leased_until = NULL, attempts = attempts - 1 WHERE id = $2 AND claims = $3`,
		runAt.UnixMicro(), job.ID, job.Claim)
	if err != nil {
		return fmt.Errorf("sqlstore: postpone job: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlstore: postpone job: %w", err)
	}
	if n == 0 {
		return perso.ErrLeaseLost
	}
	return nil
}

// Claim leases the due job with the earliest RunAt (ties: lowest ID) that
// is not leased at now, for lease, and returns it with Attempts
// incremented. ok is false when no job is due. Several processes may
// claim at once; no job is handed to two of them while its lease runs.
func (s *Store) Claim(ctx context.Context, now time.Time, lease time.Duration) (perso.Job, bool, error) {
	n := now.UnixMicro()
	row := s.w.QueryRowContext(ctx, `UPDATE jobs SET leased_until = $1, attempts = attempts + 1, claims = claims + 1
		WHERE id = (
			SELECT id FROM jobs
			WHERE run_at <= $2 AND (leased_until IS NULL OR leased_until <= $2)
			ORDER BY run_at, id
			LIMIT 1`+s.d.claimLock+`
		)
		RETURNING id, account, region, kind, arn, payload, payload IS NULL, run_at, attempts, claims`,
		now.Add(lease).UnixMicro(), n)
	var (
		j       perso.Job
		payload []byte
		null    bool
		runAt   int64
	)
	err := row.Scan(&j.ID, &j.Account, &j.Region, &j.Kind, &j.ARN, &payload, &null, &runAt, &j.Attempts, &j.Claim)
	if errors.Is(err, sql.ErrNoRows) {
		return perso.Job{}, false, nil
	}
	if err != nil {
		return perso.Job{}, false, fmt.Errorf("sqlstore: claim job: %w", err)
	}
	j.Payload = blob(payload, null)
	j.RunAt = fromMicros(runAt)
	return j, true, nil
}

// NextRunAt returns the earliest time at which a job becomes claimable,
// counting leases; ok is false when the queue is empty.
func (s *Store) NextRunAt(ctx context.Context) (time.Time, bool, error) {
	var t sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT MIN(CASE
			WHEN leased_until IS NOT NULL AND leased_until > run_at THEN leased_until
			ELSE run_at END)
		FROM jobs`).Scan(&t)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("sqlstore: read next run time: %w", err)
	}
	if !t.Valid {
		return time.Time{}, false, nil
	}
	return fromMicros(t.Int64), true, nil
}

// Secret returns the random secret of the given name, creating it with n
// random bytes on first use. Once created, a secret is returned as it is,
// whatever n later calls pass. Every replica sharing the store sees the
// same secret, including replicas that create it concurrently.
func (s *Store) Secret(ctx context.Context, name string, n int) ([]byte, error) {
	var v []byte
	err := s.r.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlstore: read secret %s: %w", name, err)
	}
	if n <= 0 {
		return nil, fmt.Errorf("sqlstore: create secret %s: size %d is not positive", name, n)
	}
	fresh := make([]byte, n)
	rand.Read(fresh)
	if _, err := s.w.ExecContext(ctx,
		`INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
		name, fresh); err != nil {
		return nil, fmt.Errorf("sqlstore: create secret %s: %w", name, err)
	}
	// Read back through the writer: whoever inserted first won, and the
	// writer sees that insert whether it was this one or another's.
	if err := s.w.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v); err != nil {
		return nil, fmt.Errorf("sqlstore: read secret %s: %w", name, err)
	}
	return v, nil
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// recordCols are the columns scanRecord reads, in order.
const recordCols = `seq, account, region, type, arn, key, parent, status, created, updated, tags, data, data IS NULL`

func scanRecord(sc interface{ Scan(...any) error }) (perso.Record, error) {
	var (
		r                perso.Record
		typ, tags        string
		created, updated int64
		data             []byte
		null             bool
	)
	if err := sc.Scan(&r.Seq, &r.Account, &r.Region, &typ, &r.ARN, &r.Key, &r.Parent, &r.Status,
		&created, &updated, &tags, &data, &null); err != nil {
		return perso.Record{}, err
	}
	r.Type = perso.ResourceType(typ)
	r.Created = fromMicros(created)
	r.Updated = fromMicros(updated)
	r.Data = blob(data, null)
	r.Tags = map[string]string{}
	if err := json.Unmarshal([]byte(tags), &r.Tags); err != nil {
		return perso.Record{}, fmt.Errorf("decode tags of %s: %w", r.ARN, err)
	}
	if r.Tags == nil { // the stored JSON was null
		r.Tags = map[string]string{}
	}
	return r, nil
}

func getRecordByKey(ctx context.Context, q querier, scope perso.Scope, typ perso.ResourceType, key string) (perso.Record, error) {
	r, err := scanRecord(q.QueryRowContext(ctx, `SELECT `+recordCols+` FROM records
		WHERE account = $1 AND region = $2 AND type = $3 AND key = $4`,
		scope.Account, scope.Region, string(typ), key))
	if errors.Is(err, sql.ErrNoRows) {
		return perso.Record{}, perso.Errorf(perso.KindNotFound, "%s %q does not exist", typ, key)
	}
	if err != nil {
		return perso.Record{}, fmt.Errorf("sqlstore: get record by key: %w", err)
	}
	return r, nil
}

func getRecord(ctx context.Context, q querier, scope perso.Scope, arn string) (perso.Record, error) {
	r, err := scanRecord(q.QueryRowContext(ctx, `SELECT `+recordCols+` FROM records
		WHERE account = $1 AND region = $2 AND arn = $3`, scope.Account, scope.Region, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return perso.Record{}, perso.Errorf(perso.KindNotFound, "resource %s does not exist", arn)
	}
	if err != nil {
		return perso.Record{}, fmt.Errorf("sqlstore: get record: %w", err)
	}
	return r, nil
}

func listRecords(ctx context.Context, q querier, scope perso.Scope, lq perso.ListQuery) ([]perso.Record, error) {
	rows, err := q.QueryContext(ctx, listQuery(lq.Parent != "", lq.Before > 0), listArgs(scope, lq)...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list records: %w", err)
	}
	return scanRecords(rows)
}

// listQuery returns the text of List's query with or without its parent
// and position filters; listArgs gives its arguments.
func listQuery(parent, before bool) string {
	var b strings.Builder
	n := 3
	b.WriteString(`SELECT ` + recordCols + ` FROM records WHERE account = $1 AND region = $2 AND type = $3`)
	if parent {
		n++
		fmt.Fprintf(&b, ` AND parent = $%d`, n)
	}
	if before {
		n++
		fmt.Fprintf(&b, ` AND seq < $%d`, n)
	}
	fmt.Fprintf(&b, ` ORDER BY seq DESC LIMIT $%d`, n+1)
	return b.String()
}

// listArgs returns the arguments of List's query for lq: account, region,
// type, the parent and position when filtered on, and the limit.
func listArgs(scope perso.Scope, lq perso.ListQuery) []any {
	args := []any{scope.Account, scope.Region, string(lq.Type)}
	if lq.Parent != "" {
		args = append(args, lq.Parent)
	}
	if lq.Before > 0 {
		args = append(args, lq.Before)
	}
	limit := int64(lq.Limit)
	if limit <= 0 {
		limit = math.MaxInt64 // no limit
	}
	return append(args, limit)
}

func scanRecords(rows *sql.Rows) ([]perso.Record, error) {
	defer rows.Close()
	var out []perso.Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: list records: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list records: %w", err)
	}
	return out, nil
}

// zeroMicros is the zero time.Time in Unix microseconds.
var zeroMicros = time.Time{}.UnixMicro()

func fromMicros(v int64) time.Time {
	if v == zeroMicros {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

// normTime returns t as the store gives it back.
func normTime(t time.Time) time.Time { return fromMicros(t.UnixMicro()) }

// blob returns a scanned BLOB/BYTEA column: nil when the column was NULL,
// and non-nil (if empty) otherwise, which drivers do not all preserve.
func blob(b []byte, null bool) []byte {
	if null {
		return nil
	}
	if b == nil {
		return []byte{}
	}
	return b
}

// blobArg returns b as a query argument that stores nil as NULL and an
// empty slice as an empty value.
func blobArg(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}
