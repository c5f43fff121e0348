package httpapi_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/personalize"

	"github.com/perso/perso"
	"github.com/perso/perso/internal/pgtest"
	"github.com/perso/perso/internal/sdktest"
)

// TestReplicas runs two servers on one PostgreSQL store and one data root,
// as identical replicas behind a load balancer: what one writes the other
// reads, page tokens and cached pages stay right across them, and either
// one's worker runs the other's jobs.
func TestReplicas(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.SchemaDSN(t, pgtest.DSN(t))
	root := "file://" + filepath.ToSlash(filepath.Join(t.TempDir(), "data"))
	cfg := perso.Config{Synchronous: true, Quotas: perso.Quotas{DatasetGroups: perso.Unlimited, Schemas: perso.Unlimited, TagsPerResource: 50, PendingImportJobs: 5, MinImportInteractions: 1000}}
	a := sdktest.Start(t, sdktest.Options{DSN: dsn, DataRoot: root, Config: cfg})
	b := sdktest.Start(t, sdktest.Options{DSN: dsn, DataRoot: root, Config: cfg, NoWorker: true})
	ca, cb := a.Control(), b.Control()

	group := mustGroup(t, ca, "shared", "")
	if _, err := cb.DescribeDatasetGroup(ctx, &personalize.DescribeDatasetGroupInput{DatasetGroupArn: aws.String(group)}); err != nil {
		t.Fatalf("replica B does not see A's dataset group: %v", err)
	}

	// B caches a page; A's write must show on B's next identical request.
	list := func(c *personalize.Client) int {
		out, err := c.ListDatasetGroups(ctx, &personalize.ListDatasetGroupsInput{MaxResults: aws.Int32(100)})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.DatasetGroups)
	}
	if n := list(cb); n != 1 {
		t.Fatalf("B lists %d groups, want 1", n)
	}
	mustGroup(t, ca, "second", "")
	if n := list(cb); n != 2 {
		t.Fatalf("B lists %d groups after A created one, want 2: its page cache is stale", n)
	}

	// A token issued by A continues on B.
	for i := 0; i < 3; i++ {
		mustGroup(t, ca, fmt.Sprintf("more-%d", i), "")
	}
	first, err := ca.ListDatasetGroups(ctx, &personalize.ListDatasetGroupsInput{MaxResults: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	rest, err := cb.ListDatasetGroups(ctx, &personalize.ListDatasetGroupsInput{MaxResults: aws.Int32(100), NextToken: first.NextToken})
	if err != nil {
		t.Fatalf("B refuses A's token: %v", err)
	}
	if len(first.DatasetGroups)+len(rest.DatasetGroups) != 5 {
		t.Fatalf("paging across replicas listed %d + %d groups, want 5", len(first.DatasetGroups), len(rest.DatasetGroups))
	}

	// An import created on B (which runs no worker) is run by A's worker.
	ds := mustDataset(t, cb, "r", group, "Interactions", mustSchema(t, cb, "r", ratingsSchema))
	part, n := ml100k(t, t.TempDir(), 2000)
	if j := importJob(t, cb, "via-b", ds, "file://"+part, "FULL"); aws.ToString(j.Status) != "ACTIVE" {
		t.Fatalf("import: %s", aws.ToString(j.FailureReason))
	}
	if got := datasetRows(t, b, ds); got != int64(n) {
		t.Fatalf("B sees %d rows, want %d", got, n)
	}
}
