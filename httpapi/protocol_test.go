package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/personalize"
	"github.com/aws/aws-sdk-go-v2/service/personalizeruntime"

	"github.com/perso/perso"
)

// rawPost sends an unsigned request; local auth mode accepts it.
func rawPost(t *testing.T, url, target, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("response body %q is not JSON: %v", b, err)
	}
	return resp.StatusCode, resp.Header, m
}

func TestProtocol_Errors(t *testing.T) {
	srv, _ := syncServer(t, perso.Quotas{})
	cases := []struct {
		name, path, target, body string
		status                   int
		code                     string
	}{
		{"ErrUnknownTarget", "/", "AmazonPersonalize.Frobnicate", `{}`, 400, "UnknownOperationException"},
		{"ErrWrongPrefix", "/", "AmazonS3.ListDatasets", `{}`, 400, "UnknownOperationException"},
		{"ErrNoTarget", "/", "", `{}`, 400, "UnknownOperationException"},
		{"ErrMalformedJSON", "/", "AmazonPersonalize.ListDatasets", `{"maxResults":`, 400, "SerializationException"},
		{"ErrWrongMemberType", "/", "AmazonPersonalize.ListDatasets", `{"maxResults":"ten"}`, 400, "SerializationException"},
		{"ErrNotObject", "/", "AmazonPersonalize.ListDatasets", `[1,2]`, 400, "SerializationException"},
		{"ErrMissingRequired", "/", "AmazonPersonalize.CreateDatasetGroup", `{}`, 400, "InvalidInputException"},
		{"ErrMemberCase", "/", "AmazonPersonalize.CreateDatasetGroup", `{"NAME":"x"}`, 400, "InvalidInputException"},
		{"ErrNotImplemented", "/", "AmazonPersonalize.CreateSolution", `{"name":"s","datasetGroupArn":"arn:aws:personalize:us-east-1:000000000000:dataset-group/x"}`, 501, "NotImplementedException"},
		{"ErrUnknownPath", "/nowhere", "", `{}`, 404, "UnknownOperationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := rawPost(t, srv.URL+tc.path, tc.target, tc.body)
			if status != tc.status || body["__type"] != tc.code || h.Get("X-Amzn-Errortype") != tc.code {
				t.Fatalf("got %d %v (header %q), want %d %s", status, body, h.Get("X-Amzn-Errortype"), tc.status, tc.code)
			}
			if msg, _ := body["message"].(string); msg == "" {
				t.Fatalf("error without message: %v", body)
			}
			if h.Get("X-Amzn-Requestid") == "" {
				t.Fatal("no x-amzn-RequestId")
			}
		})
	}
	t.Run("OKEmptyBody", func(t *testing.T) {
		status, _, body := rawPost(t, srv.URL, "AmazonPersonalize.ListDatasetGroups", ``)
		if status != 200 || body["datasetGroups"] == nil {
			t.Fatalf("got %d %v", status, body)
		}
	})
	t.Run("ValidationNamesMemberAndRule", func(t *testing.T) {
		_, _, body := rawPost(t, srv.URL, "AmazonPersonalize.CreateDatasetGroup", `{"name":"bad name!"}`)
		msg, _ := body["message"].(string)
		if !strings.Contains(msg, "'name'") || !strings.Contains(msg, "regular expression pattern") {
			t.Fatalf("message %q does not name the member and rule", msg)
		}
	})
}

// Every operation of the model answers through the official SDK clients:
// implemented or with a well-formed error, never a transport failure.
func TestProtocol_NotImplementedThroughSDKs(t *testing.T) {
	ctx := context.Background()
	srv, c := syncServer(t, perso.Quotas{})
	_, err := c.ListSolutions(ctx, &personalize.ListSolutionsInput{})
	wantCode(t, err, "NotImplementedException")
	_, err = srv.Runtime().GetRecommendations(ctx, &personalizeruntime.GetRecommendationsInput{CampaignArn: aws.String("arn:aws:personalize:us-west-2:123456789012:campaign/c"), UserId: aws.String("u")})
	wantCode(t, err, "NotImplementedException")
}
