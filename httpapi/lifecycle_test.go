package httpapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/personalize"
	"github.com/aws/aws-sdk-go-v2/service/personalize/types"

	"github.com/perso/perso"
	"github.com/perso/perso/internal/sdktest"
)

// TestLifecycle steps the status machines one job at a time: no test
// sleeps to wait for a state.
func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	srv := sdktest.Start(t, sdktest.Options{NoWorker: true})
	c := srv.Control()
	step := func() {
		t.Helper()
		ran, err := srv.Runner.RunOne(ctx)
		if err != nil || !ran {
			t.Fatalf("RunOne = %v, %v; want a job run", ran, err)
		}
	}
	groupStatus := func(arn string) string {
		t.Helper()
		out, err := c.DescribeDatasetGroup(ctx, &personalize.DescribeDatasetGroupInput{DatasetGroupArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.DatasetGroup.Status)
	}

	group := mustGroup(t, c, "g", "")
	if s := groupStatus(group); s != "CREATE PENDING" {
		t.Fatalf("status after create = %q", s)
	}
	schema := mustSchema(t, c, "s", usersSchema)
	_, err := c.CreateDataset(ctx, &personalize.CreateDatasetInput{Name: aws.String("u"), DatasetGroupArn: aws.String(group), DatasetType: aws.String("Users"), SchemaArn: aws.String(schema)})
	wantCode(t, err, "ResourceInUseException") // the group is not ACTIVE yet
	_, err = c.DeleteDatasetGroup(ctx, &personalize.DeleteDatasetGroupInput{DatasetGroupArn: aws.String(group)})
	wantCode(t, err, "ResourceInUseException")

	step()
	if s := groupStatus(group); s != "CREATE IN_PROGRESS" {
		t.Fatalf("status after one step = %q", s)
	}
	step()
	if s := groupStatus(group); s != "ACTIVE" {
		t.Fatalf("status after two steps = %q", s)
	}
	if ran, _ := srv.Runner.RunOne(ctx); ran {
		t.Fatal("a job was left after ACTIVE")
	}

	ds := mustDataset(t, c, "u", group, "Users", schema)
	step()
	step()
	out, err := c.DescribeDataset(ctx, &personalize.DescribeDatasetInput{DatasetArn: aws.String(ds)})
	if err != nil || aws.ToString(out.Dataset.Status) != "ACTIVE" {
		t.Fatalf("dataset = %+v, %v", out, err)
	}
	if _, err := c.DeleteDataset(ctx, &personalize.DeleteDatasetInput{DatasetArn: aws.String(ds)}); err != nil {
		t.Fatal(err)
	}
	out, err = c.DescribeDataset(ctx, &personalize.DescribeDatasetInput{DatasetArn: aws.String(ds)})
	if err != nil || aws.ToString(out.Dataset.Status) != "DELETE PENDING" {
		t.Fatalf("dataset = %+v, %v", out, err)
	}
	_, err = c.DeleteDatasetGroup(ctx, &personalize.DeleteDatasetGroupInput{DatasetGroupArn: aws.String(group)})
	wantCode(t, err, "ResourceInUseException") // its dataset is still being deleted
	step()
	step()
	_, err = c.DescribeDataset(ctx, &personalize.DescribeDatasetInput{DatasetArn: aws.String(ds)})
	wantCode(t, err, "ResourceNotFoundException")

	if _, err := c.DeleteDatasetGroup(ctx, &personalize.DeleteDatasetGroupInput{DatasetGroupArn: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	if s := groupStatus(group); s != "DELETE PENDING" {
		t.Fatalf("status after delete = %q", s)
	}
	step()
	if s := groupStatus(group); s != "DELETE IN_PROGRESS" {
		t.Fatalf("status after delete step = %q", s)
	}
	step()
	_, err = c.DescribeDatasetGroup(ctx, &personalize.DescribeDatasetGroupInput{DatasetGroupArn: aws.String(group)})
	wantCode(t, err, "ResourceNotFoundException")
}

// TestLifecycle_Worker lets the background worker run: a resource reaches
// ACTIVE with nobody stepping it. This is the one test that polls, since
// what it checks is the worker's own timing.
func TestLifecycle_Worker(t *testing.T) {
	ctx := context.Background()
	srv := sdktest.Start(t, sdktest.Options{})
	c := srv.Control()
	group := mustGroup(t, c, "g", "")
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		out, err := c.DescribeDatasetGroup(ctx, &personalize.DescribeDatasetGroupInput{DatasetGroupArn: aws.String(group)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.DatasetGroup.Status) == "ACTIVE" {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("dataset group still %s after 10s", aws.ToString(out.DatasetGroup.Status))
		}
	}
}

// A dataset group being deleted no longer counts against the quota, and a
// group with a data deletion job in progress cannot be deleted.
func TestLifecycle_QuotaAndJobs(t *testing.T) {
	ctx := context.Background()
	q := perso.DefaultQuotas()
	q.DatasetGroups = 1
	srv := sdktest.Start(t, sdktest.Options{NoWorker: true, Config: perso.Config{Quotas: q}})
	c := srv.Control()
	step := func() {
		t.Helper()
		if ran, err := srv.Runner.RunOne(ctx); err != nil || !ran {
			t.Fatalf("RunOne = %v, %v", ran, err)
		}
	}
	g := mustGroup(t, c, "one", "")
	step()
	step()
	if _, err := c.CreateDataDeletionJob(ctx, &personalize.CreateDataDeletionJobInput{JobName: aws.String("dd"), DatasetGroupArn: aws.String(g),
		DataSource: &types.DataSource{DataLocation: aws.String("file:///nowhere.csv")}, RoleArn: aws.String("arn:aws:iam::123456789012:role/r")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.DeleteDatasetGroup(ctx, &personalize.DeleteDatasetGroupInput{DatasetGroupArn: aws.String(g)})
	wantCode(t, err, "ResourceInUseException")
	step() // the deletion job fails: its file does not exist
	if _, err := c.DeleteDatasetGroup(ctx, &personalize.DeleteDatasetGroupInput{DatasetGroupArn: aws.String(g)}); err != nil {
		t.Fatal(err)
	}
	// DELETE PENDING: the quota of one is free again.
	if _, err := c.CreateDatasetGroup(ctx, &personalize.CreateDatasetGroupInput{Name: aws.String("two")}); err != nil {
		t.Fatalf("create while the other group is being deleted: %v", err)
	}
}
