package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pgConnector is a minimal database/sql driver over a single pgx.Conn per
// pooled connection. It exists because github.com/jackc/pgx/v5/stdlib pulls
// in pgxpool and its puddle dependency, which go.mod does not carry; the
// store needs only plain queries, executions and transactions, so a small
// adapter keeps one database/sql code path for both dialects. Should go.mod
// gain github.com/jackc/puddle/v2, this file can give way to
// stdlib.OpenDB.
type pgConnector struct {
	config *pgx.ConnConfig
}

// Connect opens a new PostgreSQL connection.
func (c *pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, c.config)
	if err != nil {
		return nil, err
	}
	return &pgDriverConn{conn: conn, checked: time.Now()}, nil
}

// Driver returns the connector's driver.
func (c *pgConnector) Driver() driver.Driver { return pgDriver{} }

type pgDriver struct{}

func (pgDriver) Open(name string) (driver.Conn, error) {
	config, err := pgx.ParseConfig(name)
	if err != nil {
		return nil, err
	}
	return (&pgConnector{config: config}).Connect(context.Background())
}

type pgDriverConn struct {
	conn *pgx.Conn
	// checked is when ResetSession last knew the connection alive.
	checked time.Time
}

var (
	_ driver.ConnBeginTx     = (*pgDriverConn)(nil)
	_ driver.ExecerContext   = (*pgDriverConn)(nil)
	_ driver.QueryerContext  = (*pgDriverConn)(nil)
	_ driver.Pinger          = (*pgDriverConn)(nil)
	_ driver.Validator       = (*pgDriverConn)(nil)
	_ driver.SessionResetter = (*pgDriverConn)(nil)
)

func (c *pgDriverConn) Prepare(string) (driver.Stmt, error) {
	return nil, errors.New("sqlstore: prepared statements are not supported on PostgreSQL")
}

func (c *pgDriverConn) Close() error { return c.conn.Close(context.Background()) }

func (c *pgDriverConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *pgDriverConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	var o pgx.TxOptions
	if opts.ReadOnly {
		o.AccessMode = pgx.ReadOnly
	}
	// database/sql's default isolation level is the server's default:
	// READ COMMITTED. The store asks for nothing else.
	tx, err := c.conn.BeginTx(ctx, o)
	if err != nil {
		return nil, badConn(err)
	}
	return pgDriverTx{tx: tx}, nil
}

func (c *pgDriverConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	tag, err := c.conn.Exec(ctx, query, pgArgs(args)...)
	if err != nil {
		return nil, badConn(err)
	}
	return pgResult(tag.RowsAffected()), nil
}

func (c *pgDriverConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.conn.Query(ctx, query, pgArgs(args)...)
	if err != nil {
		return nil, badConn(err)
	}
	return &pgRows{rows: rows}, nil
}

func (c *pgDriverConn) Ping(ctx context.Context) error {
	if c.conn.IsClosed() {
		return driver.ErrBadConn
	}
	return c.conn.Ping(ctx)
}

func (c *pgDriverConn) IsValid() bool { return !c.conn.IsClosed() }

// ResetSession runs before database/sql hands out a pooled connection
// again. A connection idle for more than a second is pinged first, so that
// one the server has closed meanwhile (a restart, an idle timeout) is
// replaced instead of failing the request.
func (c *pgDriverConn) ResetSession(ctx context.Context) error {
	if c.conn.IsClosed() {
		return driver.ErrBadConn
	}
	now := time.Now()
	if now.Sub(c.checked) > time.Second {
		if err := c.conn.Ping(ctx); err != nil {
			return driver.ErrBadConn
		}
	}
	c.checked = now
	return nil
}

// badConn turns an error that left the server untouched, such as a write
// to a connection the server has closed, into driver.ErrBadConn, so that
// database/sql retries on another connection: a restarted server then costs
// no failed request.
func badConn(err error) error {
	if pgconn.SafeToRetry(err) {
		return driver.ErrBadConn
	}
	return err
}

func pgArgs(args []driver.NamedValue) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a.Value
	}
	return out
}

type pgDriverTx struct{ tx pgx.Tx }

func (t pgDriverTx) Commit() error   { return t.tx.Commit(context.Background()) }
func (t pgDriverTx) Rollback() error { return t.tx.Rollback(context.Background()) }

type pgResult int64

func (r pgResult) LastInsertId() (int64, error) {
	return 0, errors.New("sqlstore: LastInsertId is not supported on PostgreSQL; use RETURNING")
}

func (r pgResult) RowsAffected() (int64, error) { return int64(r), nil }

type pgRows struct {
	rows pgx.Rows
	cols []string
}

func (r *pgRows) Columns() []string {
	if r.cols == nil {
		fds := r.rows.FieldDescriptions()
		r.cols = make([]string, len(fds))
		for i, fd := range fds {
			r.cols[i] = fd.Name
		}
	}
	return r.cols
}

func (r *pgRows) Close() error {
	r.rows.Close()
	return r.rows.Err()
}

func (r *pgRows) Next(dest []driver.Value) error {
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	vals, err := r.rows.Values()
	if err != nil {
		return err
	}
	for i, v := range vals {
		// database/sql expects driver.Value types; widen the narrower
		// integer and float types pgx decodes into.
		switch x := v.(type) {
		case int16:
			v = int64(x)
		case int32:
			v = int64(x)
		case float32:
			v = float64(x)
		}
		dest[i] = v
	}
	return nil
}

// isPgUniqueViolation reports whether err is a PostgreSQL unique violation.
func isPgUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}
