package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/perso/perso"
	"github.com/perso/perso/httpapi"
	"github.com/perso/perso/sqlstore"
)

// FuzzControlPlane sends arbitrary bodies to every implemented operation:
// the answer is always a well-formed JSON response, never a server fault.
func FuzzControlPlane(f *testing.F) {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite::memory:")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	svc, err := perso.NewService(ctx, store, nil, perso.Config{Synchronous: true, Quotas: perso.DefaultQuotas()})
	if err != nil {
		f.Fatal(err)
	}
	h := httpapi.NewHandler(httpapi.Options{Service: svc})

	seeds := []struct{ op, body string }{
		{"CreateDatasetGroup", `{"name":"g","domain":"ECOMMERCE","tags":[{"tagKey":"k","tagValue":""}]}`},
		{"CreateSchema", `{"name":"s","schema":` + jsonString(interactionsSchema) + `}`},
		{"CreateDataset", `{"name":"d","datasetGroupArn":"arn:aws:personalize:us-east-1:000000000000:dataset-group/g","datasetType":"interactions","schemaArn":"arn:aws:personalize:us-east-1:000000000000:schema/s"}`},
		{"ListDatasets", `{"maxResults":1,"nextToken":"AQ"}`},
		{"UpdateDataset", `{"datasetArn":"arn:aws:personalize:us-east-1:000000000000:dataset/g/INTERACTIONS","schemaArn":"arn:aws:personalize:us-east-1:000000000000:schema/s"}`},
		{"TagResource", `{"resourceArn":"arn:aws:personalize:us-east-1:000000000000:dataset-group/g","tags":[]}`},
		{"DeleteDatasetGroup", `{"datasetGroupArn":"arn:aws:personalize:us-east-1:000000000000:dataset-group/g"}`},
		{"ListSchemas", `{"maxResults":1e400}`},
		{"DescribeSchema", `{"schemaArn":null}`},
	}
	for _, s := range seeds {
		f.Add(s.op, s.body)
	}
	f.Fuzz(func(t *testing.T, op, body string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "AmazonPersonalize."+op)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 && rec.Code != http.StatusNotImplemented {
			t.Fatalf("%s %q: status %d: %s", op, body, rec.Code, rec.Body)
		}
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("%s %q: response %q is not a JSON object", op, body, rec.Body)
		}
		if rec.Code != http.StatusOK {
			if code, _ := m["__type"].(string); code == "" || rec.Header().Get("X-Amzn-Errortype") != code {
				t.Fatalf("%s %q: error response without code: %s", op, body, rec.Body)
			}
		}
	})
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
