package sdktest

import (
	"crypto/rand"
	"os"
	"strings"
	"testing"

	"github.com/perso/perso/blob"
)

// S3 returns the S3-compatible server named by PERSO_TEST_S3 (with
// PERSO_TEST_S3_ACCESS_KEY, PERSO_TEST_S3_SECRET_KEY and
// PERSO_TEST_S3_BUCKET) and a fresh s3:// prefix in its bucket for the
// test, or skips t with a one-line reason when the server is not given.
func S3(t testing.TB) (*blob.S3Config, string) {
	t.Helper()
	endpoint := os.Getenv("PERSO_TEST_S3")
	if endpoint == "" {
		t.Skip("PERSO_TEST_S3 not set: S3 suite skipped")
	}
	cfg := &blob.S3Config{
		Endpoint:        endpoint,
		Region:          "us-east-1",
		AccessKeyID:     os.Getenv("PERSO_TEST_S3_ACCESS_KEY"),
		SecretAccessKey: os.Getenv("PERSO_TEST_S3_SECRET_KEY"),
		PathStyle:       true,
	}
	return cfg, "s3://" + os.Getenv("PERSO_TEST_S3_BUCKET") + "/sdktest-" + strings.ToLower(rand.Text()[:10]) + "/"
}
