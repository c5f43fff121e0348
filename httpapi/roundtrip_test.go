package httpapi_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
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

func schemaJSON(name string, fields ...string) string {
	return fmt.Sprintf(`{"type":"record","name":%q,"namespace":"com.amazonaws.personalize.schema","fields":[%s],"version":"1.0"}`, name, strings.Join(fields, ","))
}

func field(name, typ string, categorical bool) string {
	if categorical {
		return fmt.Sprintf(`{"name":%q,"type":%q,"categorical":true}`, name, typ)
	}
	return fmt.Sprintf(`{"name":%q,"type":%q}`, name, typ)
}

// exportJob runs an export job to completion and returns the CSV it wrote.
func exportJob(t *testing.T, c *personalize.Client, name, dataset, path, mode string) string {
	t.Helper()
	ctx := context.Background()
	out, err := c.CreateDatasetExportJob(ctx, &personalize.CreateDatasetExportJobInput{
		JobName: aws.String(name), DatasetArn: aws.String(dataset), IngestionMode: types.IngestionMode(mode), RoleArn: aws.String("arn:aws:iam::123456789012:role/perso"),
		JobOutput: &types.DatasetExportJobOutput{S3DataDestination: &types.S3DataConfig{Path: aws.String(path)}},
	})
	if err != nil {
		t.Fatalf("CreateDatasetExportJob: %v", err)
	}
	waitExport(t, c, aws.ToString(out.DatasetExportJobArn))
	b, err := os.ReadFile(filepath.Join(strings.TrimPrefix(path, "file://"), name, "part-00000.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitExport polls an export job until it is ACTIVE, failing the test if
// it fails.
func waitExport(t *testing.T, c *personalize.Client, arn string) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2 * time.Minute)
	for {
		d, err := c.DescribeDatasetExportJob(context.Background(), &personalize.DescribeDatasetExportJobInput{DatasetExportJobArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		switch aws.ToString(d.DatasetExportJob.Status) {
		case "ACTIVE":
			return
		case "CREATE FAILED":
			t.Fatalf("export failed: %s", aws.ToString(d.DatasetExportJob.FailureReason))
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("export did not finish")
		}
	}
}

// records reads a CSV into one map per row, keyed by header, with float
// fields normalised so that 7.0 and 7 compare equal.
func records(t *testing.T, r io.Reader, floats map[string]bool) []map[string]string {
	t.Helper()
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, row := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			v := row[i]
			if floats[h] && v != "" {
				f, err := strconv.ParseFloat(v, 32)
				if err != nil {
					t.Fatalf("%s %q: %v", h, v, err)
				}
				v = strconv.FormatFloat(f, 'g', -1, 32)
			}
			m[h] = v
		}
		out = append(out, m)
	}
	return out
}

func compareRecords(t *testing.T, what string, got, want []map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: exported %d records, imported %d", what, len(got), len(want))
	}
	for i := range want {
		for k, v := range want[i] {
			if got[i][k] != v {
				t.Fatalf("%s record %d: %s = %q, imported %q", what, i+1, k, got[i][k], v)
			}
		}
	}
}

// TestRoundTrip imports real data sets, exports them and compares record
// for record.
func TestRoundTrip(t *testing.T) {
	airline, err := filepath.Abs(filepath.Join("..", "..", "shared", "data", "airline"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(airline); err != nil {
		t.Skipf("airline data not available: %v", err)
	}
	srv := sdktest.Start(t, sdktest.Options{Config: perso.Config{Synchronous: true}})
	c := srv.Control()
	dir := t.TempDir()
	out := "file://" + filepath.Join(dir, "exports") + "/"

	cases := []struct {
		name, typ, schema, file string
		floats                  map[string]bool
	}{
		{"airline-interactions", "Interactions", schemaJSON("I", field("ITEM_ID", "string", false), field("USER_ID", "string", false), field("TIMESTAMP", "long", false),
			field("CABIN_TYPE", "string", true), field("EVENT_VALUE", "float", false), field("EVENT_TYPE", "string", false)),
			filepath.Join(airline, "interactions.csv"), map[string]bool{"EVENT_VALUE": true}},
		{"airline-items", "Items", schemaJSON("It", field("ITEM_ID", "string", false), field("DSTCity", "string", true), field("SRCCity", "string", true),
			field("Airline", "string", true), field("DurationDays", "string", false), field("Season", "string", true), field("numberOfSearchByUser", "int", false),
			field("Promotion", "string", true), field("DynamicPrice", "int", false), field("DiscountForMember", "float", false), field("Expired", "string", true)),
			filepath.Join(airline, "items.csv"), map[string]bool{"DiscountForMember": true}},
		{"airline-users", "Users", schemaJSON("U", field("USER_ID", "string", false), field("memberClass", "string", true)),
			filepath.Join(airline, "users.csv"), nil},
	}
	ml, _ := ml100k(t, dir, 0)
	cases = append(cases, struct {
		name, typ, schema, file string
		floats                  map[string]bool
	}{"ml-100k", "Interactions", ratingsSchema, ml, map[string]bool{"EVENT_VALUE": true}})

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			group := mustGroup(t, c, tc.name, "")
			ds := mustDataset(t, c, tc.name, group, tc.typ, mustSchema(t, c, tc.name, tc.schema))
			if j := importJob(t, c, tc.name, ds, "file://"+tc.file, "FULL"); aws.ToString(j.Status) != "ACTIVE" {
				t.Fatalf("import: %s", aws.ToString(j.FailureReason))
			}
			exported := exportJob(t, c, tc.name, ds, out, "BULK")
			src, err := os.Open(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			compareRecords(t, tc.name, records(t, strings.NewReader(exported), tc.floats), records(t, src, tc.floats))
		})
	}
}

// Records put through the events API are exported by PUT and ALL, not by
// BULK.
func TestExport_IngestionModes(t *testing.T) {
	ctx := context.Background()
	srv := sdktest.Start(t, sdktest.Options{Config: perso.Config{Synchronous: true}})
	c := srv.Control()
	dir := t.TempDir()
	group := mustGroup(t, c, "g", "")
	ds := mustDataset(t, c, "r", group, "Interactions", mustSchema(t, c, "r", ratingsSchema))
	part, n := ml100k(t, dir, 1000)
	if j := importJob(t, c, "bulk", ds, "file://"+part, "FULL"); aws.ToString(j.Status) != "ACTIVE" {
		t.Fatalf("import: %s", aws.ToString(j.FailureReason))
	}
	tr, err := c.CreateEventTracker(ctx, &personalize.CreateEventTrackerInput{Name: aws.String("t"), DatasetGroupArn: aws.String(group)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Events().PutEvents(ctx, &personalizeevents.PutEventsInput{TrackingId: tr.TrackingId, UserId: aws.String("u-live"), SessionId: aws.String("s"),
		EventList: []et.Event{{EventType: aws.String("rate"), ItemId: aws.String("i-live"), EventValue: aws.Float32(5), SentAt: aws.Time(testTime)}}}); err != nil {
		t.Fatal(err)
	}
	out := "file://" + filepath.Join(dir, "exports")
	for mode, want := range map[string]int{"BULK": n, "PUT": 1, "ALL": n + 1} {
		got := records(t, strings.NewReader(exportJob(t, c, "e-"+strings.ToLower(mode), ds, out, mode)), nil)
		if len(got) != want {
			t.Fatalf("%s export: %d records, want %d", mode, len(got), want)
		}
		if mode != "BULK" && got[len(got)-1]["USER_ID"] != "u-live" {
			t.Fatalf("%s export's last record = %v, want the live event", mode, got[len(got)-1])
		}
	}
}

// After a schema update adds a nullable field, the data imported before
// still reads, with the new field null.
func TestUpdateDataset_KeepsData(t *testing.T) {
	ctx := context.Background()
	srv := sdktest.Start(t, sdktest.Options{Config: perso.Config{Synchronous: true}})
	c := srv.Control()
	dir := t.TempDir()
	group := mustGroup(t, c, "g", "")
	ds := mustDataset(t, c, "r", group, "Interactions", mustSchema(t, c, "r", ratingsSchema))
	part, n := ml100k(t, dir, 1200)
	if j := importJob(t, c, "bulk", ds, "file://"+part, "FULL"); aws.ToString(j.Status) != "ACTIVE" {
		t.Fatalf("import: %s", aws.ToString(j.FailureReason))
	}
	wider := strings.Replace(ratingsSchema, `{"name":"TIMESTAMP","type":"long"}`, `{"name":"TIMESTAMP","type":"long"},{"name":"DEVICE","type":["null","string"],"categorical":true}`, 1)
	if _, err := c.UpdateDataset(ctx, &personalize.UpdateDatasetInput{DatasetArn: aws.String(ds), SchemaArn: aws.String(mustSchema(t, c, "wider", wider))}); err != nil {
		t.Fatal(err)
	}
	got := records(t, strings.NewReader(exportJob(t, c, "after-update", ds, "file://"+dir+"/out", "BULK")), nil)
	if len(got) != n {
		t.Fatalf("exported %d records after the update, want %d", len(got), n)
	}
	if v, ok := got[0]["DEVICE"]; !ok || v != "" {
		t.Fatalf("first record = %v, want an empty DEVICE", got[0])
	}
}
