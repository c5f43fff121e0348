package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/personalize"
	"github.com/aws/aws-sdk-go-v2/service/personalize/types"

	"github.com/perso/perso"
)

// The import scenario: a dataset import job of a synthetic interactions
// CSV, run by perso's worker.
//
// The parent process generates the CSV (a Generate line) and times reading
// it line by line through a bufio.Reader, the baseline. It then runs
// itself again as "-scenarios import-child" (with ChildEnv set), which
// starts perso with a worker, creates a schema, dataset group and dataset
// through the aws-sdk-go-v2 personalize client, creates the import job,
// polls DescribeDatasetImportJob every 50 ms until the job ends, and
// reports the time from CreateDatasetImportJob to ACTIVE and the peak RSS
// of the child (VmHWM), which holds nothing but perso and the import. The
// parent adds the baseline and the targets and writes the Import line.

// ChildEnv is set in the environment of the child process that measures
// an import. Tests use it to run main in their own binary.
const ChildEnv = "PERSOBENCH_CHILD"

// Import targets: 20 million rows in under a minute and 1 GiB.
const (
	targetImportSeconds = 60
	targetImportRSSMiB  = 1024
)

// pollImport is the interval between DescribeDatasetImportJob calls.
const pollImport = 50 * time.Millisecond

// Generate is the output line describing the generated CSV.
type Generate struct {
	Kind  string `json:"kind"` // "generate"
	Rows  int    `json:"rows"`
	Seed  uint64 `json:"seed"`
	Bytes int64  `json:"bytes"`
	// Users and Items are the sizes of the ID spaces; DistinctUsers and
	// DistinctItems how many of them occur; MaxUserRows and MaxItemRows
	// the rows of the most active user and of the most popular item.
	Users         int `json:"users"`
	Items         int `json:"items"`
	DistinctUsers int `json:"distinct_users"`
	DistinctItems int `json:"distinct_items"`
	MaxUserRows   int `json:"max_user_rows"`
	MaxItemRows   int `json:"max_item_rows"`
	// Seconds is the time to generate and fsync the file; it is not part
	// of the import's figure.
	Seconds float64 `json:"seconds"`
}

// Import is the output line of the import scenario.
type Import struct {
	Kind          string `json:"kind"` // "import"
	Rows          int64  `json:"rows"`
	RowsImported  int64  `json:"rows_imported"`
	CSVBytes      int64  `json:"csv_bytes"`
	Status        string `json:"status"`
	FailureReason string `json:"failure_reason,omitempty"`
	// Seconds runs from the CreateDatasetImportJob call to the
	// DescribeDatasetImportJob answer that showed the job ACTIVE;
	// ServerSeconds is the job's lastUpdatedDateTime - creationDateTime.
	Seconds       float64 `json:"seconds"`
	ServerSeconds float64 `json:"server_seconds"`
	RowsPerSecond float64 `json:"rows_per_second"`
	// PeakRSSBytes is the child's VmHWM after the import; RSSBeforeBytes
	// its VmHWM just before the job was created.
	PeakRSSBytes   int64   `json:"peak_rss_bytes"`
	PeakRSSMiB     float64 `json:"peak_rss_mib"`
	RSSBeforeBytes int64   `json:"rss_before_bytes"`
	// MaxLiveHeapBytes is the largest live Go heap seen at a poll (as of
	// the last GC); GoTotalBytes all memory the Go runtime had mapped at
	// the end; GCCycles the collections during the import.
	MaxLiveHeapBytes uint64 `json:"max_live_heap_bytes"`
	GoTotalBytes     uint64 `json:"go_total_bytes"`
	GCCycles         uint64 `json:"gc_cycles"`
	Segments         int    `json:"segments"`
	SegmentBytes     int64  `json:"segment_bytes"`
	// BaselineSeconds is the time to read the file through a bufio.Reader
	// and count its lines; Ratio is RowsPerSecond / BaselineRowsPerSecond.
	BaselineSeconds       float64 `json:"baseline_seconds"`
	BaselineRowsPerSecond float64 `json:"baseline_rows_per_second"`
	Ratio                 float64 `json:"ratio"`
	TargetSeconds         float64 `json:"target_seconds"`
	TargetRSSMiB          float64 `json:"target_rss_mib"`
	MetSeconds            bool    `json:"met_seconds"`
	MetRSS                bool    `json:"met_rss"`
}

func runImport(ctx context.Context, c config, enc *json.Encoder, stderr io.Writer) error {
	dir, err := os.MkdirTemp("", "persobench-import-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "interactions.csv")
	g, err := generateCSV(path, c.importRows, c.seed)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	if err := enc.Encode(g); err != nil {
		return err
	}
	lines, baseSecs, err := countLines(path)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	if lines != int64(c.importRows)+1 {
		return fmt.Errorf("baseline: %s has %d lines, want %d", path, lines, c.importRows+1)
	}

	exe, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{"-scenarios", "import-child", "-import-csv", path, "-import-rows", strconv.Itoa(c.importRows), "-out", "-"}
	for _, f := range []struct{ name, value string }{{"-database", c.database}, {"-cpuprofile", c.cpuprofile}, {"-memprofile", c.memprofile}} {
		if f.value != "" {
			args = append(args, f.name, f.value)
		}
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), ChildEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("child %s: %w", strings.Join(cmd.Args, " "), err)
	}
	var imp Import
	if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &imp); err != nil {
		return fmt.Errorf("child output %q: %w", out.Bytes(), err)
	}
	imp.BaselineSeconds = round(baseSecs, 6)
	imp.BaselineRowsPerSecond = round(float64(c.importRows)/baseSecs, 1)
	if imp.BaselineRowsPerSecond > 0 {
		imp.Ratio = round(imp.RowsPerSecond/imp.BaselineRowsPerSecond, 4)
	}
	imp.TargetSeconds, imp.TargetRSSMiB = targetImportSeconds, targetImportRSSMiB
	imp.MetSeconds = imp.Status == "ACTIVE" && imp.Seconds < targetImportSeconds
	imp.MetRSS = imp.Status == "ACTIVE" && imp.PeakRSSMiB < targetImportRSSMiB
	if err := enc.Encode(imp); err != nil {
		return err
	}
	if imp.Status != "ACTIVE" || imp.RowsImported != int64(c.importRows) {
		return fmt.Errorf("the job ended %s with %d of %d rows: %s", imp.Status, imp.RowsImported, c.importRows, imp.FailureReason)
	}
	return nil
}

// importChild measures the import of c.importCSV in this process.
func importChild(ctx context.Context, c config, enc *json.Encoder) error {
	dir, err := os.MkdirTemp("", "persobench-import-child-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dsn := c.database
	if dsn == "" {
		dsn = "sqlite:" + filepath.Join(dir, "perso.db")
	}
	srv, err := startPerso(ctx, dsn, filepath.Join(dir, "datasets"))
	if err != nil {
		return err
	}
	defer srv.close()
	csvPath, err := filepath.Abs(c.importCSV)
	if err != nil {
		return err
	}
	fi, err := os.Stat(csvPath)
	if err != nil {
		return err
	}

	cl := personalize.NewFromConfig(aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(Account, "persobench", ""),
		BaseEndpoint: aws.String(srv.url),
	})
	name := runPrefix() + "-import"
	sc, err := cl.CreateSchema(ctx, &personalize.CreateSchemaInput{Name: aws.String(name), Schema: aws.String(schemaBodies[0])})
	if err != nil {
		return fmt.Errorf("CreateSchema: %w", err)
	}
	g, err := cl.CreateDatasetGroup(ctx, &personalize.CreateDatasetGroupInput{Name: aws.String(name)})
	if err != nil {
		return fmt.Errorf("CreateDatasetGroup: %w", err)
	}
	ds, err := cl.CreateDataset(ctx, &personalize.CreateDatasetInput{Name: aws.String(name), DatasetGroupArn: g.DatasetGroupArn,
		DatasetType: aws.String("Interactions"), SchemaArn: sc.SchemaArn})
	if err != nil {
		return fmt.Errorf("CreateDataset: %w", err)
	}

	prof := &profile{path: c.cpuprofile}
	if err := prof.start(); err != nil {
		return err
	}
	defer prof.stop()
	mem := newMemWatch(c.memprofile)
	before := procStatusBytes("VmHWM")
	start := time.Now()
	job, err := cl.CreateDatasetImportJob(ctx, &personalize.CreateDatasetImportJobInput{
		JobName: aws.String(name), DatasetArn: ds.DatasetArn, ImportMode: types.ImportModeFull,
		DataSource: &types.DataSource{DataLocation: aws.String("file://" + filepath.ToSlash(csvPath))},
		RoleArn:    aws.String("arn:aws:iam::" + Account + ":role/persobench"),
	})
	if err != nil {
		return fmt.Errorf("CreateDatasetImportJob: %w", err)
	}
	tick := time.NewTicker(pollImport)
	defer tick.Stop()
	var j *types.DatasetImportJob
	for {
		out, err := cl.DescribeDatasetImportJob(ctx, &personalize.DescribeDatasetImportJobInput{DatasetImportJobArn: job.DatasetImportJobArn})
		if err != nil {
			return fmt.Errorf("DescribeDatasetImportJob: %w", err)
		}
		if s := aws.ToString(out.DatasetImportJob.Status); s == "ACTIVE" || s == "CREATE FAILED" {
			j = out.DatasetImportJob
			break
		}
		if err := mem.sample(); err != nil {
			return err
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	secs := time.Since(start).Seconds()
	prof.stop()
	if err := mem.finish(); err != nil {
		return err
	}
	peak := procStatusBytes("VmHWM")

	imp := Import{
		Kind: "import", Rows: int64(c.importRows), CSVBytes: fi.Size(),
		Status: aws.ToString(j.Status), FailureReason: aws.ToString(j.FailureReason),
		Seconds: round(secs, 3), RowsPerSecond: round(float64(c.importRows)/secs, 1),
		PeakRSSBytes: peak, PeakRSSMiB: round(float64(peak)/(1<<20), 1), RSSBeforeBytes: before,
		MaxLiveHeapBytes: mem.maxLive, GoTotalBytes: mem.total, GCCycles: mem.gcs,
	}
	if j.CreationDateTime != nil && j.LastUpdatedDateTime != nil {
		imp.ServerSeconds = round(j.LastUpdatedDateTime.Sub(*j.CreationDateTime).Seconds(), 3)
	}
	segs, err := srv.svc.DatasetSegments(ctx, perso.Scope{Account: Account, Region: Region}, aws.ToString(ds.DatasetArn))
	if err != nil {
		return err
	}
	for _, s := range segs {
		imp.RowsImported += s.Rows
		imp.SegmentBytes += s.Bytes
	}
	imp.Segments = len(segs)
	return enc.Encode(imp)
}

// memWatch follows the Go heap during an import, and writes a heap profile
// to path, if set, whenever the live heap has grown by a tenth since the
// last one, so the profile shows the heap near its largest.
type memWatch struct {
	path    string
	samples []metrics.Sample
	gc0     uint64
	maxLive uint64
	written uint64 // live heap at the last profile
	total   uint64
	gcs     uint64
}

func newMemWatch(path string) *memWatch {
	m := &memWatch{path: path, samples: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/total:bytes"}, {Name: "/gc/cycles/total:gc-cycles"},
	}}
	metrics.Read(m.samples)
	m.gc0 = m.value(2)
	return m
}

func (m *memWatch) value(i int) uint64 {
	if m.samples[i].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return m.samples[i].Value.Uint64()
}

func (m *memWatch) sample() error {
	metrics.Read(m.samples)
	live := m.value(0)
	m.maxLive = max(m.maxLive, live)
	m.total, m.gcs = m.value(1), m.value(2)-m.gc0
	if m.path != "" && live > m.written+m.written/10 {
		m.written = live
		return m.writeProfile()
	}
	return nil
}

func (m *memWatch) finish() error {
	if err := m.sample(); err != nil {
		return err
	}
	if m.path != "" && m.written == 0 {
		return m.writeProfile()
	}
	return nil
}

func (m *memWatch) writeProfile() error {
	f, err := os.Create(m.path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// procStatusBytes returns a size field of /proc/self/status ("VmHWM",
// "VmRSS") in bytes, or -1 where it cannot be read.
func procStatusBytes(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return -1
		}
		return kb << 10
	}
	return -1
}

// countLines reads the file at path through a bufio.Reader, line by line,
// and returns its number of lines and the seconds that took.
func countLines(path string) (int64, float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	start := time.Now()
	r := bufio.NewReaderSize(f, 64<<10)
	var n int64
	for {
		line, err := r.ReadSlice('\n')
		switch {
		case err == nil:
			n++
		case errors.Is(err, bufio.ErrBufferFull):
		case errors.Is(err, io.EOF):
			if len(line) > 0 {
				n++
			}
			return n, time.Since(start).Seconds(), nil
		default:
			return n, 0, err
		}
	}
}

// Shape of the generated interactions.
const (
	rowsPerUser = 20
	rowsPerItem = 100
	// userAlpha is the Pareto exponent of the users' activity: the weight
	// of a user is U^(-1/userAlpha) for U uniform in (0, 1].
	userAlpha = 2.0
	// itemS and itemV are the Zipf parameters of the items' popularity:
	// the item of rank k is drawn with probability ∝ (itemV + k)^-itemS.
	itemS = 1.1
	itemV = 20
)

// genStart and genSpan are the period the timestamps cover: the six
// months before 2026-11-26.
var (
	genStart = time.Date(2026, 5, 26, 0, 0, 0, 0, time.UTC).Unix()
	genSpan  = int64(184 * 24 * 3600)
)

// eventTypes are the event types and their weights in percent.
var eventTypes = []struct {
	name   string
	weight int
}{{"view", 70}, {"click", 25}, {"purchase", 5}}

// generateCSV writes an interactions CSV of rows rows, the same for the
// same seed, to path and fsyncs it: rows/20 users whose activity is
// Pareto-distributed, rows/100 items with Zipf popularity, timestamps
// rising over six months with up to a minute of jitter, and three event
// types.
func generateCSV(path string, rows int, seed uint64) (Generate, error) {
	start := time.Now()
	g := Generate{Kind: "generate", Rows: rows, Seed: seed, Users: max(1, rows/rowsPerUser), Items: max(1, rows/rowsPerItem)}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	weights := make([]float64, g.Users)
	for i := range weights {
		weights[i] = math.Pow(1-rng.Float64(), -1/userAlpha)
	}
	users := newAlias(weights)
	items := rand.NewZipf(rng, itemS, itemV, uint64(g.Items-1))
	// A multiplier prime to the number of items scatters the ranks over
	// the item IDs.
	mult := uint64(2654435761) % uint64(g.Items)
	for gcd(mult, uint64(g.Items)) != 1 {
		mult++
	}
	var types []string
	for _, t := range eventTypes {
		for range t.weight {
			types = append(types, t.name)
		}
	}
	userRows := make([]int32, g.Users)
	itemRows := make([]int32, g.Items)

	f, err := os.Create(path)
	if err != nil {
		return g, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := w.WriteString("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n"); err != nil {
		return g, err
	}
	line := make([]byte, 0, 64)
	for i := range rows {
		u := users.sample(rng)
		it := int((items.Uint64()*mult + 7) % uint64(g.Items))
		ts := genStart + int64(i)*genSpan/int64(rows) + rng.Int64N(60)
		userRows[u]++
		itemRows[it]++
		line = append(line[:0], 'u')
		line = strconv.AppendInt(line, int64(u), 10)
		line = append(line, ',', 'i')
		line = strconv.AppendInt(line, int64(it), 10)
		line = append(line, ',')
		line = strconv.AppendInt(line, ts, 10)
		line = append(line, ',')
		line = append(line, types[rng.IntN(len(types))]...)
		line = append(line, '\n')
		if _, err := w.Write(line); err != nil {
			return g, err
		}
	}
	if err := w.Flush(); err != nil {
		return g, err
	}
	if err := f.Sync(); err != nil {
		return g, err
	}
	fi, err := f.Stat()
	if err != nil {
		return g, err
	}
	g.Bytes = fi.Size()
	for _, n := range userRows {
		if n > 0 {
			g.DistinctUsers++
		}
		g.MaxUserRows = max(g.MaxUserRows, int(n))
	}
	for _, n := range itemRows {
		if n > 0 {
			g.DistinctItems++
		}
		g.MaxItemRows = max(g.MaxItemRows, int(n))
	}
	g.Seconds = round(time.Since(start).Seconds(), 3)
	return g, f.Close()
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// alias draws indexes with probabilities proportional to weights in
// constant time (Vose's alias method).
type alias struct {
	prob  []float64
	alias []int32
}

func newAlias(weights []float64) *alias {
	n := len(weights)
	var sum float64
	for _, w := range weights {
		sum += w
	}
	a := &alias{prob: make([]float64, n), alias: make([]int32, n)}
	scaled := make([]float64, n)
	var small, large []int32
	for i, w := range weights {
		scaled[i] = w * float64(n) / sum
		if scaled[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		a.prob[s], a.alias[s] = scaled[s], l
		scaled[l] -= 1 - scaled[s]
		if scaled[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, i := range append(small, large...) {
		a.prob[i] = 1
	}
	return a
}

func (a *alias) sample(rng *rand.Rand) int {
	i := rng.IntN(len(a.prob))
	if rng.Float64() < a.prob[i] {
		return i
	}
	return int(a.alias[i])
}
