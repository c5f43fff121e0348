package httpapi_test

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/personalize"
	"github.com/aws/aws-sdk-go-v2/service/personalize/types"

	"github.com/perso/perso"
	"github.com/perso/perso/blob"
	"github.com/perso/perso/internal/sdktest"
)

// TestS3 imports from, keeps data on and exports to a real S3-compatible
// server.
func TestS3(t *testing.T) {
	ctx := context.Background()
	s3cfg, prefix := sdktest.S3(t)
	srv := sdktest.Start(t, sdktest.Options{Config: perso.Config{Synchronous: true}, S3: s3cfg, DataRoot: prefix + "data"})
	c := srv.Control()
	blobs, err := blob.New(ctx, blob.Config{S3: s3cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		objs, _ := blobs.List(ctx, prefix)
		for _, o := range objs {
			_ = blobs.Delete(ctx, o.URL)
		}
	})

	local, n := ml100k(t, t.TempDir(), 5000)
	src, err := os.ReadFile(local)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"in/a.csv", "in/b.csv"} {
		w, err := blobs.Create(ctx, prefix+key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(src); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}

	group := mustGroup(t, c, "s3", "")
	ds := mustDataset(t, c, "r", group, "Interactions", mustSchema(t, c, "r", ratingsSchema))
	t.Run("ImportFile", func(t *testing.T) {
		if j := importJob(t, c, "one", ds, prefix+"in/a.csv", "FULL"); aws.ToString(j.Status) != "ACTIVE" {
			t.Fatalf("import: %s", aws.ToString(j.FailureReason))
		}
		if got := datasetRows(t, srv, ds); got != int64(n) {
			t.Fatalf("%d rows, want %d", got, n)
		}
	})
	t.Run("ImportPrefix", func(t *testing.T) {
		if j := importJob(t, c, "both", ds, prefix+"in/", "FULL"); aws.ToString(j.Status) != "ACTIVE" {
			t.Fatalf("import: %s", aws.ToString(j.FailureReason))
		}
		if got := datasetRows(t, srv, ds); got != int64(2*n) {
			t.Fatalf("%d rows, want %d", got, 2*n)
		}
		segs, err := srv.Service.DatasetSegments(ctx, perso.Scope{Account: sdktest.Account, Region: sdktest.Region}, ds)
		if err != nil || len(segs) != 2 || !strings.HasPrefix(segs[0].URL, prefix+"data/") {
			t.Fatalf("segments = %+v, %v; want two under the S3 data root", segs, err)
		}
	})
	t.Run("ErrMissing", func(t *testing.T) {
		j := importJob(t, c, "missing", ds, prefix+"in/none.csv", "FULL")
		if aws.ToString(j.Status) != "CREATE FAILED" || !strings.Contains(aws.ToString(j.FailureReason), "does not exist") {
			t.Fatalf("import = %s %q", aws.ToString(j.Status), aws.ToString(j.FailureReason))
		}
	})
	t.Run("Export", func(t *testing.T) {
		out, err := c.CreateDatasetExportJob(ctx, &personalize.CreateDatasetExportJobInput{
			JobName: aws.String("ex"), DatasetArn: aws.String(ds), IngestionMode: types.IngestionModeBulk, RoleArn: aws.String("arn:aws:iam::123456789012:role/perso"),
			JobOutput: &types.DatasetExportJobOutput{S3DataDestination: &types.S3DataConfig{Path: aws.String(prefix + "out/")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		waitExport(t, c, aws.ToString(out.DatasetExportJobArn))
		rc, err := blobs.Open(ctx, prefix+"out/ex/part-00000.csv")
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(records(t, strings.NewReader(string(b)), nil)); got != 2*n {
			t.Fatalf("exported %d records, want %d", got, 2*n)
		}
	})
}
