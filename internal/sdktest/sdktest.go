// Package sdktest starts a real perso server on 127.0.0.1 for tests and
// hands back the official aws-sdk-go-v2 clients configured to reach it.
// Wire compatibility is proven through these clients, never through the
// server's own structs.
package sdktest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/personalize"
	"github.com/aws/aws-sdk-go-v2/service/personalizeevents"
	"github.com/aws/aws-sdk-go-v2/service/personalizeruntime"

	"github.com/perso/perso"
	"github.com/perso/perso/aws/sigv4"
	"github.com/perso/perso/blob"
	"github.com/perso/perso/httpapi"
	"github.com/perso/perso/internal/pgtest"
	"github.com/perso/perso/metrics"
	"github.com/perso/perso/sqlstore"
	"github.com/perso/perso/worker"
)

// EnvBackend is the environment variable that moves every SDK test server
// to PostgreSQL (value "postgres", with the server named by
// PERSO_TEST_POSTGRES), so the whole SDK suite runs on either store.
const EnvBackend = "PERSO_TEST_BACKEND"

// Options tune a test server.
type Options struct {
	// Config is the service configuration; Quotas default to AWS's.
	Config perso.Config
	// Auth configures SigV4; the zero value is local mode.
	Auth sigv4.Config
	// DSN names the store; "" uses a new SQLite file in t.TempDir(), or a
	// fresh PostgreSQL schema when EnvBackend is "postgres".
	DSN string
	// NoWorker leaves the job queue unattended, so resources stay in their
	// first status until the test runs jobs itself through Runner.
	NoWorker bool
	// Clock replaces the system clock.
	Clock perso.Clock
	// S3 configures s3:// locations; nil refuses them.
	S3 *blob.S3Config
	// DataRoot is where dataset data is kept; "" is a temporary directory.
	DataRoot string
}

// Server is a running perso server.
type Server struct {
	URL     string
	Store   *sqlstore.Store
	Service *perso.Service
	Runner  *worker.Runner
}

// Start starts a server that stops when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dsn := opts.DSN
	if dsn == "" && os.Getenv(EnvBackend) == "postgres" {
		dsn = pgtest.SchemaDSN(t, pgtest.DSN(t))
	}
	if dsn == "" {
		dsn = "sqlite:" + filepath.Join(t.TempDir(), "perso.db")
	}
	store, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		cancel()
		t.Fatalf("open store: %v", err)
	}
	cfg := opts.Config
	if cfg.Quotas == (perso.Quotas{}) {
		cfg.Quotas = perso.DefaultQuotas()
	}
	clock := opts.Clock
	if clock == nil {
		clock = perso.SystemClock{}
	}
	var runner *worker.Runner
	cfg.Notify = func() { runner.Wake() }
	svc, err := perso.NewService(ctx, store, clock, cfg)
	if err != nil {
		cancel()
		t.Fatalf("new service: %v", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	runner = worker.New(store, svc, clock, log)
	runner.Poll = 20 * time.Millisecond
	runner.Blobs, err = blob.New(ctx, blob.Config{S3: opts.S3})
	if err != nil {
		cancel()
		t.Fatalf("blob store: %v", err)
	}
	runner.DataRoot = opts.DataRoot
	if runner.DataRoot == "" {
		runner.DataRoot = "file://" + filepath.ToSlash(filepath.Join(t.TempDir(), "datasets"))
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatalf("listen: %v", err)
	}
	m := metrics.New()
	runner.Metrics = m
	srv := &http.Server{Handler: httpapi.NewHandler(httpapi.Options{Service: svc, Auth: opts.Auth, Log: log, Metrics: m, ServeMetrics: true})}
	go func() { _ = srv.Serve(ln) }()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if !opts.NoWorker {
			runner.Run(ctx, 2)
		}
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		cancel()
		<-done
		_ = store.Close()
	})
	return &Server{URL: "http://" + ln.Addr().String(), Store: store, Service: svc, Runner: runner}
}

// Account is the account of the default test credentials.
const Account = "123456789012"

// Region is the region of the default test clients.
const Region = "us-west-2"

func (s *Server) config(accessKey, secret, region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secret, ""),
		BaseEndpoint: aws.String(s.URL),
		// Fail fast in tests: errors are what many of them are after.
		RetryMaxAttempts: 1,
	}
}

// Control returns a control-plane client for the default test account.
func (s *Server) Control() *personalize.Client {
	return s.ControlAs(Account, "secret", Region)
}

// ControlAs returns a control-plane client with the given credentials and
// region. In local auth mode a 12-digit access key selects that account.
func (s *Server) ControlAs(accessKey, secret, region string) *personalize.Client {
	return personalize.NewFromConfig(s.config(accessKey, secret, region))
}

// Runtime returns a runtime client for the default test account.
func (s *Server) Runtime() *personalizeruntime.Client {
	return personalizeruntime.NewFromConfig(s.config(Account, "secret", Region))
}

// Events returns an events client for the default test account.
func (s *Server) Events() *personalizeevents.Client {
	return personalizeevents.NewFromConfig(s.config(Account, "secret", Region))
}

// ARN returns the ARN of a resource of the default test account.
func ARN(resource string) string {
	return fmt.Sprintf("arn:aws:personalize:%s:%s:%s", Region, Account, resource)
}
