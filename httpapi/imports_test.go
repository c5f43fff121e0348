package httpapi_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/personalize"
	"github.com/aws/aws-sdk-go-v2/service/personalize/types"

	"github.com/perso/perso"
	"github.com/perso/perso/internal/sdktest"
)

const ratingsSchema = `{"type":"record","name":"Interactions","namespace":"com.amazonaws.personalize.schema",
"fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},{"name":"EVENT_VALUE","type":"float"},{"name":"TIMESTAMP","type":"long"}],"version":"1.0"}`

// ml100k converts MovieLens 100k's u.data (user, item, rating, timestamp,
// tab-separated) to an interactions CSV with its columns in another order
// than the schema's, and returns its path and row count. limit > 0 keeps
// only that many rows.
func ml100k(t *testing.T, dir string, limit int) (string, int) {
	t.Helper()
	in, err := os.Open(filepath.Join("..", "..", "shared", "data", "ml-100k", "u.data"))
	if err != nil {
		t.Skipf("MovieLens 100k not available: %v", err)
	}
	defer in.Close()
	path := filepath.Join(dir, fmt.Sprintf("ml100k-%d.csv", limit))
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(out)
	fmt.Fprintln(w, "TIMESTAMP,USER_ID,ITEM_ID,EVENT_VALUE")
	sc := bufio.NewScanner(in)
	n := 0
	for sc.Scan() && (limit <= 0 || n < limit) {
		f := strings.Fields(sc.Text())
		fmt.Fprintf(w, "%s,%s,%s,%s\n", f[3], f[0], f[1], f[2])
		n++
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	return path, n
}

func importJob(t *testing.T, c *personalize.Client, name, dataset, location, mode string) *types.DatasetImportJob {
	t.Helper()
	ctx := context.Background()
	out, err := c.CreateDatasetImportJob(ctx, &personalize.CreateDatasetImportJobInput{
		JobName: aws.String(name), DatasetArn: aws.String(dataset), ImportMode: types.ImportMode(mode),
		DataSource: &types.DataSource{DataLocation: aws.String(location)}, RoleArn: aws.String("arn:aws:iam::123456789012:role/perso"),
	})
	if err != nil {
		t.Fatalf("CreateDatasetImportJob %s: %v", name, err)
	}
	return waitImport(t, c, aws.ToString(out.DatasetImportJobArn))
}

// waitImport polls an import job, run by the server's worker, until it ends.
func waitImport(t *testing.T, c *personalize.Client, arn string) *types.DatasetImportJob {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2 * time.Minute)
	for {
		out, err := c.DescribeDatasetImportJob(context.Background(), &personalize.DescribeDatasetImportJobInput{DatasetImportJobArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		switch aws.ToString(out.DatasetImportJob.Status) {
		case "ACTIVE", "CREATE FAILED":
			return out.DatasetImportJob
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("import %s still %s", arn, aws.ToString(out.DatasetImportJob.Status))
		}
	}
}

func datasetRows(t *testing.T, srv *sdktest.Server, dataset string) int64 {
	t.Helper()
	segs, err := srv.Service.DatasetSegments(context.Background(), perso.Scope{Account: sdktest.Account, Region: sdktest.Region}, dataset)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, s := range segs {
		n += s.Rows
	}
	return n
}

func TestDatasetImportJob(t *testing.T) {
	ctx := context.Background()
	srv := sdktest.Start(t, sdktest.Options{Config: perso.Config{Synchronous: true}})
	c := srv.Control()
	dir := t.TempDir()
	group := mustGroup(t, c, "movies", "")
	ds := mustDataset(t, c, "ratings", group, "Interactions", mustSchema(t, c, "ratings", ratingsSchema))
	full, rows := ml100k(t, dir, 0)

	t.Run("OKFull", func(t *testing.T) {
		j := importJob(t, c, "full", ds, "file://"+full, "FULL")
		if aws.ToString(j.Status) != "ACTIVE" {
			t.Fatalf("import = %s: %s", aws.ToString(j.Status), aws.ToString(j.FailureReason))
		}
		if got := datasetRows(t, srv, ds); got != int64(rows) {
			t.Fatalf("dataset holds %d rows, want %d", got, rows)
		}
		if j.ImportMode != types.ImportModeFull || aws.ToString(j.DataSource.DataLocation) != "file://"+full || aws.ToString(j.DatasetArn) != ds {
			t.Fatalf("job = %+v", j)
		}
	})
	t.Run("OKIncrementalThenFull", func(t *testing.T) {
		part, n := ml100k(t, dir, 2000)
		if j := importJob(t, c, "incr", ds, "file://"+part, "INCREMENTAL"); aws.ToString(j.Status) != "ACTIVE" {
			t.Fatalf("incremental: %s", aws.ToString(j.FailureReason))
		}
		if got := datasetRows(t, srv, ds); got != int64(rows+n) {
			t.Fatalf("after INCREMENTAL: %d rows, want %d", got, rows+n)
		}
		if j := importJob(t, c, "replace", ds, "file://"+part, "FULL"); aws.ToString(j.Status) != "ACTIVE" {
			t.Fatalf("full: %s", aws.ToString(j.FailureReason))
		}
		if got := datasetRows(t, srv, ds); got != int64(n) {
			t.Fatalf("after FULL: %d rows, want %d", got, n)
		}
	})
	t.Run("OKPrefix", func(t *testing.T) {
		sub := filepath.Join(dir, "many")
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, limit := range []int{1500, 1200} {
			p, _ := ml100k(t, dir, limit)
			if err := os.Rename(p, filepath.Join(sub, fmt.Sprintf("part%d.csv", i))); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(sub, "README.txt"), []byte("not data"), 0o644); err != nil {
			t.Fatal(err)
		}
		if j := importJob(t, c, "prefix", ds, "file://"+sub+"/", "FULL"); aws.ToString(j.Status) != "ACTIVE" {
			t.Fatalf("prefix: %s", aws.ToString(j.FailureReason))
		}
		if got := datasetRows(t, srv, ds); got != 2700 {
			t.Fatalf("after prefix import: %d rows, want 2700", got)
		}
	})
	for name, tc := range map[string]struct {
		edit   func(string) string
		reason string
	}{
		"ErrBadTimestamp": {func(s string) string {
			lines := strings.Split(s, "\n")
			f := strings.Split(lines[4181], ",")
			f[0] = "yesterday"
			lines[4181] = strings.Join(f, ",")
			return strings.Join(lines, "\n")
		}, `line 4182: column TIMESTAMP (1): "yesterday"`},
		"ErrUnknownColumn": {func(s string) string { return strings.Replace(s, "EVENT_VALUE", "RATING", 1) }, "RATING"},
		"ErrTooFewRows":    {func(s string) string { return strings.Join(strings.Split(s, "\n")[:500], "\n") + "\n" }, "at least 1000"},
	} {
		t.Run(name, func(t *testing.T) {
			before := datasetRows(t, srv, ds)
			b, err := os.ReadFile(full)
			if err != nil {
				t.Fatal(err)
			}
			bad := filepath.Join(dir, name+".csv")
			if err := os.WriteFile(bad, []byte(tc.edit(string(b))), 0o644); err != nil {
				t.Fatal(err)
			}
			j := importJob(t, c, name, ds, "file://"+bad, "FULL")
			if aws.ToString(j.Status) != "CREATE FAILED" || !strings.Contains(aws.ToString(j.FailureReason), tc.reason) {
				t.Fatalf("import = %s %q, want CREATE FAILED naming %q", aws.ToString(j.Status), aws.ToString(j.FailureReason), tc.reason)
			}
			if after := datasetRows(t, srv, ds); after != before {
				t.Fatalf("a failed import changed the dataset: %d rows, was %d", after, before)
			}
		})
	}
	t.Run("ErrMissingFile", func(t *testing.T) {
		j := importJob(t, c, "missing", ds, "file://"+filepath.Join(dir, "nope.csv"), "FULL")
		if aws.ToString(j.Status) != "CREATE FAILED" || !strings.Contains(aws.ToString(j.FailureReason), "does not exist") {
			t.Fatalf("import = %s %q", aws.ToString(j.Status), aws.ToString(j.FailureReason))
		}
	})
	t.Run("ErrLocation", func(t *testing.T) {
		for _, loc := range []string{"https://example.com/x.csv", "ftp://x/y", "file://relative/path.csv"} {
			_, err := c.CreateDatasetImportJob(ctx, &personalize.CreateDatasetImportJobInput{JobName: aws.String("loc"), DatasetArn: aws.String(ds),
				DataSource: &types.DataSource{DataLocation: aws.String(loc)}})
			wantCode(t, err, "InvalidInputException")
		}
	})
	t.Run("ErrAlreadyExists", func(t *testing.T) {
		_, err := c.CreateDatasetImportJob(ctx, &personalize.CreateDatasetImportJobInput{JobName: aws.String("full"), DatasetArn: aws.String(ds),
			DataSource: &types.DataSource{DataLocation: aws.String("file://" + full)}})
		wantCode(t, err, "ResourceAlreadyExistsException")
	})
	t.Run("List", func(t *testing.T) {
		out, err := c.ListDatasetImportJobs(ctx, &personalize.ListDatasetImportJobsInput{DatasetArn: aws.String(ds), MaxResults: aws.Int32(2)})
		if err != nil || len(out.DatasetImportJobs) != 2 || out.NextToken == nil {
			t.Fatalf("list = %+v, %v", out, err)
		}
	})
}

func TestDatasetImportJob_PendingQuota(t *testing.T) {
	ctx := context.Background()
	q := perso.DefaultQuotas()
	q.PendingImportJobs = 2
	// No worker: the jobs stay pending.
	srv := sdktest.Start(t, sdktest.Options{Config: perso.Config{Synchronous: true, Quotas: q}, NoWorker: true})
	c := srv.Control()
	group := mustGroup(t, c, "g", "")
	ds := mustDataset(t, c, "r", group, "Interactions", mustSchema(t, c, "r", ratingsSchema))
	create := func(name string) error {
		_, err := c.CreateDatasetImportJob(ctx, &personalize.CreateDatasetImportJobInput{JobName: aws.String(name), DatasetArn: aws.String(ds),
			DataSource: &types.DataSource{DataLocation: aws.String("file:///nowhere/x.csv")}})
		return err
	}
	for _, name := range []string{"a", "b"} {
		if err := create(name); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, create("c"), "LimitExceededException")
	out, err := c.DescribeDatasetImportJob(ctx, &personalize.DescribeDatasetImportJobInput{DatasetImportJobArn: aws.String(sdktest.ARN("dataset-import-job/a"))})
	if err != nil || aws.ToString(out.DatasetImportJob.Status) != "CREATE PENDING" {
		t.Fatalf("job a = %+v, %v", out, err)
	}
	// A dataset with imports pending cannot be deleted.
	_, err = c.DeleteDataset(ctx, &personalize.DeleteDatasetInput{DatasetArn: aws.String(ds)})
	wantCode(t, err, "ResourceInUseException")
}

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Segments replaced by a FULL import are deleted from the blob store once
// their grace period is over, not before.
func TestDatasetImportJob_ReplacedFilesDeleted(t *testing.T) {
	clock := &fakeClock{now: time.Now().UTC()}
	srv := sdktest.Start(t, sdktest.Options{Config: perso.Config{Synchronous: true}, Clock: clock})
	c := srv.Control()
	dir := t.TempDir()
	group := mustGroup(t, c, "g", "")
	ds := mustDataset(t, c, "r", group, "Interactions", mustSchema(t, c, "r", ratingsSchema))
	part, _ := ml100k(t, dir, 1000)
	if j := importJob(t, c, "one", ds, "file://"+part, "FULL"); aws.ToString(j.Status) != "ACTIVE" {
		t.Fatal(aws.ToString(j.FailureReason))
	}
	scope := perso.Scope{Account: sdktest.Account, Region: sdktest.Region}
	first, err := srv.Service.DatasetSegments(context.Background(), scope, ds)
	if err != nil || len(first) != 1 {
		t.Fatalf("segments = %v, %v", first, err)
	}
	if j := importJob(t, c, "two", ds, "file://"+part, "FULL"); aws.ToString(j.Status) != "ACTIVE" {
		t.Fatal(aws.ToString(j.FailureReason))
	}
	old := strings.TrimPrefix(first[0].URL, "file://")
	if _, err := os.Stat(old); err != nil {
		t.Fatalf("the replaced segment is gone before its grace period: %v", err)
	}
	clock.Add(perso.FileGrace + time.Second)
	srv.Runner.Wake()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(old); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the replaced segment was not deleted after its grace period")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := datasetRows(t, srv, ds); got != 1000 {
		t.Fatalf("dataset holds %d rows after the cleanup, want 1000", got)
	}
}

// Imports of one dataset run in the order they were created: an
// INCREMENTAL import created right after a FULL one adds to its data,
// however quickly it could have finished on its own.
func TestDatasetImportJob_Order(t *testing.T) {
	ctx := context.Background()
	srv := sdktest.Start(t, sdktest.Options{Config: perso.Config{Synchronous: true}})
	c := srv.Control()
	dir := t.TempDir()
	group := mustGroup(t, c, "g", "")
	ds := mustDataset(t, c, "r", group, "Interactions", mustSchema(t, c, "r", ratingsSchema))
	full, n := ml100k(t, dir, 0)
	small, m := ml100k(t, dir, 10)
	var arns []string
	for _, j := range []struct{ name, path, mode string }{{"full", full, "FULL"}, {"incr", small, "INCREMENTAL"}} {
		out, err := c.CreateDatasetImportJob(ctx, &personalize.CreateDatasetImportJobInput{JobName: aws.String(j.name), DatasetArn: aws.String(ds),
			DataSource: &types.DataSource{DataLocation: aws.String("file://" + j.path)}, ImportMode: types.ImportMode(j.mode)})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, aws.ToString(out.DatasetImportJobArn))
	}
	for _, arn := range arns {
		if j := waitImport(t, c, arn); aws.ToString(j.Status) != "ACTIVE" {
			t.Fatalf("%s: %s", arn, aws.ToString(j.FailureReason))
		}
	}
	if got := datasetRows(t, srv, ds); got != int64(n+m) {
		t.Fatalf("dataset holds %d rows, want %d: the INCREMENTAL import's rows were lost", got, n+m)
	}
}
