// Command perso serves Amazon Personalize's control plane, runtime and
// events APIs on one port, backed by an embedded SQLite store or by
// PostgreSQL.
//
//	perso serve [flags]    run the server
//	perso version          print the version
//
// Every flag of serve can also be set by an environment variable, named in
// the flag's help; a flag given on the command line wins.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/perso/perso"
	"github.com/perso/perso/aws/sigv4"
	"github.com/perso/perso/blob"
	"github.com/perso/perso/httpapi"
	"github.com/perso/perso/metrics"
	"github.com/perso/perso/sqlstore"
	"github.com/perso/perso/worker"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "perso:", err)
		}
		os.Exit(2)
	}
}

const usage = `usage: perso <command> [flags]

commands:
  serve     serve the Personalize APIs
  version   print the version
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "perso", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

// serveConfig is the configuration of serve, from flags and environment.
type serveConfig struct {
	addr        string
	data        string
	database    string
	auth        string
	credentials string
	stepDelay   time.Duration
	sync        bool
	quotas      string
	workers     int
	jobLease    time.Duration
	metricsAddr string
	logLevel    string
	dataRoot    string
	fileRoot    string
	s3          blob.S3Config
}

func parseServeFlags(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("perso serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.addr, "addr", env("PERSO_ADDR", "127.0.0.1:8080"), "listen address (PERSO_ADDR)")
	fs.StringVar(&c.data, "data", env("PERSO_DATA", "perso-data"), "data directory of the embedded store (PERSO_DATA)")
	fs.StringVar(&c.database, "database", env("PERSO_DATABASE", ""), "metadata store: postgres://... or sqlite:<path>; default sqlite in the data directory (PERSO_DATABASE)")
	fs.StringVar(&c.auth, "auth", env("PERSO_AUTH", "local"), "request authentication: local (any credentials) or strict (SigV4 against --credentials) (PERSO_AUTH)")
	fs.StringVar(&c.credentials, "credentials", env("PERSO_CREDENTIALS", ""), "credentials file for strict auth: lines of ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID (PERSO_CREDENTIALS)")
	delay, err := time.ParseDuration(env("PERSO_STEP_DELAY", "0s"))
	if err != nil {
		return c, fmt.Errorf("PERSO_STEP_DELAY: %w", err)
	}
	fs.DurationVar(&c.stepDelay, "step-delay", delay, "time each lifecycle step takes, e.g. 2s (PERSO_STEP_DELAY)")
	sync, err := envBool(getenv, "PERSO_SYNC")
	if err != nil {
		return c, err
	}
	fs.BoolVar(&c.sync, "sync", sync, "make new resources ACTIVE (and deleted ones gone) before the request returns (PERSO_SYNC)")
	fs.StringVar(&c.quotas, "quotas", env("PERSO_QUOTAS", ""), "quota overrides: name=N|unlimited,... with names datasetGroups, schemas, tagsPerResource, pendingImportJobs, minImportInteractions (PERSO_QUOTAS)")
	workers, err := strconv.Atoi(env("PERSO_WORKERS", "2"))
	if err != nil {
		return c, fmt.Errorf("PERSO_WORKERS: %w", err)
	}
	fs.IntVar(&c.workers, "workers", workers, "background job workers (PERSO_WORKERS)")
	fs.StringVar(&c.metricsAddr, "metrics-addr", env("PERSO_METRICS_ADDR", ""), "where GET /metrics is served: \"\" on --addr, \"off\", or its own address such as 127.0.0.1:9090 (PERSO_METRICS_ADDR)")
	lease, err := time.ParseDuration(env("PERSO_JOB_LEASE", "30s"))
	if err != nil {
		return c, fmt.Errorf("PERSO_JOB_LEASE: %w", err)
	}
	fs.DurationVar(&c.jobLease, "job-lease", lease, "how long a job stays with a worker that stops renewing it, e.g. after a crash, before another takes it over (PERSO_JOB_LEASE)")
	fs.StringVar(&c.logLevel, "log-level", env("PERSO_LOG_LEVEL", "info"), "debug, info, warn or error (PERSO_LOG_LEVEL)")
	fs.StringVar(&c.dataRoot, "data-root", env("PERSO_DATA_ROOT", ""), "URL under which dataset data is kept: file:///path or s3://bucket/prefix; default file://<data>/datasets (PERSO_DATA_ROOT)")
	fs.StringVar(&c.fileRoot, "file-root", env("PERSO_FILE_ROOT", ""), "confine file:// imports and exports to this directory; default: anywhere (PERSO_FILE_ROOT)")
	fs.StringVar(&c.s3.Endpoint, "s3-endpoint", env("PERSO_S3_ENDPOINT", ""), "S3-compatible endpoint URL for s3:// locations, e.g. http://127.0.0.1:7070; default AWS (PERSO_S3_ENDPOINT)")
	fs.StringVar(&c.s3.Region, "s3-region", env("PERSO_S3_REGION", "us-east-1"), "S3 signing region (PERSO_S3_REGION)")
	fs.StringVar(&c.s3.AccessKeyID, "s3-access-key", env("PERSO_S3_ACCESS_KEY", ""), "S3 access key ID (PERSO_S3_ACCESS_KEY)")
	fs.StringVar(&c.s3.SecretAccessKey, "s3-secret-key", env("PERSO_S3_SECRET_KEY", ""), "S3 secret access key (PERSO_S3_SECRET_KEY)")
	pathStyle, err := envBool(getenv, "PERSO_S3_PATH_STYLE")
	if err != nil {
		return c, err
	}
	fs.BoolVar(&c.s3.PathStyle, "s3-path-style", pathStyle, "address S3 buckets path-style, as most self-hosted servers need (PERSO_S3_PATH_STYLE)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.database == "" {
		c.database = "sqlite:" + filepath.Join(c.data, "perso.db")
	}
	if c.dataRoot == "" {
		abs, err := filepath.Abs(filepath.Join(c.data, "datasets"))
		if err != nil {
			return c, err
		}
		c.dataRoot = "file://" + filepath.ToSlash(abs)
	}
	return c, nil
}

func envBool(getenv func(string) string, name string) (bool, error) {
	v := getenv(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s: %q is not a boolean", name, v)
	}
	return b, nil
}

// parseQuotas applies overrides like "datasetGroups=100,schemas=unlimited".
func parseQuotas(s string, q perso.Quotas) (perso.Quotas, error) {
	fields := map[string]*int{
		"datasetgroups":         &q.DatasetGroups,
		"schemas":               &q.Schemas,
		"tagsperresource":       &q.TagsPerResource,
		"pendingimportjobs":     &q.PendingImportJobs,
		"minimportinteractions": &q.MinImportInteractions,
	}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, val, ok := strings.Cut(item, "=")
		p, known := fields[strings.ToLower(strings.TrimSpace(name))]
		if !ok || !known {
			return q, fmt.Errorf("quota %q: want name=N or name=unlimited with name one of datasetGroups, schemas, tagsPerResource, pendingImportJobs, minImportInteractions", item)
		}
		val = strings.TrimSpace(val)
		if strings.EqualFold(val, "unlimited") {
			*p = perso.Unlimited
			continue
		}
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 {
			return q, fmt.Errorf("quota %q: %q is not a non-negative number or unlimited", item, val)
		}
		*p = n
	}
	return q, nil
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseServeFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return fmt.Errorf("log level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	quotas, err := parseQuotas(c.quotas, perso.DefaultQuotas())
	if err != nil {
		return err
	}
	auth := sigv4.Config{}
	switch c.auth {
	case "local":
	case "strict":
		if c.credentials == "" {
			return errors.New("strict auth needs a credentials file (--credentials or PERSO_CREDENTIALS)")
		}
		creds, err := sigv4.LoadCredentials(c.credentials)
		if err != nil {
			return err
		}
		auth.Strict, auth.Credentials = true, creds
	default:
		return fmt.Errorf("auth mode %q: want local or strict", c.auth)
	}

	store, err := sqlstore.Open(ctx, c.database)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer store.Close()

	var runner *worker.Runner
	svc, err := perso.NewService(ctx, store, perso.SystemClock{}, perso.Config{
		Quotas:      quotas,
		StepDelay:   c.stepDelay,
		Synchronous: c.sync,
		Notify:      func() { runner.Wake() },
	})
	if err != nil {
		return err
	}
	runner = worker.New(store, svc, perso.SystemClock{}, log)
	m := metrics.New()
	runner.Metrics = m
	blobCfg := blob.Config{Root: c.fileRoot}
	if c.s3.Endpoint != "" || c.s3.AccessKeyID != "" || strings.HasPrefix(c.dataRoot, "s3://") {
		s3 := c.s3
		blobCfg.S3 = &s3
	}
	if runner.Blobs, err = blob.New(ctx, blobCfg); err != nil {
		return fmt.Errorf("blob store: %w", err)
	}
	runner.DataRoot = c.dataRoot
	if c.jobLease < time.Second {
		return fmt.Errorf("job lease %s: want at least 1s", c.jobLease)
	}
	runner.Lease = c.jobLease

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	var mln net.Listener
	if c.metricsAddr != "" && c.metricsAddr != "off" {
		if mln, err = net.Listen("tcp", c.metricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("metrics listener: %w", err)
		}
	}
	srv := &http.Server{
		Handler:           httpapi.NewHandler(httpapi.Options{Service: svc, Auth: auth, Log: log, Metrics: m, ServeMetrics: c.metricsAddr == ""}),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	workCtx, stopWork := context.WithCancel(ctx)
	workDone := make(chan struct{})
	go func() {
		defer close(workDone)
		runner.Run(workCtx, c.workers)
	}()
	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(ln) }()
	if mln != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		defer msrv.Close()
		go func() { serveErr <- msrv.Serve(mln) }()
		log.Info("metrics served", "addr", mln.Addr().String())
	}
	log.Info("perso serving", "addr", ln.Addr().String(), "store", store.Dialect(), "auth", c.auth, "version", version)
	fmt.Fprintf(stdout, "perso listening on http://%s\n", ln.Addr())

	select {
	case err = <-serveErr:
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = srv.Shutdown(shutdownCtx)
		cancel()
	}
	stopWork()
	<-workDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
