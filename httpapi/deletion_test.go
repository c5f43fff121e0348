package httpapi_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/personalize"
	"github.com/aws/aws-sdk-go-v2/service/personalize/types"
	"github.com/aws/aws-sdk-go-v2/service/personalizeevents"
	et "github.com/aws/aws-sdk-go-v2/service/personalizeevents/types"

	"github.com/perso/perso"
	"github.com/perso/perso/internal/sdktest"
)

func waitDeletion(t *testing.T, c *personalize.Client, arn string) *types.DataDeletionJob {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2 * time.Minute)
	for {
		out, err := c.DescribeDataDeletionJob(context.Background(), &personalize.DescribeDataDeletionJobInput{DataDeletionJobArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		switch aws.ToString(out.DataDeletionJob.Status) {
		case "COMPLETED", "FAILED":
			return out.DataDeletionJob
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("data deletion %s still %s", arn, aws.ToString(out.DataDeletionJob.Status))
		}
	}
}

func TestDataDeletionJob(t *testing.T) {
	ctx := context.Background()
	srv := sdktest.Start(t, sdktest.Options{Config: perso.Config{Synchronous: true}})
	c := srv.Control()
	dir := t.TempDir()
	group := mustGroup(t, c, "g", "")
	interactions := mustDataset(t, c, "r", group, "Interactions", mustSchema(t, c, "r", ratingsSchema))
	users := mustDataset(t, c, "u", group, "Users", mustSchema(t, c, "u", usersSchema))
	part, _ := ml100k(t, dir, 5000)
	if j := importJob(t, c, "bulk", interactions, "file://"+part, "FULL"); aws.ToString(j.Status) != "ACTIVE" {
		t.Fatalf("import: %s", aws.ToString(j.FailureReason))
	}
	tr, err := c.CreateEventTracker(ctx, &personalize.CreateEventTrackerInput{Name: aws.String("t"), DatasetGroupArn: aws.String(group)})
	if err != nil {
		t.Fatal(err)
	}
	ev := srv.Events()
	for _, u := range []string{"196", "186", "keep"} {
		if _, err := ev.PutEvents(ctx, &personalizeevents.PutEventsInput{TrackingId: tr.TrackingId, UserId: aws.String(u), SessionId: aws.String("s"),
			EventList: []et.Event{{EventType: aws.String("rate"), ItemId: aws.String("live"), EventValue: aws.Float32(1), SentAt: aws.Time(testTime)}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := ev.PutUsers(ctx, &personalizeevents.PutUsersInput{DatasetArn: aws.String(users), Users: []et.User{{UserId: aws.String(u), Properties: aws.String(`{"age":40}`)}}}); err != nil {
			t.Fatal(err)
		}
	}
	before := records(t, strings.NewReader(exportJob(t, c, "before", interactions, "file://"+dir+"/out", "ALL")), nil)
	want := 0
	for _, r := range before {
		if r["USER_ID"] == "196" || r["USER_ID"] == "186" {
			want++
		}
	}
	want += 2 // their rows in the Users dataset
	if want < 10 {
		t.Fatalf("test data has only %d records of the users to delete", want)
	}

	list := filepath.Join(dir, "users-to-delete.csv")
	if err := os.WriteFile(list, []byte("USER_ID\n196\n186\nnobody\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := c.CreateDataDeletionJob(ctx, &personalize.CreateDataDeletionJobInput{JobName: aws.String("gdpr"), DatasetGroupArn: aws.String(group),
		DataSource: &types.DataSource{DataLocation: aws.String("file://" + list)}, RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	j := waitDeletion(t, c, aws.ToString(out.DataDeletionJobArn))
	if aws.ToString(j.Status) != "COMPLETED" || aws.ToInt32(j.NumDeleted) != int32(want) {
		t.Fatalf("deletion = %s, numDeleted %d, want COMPLETED %d (%s)", aws.ToString(j.Status), aws.ToInt32(j.NumDeleted), want, aws.ToString(j.FailureReason))
	}
	after := records(t, strings.NewReader(exportJob(t, c, "after", interactions, "file://"+dir+"/out", "ALL")), nil)
	if len(after) != len(before)-(want-2) {
		t.Fatalf("after deletion %d interactions, want %d", len(after), len(before)-(want-2))
	}
	for _, r := range after {
		if r["USER_ID"] == "196" || r["USER_ID"] == "186" {
			t.Fatalf("a record of a deleted user survived: %v", r)
		}
	}
	if u := records(t, strings.NewReader(exportJob(t, c, "users", users, "file://"+dir+"/out", "ALL")), nil); len(u) != 1 || u[0]["USER_ID"] != "keep" {
		t.Fatalf("users after deletion = %v", u)
	}

	t.Run("ErrMissingFile", func(t *testing.T) {
		out, err := c.CreateDataDeletionJob(ctx, &personalize.CreateDataDeletionJobInput{JobName: aws.String("missing"), DatasetGroupArn: aws.String(group),
			DataSource: &types.DataSource{DataLocation: aws.String("file://" + dir + "/none.csv")}, RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
		if err != nil {
			t.Fatal(err)
		}
		if j := waitDeletion(t, c, aws.ToString(out.DataDeletionJobArn)); aws.ToString(j.Status) != "FAILED" || !strings.Contains(aws.ToString(j.FailureReason), "does not exist") {
			t.Fatalf("deletion = %s %q", aws.ToString(j.Status), aws.ToString(j.FailureReason))
		}
	})
	t.Run("List", func(t *testing.T) {
		out, err := c.ListDataDeletionJobs(ctx, &personalize.ListDataDeletionJobsInput{DatasetGroupArn: aws.String(group)})
		if err != nil || len(out.DataDeletionJobs) != 2 || aws.ToString(out.DataDeletionJobs[0].JobName) != "missing" {
			t.Fatalf("list = %+v, %v", out, err)
		}
	})
}
