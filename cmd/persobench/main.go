// Command persobench is a load generator that measures perso against a
// bare baseline in the same run, on the same machine, with the same
// clients.
//
//	go run ./cmd/persobench [-groups 1000] [-datasets 5] [-duration 10s] [-clients 1,32] [-out -]
//	    [-database postgres://...] [-scenarios baseline,ListDatasets/all,ListDatasets/group,...]
//	    [-cpuprofile file] [-memprofile file] [-import-rows 20000000] [-seed 1]
//
// It starts perso in-process on 127.0.0.1 (SQLite in a temporary directory,
// or the store named by -database), fills one account with -groups dataset
// groups of -datasets datasets each by calling the service directly, and
// then, for each concurrency in -clients, runs five scenarios over loopback
// HTTP for -duration each:
//
//   - ListDatasets/all: ListDatasets with maxResults 100 and no filter;
//   - ListDatasets/group: ListDatasets of one dataset group;
//   - ListDatasets/all-uncached and ListDatasets/group-uncached: the same
//     against a handler of the same service without the page cache, so that
//     every page is read from the store, decoded and encoded;
//   - baseline: a bare net/http handler answering a fixed body of the size
//     of perso's first ListDatasets/all response.
//
// Every request is an AWS JSON 1.1 request signed with SigV4 by the
// aws-sdk-go-v2 signer (once per worker and target; local auth mode does not
// check signatures). Each worker has its own keep-alive http.Client.
//
// Two more scenarios run only when named in -scenarios:
//
//   - putevents: PutEvents of one event per call (REST-JSON POST /events,
//     signed the same way) at each concurrency in -clients, beside a bare
//     handler answering "{}" to the same requests and beside the same calls
//     made on perso.Service directly; then the rows stored in the dataset
//     are counted against the 200 responses, and the latency of a bare
//     fsync next to the SQLite file is measured (see putevents.go);
//   - import: a dataset import job of a synthetic interactions CSV of
//     -import-rows rows, generated with -seed, run by perso's worker in a
//     child process so that its peak RSS is the import's alone, beside the
//     time to read the same file line by line (see import.go).
//
// The output is JSON lines: a header line describing the machine and the
// run, a fill line, and one result line per scenario and concurrency with
// requests per second, p50, p99 and maximum latency, the error count, the
// connections opened and the ratio of the scenario's throughput to the
// baseline's; the import and putevents scenarios add lines of their own
// kinds. docs/benchmarks.md records runs and what they showed.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/perso/perso"
	"github.com/perso/perso/blob"
	"github.com/perso/perso/httpapi"
	"github.com/perso/perso/metrics"
	"github.com/perso/perso/sqlstore"
	"github.com/perso/perso/worker"
)

// Account and Region are the scope the benchmark fills and queries. The
// access key is the account: local auth mode takes a 12-digit access key
// as the account ID.
const (
	Account = "123456789012"
	Region  = "us-east-1"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "persobench:", err)
		}
		os.Exit(1)
	}
}

// config is the configuration of a run, from flags.
type config struct {
	groups     int
	datasets   int
	duration   time.Duration
	clients    []int
	out        string
	database   string
	cpuprofile string
	memprofile string
	scenarios  map[string]bool
	importRows int
	seed       uint64
	// importCSV is the file an import-child imports.
	importCSV string
}

// scenarioNames are the ListDatasets scenarios, run by default, in the
// order they run at each concurrency.
var scenarioNames = []string{"baseline", "ListDatasets/all", "ListDatasets/group", "ListDatasets/all-uncached", "ListDatasets/group-uncached"}

// extraScenarios run only when named. import-child is internal: the import
// scenario runs it in a child process.
var extraScenarios = []string{"putevents", "import", "import-child"}

// listDatasets reports whether any ListDatasets scenario is to run.
func (c config) listDatasets() bool {
	for _, s := range scenarioNames {
		if c.scenarios[s] {
			return true
		}
	}
	return false
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("persobench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.groups, "groups", 1000, "dataset groups to create")
	fs.IntVar(&c.datasets, "datasets", 5, "datasets per group, 1 to 5 (one per dataset type)")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "duration of each scenario at each concurrency")
	clients := fs.String("clients", "1,32", "comma-separated concurrencies (workers, each with its own connection)")
	fs.StringVar(&c.out, "out", "-", `file to write the JSON lines to; "-" is stdout`)
	fs.StringVar(&c.database, "database", "", "store: postgres://... (use a scratch database) or sqlite:<path>; default SQLite in a temporary directory")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the measurement phases (not the fill or setup) to this file; with import, of the import alone")
	fs.StringVar(&c.memprofile, "memprofile", "", "import alone: write a heap profile of the import, taken near its largest live heap, to this file")
	only := fs.String("scenarios", strings.Join(scenarioNames, ","), "comma-separated scenarios to run, e.g. ListDatasets/all alone to profile it; ratios need baseline; also "+strings.Join(extraScenarios[:2], ", "))
	fs.IntVar(&c.importRows, "import-rows", 20_000_000, "import: rows of the generated interactions CSV")
	seed := fs.Int64("seed", 1, "import: seed of the generated CSV")
	fs.StringVar(&c.importCSV, "import-csv", "", "import-child: the CSV file to import")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.seed = uint64(*seed)
	c.scenarios = map[string]bool{}
	for _, f := range strings.Split(*only, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(scenarioNames, f) && !slices.Contains(extraScenarios, f) {
			return c, fmt.Errorf("-scenarios: unknown scenario %q; want some of %s", f, strings.Join(append(slices.Clone(scenarioNames), extraScenarios[:2]...), ", "))
		}
		c.scenarios[f] = true
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.scenarios["import-child"] && (len(c.scenarios) > 1 || c.importCSV == "") {
		return c, errors.New("-scenarios import-child runs alone and needs -import-csv")
	}
	if c.importRows < 1 {
		return c, errors.New("-import-rows must be at least 1")
	}
	if c.scenarios["import"] && c.cpuprofile != "" && len(c.scenarios) > 1 {
		return c, errors.New("-cpuprofile: profile the import scenario alone")
	}
	if c.memprofile != "" && (len(c.scenarios) > 1 || !c.scenarios["import"] && !c.scenarios["import-child"]) {
		return c, errors.New("-memprofile profiles the import scenario, run alone")
	}
	if c.groups < 1 {
		return c, errors.New("-groups must be at least 1")
	}
	if c.datasets < 1 || c.datasets > len(perso.DatasetTypes) {
		return c, fmt.Errorf("-datasets must be 1 to %d", len(perso.DatasetTypes))
	}
	if c.duration <= 0 {
		return c, errors.New("-duration must be positive")
	}
	for _, f := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return c, fmt.Errorf("-clients: %q is not a positive number", f)
		}
		c.clients = append(c.clients, n)
	}
	return c, nil
}

// Header is the first output line: what ran where.
type Header struct {
	Kind      string `json:"kind"` // "header"
	Date      string `json:"date"`
	NumCPU    int    `json:"num_cpu"`
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	CPU       string `json:"cpu"`
	Go        string `json:"go"`
	Store     string `json:"store"`
	Scenarios string `json:"scenarios"`
	Groups    int    `json:"groups"`
	Datasets  int    `json:"datasets"`
	Duration  string `json:"duration"`
	// ImportRows and Seed describe the import scenario's CSV, when it runs.
	ImportRows int    `json:"import_rows,omitempty"`
	Seed       uint64 `json:"seed,omitempty"`
}

// Fill is the output line reporting how the account was filled.
type Fill struct {
	Kind     string  `json:"kind"` // "fill"
	Groups   int     `json:"groups"`
	Datasets int     `json:"datasets"` // in total
	Seconds  float64 `json:"seconds"`
	// PerSecond is resources (groups, schemas and datasets) created per second.
	PerSecond float64 `json:"per_second"`
}

// Result is the output line of one scenario at one concurrency.
type Result struct {
	Kind     string  `json:"kind"` // "result"
	Scenario string  `json:"scenario"`
	Clients  int     `json:"clients"`
	Requests int     `json:"requests"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"rps"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
	// BaselineRPS is the bare handler's throughput at the same concurrency.
	BaselineRPS float64 `json:"baseline_rps"`
	// Ratio is RPS / BaselineRPS.
	Ratio  float64 `json:"ratio"`
	Errors int     `json:"errors"`
	// Dials is the number of connections the workers opened: one per
	// worker unless connections were lost.
	Dials         int64 `json:"dials"`
	ResponseBytes int   `json:"response_bytes"`
	// FirstError is the first failed request's error, if any failed.
	FirstError string `json:"first_error,omitempty"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	out := stdout
	if c.out != "-" {
		f, err := os.Create(c.out)
		if err != nil {
			return err
		}
		defer f.Close()
		out = f
	}
	enc := json.NewEncoder(out)
	if c.scenarios["import-child"] {
		return importChild(ctx, c, enc)
	}

	dsn := c.database
	if dsn == "" {
		dir, err := os.MkdirTemp("", "persobench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dsn = "sqlite:" + filepath.Join(dir, "perso.db")
	}
	srv, err := startPerso(ctx, dsn, "")
	if err != nil {
		return err
	}
	defer srv.close()

	var names []string
	for _, s := range append(slices.Clone(scenarioNames), extraScenarios...) {
		if c.scenarios[s] {
			names = append(names, s)
		}
	}
	h := Header{
		Kind: "header", Date: time.Now().UTC().Format(time.RFC3339),
		NumCPU: runtime.NumCPU(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPU: cpuModel(), Go: runtime.Version(),
		Store: srv.store.Dialect(), Scenarios: strings.Join(names, ","), Groups: c.groups, Datasets: c.datasets, Duration: c.duration.String(),
	}
	if c.scenarios["import"] {
		h.ImportRows, h.Seed = c.importRows, c.seed
	}
	if err := enc.Encode(h); err != nil {
		return err
	}

	// The CPU profile covers the measurement phases run in this process;
	// the import's is taken by its child.
	prof := &profile{path: c.cpuprofile}
	if c.scenarios["import"] {
		prof.path = ""
	}
	defer prof.stop()
	if c.listDatasets() {
		if err := runListDatasets(ctx, c, srv, enc, prof); err != nil {
			return err
		}
	}
	if c.scenarios["putevents"] {
		if err := runPutEvents(ctx, c, srv, dsn, enc, prof); err != nil {
			return fmt.Errorf("putevents: %w", err)
		}
	}
	if c.scenarios["import"] {
		if err := runImport(ctx, c, enc, stderr); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	}
	return nil
}

// profile is a CPU profile started on the first call of start, if path is
// set, and stopped by stop.
type profile struct {
	path string
	f    *os.File
}

func (p *profile) start() error {
	if p.path == "" || p.f != nil {
		return nil
	}
	f, err := os.Create(p.path)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	p.f = f
	return nil
}

func (p *profile) stop() {
	if p.f != nil {
		pprof.StopCPUProfile()
		p.f.Close()
		p.f = nil
	}
}

// runListDatasets fills the account and runs the ListDatasets scenarios.
func runListDatasets(ctx context.Context, c config, srv *server, enc *json.Encoder, prof *profile) error {
	// A run-unique prefix lets -database point at a store that already
	// holds an earlier run's resources.
	prefix := runPrefix()
	start := time.Now()
	groupARNs, err := fill(ctx, srv.svc, prefix, c.groups, c.datasets)
	if err != nil {
		return fmt.Errorf("fill: %w", err)
	}
	secs := time.Since(start).Seconds()
	resources := c.groups*(1+c.datasets) + len(perso.DatasetTypes)
	if err := enc.Encode(Fill{Kind: "fill", Groups: c.groups, Datasets: c.groups * c.datasets,
		Seconds: round(secs, 3), PerSecond: round(float64(resources)/secs, 1)}); err != nil {
		return err
	}

	all := controlRequest(srv.url, "ListDatasets", []byte(`{"maxResults":100}`))
	groupBody, err := json.Marshal(map[string]any{"datasetGroupArn": groupARNs[len(groupARNs)/2], "maxResults": 100})
	if err != nil {
		return err
	}
	group := controlRequest(srv.url, "ListDatasets", groupBody)
	// Capture perso's answer to size the baseline and check the fill.
	body, err := fetch(ctx, all)
	if err != nil {
		return fmt.Errorf("ListDatasets/all: %w", err)
	}
	wantAll := min(100, c.groups*c.datasets)
	if err := checkDatasets(body, wantAll); err != nil {
		return fmt.Errorf("ListDatasets/all: %w", err)
	}
	groupResp, err := fetch(ctx, group)
	if err != nil {
		return fmt.Errorf("ListDatasets/group: %w", err)
	}
	if err := checkDatasets(groupResp, c.datasets); err != nil {
		return fmt.Errorf("ListDatasets/group: %w", err)
	}
	base, err := startBaseline(body, all.contentType)
	if err != nil {
		return err
	}
	defer base.Close()
	baseAll := all
	baseAll.url = "http://" + base.Addr

	if err := prof.start(); err != nil {
		return err
	}
	for _, n := range c.clients {
		var results []Result
		var b Result
		if c.scenarios["baseline"] {
			b, err = measure(ctx, baseAll, n, c.duration, nil)
			if err != nil {
				return err
			}
			b.Scenario, b.BaselineRPS, b.Ratio, b.ResponseBytes = "baseline", b.RPS, 1, len(body)
			results = append(results, b)
		}
		scenarios := []struct {
			name  string
			req   request
			check func([]byte) error
			size  int
		}{
			{"ListDatasets/all", all, func(b []byte) error { return checkDatasets(b, wantAll) }, len(body)},
			{"ListDatasets/group", group, func(b []byte) error { return checkDatasets(b, c.datasets) }, len(groupResp)},
			{"ListDatasets/all-uncached", uncached(all, srv), func(b []byte) error { return checkDatasets(b, wantAll) }, len(body)},
			{"ListDatasets/group-uncached", uncached(group, srv), func(b []byte) error { return checkDatasets(b, c.datasets) }, len(groupResp)},
		}
		for _, s := range scenarios {
			if !c.scenarios[s.name] {
				continue
			}
			r, err := measure(ctx, s.req, n, c.duration, s.check)
			if err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			r.Scenario, r.BaselineRPS, r.ResponseBytes = s.name, b.RPS, s.size
			if b.RPS > 0 {
				r.Ratio = round(r.RPS/b.RPS, 3)
			}
			results = append(results, r)
		}
		for _, r := range results {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// uncached returns req aimed at the server's handler without the page
// cache.
func uncached(req request, srv *server) request {
	req.url = srv.uncachedURL
	return req
}

// runPrefix returns a run-unique prefix for resource names.
func runPrefix() string {
	return "pb" + strconv.FormatInt(time.Now().UnixNano()%1e12, 36)
}

// server is perso running in-process.
type server struct {
	url   string
	store *sqlstore.Store
	svc   *perso.Service
	http  *http.Server
	// uncachedURL serves the same service without the page cache.
	uncachedURL  string
	httpUncached *http.Server
	// stopWorker stops the job worker, if one runs, and waits for it.
	stopWorker func()
}

// startPerso starts perso on a loopback listener. With dataRoot set, a
// worker runs its jobs and keeps dataset data under that directory.
func startPerso(ctx context.Context, dsn, dataRoot string) (*server, error) {
	store, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := perso.Config{
		Synchronous: true,
		Quotas: perso.Quotas{DatasetGroups: perso.Unlimited, Schemas: perso.Unlimited, TagsPerResource: 50,
			PendingImportJobs: perso.Unlimited, MinImportInteractions: 1000},
	}
	var runner *worker.Runner
	if dataRoot != "" {
		cfg.Notify = func() { runner.Wake() }
	}
	svc, err := perso.NewService(ctx, store, perso.SystemClock{}, cfg)
	if err != nil {
		store.Close()
		return nil, err
	}
	s := &server{store: store, svc: svc, stopWorker: func() {}}
	if dataRoot != "" {
		runner = worker.New(store, svc, perso.SystemClock{}, log)
		runner.Poll = 50 * time.Millisecond
		if runner.Blobs, err = blob.New(ctx, blob.Config{}); err != nil {
			store.Close()
			return nil, fmt.Errorf("blob store: %w", err)
		}
		runner.DataRoot = "file://" + filepath.ToSlash(dataRoot)
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			runner.Run(wctx, 2)
		}()
		s.stopWorker = func() { cancel(); <-done }
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.stopWorker()
		store.Close()
		return nil, err
	}
	s.http = &http.Server{
		// With metrics, as cmd/perso serves: the figures are those of the
		// real server.
		Handler:           httpapi.NewHandler(httpapi.Options{Service: svc, Log: log, Metrics: metrics.New()}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = s.http.Serve(ln) }()
	s.url = "http://" + ln.Addr().String()
	// The same service without the page cache: every List is computed.
	lnUncached, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.close()
		return nil, err
	}
	s.httpUncached = &http.Server{
		Handler:           httpapi.NewHandler(httpapi.Options{Service: svc, Log: log, NoPageCache: true, Metrics: metrics.New()}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = s.httpUncached.Serve(lnUncached) }()
	s.uncachedURL = "http://" + lnUncached.Addr().String()
	return s, nil
}

func (s *server) close() {
	_ = s.http.Close()
	if s.httpUncached != nil {
		_ = s.httpUncached.Close()
	}
	s.stopWorker()
	_ = s.store.Close()
}

// startBaseline serves body with contentType, whatever the request, on a
// new loopback listener.
func startBaseline(body []byte, contentType string) (*http.Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	size := strconv.Itoa(len(body))
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			h := w.Header()
			h.Set("Content-Type", contentType)
			h.Set("Content-Length", size)
			_, _ = w.Write(body)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	hs.Addr = ln.Addr().String()
	go func() { _ = hs.Serve(ln) }()
	return hs, nil
}

// schemaBodies are the schemas of the dataset types, in the order of
// perso.DatasetTypes.
var schemaBodies = []string{
	`{"type":"record","name":"Interactions","namespace":"com.amazonaws.personalize.schema",
"fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},{"name":"TIMESTAMP","type":"long"},
{"name":"EVENT_TYPE","type":"string"}],"version":"1.0"}`,
	`{"type":"record","name":"Items","namespace":"com.amazonaws.personalize.schema",
"fields":[{"name":"ITEM_ID","type":"string"},{"name":"GENRES","type":["null","string"],"categorical":true}],"version":"1.0"}`,
	`{"type":"record","name":"Users","namespace":"com.amazonaws.personalize.schema",
"fields":[{"name":"USER_ID","type":"string"},{"name":"AGE","type":"int"}],"version":"1.0"}`,
	`{"type":"record","name":"Actions","namespace":"com.amazonaws.personalize.schema",
"fields":[{"name":"ACTION_ID","type":"string"},{"name":"PRIORITY","type":"int"}],"version":"1.0"}`,
	`{"type":"record","name":"ActionInteractions","namespace":"com.amazonaws.personalize.schema",
"fields":[{"name":"USER_ID","type":"string"},{"name":"ACTION_ID","type":"string"},{"name":"TIMESTAMP","type":"long"},{"name":"EVENT_TYPE","type":"string"}],"version":"1.0"}`,
}

// fill creates one schema per dataset type and groups dataset groups of
// datasets datasets each through the service, and returns the groups' ARNs.
func fill(ctx context.Context, svc *perso.Service, prefix string, groups, datasets int) ([]string, error) {
	scope := perso.Scope{Account: Account, Region: Region}
	schemas := make([]string, len(perso.DatasetTypes))
	for i, typ := range perso.DatasetTypes {
		arn, err := svc.CreateSchema(ctx, scope, perso.CreateSchemaInput{Name: prefix + "-" + typ, Body: schemaBodies[i]})
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", typ, err)
		}
		schemas[i] = arn
	}
	arns := make([]string, 0, groups)
	for g := range groups {
		name := fmt.Sprintf("%s-%05d", prefix, g)
		arn, err := svc.CreateDatasetGroup(ctx, scope, perso.CreateDatasetGroupInput{Name: name})
		if err != nil {
			return nil, fmt.Errorf("group %s: %w", name, err)
		}
		for i, typ := range perso.DatasetTypes[:datasets] {
			if _, err := svc.CreateDataset(ctx, scope, perso.CreateDatasetInput{
				Name: name + "-" + typ, GroupARN: arn, DatasetType: typ, SchemaARN: schemas[i],
			}); err != nil {
				return nil, fmt.Errorf("dataset %s %s: %w", name, typ, err)
			}
		}
		arns = append(arns, arn)
	}
	return arns, nil
}

// request is what a scenario's workers send: a POST of body to url.
type request struct {
	url, contentType string
	// target is the X-Amz-Target of an AWS JSON 1.1 request; "" for
	// REST-JSON.
	target string
	body   []byte
}

// controlRequest returns a request for a control-plane operation.
func controlRequest(url, op string, body []byte) request {
	return request{url: url, contentType: "application/x-amz-json-1.1", target: "AmazonPersonalize." + op, body: body}
}

// signedHeader returns the headers of rq signed with SigV4. The signature
// is made once and reused: local auth mode parses the Authorization header
// but does not check the signature or the date.
func signedHeader(ctx context.Context, rq request) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rq.url, bytes.NewReader(rq.body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", rq.contentType)
	if rq.target != "" {
		req.Header.Set("X-Amz-Target", rq.target)
	}
	sum := sha256.Sum256(rq.body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	creds := aws.Credentials{AccessKeyID: Account, SecretAccessKey: "persobench"}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hash, "personalize", Region, time.Now()); err != nil {
		return nil, err
	}
	return req.Header, nil
}

// newClient returns a keep-alive client that counts its dials in dials,
// if not nil.
func newClient(clients int, dials *atomic.Int64) *http.Client {
	var d net.Dialer
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials != nil {
				dials.Add(1)
			}
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConns:        clients,
		MaxIdleConnsPerHost: clients,
		DisableCompression:  true,
		IdleConnTimeout:     time.Minute,
	}}
}

// fetch makes one signed request and returns the body of its 200
// response.
func fetch(ctx context.Context, rq request) ([]byte, error) {
	h, err := signedHeader(ctx, rq)
	if err != nil {
		return nil, err
	}
	c := newClient(1, nil)
	defer c.CloseIdleConnections()
	return do(ctx, c, rq.url, h, rq.body, true)
}

// do sends one request and returns the response body when keep is set.
func do(ctx context.Context, c *http.Client, url string, h http.Header, body []byte, keep bool) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = h
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || keep {
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("status %d: %.300s", resp.StatusCode, b)
		}
		return b, nil
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return nil, err
}

// checkDatasets checks that a ListDatasets response lists want datasets.
func checkDatasets(body []byte, want int) error {
	var out struct {
		Datasets []json.RawMessage `json:"datasets"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return fmt.Errorf("response: %w", err)
	}
	if len(out.Datasets) != want {
		return fmt.Errorf("response lists %d datasets, want %d", len(out.Datasets), want)
	}
	return nil
}

// tally is what one worker of a measurement saw.
type tally struct {
	lat      []time.Duration
	errors   int
	firstErr error
	err      error
}

// measure runs clients workers sending rq for d and returns their
// throughput and latencies. check, if set, vets each worker's first
// response body; a failed check aborts the measurement.
func measure(ctx context.Context, rq request, clients int, d time.Duration, check func([]byte) error) (Result, error) {
	headers := make([]http.Header, clients)
	for i := range headers {
		h, err := signedHeader(ctx, rq)
		if err != nil {
			return Result{}, err
		}
		headers[i] = h
	}
	var dials atomic.Int64
	conns := make([]*http.Client, clients)
	first := make([]bool, clients)
	for i := range conns {
		conns[i] = newClient(clients, &dials)
		defer conns[i].CloseIdleConnections()
		first[i] = check != nil
	}
	r, err := measureCalls(ctx, clients, d, func(i int) error {
		b, err := do(ctx, conns[i], rq.url, headers[i], rq.body, first[i])
		if err != nil || !first[i] {
			return err
		}
		first[i] = false
		if err := check(b); err != nil {
			return abort{err}
		}
		return nil
	})
	r.Dials = dials.Load()
	return r, err
}

// abort is an error of a call that ends the measurement.
type abort struct{ err error }

func (a abort) Error() string { return a.err.Error() }

// measureCalls runs clients workers, numbered from 0, each making calls
// one after the other for d, and returns their throughput and latencies.
// A call's error counts as a failed request, but an abort ends the
// measurement with its error.
func measureCalls(ctx context.Context, clients int, d time.Duration, call func(worker int) error) (Result, error) {
	tallies := make([]tally, clients)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for i := range clients {
		wg.Go(func() {
			t := &tallies[i]
			t.lat = make([]time.Duration, 0, 4096)
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(deadline) {
					return
				}
				if err := call(i); err != nil {
					if a, ok := err.(abort); ok {
						t.err = a.err
						return
					}
					t.errors++
					if t.firstErr == nil {
						t.firstErr = err
					}
					continue
				}
				t.lat = append(t.lat, time.Since(t0))
			}
		})
	}
	wg.Wait()
	return summarize(ctx, tallies, time.Since(start))
}

// summarize adds up the tallies of a measurement that took elapsed.
func summarize(ctx context.Context, tallies []tally, elapsed time.Duration) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	var lat []time.Duration
	r := Result{Kind: "result", Clients: len(tallies), Seconds: round(elapsed.Seconds(), 3)}
	for _, t := range tallies {
		if t.err != nil {
			return Result{}, t.err
		}
		lat = append(lat, t.lat...)
		r.Errors += t.errors
		if t.firstErr != nil && r.FirstError == "" {
			r.FirstError = t.firstErr.Error()
		}
	}
	slices.Sort(lat)
	r.Requests = len(lat) + r.Errors
	r.RPS = round(float64(len(lat))/elapsed.Seconds(), 1)
	r.P50ms = ms(percentile(lat, 50))
	r.P99ms = ms(percentile(lat, 99))
	r.MaxMs = ms(percentile(lat, 100))
	return r, nil
}

// percentile returns the p-th percentile of sorted by the nearest-rank
// method, or 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 3) }

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// cpuModel returns the first model name of /proc/cpuinfo, or "unknown".
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
