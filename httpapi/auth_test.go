package httpapi_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/personalize"

	"github.com/perso/perso"
	"github.com/perso/perso/aws/sigv4"
	"github.com/perso/perso/internal/sdktest"
)

func TestAuth_Strict(t *testing.T) {
	ctx := context.Background()
	srv := sdktest.Start(t, sdktest.Options{
		Config: perso.Config{Synchronous: true},
		Auth: sigv4.Config{Strict: true, Credentials: map[string]sigv4.Credential{
			"AKIAALICE": {SecretAccessKey: "alice-secret", Account: "111122223333"},
			"AKIABOB":   {SecretAccessKey: "bob-secret", Account: "444455556666"},
		}},
	})
	alice := srv.ControlAs("AKIAALICE", "alice-secret", "eu-central-1")

	t.Run("OK", func(t *testing.T) {
		out, err := alice.CreateDatasetGroup(ctx, &personalize.CreateDatasetGroupInput{Name: aws.String("a")})
		if err != nil {
			t.Fatal(err)
		}
		if want := "arn:aws:personalize:eu-central-1:111122223333:dataset-group/a"; aws.ToString(out.DatasetGroupArn) != want {
			t.Fatalf("arn = %s, want %s", aws.ToString(out.DatasetGroupArn), want)
		}
	})
	t.Run("ErrOtherAccountSeesNothing", func(t *testing.T) {
		bob := srv.ControlAs("AKIABOB", "bob-secret", "eu-central-1")
		_, err := bob.DescribeDatasetGroup(ctx, &personalize.DescribeDatasetGroupInput{DatasetGroupArn: aws.String("arn:aws:personalize:eu-central-1:111122223333:dataset-group/a")})
		wantCode(t, err, "ResourceNotFoundException")
	})
	t.Run("ErrBadSignature", func(t *testing.T) {
		_, err := srv.ControlAs("AKIAALICE", "wrong", "eu-central-1").ListDatasetGroups(ctx, &personalize.ListDatasetGroupsInput{})
		wantCode(t, err, "InvalidSignatureException")
	})
	t.Run("ErrUnknownKey", func(t *testing.T) {
		_, err := srv.ControlAs("AKIAMALLORY", "x", "eu-central-1").ListDatasetGroups(ctx, &personalize.ListDatasetGroupsInput{})
		wantCode(t, err, "UnrecognizedClientException")
	})
	t.Run("ErrNoCredentials", func(t *testing.T) {
		status, _, body := rawPost(t, srv.URL, "AmazonPersonalize.ListDatasetGroups", `{}`)
		if status != 403 || body["__type"] != "MissingAuthenticationTokenException" {
			t.Fatalf("got %d %v", status, body)
		}
	})
}
