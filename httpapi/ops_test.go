package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/personalize"

	"github.com/perso/perso"
	"github.com/perso/perso/aws/sigv4"
	"github.com/perso/perso/internal/sdktest"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Health and metrics answer without credentials, even in strict mode.
func TestOps_HealthAndMetrics(t *testing.T) {
	srv := sdktest.Start(t, sdktest.Options{
		Config: perso.Config{Synchronous: true},
		Auth:   sigv4.Config{Strict: true, Credentials: map[string]sigv4.Credential{"AKIAOPS": {SecretAccessKey: "s", Account: "123456789012"}}},
	})
	if status, body := get(t, srv.URL+"/healthz"); status != 200 || !strings.Contains(body, "ok") {
		t.Fatalf("GET /healthz = %d %s", status, body)
	}
	c := srv.ControlAs("AKIAOPS", "s", sdktest.Region)
	if _, err := c.ListDatasetGroups(context.Background(), &personalize.ListDatasetGroupsInput{}); err != nil {
		t.Fatal(err)
	}
	_, err := c.DescribeDatasetGroup(context.Background(), &personalize.DescribeDatasetGroupInput{DatasetGroupArn: strPtr(sdktest.ARN("dataset-group/none"))})
	wantCode(t, err, "ResourceNotFoundException")
	status, body := get(t, srv.URL+"/metrics")
	if status != 200 {
		t.Fatalf("GET /metrics = %d", status)
	}
	for _, want := range []string{
		`perso_requests_total{code="",operation="ListDatasetGroups",status="200"} 1`,
		`perso_requests_total{code="ResourceNotFoundException",operation="DescribeDatasetGroup",status="400"} 1`,
		`perso_request_duration_seconds_bucket{operation="ListDatasetGroups"`,
	} {
		if !strings.Contains(body, want) {
			t.Fatalf("metrics lack %s:\n%s", want, body)
		}
	}
}

func strPtr(s string) *string { return &s }
