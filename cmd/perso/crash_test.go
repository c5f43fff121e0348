package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/personalize"
	"github.com/aws/aws-sdk-go-v2/service/personalize/types"
	"github.com/aws/aws-sdk-go-v2/service/personalizeevents"
	et "github.com/aws/aws-sdk-go-v2/service/personalizeevents/types"
)

const crashSchema = `{"type":"record","name":"Interactions","namespace":"com.amazonaws.personalize.schema",
"fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},{"name":"TIMESTAMP","type":"long"},{"name":"EVENT_TYPE","type":"string"}],"version":"1.0"}`

func (s *server) events() *personalizeevents.Client {
	return personalizeevents.New(personalizeevents.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(s.url),
		Credentials:      credentials.NewStaticCredentialsProvider("123456789012", "x", ""),
		RetryMaxAttempts: 1,
	})
}

func buildBinary(t *testing.T) (bin, dir string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir = t.TempDir()
	bin = filepath.Join(dir, "perso")
	if out, err := execCommand("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin, dir
}

// setup creates a dataset group with an Interactions dataset.
func setup(t *testing.T, c *personalize.Client) (group, dataset string) {
	t.Helper()
	ctx := context.Background()
	g, err := c.CreateDatasetGroup(ctx, &personalize.CreateDatasetGroupInput{Name: aws.String("g")})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := c.CreateSchema(ctx, &personalize.CreateSchemaInput{Name: aws.String("s"), Schema: aws.String(crashSchema)})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := c.CreateDataset(ctx, &personalize.CreateDatasetInput{Name: aws.String("i"), DatasetGroupArn: g.DatasetGroupArn, DatasetType: aws.String("Interactions"), SchemaArn: sc.SchemaArn})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(g.DatasetGroupArn), aws.ToString(ds.DatasetArn)
}

func writeCSV(t *testing.T, path string, rows int, item func(i int) string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE")
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < rows; i++ {
		fmt.Fprintf(w, "u%d,%s,%d,click\n", r.IntN(rows/20+1), item(i), 1700000000+i)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// exportRows exports the dataset's data of the given ingestion mode and
// returns the exported records' ITEM_IDs.
func exportRows(t *testing.T, c *personalize.Client, dataset, dir, name, mode string) []string {
	t.Helper()
	ctx := context.Background()
	out, err := c.CreateDatasetExportJob(ctx, &personalize.CreateDatasetExportJobInput{
		JobName: aws.String(name), DatasetArn: aws.String(dataset), IngestionMode: types.IngestionMode(mode), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
		JobOutput: &types.DatasetExportJobOutput{S3DataDestination: &types.S3DataConfig{Path: aws.String("file://" + dir)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	waitStatus(t, func() (string, string) {
		d, err := c.DescribeDatasetExportJob(ctx, &personalize.DescribeDatasetExportJobInput{DatasetExportJobArn: out.DatasetExportJobArn})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(d.DatasetExportJob.Status), aws.ToString(d.DatasetExportJob.FailureReason)
	}, "ACTIVE")
	b, err := os.ReadFile(filepath.Join(dir, name, "part-00000.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")[1:]
	items := make([]string, len(lines))
	for i, l := range lines {
		items[i] = strings.Split(l, ",")[1]
	}
	return items
}

// waitStatus polls until status() reports want, failing on a terminal
// failure or after two minutes.
func waitStatus(t *testing.T, status func() (string, string), want string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		s, reason := status()
		if s == want {
			return
		}
		if strings.Contains(s, "FAILED") {
			t.Fatalf("status %s: %s", s, reason)
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %s after two minutes", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestKill9_Import kills the server during a FULL import: after a restart
// the dataset still holds its old data until the import, taken over once
// its lease runs out, replaces it whole.
func TestKill9_Import(t *testing.T) {
	ctx := context.Background()
	bin, dir := buildBinary(t)
	data := filepath.Join(dir, "data")
	args := []string{"--sync", "--job-lease", "2s", "--workers", "1"}
	s := startBinary(t, bin, data, args...)
	c := s.client()
	_, ds := setup(t, c)

	small := filepath.Join(dir, "small.csv")
	writeCSV(t, small, 3000, func(i int) string { return fmt.Sprintf("old%d", i) })
	importAndWait := func(name, path string) string {
		out, err := c.CreateDatasetImportJob(ctx, &personalize.CreateDatasetImportJobInput{JobName: aws.String(name), DatasetArn: aws.String(ds),
			DataSource: &types.DataSource{DataLocation: aws.String("file://" + path)}, ImportMode: types.ImportModeFull})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.DatasetImportJobArn)
	}
	describe := func(arn string) (string, string) {
		d, err := c.DescribeDatasetImportJob(ctx, &personalize.DescribeDatasetImportJobInput{DatasetImportJobArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(d.DatasetImportJob.Status), aws.ToString(d.DatasetImportJob.FailureReason)
	}
	first := importAndWait("first", small)
	waitStatus(t, func() (string, string) { return describe(first) }, "ACTIVE")

	big := filepath.Join(dir, "big.csv")
	const bigRows = 1500000
	writeCSV(t, big, bigRows, func(i int) string { return fmt.Sprintf("new%d", i) })
	second := importAndWait("second", big)
	waitStatus(t, func() (string, string) { return describe(second) }, "CREATE IN_PROGRESS")
	time.Sleep(200 * time.Millisecond) // well into the import, far from its end
	if st, _ := describe(second); st != "CREATE IN_PROGRESS" {
		t.Skipf("the import finished before the kill (%s): the machine is faster than this test assumes", st)
	}
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()

	s = startBinary(t, bin, data, args...)
	c = s.client()
	old := exportRows(t, c, ds, filepath.Join(dir, "out"), "after-crash", "BULK")
	if len(old) != 3000 || old[0] != "old0" {
		t.Fatalf("after the crash the dataset holds %d records (first %q), want the 3000 old ones", len(old), old[0])
	}
	waitStatus(t, func() (string, string) { return describe(second) }, "ACTIVE")
	now := exportRows(t, c, ds, filepath.Join(dir, "out"), "after-import", "BULK")
	if len(now) != bigRows || now[0] != "new0" {
		t.Fatalf("after the resumed import the dataset holds %d records, want %d new ones", len(now), bigRows)
	}
}

// TestKill9_PutEvents kills the server while clients stream events: after
// a restart every acknowledged event is there exactly once.
func TestKill9_PutEvents(t *testing.T) {
	ctx := context.Background()
	bin, dir := buildBinary(t)
	data := filepath.Join(dir, "data")
	s := startBinary(t, bin, data, "--sync")
	c := s.client()
	group, ds := setup(t, c)
	tr, err := c.CreateEventTracker(ctx, &personalize.CreateEventTrackerInput{Name: aws.String("t"), DatasetGroupArn: aws.String(group)})
	if err != nil {
		t.Fatal(err)
	}
	ev := s.events()

	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				item := fmt.Sprintf("w%d-e%d", w, i)
				_, err := ev.PutEvents(ctx, &personalizeevents.PutEventsInput{TrackingId: tr.TrackingId, UserId: aws.String("u"), SessionId: aws.String("s"),
					EventList: []et.Event{{EventType: aws.String("click"), ItemId: aws.String(item), SentAt: aws.Time(time.Unix(1700000000, 0))}}})
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				acked[item] = true
				mu.Unlock()
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no event was acknowledged before the kill")
	}

	s = startBinary(t, bin, data, "--sync")
	items := exportRows(t, s.client(), ds, filepath.Join(dir, "out"), "events", "PUT")
	seen := map[string]int{}
	for _, it := range items {
		seen[it]++
	}
	for it := range acked {
		if seen[it] != 1 {
			t.Fatalf("acknowledged event %s is stored %d times", it, seen[it])
		}
	}
	for it, n := range seen {
		if n != 1 {
			t.Fatalf("event %s is stored %d times", it, n)
		}
	}
	t.Logf("%d events acknowledged before the kill, %d stored", len(acked), len(items))
}
