package perso

import (
	"context"
	"errors"
	"time"
)

// Scope is the account and region a resource belongs to. Resources of one
// scope are invisible to every other.
type Scope struct {
	Account string
	Region  string
}

// ResourceType names a kind of stored resource; it is also the resource
// part of the resource's ARN.
type ResourceType string

// The stored resource types.
const (
	ResourceDatasetGroup ResourceType = "dataset-group"
	ResourceSchema       ResourceType = "schema"
	ResourceDataset      ResourceType = "dataset"
)

// Record is a resource as the store keeps it: the columns the store indexes
// and queries, and the resource's own fields as an opaque encoding owned by
// this package. One table shape serves every resource type, so new resource
// types need no schema migration.
type Record struct {
	Scope
	Type ResourceType
	ARN  string
	// Key is unique among the records of one Type in one Scope; the store
	// rejects a second record with the same key as AlreadyExists.
	Key string
	// Parent is the ARN of the resource this one belongs to, or "".
	Parent string
	Status string
	// Seq is assigned by the store on insert. It strictly increases in
	// commit order within a scope and is never reused, which makes it the
	// keyset for paging: newest first is descending Seq.
	Seq     int64
	Created time.Time
	Updated time.Time
	Tags    map[string]string
	Data    []byte
}

// ListQuery selects records of one type in one scope, newest first.
type ListQuery struct {
	Scope
	Type ResourceType
	// Parent, when not empty, keeps only the records of that parent.
	Parent string
	// Before, when positive, keeps only records with Seq < Before.
	Before int64
	// Limit is the largest number of records to return; zero means no limit.
	Limit int
}

// CountQuery counts records of one type in one scope.
type CountQuery struct {
	Scope
	Type ResourceType
	// Parent, when not empty, counts only the records of that parent.
	Parent string
	// Statuses, when not empty, counts only records in one of them.
	Statuses []string
}

// Job is a unit of background work kept in the durable queue. Jobs are
// leased, not removed, when claimed: a job whose worker dies is claimed
// again once its lease runs out, so no work is lost to a crash.
type Job struct {
	ID int64
	Scope
	// Kind says what to do; ARN says to which resource.
	Kind    string
	ARN     string
	Payload []byte
	RunAt   time.Time
	// Attempts counts the claims of this job, the current one included,
	// less those given back by Postpone.
	Attempts int
	// Claim identifies the current claim: it grows with every claim and is
	// never given back, so the work of a claim that lost its lease cannot
	// be committed.
	Claim int64
}

// Row is one record streamed into a dataset: its fields in Data, encoded
// by this package, and its place in the dataset's stream in Seq.
type Row struct {
	Seq  int64
	Data []byte
}

// Store is the durable metadata store and job queue.
//
// ARNs are unique within a scope. Times are kept to the microsecond and read
// back in UTC; Tags read back as a non-nil map; Data and Payload read back
// exactly as written.
type Store interface {
	// Get returns the record with the given ARN in scope, or a NotFound error.
	Get(ctx context.Context, scope Scope, arn string) (Record, error)
	// Version returns the scope's version: a number that changes whenever
	// a transaction that wrote a record of the scope (Insert, Put or
	// Delete) commits. Caches of what was read from records check it.
	Version(ctx context.Context, scope Scope) (int64, error)
	// GetByKey returns the record of type t with key k in scope, or
	// NotFound.
	GetByKey(ctx context.Context, scope Scope, t ResourceType, key string) (Record, error)
	// List returns the records that match q, by descending Seq.
	List(ctx context.Context, q ListQuery) ([]Record, error)
	// ScanRows returns up to limit rows streamed into the dataset with the
	// given ARN whose Seq is greater than after, by ascending Seq.
	ScanRows(ctx context.Context, scope Scope, dataset string, after int64, limit int) ([]Row, error)
	// Update runs fn in a transaction that excludes every other writer of
	// the same scope, and commits it if fn returns nil; fn's error is
	// returned unchanged. fn must use only the Tx it is given: calling the
	// Store from inside it may wait forever for the transaction's own lock.
	Update(ctx context.Context, scope Scope, fn func(Tx) error) error
	// Claim leases the due job with the earliest RunAt (ties: lowest ID)
	// that is not leased at now, for lease, and returns it with Attempts
	// incremented. ok is false when no job is due.
	Claim(ctx context.Context, now time.Time, lease time.Duration) (job Job, ok bool, err error)
	// ExtendLease moves the lease of a claimed job to until, so a worker
	// can run a job longer than one lease. It answers ErrLeaseLost when the
	// job is gone or has been claimed again since.
	ExtendLease(ctx context.Context, job Job, until time.Time) error
	// Postpone gives a claimed job back without counting the claim as an
	// attempt, to be claimed again at runAt: for a job that found it must
	// wait. It answers ErrLeaseLost when the job is gone or was claimed
	// again since.
	Postpone(ctx context.Context, job Job, runAt time.Time) error
	// NextRunAt returns the earliest time at which a job becomes claimable,
	// counting leases; ok is false when the queue is empty.
	NextRunAt(ctx context.Context) (t time.Time, ok bool, err error)
	// Secret returns the random secret of the given name, creating it with
	// n random bytes on first use. Every replica sharing the store sees the
	// same secret.
	Secret(ctx context.Context, name string, n int) ([]byte, error)
	// Close releases the store.
	Close() error
}

// ErrLeaseLost is returned by Tx.CompleteJob for a job whose lease has
// passed to another claim.
var ErrLeaseLost = errors.New("the job's lease ran out and it was claimed again")

// Tx is a write transaction on one scope. Reads see the transaction's own
// writes. Every method acts on the transaction's scope: the Scope of a query
// or record passed in is ignored and records are stored in the
// transaction's scope.
type Tx interface {
	Get(ctx context.Context, arn string) (Record, error)
	// GetByKey returns the record of type t with key k, or NotFound.
	GetByKey(ctx context.Context, t ResourceType, key string) (Record, error)
	List(ctx context.Context, q ListQuery) ([]Record, error)
	Count(ctx context.Context, q CountQuery) (int, error)
	// Insert stores a new record and sets its Seq. It answers AlreadyExists
	// when the ARN or the (Type, Key) pair is taken.
	Insert(ctx context.Context, r *Record) error
	// Put replaces the Key, Parent, Status, Updated, Tags and Data of the
	// record with r's ARN; NotFound if there is none.
	Put(ctx context.Context, r Record) error
	// Delete removes the record with the ARN; NotFound if there is none.
	Delete(ctx context.Context, arn string) error
	// AppendRows stores rows streamed into a dataset, in order, and sets
	// their Seq.
	AppendRows(ctx context.Context, dataset string, rows []Row) error
	// DeleteRows removes the dataset's rows with Seq at most through, or
	// all of them when through is negative.
	DeleteRows(ctx context.Context, dataset string, through int64) error
	// DeleteRowSeqs removes the dataset's rows with the given Seqs and
	// returns how many there were.
	DeleteRowSeqs(ctx context.Context, dataset string, seqs []int64) (int, error)
	// Enqueue adds a job to the queue and sets its ID.
	Enqueue(ctx context.Context, j *Job) error
	// CompleteJob removes a claimed job from the queue. It answers
	// ErrLeaseLost, and the caller must roll back, when the job is gone or
	// has been claimed again since (its Claim changed): the lease ran out
	// and another worker owns the job now. This fencing keeps a slow
	// worker from committing work a second time.
	CompleteJob(ctx context.Context, job Job) error
}
