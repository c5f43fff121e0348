package sqlstore_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perso/perso"
	"github.com/perso/perso/internal/pgtest"
	"github.com/perso/perso/sqlstore"
)

func TestStore_SQLite(t *testing.T) {
	t.Run("file", func(t *testing.T) {
		runSuite(t, func(t *testing.T) *sqlstore.Store {
			return openStore(t, "sqlite:"+filepath.Join(t.TempDir(), "sub", "perso.db"))
		})
	})
	t.Run("memory", func(t *testing.T) {
		runSuite(t, func(t *testing.T) *sqlstore.Store {
			return openStore(t, ":memory:")
		})
	})
}

func TestStore_Postgres(t *testing.T) {
	dsn := os.Getenv("PERSO_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("PERSO_TEST_POSTGRES not set: PostgreSQL suite skipped")
	}
	runSuite(t, func(t *testing.T) *sqlstore.Store {
		return openStore(t, postgresSchemaDSN(t, dsn))
	})
	t.Run("ConcurrentOpen", func(t *testing.T) {
		testConcurrentOpen(t, postgresSchemaDSN(t, dsn), "postgres")
	})
	t.Run("PostgresqlScheme", func(t *testing.T) {
		u := postgresSchemaDSN(t, dsn)
		s := openStore(t, "postgresql://"+strings.SplitN(u, "://", 2)[1])
		if s.Dialect() != "postgres" {
			t.Fatalf("Dialect = %q", s.Dialect())
		}
	})
}

// testConcurrentOpen opens dsn from several goroutines at once, as
// replicas starting together do: every Open must succeed, migrating once,
// and all must see one database.
func testConcurrentOpen(t *testing.T, dsn, dialect string) {
	const n = 6
	stores := make([]*sqlstore.Store, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s, err := sqlstore.Open(context.Background(), dsn)
			if err != nil {
				t.Errorf("Open %d: %v", i, err)
				return
			}
			stores[i] = s
		})
	}
	wg.Wait()
	for _, s := range stores {
		if s != nil {
			t.Cleanup(func() { s.Close() })
		}
	}
	if t.Failed() {
		return
	}
	if stores[0].Dialect() != dialect {
		t.Fatalf("Dialect = %q, want %q", stores[0].Dialect(), dialect)
	}
	r := newRecord(scopeA, perso.ResourceDatasetGroup, "shared", "")
	insert(t, stores[0], scopeA, &r)
	for i, s := range stores {
		if _, err := s.Get(context.Background(), scopeA, r.ARN); err != nil {
			t.Errorf("store %d: %v", i, err)
		}
	}
}

func TestSQLite_ConcurrentOpen(t *testing.T) {
	testConcurrentOpen(t, filepath.Join(t.TempDir(), "perso.db"), "sqlite")
}

// postgresSchemaDSN creates a fresh schema, dropped when t ends, and
// returns dsn with that schema as its search path.
func postgresSchemaDSN(t testing.TB, dsn string) string { return pgtest.SchemaDSN(t, dsn) }

func openStore(t testing.TB, dsn string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open(%q): %v", dsn, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

var (
	scopeA = perso.Scope{Account: "111111111111", Region: "us-east-1"}
	scopeB = perso.Scope{Account: "222222222222", Region: "us-east-1"}
	scopeC = perso.Scope{Account: "111111111111", Region: "eu-west-1"}
	t0     = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)
)

func arnOf(sc perso.Scope, typ perso.ResourceType, key string) string {
	return fmt.Sprintf("arn:aws:personalize:%s:%s:%s/%s", sc.Region, sc.Account, typ, key)
}

func newRecord(sc perso.Scope, typ perso.ResourceType, key, parent string) perso.Record {
	return perso.Record{
		Scope:   sc,
		Type:    typ,
		ARN:     arnOf(sc, typ, key),
		Key:     key,
		Parent:  parent,
		Status:  "ACTIVE",
		Created: t0,
		Updated: t0,
		Tags:    map[string]string{"team": "search"},
		Data:    []byte(`{"name":"` + key + `"}`),
	}
}

// insert inserts records in one transaction and fails the test on error.
func insert(t testing.TB, s *sqlstore.Store, sc perso.Scope, rs ...*perso.Record) {
	t.Helper()
	err := s.Update(context.Background(), sc, func(tx perso.Tx) error {
		for _, r := range rs {
			if err := tx.Insert(context.Background(), r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("insert: %v", err)
	}
}

func update(t testing.TB, s *sqlstore.Store, sc perso.Scope, fn func(tx perso.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), sc, fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func wantKind(t testing.TB, err error, kind perso.Kind) {
	t.Helper()
	if !perso.IsKind(err, kind) {
		t.Fatalf("err = %v (kind %v), want kind %v", err, perso.KindOf(err), kind)
	}
}

func seqs(rs []perso.Record) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.Seq
	}
	return out
}

func runSuite(t *testing.T, open func(t *testing.T) *sqlstore.Store) {
	ctx := context.Background()

	t.Run("CRUD", func(t *testing.T) {
		s := open(t)
		dg := newRecord(scopeA, perso.ResourceDatasetGroup, "movies", "")
		insert(t, s, scopeA, &dg)
		if dg.Seq <= 0 {
			t.Fatalf("Seq = %d, want positive", dg.Seq)
		}
		want := dg
		want.Created = t0.Truncate(time.Microsecond)
		want.Updated = want.Created
		if !reflect.DeepEqual(dg, want) {
			t.Fatalf("inserted record = %+v, want %+v", dg, want)
		}
		got, err := s.Get(ctx, scopeA, dg.ARN)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Get = %+v\nwant %+v", got, want)
		}
		if got.Created.Location() != time.UTC {
			t.Errorf("Created location = %v, want UTC", got.Created.Location())
		}

		update(t, s, scopeA, func(tx perso.Tx) error {
			got, err := tx.GetByKey(ctx, perso.ResourceDatasetGroup, "movies")
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("GetByKey = %+v, want %+v", got, want)
			}
			got, err = tx.Get(ctx, dg.ARN)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Tx.Get = %+v, want %+v", got, want)
			}
			return nil
		})

		// Put replaces the mutable fields and keeps Seq and Created.
		later := t0.Add(time.Hour).In(time.FixedZone("X", 3600))
		put := dg
		put.Key = "films"
		put.Parent = "arn:parent"
		put.Status = "DELETE PENDING"
		put.Updated = later
		put.Tags = nil
		put.Data = []byte{}
		put.Created = time.Time{} // ignored
		put.Type = "ignored"
		update(t, s, scopeA, func(tx perso.Tx) error { return tx.Put(ctx, put) })
		got, err = s.Get(ctx, scopeA, dg.ARN)
		if err != nil {
			t.Fatal(err)
		}
		want = perso.Record{Scope: scopeA, Type: perso.ResourceDatasetGroup, ARN: dg.ARN, Key: "films",
			Parent: "arn:parent", Status: "DELETE PENDING", Seq: dg.Seq, Created: want.Created,
			Updated: later.UTC().Truncate(time.Microsecond), Tags: map[string]string{}, Data: []byte{}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("after Put, Get = %+v\nwant %+v", got, want)
		}
		if got.Data == nil || got.Tags == nil {
			t.Fatalf("empty Data/Tags read back as nil: %#v %#v", got.Data, got.Tags)
		}
		// The old key is free, the new one taken.
		update(t, s, scopeA, func(tx perso.Tx) error {
			if _, err := tx.GetByKey(ctx, perso.ResourceDatasetGroup, "movies"); !perso.IsKind(err, perso.KindNotFound) {
				t.Errorf("GetByKey(old key) err = %v, want NotFound", err)
			}
			_, err := tx.GetByKey(ctx, perso.ResourceDatasetGroup, "films")
			return err
		})

		// nil Data stays nil.
		put.Data = nil
		update(t, s, scopeA, func(tx perso.Tx) error { return tx.Put(ctx, put) })
		if got, _ = s.Get(ctx, scopeA, dg.ARN); got.Data != nil {
			t.Fatalf("nil Data read back as %#v", got.Data)
		}

		update(t, s, scopeA, func(tx perso.Tx) error { return tx.Delete(ctx, dg.ARN) })
		_, err = s.Get(ctx, scopeA, dg.ARN)
		wantKind(t, err, perso.KindNotFound)
		if !strings.Contains(err.Error(), dg.ARN) {
			t.Errorf("NotFound message %q does not name the ARN", err)
		}

		// A new record after a delete gets a larger Seq: Seq is never reused.
		again := newRecord(scopeA, perso.ResourceDatasetGroup, "movies", "")
		insert(t, s, scopeA, &again)
		if again.Seq <= dg.Seq {
			t.Fatalf("Seq after delete = %d, want > %d", again.Seq, dg.Seq)
		}
	})

	t.Run("AlreadyExists", func(t *testing.T) {
		s := open(t)
		a := newRecord(scopeA, perso.ResourceDataset, "a", "")
		b := newRecord(scopeA, perso.ResourceDataset, "b", "")
		insert(t, s, scopeA, &a, &b)

		sameARN := newRecord(scopeA, perso.ResourceDataset, "other", "")
		sameARN.ARN = a.ARN
		err := s.Update(ctx, scopeA, func(tx perso.Tx) error { return tx.Insert(ctx, &sameARN) })
		wantKind(t, err, perso.KindAlreadyExists)

		sameKey := newRecord(scopeA, perso.ResourceDataset, "a", "")
		sameKey.ARN = "arn:different"
		err = s.Update(ctx, scopeA, func(tx perso.Tx) error { return tx.Insert(ctx, &sameKey) })
		wantKind(t, err, perso.KindAlreadyExists)

		// The key is unique per type: another type may use it.
		otherType := newRecord(scopeA, perso.ResourceSchema, "a", "")
		insert(t, s, scopeA, &otherType)

		// Put may not take another record's key.
		b.Key = "a"
		err = s.Update(ctx, scopeA, func(tx perso.Tx) error { return tx.Put(ctx, b) })
		wantKind(t, err, perso.KindAlreadyExists)

		// The failed transaction after a failed insert can still go on:
		// the check came before the write.
		update(t, s, scopeA, func(tx perso.Tx) error {
			dup := newRecord(scopeA, perso.ResourceDataset, "a", "")
			if err := tx.Insert(ctx, &dup); !perso.IsKind(err, perso.KindAlreadyExists) {
				t.Errorf("Insert(dup) = %v, want AlreadyExists", err)
			}
			c := newRecord(scopeA, perso.ResourceDataset, "c", "")
			return tx.Insert(ctx, &c)
		})
		if _, err := s.Get(ctx, scopeA, arnOf(scopeA, perso.ResourceDataset, "c")); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := open(t)
		_, err := s.Get(ctx, scopeA, "arn:none")
		wantKind(t, err, perso.KindNotFound)
		for name, fn := range map[string]func(tx perso.Tx) error{
			"Get":      func(tx perso.Tx) error { _, err := tx.Get(ctx, "arn:none"); return err },
			"GetByKey": func(tx perso.Tx) error { _, err := tx.GetByKey(ctx, perso.ResourceDataset, "none"); return err },
			"Put":      func(tx perso.Tx) error { return tx.Put(ctx, newRecord(scopeA, perso.ResourceDataset, "none", "")) },
			"Delete":   func(tx perso.Tx) error { return tx.Delete(ctx, "arn:none") },
		} {
			err := s.Update(ctx, scopeA, fn)
			if !perso.IsKind(err, perso.KindNotFound) {
				t.Errorf("%s: err = %v, want NotFound", name, err)
			}
		}
	})

	t.Run("ScopeIsolation", func(t *testing.T) {
		s := open(t)
		// The very same ARN and key in three scopes.
		var rs [3]perso.Record
		for i, sc := range []perso.Scope{scopeA, scopeB, scopeC} {
			rs[i] = newRecord(scopeA, perso.ResourceDatasetGroup, "shared", "")
			rs[i].Scope = perso.Scope{Account: "ignored", Region: "ignored"}
			rs[i].Status = "S" + strconv.Itoa(i)
			insert(t, s, sc, &rs[i])
			if rs[i].Scope != sc {
				t.Errorf("Insert set Scope %v, want the transaction's %v", rs[i].Scope, sc)
			}
		}
		for i, sc := range []perso.Scope{scopeA, scopeB, scopeC} {
			got, err := s.Get(ctx, sc, rs[0].ARN)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != rs[i].Status || got.Scope != sc {
				t.Errorf("scope %v: got %v in %v, want %v", sc, got.Status, got.Scope, rs[i].Status)
			}
			l, err := s.List(ctx, perso.ListQuery{Scope: sc, Type: perso.ResourceDatasetGroup})
			if err != nil {
				t.Fatal(err)
			}
			if len(l) != 1 || l[0].Status != rs[i].Status {
				t.Errorf("scope %v: List = %v", sc, l)
			}
		}
		_, err := s.Get(ctx, perso.Scope{Account: "333333333333", Region: "us-east-1"}, rs[0].ARN)
		wantKind(t, err, perso.KindNotFound)

		// Deleting in one scope leaves the others; the Tx's scope wins
		// over the query's.
		update(t, s, scopeB, func(tx perso.Tx) error {
			n, err := tx.Count(ctx, perso.CountQuery{Scope: scopeA, Type: perso.ResourceDatasetGroup})
			if err != nil {
				return err
			}
			if n != 1 {
				t.Errorf("Count = %d, want 1", n)
			}
			l, err := tx.List(ctx, perso.ListQuery{Scope: scopeA, Type: perso.ResourceDatasetGroup})
			if err != nil {
				return err
			}
			if len(l) != 1 || l[0].Scope != scopeB {
				t.Errorf("Tx.List = %v, want the record of scope B", l)
			}
			return tx.Delete(ctx, rs[0].ARN)
		})
		if _, err := s.Get(ctx, scopeB, rs[0].ARN); !perso.IsKind(err, perso.KindNotFound) {
			t.Errorf("deleted record still in scope B: %v", err)
		}
		for _, sc := range []perso.Scope{scopeA, scopeC} {
			if _, err := s.Get(ctx, sc, rs[0].ARN); err != nil {
				t.Errorf("scope %v lost its record: %v", sc, err)
			}
		}
	})

	t.Run("List", func(t *testing.T) {
		s := open(t)
		var all []perso.Record
		for i := range 10 {
			r := newRecord(scopeA, perso.ResourceDataset, fmt.Sprintf("d%02d", i), fmt.Sprintf("arn:parent/%d", i%2))
			insert(t, s, scopeA, &r)
			all = append(all, r)
		}
		other := newRecord(scopeA, perso.ResourceSchema, "s", "arn:parent/0")
		insert(t, s, scopeA, &other)

		got, err := s.List(ctx, perso.ListQuery{Scope: scopeA, Type: perso.ResourceDataset})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 10 {
			t.Fatalf("List returned %d records, want 10", len(got))
		}
		for i, r := range got {
			if !reflect.DeepEqual(r, all[9-i]) {
				t.Fatalf("List[%d] = %+v, want %+v", i, r, all[9-i])
			}
		}

		got, err = s.List(ctx, perso.ListQuery{Scope: scopeA, Type: perso.ResourceDataset, Parent: "arn:parent/1"})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{all[9].Seq, all[7].Seq, all[5].Seq, all[3].Seq, all[1].Seq}; !reflect.DeepEqual(seqs(got), want) {
			t.Fatalf("List(parent) seqs = %v, want %v", seqs(got), want)
		}

		got, err = s.List(ctx, perso.ListQuery{Scope: scopeA, Type: perso.ResourceDataset, Before: all[5].Seq, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{all[4].Seq, all[3].Seq, all[2].Seq}; !reflect.DeepEqual(seqs(got), want) {
			t.Fatalf("List(before, limit) seqs = %v, want %v", seqs(got), want)
		}

		got, err = s.List(ctx, perso.ListQuery{Scope: scopeA, Type: perso.ResourceDataset, Parent: "arn:parent/0", Before: all[4].Seq, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{all[2].Seq, all[0].Seq}; !reflect.DeepEqual(seqs(got), want) {
			t.Fatalf("List(parent, before) seqs = %v, want %v", seqs(got), want)
		}

		got, err = s.List(ctx, perso.ListQuery{Scope: scopeA, Type: perso.ResourceDataset, Before: all[0].Seq})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 {
			t.Fatalf("List(before oldest) = %v, want none", got)
		}
		got, err = s.List(ctx, perso.ListQuery{Scope: scopeA, Type: perso.ResourceDatasetGroup})
		if err != nil || len(got) != 0 {
			t.Fatalf("List(empty type) = %v, %v", got, err)
		}
	})

	t.Run("ListPagingStable", func(t *testing.T) {
		s := open(t)
		const n = 40
		var live []perso.Record // records that exist throughout
		var doomed []string     // records deleted while paging
		for i := range n {
			r := newRecord(scopeA, perso.ResourceDataset, fmt.Sprintf("r%03d", i), "")
			insert(t, s, scopeA, &r)
			if i%3 == 0 {
				doomed = append(doomed, r.ARN)
			} else {
				live = append(live, r)
			}
		}
		seen := map[int64]int{}
		var before int64
		extra := 0
		for page := 0; ; page++ {
			got, err := s.List(ctx, perso.ListQuery{Scope: scopeA, Type: perso.ResourceDataset, Before: before, Limit: 7})
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i < len(got); i++ {
				if got[i].Seq >= got[i-1].Seq {
					t.Fatalf("page %d not in descending Seq: %v", page, seqs(got))
				}
			}
			for _, r := range got {
				seen[r.Seq]++
			}
			if len(got) < 7 {
				break
			}
			before = got[len(got)-1].Seq
			// Between pages: insert new records and delete some old.
			r := newRecord(scopeA, perso.ResourceDataset, fmt.Sprintf("new%03d", extra), "")
			extra++
			insert(t, s, scopeA, &r)
			if len(doomed) > 0 {
				arn := doomed[len(doomed)/2]
				doomed = append(doomed[:len(doomed)/2], doomed[len(doomed)/2+1:]...)
				update(t, s, scopeA, func(tx perso.Tx) error { return tx.Delete(ctx, arn) })
			}
		}
		for _, r := range live {
			if seen[r.Seq] != 1 {
				t.Errorf("record %s (seq %d) seen %d times, want once", r.Key, r.Seq, seen[r.Seq])
			}
		}
		for seq, c := range seen {
			if c != 1 {
				t.Errorf("seq %d seen %d times", seq, c)
			}
		}
	})

	t.Run("Count", func(t *testing.T) {
		s := open(t)
		statuses := []string{"ACTIVE", "CREATE PENDING", "CREATE FAILED", "ACTIVE"}
		for i := range 12 {
			r := newRecord(scopeA, perso.ResourceDataset, fmt.Sprintf("c%d", i), fmt.Sprintf("p%d", i%3))
			r.Status = statuses[i%4]
			insert(t, s, scopeA, &r)
		}
		other := newRecord(scopeB, perso.ResourceDataset, "x", "p0")
		insert(t, s, scopeB, &other)
		for _, c := range []struct {
			q    perso.CountQuery
			want int
		}{
			{perso.CountQuery{Type: perso.ResourceDataset}, 12},
			{perso.CountQuery{Type: perso.ResourceSchema}, 0},
			{perso.CountQuery{Type: perso.ResourceDataset, Parent: "p0"}, 4},
			{perso.CountQuery{Type: perso.ResourceDataset, Statuses: []string{"ACTIVE"}}, 6},
			{perso.CountQuery{Type: perso.ResourceDataset, Statuses: []string{"CREATE PENDING", "CREATE FAILED"}}, 6},
			{perso.CountQuery{Type: perso.ResourceDataset, Parent: "p1", Statuses: []string{"ACTIVE", "CREATE FAILED"}}, 3},
			{perso.CountQuery{Type: perso.ResourceDataset, Statuses: []string{"NOPE"}}, 0},
		} {
			update(t, s, scopeA, func(tx perso.Tx) error {
				n, err := tx.Count(ctx, c.q)
				if err != nil {
					return err
				}
				if n != c.want {
					t.Errorf("Count(%+v) = %d, want %d", c.q, n, c.want)
				}
				return nil
			})
		}
	})

	t.Run("Rollback", func(t *testing.T) {
		s := open(t)
		errBoom := perso.Errorf(perso.KindLimitExceeded, "boom")
		err := s.Update(ctx, scopeA, func(tx perso.Tx) error {
			r := newRecord(scopeA, perso.ResourceDataset, "gone", "")
			if err := tx.Insert(ctx, &r); err != nil {
				return err
			}
			// The transaction sees its own write.
			if _, err := tx.Get(ctx, r.ARN); err != nil {
				return err
			}
			if err := tx.Enqueue(ctx, &perso.Job{Kind: "k", ARN: r.ARN, RunAt: t0}); err != nil {
				return err
			}
			return fmt.Errorf("wrapped: %w", errBoom)
		})
		var pe *perso.Error
		if !errors.As(err, &pe) || pe != errBoom {
			t.Fatalf("Update err = %v, want the error fn returned", err)
		}
		func() {
			defer func() {
				if p := recover(); p != "kaboom" {
					t.Fatalf("recovered %v, want the panic of fn", p)
				}
			}()
			s.Update(ctx, scopeA, func(tx perso.Tx) error {
				r := newRecord(scopeA, perso.ResourceDataset, "gone2", "")
				if err := tx.Insert(ctx, &r); err != nil {
					return err
				}
				panic("kaboom")
			})
		}()
		for _, key := range []string{"gone", "gone2"} {
			if _, err := s.Get(ctx, scopeA, arnOf(scopeA, perso.ResourceDataset, key)); !perso.IsKind(err, perso.KindNotFound) {
				t.Errorf("rolled-back record %s: err = %v, want NotFound", key, err)
			}
		}
		if _, ok, err := s.NextRunAt(ctx); err != nil || ok {
			t.Errorf("rolled-back job: NextRunAt ok = %v, %v", ok, err)
		}
		// The store still works after the panic.
		r := newRecord(scopeA, perso.ResourceDataset, "after", "")
		insert(t, s, scopeA, &r)
	})

	t.Run("ConcurrentQuota", func(t *testing.T) {
		s := open(t)
		const quota, workers, tries = 5, 8, 4
		errQuota := perso.Errorf(perso.KindLimitExceeded, "quota")
		var wg sync.WaitGroup
		var mu sync.Mutex
		created := 0
		for w := range workers {
			wg.Go(func() {
				for i := range tries {
					err := s.Update(ctx, scopeA, func(tx perso.Tx) error {
						n, err := tx.Count(ctx, perso.CountQuery{Type: perso.ResourceDatasetGroup})
						if err != nil {
							return err
						}
						if n >= quota {
							return errQuota
						}
						time.Sleep(time.Millisecond) // widen the race window
						r := newRecord(scopeA, perso.ResourceDatasetGroup, fmt.Sprintf("w%d-%d", w, i), "")
						return tx.Insert(ctx, &r)
					})
					switch {
					case err == nil:
						mu.Lock()
						created++
						mu.Unlock()
					case errors.Is(err, errQuota):
					default:
						t.Errorf("Update: %v", err)
					}
				}
			})
		}
		// A writer of another scope is not held up by the quota fight.
		wg.Go(func() {
			r := newRecord(scopeB, perso.ResourceDatasetGroup, "b", "")
			insert(t, s, scopeB, &r)
		})
		wg.Wait()
		l, err := s.List(ctx, perso.ListQuery{Scope: scopeA, Type: perso.ResourceDatasetGroup})
		if err != nil {
			t.Fatal(err)
		}
		if len(l) != quota || created != quota {
			t.Fatalf("%d records, %d successful Updates; want exactly the quota %d", len(l), created, quota)
		}
	})

	t.Run("Jobs", func(t *testing.T) {
		s := open(t)
		if _, ok, err := s.Claim(ctx, t0, time.Minute); err != nil || ok {
			t.Fatalf("Claim on empty queue: ok = %v, err = %v", ok, err)
		}
		if _, ok, err := s.NextRunAt(ctx); err != nil || ok {
			t.Fatalf("NextRunAt on empty queue: ok = %v, err = %v", ok, err)
		}
		j1 := perso.Job{Kind: "import", ARN: "arn:1", Payload: []byte("p1"), RunAt: t0.Add(2 * time.Second)}
		j2 := perso.Job{Kind: "import", ARN: "arn:2", RunAt: t0.Add(time.Second)}
		j3 := perso.Job{Kind: "delete", ARN: "arn:3", Payload: []byte{}, RunAt: t0.Add(2 * time.Second)}
		update(t, s, scopeA, func(tx perso.Tx) error {
			for _, j := range []*perso.Job{&j1, &j2} {
				if err := tx.Enqueue(ctx, j); err != nil {
					return err
				}
			}
			return nil
		})
		update(t, s, scopeB, func(tx perso.Tx) error { return tx.Enqueue(ctx, &j3) })
		if j1.ID == 0 || j2.ID <= j1.ID || j3.ID <= j2.ID {
			t.Fatalf("IDs %d %d %d, want increasing", j1.ID, j2.ID, j3.ID)
		}
		if j1.Scope != scopeA || j3.Scope != scopeB {
			t.Fatalf("Enqueue scopes %v %v", j1.Scope, j3.Scope)
		}

		next, ok, err := s.NextRunAt(ctx)
		if err != nil || !ok || !next.Equal(j2.RunAt) {
			t.Fatalf("NextRunAt = %v, %v, %v; want %v", next, ok, err, j2.RunAt)
		}
		// Nothing due yet.
		if _, ok, _ := s.Claim(ctx, t0, time.Minute); ok {
			t.Fatal("claimed a job before its RunAt")
		}

		now := t0.Add(10 * time.Second)
		lease := 30 * time.Second
		// Earliest RunAt first, then lowest ID.
		for i, want := range []perso.Job{j2, j1, j3} {
			got, ok, err := s.Claim(ctx, now, lease)
			if err != nil || !ok {
				t.Fatalf("Claim %d: ok = %v, err = %v", i, ok, err)
			}
			want.Attempts, want.Claim = 1, 1
			if want.Payload == nil && i != 0 {
				t.Fatal("test bug")
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Claim %d = %+v\nwant %+v", i, got, want)
			}
		}
		if _, ok, _ := s.Claim(ctx, now, lease); ok {
			t.Fatal("claimed a leased job")
		}
		next, ok, err = s.NextRunAt(ctx)
		if err != nil || !ok || !next.Equal(now.Add(lease)) {
			t.Fatalf("NextRunAt with leases = %v, %v, %v; want %v", next, ok, err, now.Add(lease))
		}

		// j2's worker finishes; the others die. Completing in the wrong
		// scope, or a second time, answers ErrLeaseLost and changes nothing.
		claimed2 := j2
		claimed2.Attempts, claimed2.Claim = 1, 1
		if err := s.Update(ctx, scopeB, func(tx perso.Tx) error { return tx.CompleteJob(ctx, claimed2) }); !errors.Is(err, perso.ErrLeaseLost) {
			t.Fatalf("CompleteJob in another scope = %v, want ErrLeaseLost", err)
		}
		update(t, s, scopeA, func(tx perso.Tx) error { return tx.CompleteJob(ctx, claimed2) })
		if err := s.Update(ctx, scopeA, func(tx perso.Tx) error { return tx.CompleteJob(ctx, claimed2) }); !errors.Is(err, perso.ErrLeaseLost) {
			t.Fatalf("second CompleteJob = %v, want ErrLeaseLost", err)
		}

		// Not yet expired at the lease's last instant minus one, claimable at it.
		if _, ok, _ := s.Claim(ctx, now.Add(lease-time.Microsecond), lease); ok {
			t.Fatal("claimed a job whose lease has not run out")
		}
		later := now.Add(lease)
		got, ok, err := s.Claim(ctx, later, lease)
		if err != nil || !ok || got.ID != j1.ID || got.Attempts != 2 {
			t.Fatalf("re-claim = %+v, %v, %v; want j1 with 2 attempts", got, ok, err)
		}
		got, ok, err = s.Claim(ctx, later, lease)
		if err != nil || !ok || got.ID != j3.ID || got.Attempts != 2 {
			t.Fatalf("re-claim = %+v, %v, %v; want j3 with 2 attempts", got, ok, err)
		}
		// The first claim of j1 lost its lease: its worker cannot complete it.
		stale := j1
		stale.Attempts, stale.Claim = 1, 1
		if err := s.Update(ctx, scopeA, func(tx perso.Tx) error { return tx.CompleteJob(ctx, stale) }); !errors.Is(err, perso.ErrLeaseLost) {
			t.Fatalf("CompleteJob with a lost lease = %v, want ErrLeaseLost", err)
		}
		j1.Attempts, j3.Attempts, j1.Claim, j3.Claim = 2, 2, 2, 2
		update(t, s, scopeA, func(tx perso.Tx) error { return tx.CompleteJob(ctx, j1) })
		update(t, s, scopeB, func(tx perso.Tx) error { return tx.CompleteJob(ctx, j3) })
		if _, ok, err := s.NextRunAt(ctx); err != nil || ok {
			t.Fatalf("NextRunAt on drained queue: ok = %v, err = %v", ok, err)
		}
	})

	t.Run("ConcurrentClaim", func(t *testing.T) {
		s := open(t)
		const jobs, claimers = 120, 4
		update(t, s, scopeA, func(tx perso.Tx) error {
			for i := range jobs {
				if err := tx.Enqueue(ctx, &perso.Job{Kind: "k", ARN: fmt.Sprint(i), RunAt: t0}); err != nil {
					return err
				}
			}
			return nil
		})
		var mu sync.Mutex
		claimed := map[int64]int{}
		var wg sync.WaitGroup
		for range claimers {
			wg.Go(func() {
				for {
					j, ok, err := s.Claim(ctx, t0.Add(time.Second), time.Hour)
					if err != nil {
						t.Errorf("Claim: %v", err)
						return
					}
					if !ok {
						return
					}
					mu.Lock()
					claimed[j.ID]++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(claimed) != jobs {
			t.Errorf("%d distinct jobs claimed, want %d", len(claimed), jobs)
		}
		for id, n := range claimed {
			if n != 1 {
				t.Errorf("job %d claimed %d times", id, n)
			}
		}
	})

	t.Run("Rows", func(t *testing.T) {
		s := open(t)
		ds := "arn:aws:personalize:us-east-1:111111111111:dataset/g/INTERACTIONS"
		var rows []perso.Row
		for i := 0; i < 25; i++ {
			rows = append(rows, perso.Row{Data: []byte(fmt.Sprintf(`{"n":%d}`, i))})
		}
		update(t, s, scopeA, func(tx perso.Tx) error { return tx.AppendRows(ctx, ds, rows[:10]) })
		update(t, s, scopeB, func(tx perso.Tx) error { return tx.AppendRows(ctx, ds, []perso.Row{{Data: []byte("other scope")}}) })
		update(t, s, scopeA, func(tx perso.Tx) error { return tx.AppendRows(ctx, ds, rows[10:]) })
		for i := 1; i < len(rows); i++ {
			if rows[i].Seq <= rows[i-1].Seq {
				t.Fatalf("Seq not increasing: %d then %d", rows[i-1].Seq, rows[i].Seq)
			}
		}
		// A failed transaction appends nothing.
		boom := errors.New("boom")
		if err := s.Update(ctx, scopeA, func(tx perso.Tx) error {
			if err := tx.AppendRows(ctx, ds, []perso.Row{{Data: []byte("lost")}}); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatalf("Update = %v", err)
		}
		var got []perso.Row
		for after := int64(0); ; {
			page, err := s.ScanRows(ctx, scopeA, ds, after, 7)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			after = page[len(page)-1].Seq
		}
		if !reflect.DeepEqual(got, rows) {
			t.Fatalf("ScanRows = %d rows, want the %d appended in order", len(got), len(rows))
		}
		update(t, s, scopeA, func(tx perso.Tx) error {
			n, err := tx.DeleteRowSeqs(ctx, ds, []int64{rows[3].Seq, rows[3].Seq, rows[12].Seq})
			if err == nil && n != 2 {
				err = fmt.Errorf("DeleteRowSeqs removed %d rows, want 2", n)
			}
			return err
		})
		if got, _ := s.ScanRows(ctx, scopeA, ds, 0, 100); len(got) != 23 {
			t.Fatalf("after DeleteRowSeqs: %d rows, want 23", len(got))
		}
		update(t, s, scopeA, func(tx perso.Tx) error { return tx.DeleteRows(ctx, ds, rows[9].Seq) })
		got, err := s.ScanRows(ctx, scopeA, ds, 0, 100)
		if err != nil || len(got) != 14 || got[0].Seq != rows[10].Seq {
			t.Fatalf("after DeleteRows: %d rows, %v", len(got), err)
		}
		update(t, s, scopeA, func(tx perso.Tx) error { return tx.DeleteRows(ctx, ds, -1) })
		if got, _ := s.ScanRows(ctx, scopeA, ds, 0, 100); len(got) != 0 {
			t.Fatalf("after deleting all: %d rows", len(got))
		}
		if got, _ := s.ScanRows(ctx, scopeB, ds, 0, 100); len(got) != 1 || string(got[0].Data) != "other scope" {
			t.Fatalf("other scope's rows = %v", got)
		}
	})

	t.Run("Version", func(t *testing.T) {
		s := open(t)
		version := func(sc perso.Scope) int64 {
			t.Helper()
			v, err := s.Version(ctx, sc)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		a0, b0 := version(scopeA), version(scopeB)
		dg := newRecord(scopeA, perso.ResourceDatasetGroup, "v", "")
		insert(t, s, scopeA, &dg)
		a1 := version(scopeA)
		if a1 == a0 || version(scopeB) != b0 {
			t.Fatalf("after insert: A %d -> %d, B %d -> %d", a0, a1, b0, version(scopeB))
		}
		// Rows and jobs are not records: they leave the version alone.
		update(t, s, scopeA, func(tx perso.Tx) error {
			if err := tx.AppendRows(ctx, "ds", []perso.Row{{Data: []byte("x")}}); err != nil {
				return err
			}
			return tx.Enqueue(ctx, &perso.Job{Kind: "k", ARN: "a", RunAt: time.Now()})
		})
		if v := version(scopeA); v != a1 {
			t.Fatalf("rows and jobs changed the version: %d -> %d", a1, v)
		}
		dg.Status = "ACTIVE"
		update(t, s, scopeA, func(tx perso.Tx) error { return tx.Put(ctx, dg) })
		a2 := version(scopeA)
		if a2 == a1 {
			t.Fatal("Put left the version alone")
		}
		update(t, s, scopeA, func(tx perso.Tx) error { return tx.Delete(ctx, dg.ARN) })
		if v := version(scopeA); v == a2 {
			t.Fatal("Delete left the version alone")
		}
		// A rolled-back write leaves it alone too.
		before := version(scopeA)
		_ = s.Update(ctx, scopeA, func(tx perso.Tx) error {
			r := newRecord(scopeA, perso.ResourceDatasetGroup, "w", "")
			if err := tx.Insert(ctx, &r); err != nil {
				return err
			}
			return errors.New("roll back")
		})
		if v := version(scopeA); v != before {
			t.Fatalf("rolled-back insert changed the version: %d -> %d", before, v)
		}
	})

	t.Run("ExtendLease", func(t *testing.T) {
		s := open(t)
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		j := perso.Job{Kind: "k", ARN: "a", RunAt: t0}
		update(t, s, scopeA, func(tx perso.Tx) error { return tx.Enqueue(ctx, &j) })
		claimed, ok, err := s.Claim(ctx, t0, time.Minute)
		if err != nil || !ok {
			t.Fatalf("Claim = %v, %v", ok, err)
		}
		if err := s.ExtendLease(ctx, claimed, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.Claim(ctx, t0.Add(30*time.Minute), time.Minute); ok {
			t.Fatal("claimed a job whose lease was extended")
		}
		again, ok, err := s.Claim(ctx, t0.Add(time.Hour), time.Minute)
		if err != nil || !ok {
			t.Fatalf("re-claim after the extended lease = %v, %v", ok, err)
		}
		if err := s.ExtendLease(ctx, claimed, t0.Add(2*time.Hour)); !errors.Is(err, perso.ErrLeaseLost) {
			t.Fatalf("ExtendLease by the old claim = %v, want ErrLeaseLost", err)
		}
		update(t, s, scopeA, func(tx perso.Tx) error { return tx.CompleteJob(ctx, again) })
	})

	t.Run("Postpone", func(t *testing.T) {
		s := open(t)
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		j := perso.Job{Kind: "k", ARN: "a", RunAt: t0}
		update(t, s, scopeA, func(tx perso.Tx) error { return tx.Enqueue(ctx, &j) })
		claimed, ok, err := s.Claim(ctx, t0, time.Hour)
		if err != nil || !ok {
			t.Fatalf("Claim = %v, %v", ok, err)
		}
		if err := s.Postpone(ctx, claimed, t0.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.Claim(ctx, t0.Add(time.Second-time.Microsecond), time.Hour); ok {
			t.Fatal("claimed a postponed job before its new time")
		}
		again, ok, err := s.Claim(ctx, t0.Add(time.Second), time.Hour)
		if err != nil || !ok || again.Attempts != 1 {
			t.Fatalf("re-claim = %+v, %v, %v; want the job with its waiting not counted (1 attempt)", again, ok, err)
		}
		if err := s.Postpone(ctx, claimed, t0); !errors.Is(err, perso.ErrLeaseLost) {
			t.Fatalf("Postpone by a stale claim = %v, want ErrLeaseLost", err)
		}
	})

	t.Run("GetByKey", func(t *testing.T) {
		s := open(t)
		dg := newRecord(scopeA, perso.ResourceDatasetGroup, "movies", "")
		insert(t, s, scopeA, &dg)
		got, err := s.GetByKey(ctx, scopeA, perso.ResourceDatasetGroup, dg.Key)
		if err != nil || got.ARN != dg.ARN {
			t.Fatalf("GetByKey = %+v, %v", got, err)
		}
		_, err = s.GetByKey(ctx, scopeB, perso.ResourceDatasetGroup, dg.Key)
		wantKind(t, err, perso.KindNotFound)
	})

	t.Run("Secret", func(t *testing.T) {
		s := open(t)
		const n = 8
		results := make([][]byte, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				v, err := s.Secret(ctx, "token-key", 32)
				if err != nil {
					t.Errorf("Secret: %v", err)
				}
				results[i] = v
			})
		}
		wg.Wait()
		for i := range results {
			if len(results[i]) != 32 || !bytes.Equal(results[i], results[0]) {
				t.Fatalf("concurrent first calls disagree: %x vs %x", results[i], results[0])
			}
		}
		other, err := s.Secret(ctx, "other", 16)
		if err != nil || len(other) != 16 {
			t.Fatalf("Secret(other) = %x, %v", other, err)
		}
		again, err := s.Secret(ctx, "token-key", 64)
		if err != nil || !bytes.Equal(again, results[0]) {
			t.Fatalf("Secret changed: %x, %v", again, err)
		}
	})
}

func TestSQLite_Reopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "deep", "er", "perso.db")
	s, err := sqlstore.Open(ctx, path) // a plain path, directories created
	if err != nil {
		t.Fatal(err)
	}
	if s.Dialect() != "sqlite" {
		t.Fatalf("Dialect = %q", s.Dialect())
	}
	secret, err := s.Secret(ctx, "k", 32)
	if err != nil {
		t.Fatal(err)
	}
	r := newRecord(scopeA, perso.ResourceDatasetGroup, "durable", "")
	insert(t, s, scopeA, &r)
	j := perso.Job{Kind: "k", ARN: r.ARN, RunAt: t0}
	update(t, s, scopeA, func(tx perso.Tx) error { return tx.Enqueue(ctx, &j) })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Re-open twice: migrations must be idempotent.
	for range 2 {
		s = openStore(t, "sqlite:"+path)
		got, err := s.Get(ctx, scopeA, r.ARN)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Fatalf("after reopen Get = %+v, want %+v", got, r)
		}
		again, err := s.Secret(ctx, "k", 32)
		if err != nil || !bytes.Equal(again, secret) {
			t.Fatalf("secret after reopen = %x, %v; want %x", again, err, secret)
		}
		if next, ok, err := s.NextRunAt(ctx); err != nil || !ok || !next.Equal(j.RunAt) {
			t.Fatalf("NextRunAt after reopen = %v, %v, %v", next, ok, err)
		}
		s.Close()
	}
}

// TestSQLite_KillDashNine commits records in a child process, kills it
// with SIGKILL while it is still writing, and checks that every record
// the child saw committed is in the file.
func TestSQLite_KillDashNine(t *testing.T) {
	if path := os.Getenv("PERSO_SQLSTORE_CRASH_DB"); path != "" {
		crashChild(path)
		return
	}
	if testing.Short() {
		t.Skip("short mode")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSQLite_KillDashNine$")
	cmd.Env = append(os.Environ(), "PERSO_SQLSTORE_CRASH_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if arn, ok := strings.CutPrefix(sc.Text(), "committed "); ok {
			acked = append(acked, arn)
			if len(acked) == 50 {
				break
			}
		}
	}
	cmd.Process.Kill() // SIGKILL
	cmd.Wait()
	if len(acked) < 50 {
		t.Fatalf("child acknowledged only %d commits", len(acked))
	}
	s := openStore(t, path)
	for _, arn := range acked {
		if _, err := s.Get(context.Background(), scopeA, arn); err != nil {
			t.Errorf("acknowledged record lost after kill -9: %v", err)
		}
	}
}

func crashChild(path string) {
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, path)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		r := newRecord(scopeA, perso.ResourceDataset, fmt.Sprintf("k%06d", i), "")
		if err := s.Update(ctx, scopeA, func(tx perso.Tx) error { return tx.Insert(ctx, &r) }); err != nil {
			fmt.Println("insert:", err)
			os.Exit(2)
		}
		fmt.Println("committed", r.ARN)
	}
}

func TestOpen_BadDSN(t *testing.T) {
	if _, err := sqlstore.Open(context.Background(), ""); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
}

func BenchmarkStore_List(b *testing.B) {
	ctx := context.Background()
	s := openStore(b, filepath.Join(b.TempDir(), "bench.db"))
	const n, parents = 5000, 10
	for batch := 0; batch < n; batch += 500 {
		err := s.Update(ctx, scopeA, func(tx perso.Tx) error {
			for i := batch; i < batch+500; i++ {
				r := newRecord(scopeA, perso.ResourceDataset, fmt.Sprintf("d%05d", i), fmt.Sprintf("arn:parent/%d", i%parents))
				r.Data = bytes.Repeat([]byte("x"), 300)
				if err := tx.Insert(ctx, &r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, bc := range []struct {
		name   string
		parent string
	}{{"all", ""}, {"parent", "arn:parent/3"}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				rs, err := s.List(ctx, perso.ListQuery{Scope: scopeA, Type: perso.ResourceDataset, Parent: bc.parent, Limit: 100})
				if err != nil || len(rs) != 100 {
					b.Fatalf("List = %d records, %v", len(rs), err)
				}
			}
		})
	}
}
