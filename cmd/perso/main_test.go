package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/personalize"

	"github.com/perso/perso"
)

func TestParseServeFlags(t *testing.T) {
	env := map[string]string{"PERSO_ADDR": "127.0.0.1:9000", "PERSO_DATA": "/var/lib/perso", "PERSO_SYNC": "true", "PERSO_STEP_DELAY": "2s"}
	getenv := func(k string) string { return env[k] }

	t.Run("OKEnvironment", func(t *testing.T) {
		c, err := parseServeFlags(nil, getenv, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.addr != "127.0.0.1:9000" || !c.sync || c.stepDelay != 2*time.Second || c.database != "sqlite:/var/lib/perso/perso.db" {
			t.Fatalf("config = %+v", c)
		}
	})
	t.Run("OKFlagWins", func(t *testing.T) {
		c, err := parseServeFlags([]string{"--addr", "127.0.0.1:7000", "--database", "postgres://x/y"}, getenv, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.addr != "127.0.0.1:7000" || c.database != "postgres://x/y" {
			t.Fatalf("config = %+v", c)
		}
	})
	t.Run("ErrBadEnv", func(t *testing.T) {
		bad := func(k string) string { return map[string]string{"PERSO_SYNC": "maybe"}[k] }
		if _, err := parseServeFlags(nil, bad, io.Discard); err == nil {
			t.Fatal("want an error for PERSO_SYNC=maybe")
		}
	})
}

func TestParseQuotas(t *testing.T) {
	q, err := parseQuotas("datasetGroups=100, schemas=unlimited", perso.DefaultQuotas())
	if err != nil {
		t.Fatal(err)
	}
	if q.DatasetGroups != 100 || q.Schemas != perso.Unlimited || q.TagsPerResource != 50 {
		t.Fatalf("quotas = %+v", q)
	}
	for _, bad := range []string{"datasetGroups", "nope=1", "schemas=-1", "schemas=many"} {
		if _, err := parseQuotas(bad, perso.DefaultQuotas()); err == nil {
			t.Fatalf("parseQuotas(%q) accepted", bad)
		}
	}
}

func TestRun_Errors(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"serve", "--auth", "strict"}, {"serve", "--auth", "maybe"}, {"serve", "extra"}} {
		if err := run(context.Background(), args, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
			t.Fatalf("run(%q) succeeded", args)
		}
	}
}

// execCommand is exec.Command.
var execCommand = exec.Command

// server is a perso binary running in a child process.
type server struct {
	cmd *exec.Cmd
	url string
}

func startBinary(t *testing.T, bin, data string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		t.Fatalf("read listen line: %v", err)
	}
	url := strings.TrimSpace(strings.TrimPrefix(line, "perso listening on "))
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return &server{cmd: cmd, url: url}
}

func (s *server) client() *personalize.Client {
	return personalize.New(personalize.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(s.url),
		Credentials:      credentials.NewStaticCredentialsProvider("123456789012", "x", ""),
		RetryMaxAttempts: 1,
	})
}

// TestKill9 kills the server with SIGKILL right after acknowledged writes:
// after a restart they are all there, and the lifecycle jobs that were
// queued still bring the resources to ACTIVE.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ctx := context.Background()
	dir := t.TempDir()
	bin := filepath.Join(dir, "perso")
	if out, err := execCommand("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")

	s := startBinary(t, bin, data, "--step-delay", "2s", "--quotas", "datasetGroups=unlimited")
	c := s.client()
	var arns []string
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		out, err := c.CreateDatasetGroup(ctx, &personalize.CreateDatasetGroupInput{Name: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, aws.ToString(out.DatasetGroupArn))
	}
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()

	s = startBinary(t, bin, data)
	c = s.client()
	deadline := time.Now().Add(45 * time.Second)
	for _, arn := range arns {
		for {
			out, err := c.DescribeDatasetGroup(ctx, &personalize.DescribeDatasetGroupInput{DatasetGroupArn: aws.String(arn)})
			if err != nil {
				t.Fatalf("acknowledged dataset group lost: %v", err)
			}
			if aws.ToString(out.DatasetGroup.Status) == "ACTIVE" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s stuck in %s after restart", arn, aws.ToString(out.DatasetGroup.Status))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
