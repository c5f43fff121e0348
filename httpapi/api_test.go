package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/personalize"
	"github.com/aws/aws-sdk-go-v2/service/personalize/types"
	"github.com/aws/smithy-go"

	"github.com/perso/perso"
	"github.com/perso/perso/internal/sdktest"
)

const interactionsSchema = `{"type":"record","name":"Interactions","namespace":"com.amazonaws.personalize.schema",
"fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},{"name":"TIMESTAMP","type":"long"},
{"name":"EVENT_TYPE","type":"string"}],"version":"1.0"}`

const itemsSchema = `{"type":"record","name":"Items","namespace":"com.amazonaws.personalize.schema",
"fields":[{"name":"ITEM_ID","type":"string"},{"name":"GENRES","type":["null","string"],"categorical":true}],"version":"1.0"}`

const usersSchema = `{"type":"record","name":"Users","namespace":"com.amazonaws.personalize.schema",
"fields":[{"name":"USER_ID","type":"string"},{"name":"AGE","type":"int"}],"version":"1.0"}`

const actionsSchema = `{"type":"record","name":"Actions","namespace":"com.amazonaws.personalize.schema",
"fields":[{"name":"ACTION_ID","type":"string"},{"name":"PRIORITY","type":"int"}],"version":"1.0"}`

const actionInteractionsSchema = `{"type":"record","name":"ActionInteractions","namespace":"com.amazonaws.personalize.schema",
"fields":[{"name":"USER_ID","type":"string"},{"name":"ACTION_ID","type":"string"},{"name":"TIMESTAMP","type":"long"},{"name":"EVENT_TYPE","type":"string"}],"version":"1.0"}`

// syncServer starts a server whose resources become ACTIVE at once.
func syncServer(t *testing.T, quotas perso.Quotas) (*sdktest.Server, *personalize.Client) {
	t.Helper()
	if quotas == (perso.Quotas{}) {
		quotas = perso.DefaultQuotas()
	}
	srv := sdktest.Start(t, sdktest.Options{Config: perso.Config{Synchronous: true, Quotas: quotas}})
	return srv, srv.Control()
}

// wantCode fails the test unless err is an AWS API error with the code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got error %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("got error code %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
}

func mustGroup(t *testing.T, c *personalize.Client, name, domain string) string {
	t.Helper()
	in := &personalize.CreateDatasetGroupInput{Name: aws.String(name)}
	if domain != "" {
		in.Domain = types.Domain(domain)
	}
	out, err := c.CreateDatasetGroup(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateDatasetGroup %s: %v", name, err)
	}
	return aws.ToString(out.DatasetGroupArn)
}

func mustSchema(t *testing.T, c *personalize.Client, name, body string) string {
	t.Helper()
	out, err := c.CreateSchema(context.Background(), &personalize.CreateSchemaInput{Name: aws.String(name), Schema: aws.String(body)})
	if err != nil {
		t.Fatalf("CreateSchema %s: %v", name, err)
	}
	return aws.ToString(out.SchemaArn)
}

func mustDataset(t *testing.T, c *personalize.Client, name, group, typ, schema string) string {
	t.Helper()
	out, err := c.CreateDataset(context.Background(), &personalize.CreateDatasetInput{
		Name: aws.String(name), DatasetGroupArn: aws.String(group), DatasetType: aws.String(typ), SchemaArn: aws.String(schema),
	})
	if err != nil {
		t.Fatalf("CreateDataset %s: %v", name, err)
	}
	return aws.ToString(out.DatasetArn)
}

func TestDatasetGroup(t *testing.T) {
	ctx := context.Background()
	_, c := syncServer(t, perso.Quotas{DatasetGroups: 2, Schemas: 500, TagsPerResource: 50})

	t.Run("OK", func(t *testing.T) {
		out, err := c.CreateDatasetGroup(ctx, &personalize.CreateDatasetGroupInput{
			Name: aws.String("shop"), Domain: types.DomainEcommerce,
			Tags: []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("recs")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := sdktest.ARN("dataset-group/shop")
		if got := aws.ToString(out.DatasetGroupArn); got != want || out.Domain != types.DomainEcommerce {
			t.Fatalf("got %s %s, want %s ECOMMERCE", got, out.Domain, want)
		}
		d, err := c.DescribeDatasetGroup(ctx, &personalize.DescribeDatasetGroupInput{DatasetGroupArn: aws.String(want)})
		if err != nil {
			t.Fatal(err)
		}
		g := d.DatasetGroup
		if aws.ToString(g.Name) != "shop" || aws.ToString(g.Status) != "ACTIVE" || g.Domain != types.DomainEcommerce || g.CreationDateTime == nil || g.LastUpdatedDateTime == nil {
			t.Fatalf("unexpected dataset group %+v", g)
		}
		tags, err := c.ListTagsForResource(ctx, &personalize.ListTagsForResourceInput{ResourceArn: aws.String(want)})
		if err != nil {
			t.Fatal(err)
		}
		if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].TagKey) != "team" {
			t.Fatalf("tags = %+v", tags.Tags)
		}
	})
	t.Run("ErrAlreadyExists", func(t *testing.T) {
		_, err := c.CreateDatasetGroup(ctx, &personalize.CreateDatasetGroupInput{Name: aws.String("shop")})
		wantCode(t, err, "ResourceAlreadyExistsException")
	})
	t.Run("ErrLimitExceeded", func(t *testing.T) {
		mustGroup(t, c, "second", "")
		_, err := c.CreateDatasetGroup(ctx, &personalize.CreateDatasetGroupInput{Name: aws.String("third")})
		wantCode(t, err, "LimitExceededException")
	})
	t.Run("ErrInvalidName", func(t *testing.T) {
		_, err := c.CreateDatasetGroup(ctx, &personalize.CreateDatasetGroupInput{Name: aws.String("bad name")})
		wantCode(t, err, "InvalidInputException")
	})
	t.Run("ErrInvalidDomain", func(t *testing.T) {
		_, err := c.CreateDatasetGroup(ctx, &personalize.CreateDatasetGroupInput{Name: aws.String("x"), Domain: "RETAIL"})
		wantCode(t, err, "InvalidInputException")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := c.DescribeDatasetGroup(ctx, &personalize.DescribeDatasetGroupInput{DatasetGroupArn: aws.String(sdktest.ARN("dataset-group/nope"))})
		wantCode(t, err, "ResourceNotFoundException")
		_, err = c.DeleteDatasetGroup(ctx, &personalize.DeleteDatasetGroupInput{DatasetGroupArn: aws.String(sdktest.ARN("dataset-group/nope"))})
		wantCode(t, err, "ResourceNotFoundException")
	})
	t.Run("Delete", func(t *testing.T) {
		arn := sdktest.ARN("dataset-group/second")
		if _, err := c.DeleteDatasetGroup(ctx, &personalize.DeleteDatasetGroupInput{DatasetGroupArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
		_, err := c.DescribeDatasetGroup(ctx, &personalize.DescribeDatasetGroupInput{DatasetGroupArn: aws.String(arn)})
		wantCode(t, err, "ResourceNotFoundException")
	})
}

func TestScopeIsolation(t *testing.T) {
	ctx := context.Background()
	srv, c := syncServer(t, perso.Quotas{})
	arn := mustGroup(t, c, "mine", "")
	other := srv.ControlAs("210987654321", "s", sdktest.Region)
	_, err := other.DescribeDatasetGroup(ctx, &personalize.DescribeDatasetGroupInput{DatasetGroupArn: aws.String(arn)})
	wantCode(t, err, "ResourceNotFoundException")
	otherRegion := srv.ControlAs(sdktest.Account, "s", "eu-west-1")
	list, err := otherRegion.ListDatasetGroups(ctx, &personalize.ListDatasetGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.DatasetGroups) != 0 {
		t.Fatalf("another region sees %d dataset groups", len(list.DatasetGroups))
	}
	// The same name is free in another account.
	if _, err := other.CreateDatasetGroup(ctx, &personalize.CreateDatasetGroupInput{Name: aws.String("mine")}); err != nil {
		t.Fatal(err)
	}
	// A non-numeric access key maps to the default account.
	def := srv.ControlAs("AKIDEXAMPLE", "s", sdktest.Region)
	out, err := def.CreateDatasetGroup(ctx, &personalize.CreateDatasetGroupInput{Name: aws.String("d")})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("arn:aws:personalize:%s:000000000000:dataset-group/d", sdktest.Region); aws.ToString(out.DatasetGroupArn) != want {
		t.Fatalf("got %s, want %s", aws.ToString(out.DatasetGroupArn), want)
	}
}

var testTime = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
