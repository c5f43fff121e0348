package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/personalize"
	"github.com/aws/aws-sdk-go-v2/service/personalize/types"

	"github.com/perso/perso"
	"github.com/perso/perso/internal/sdktest"
)

func TestSchema(t *testing.T) {
	ctx := context.Background()
	_, c := syncServer(t, perso.Quotas{})

	t.Run("OK", func(t *testing.T) {
		arn := mustSchema(t, c, "interactions", interactionsSchema)
		if arn != sdktest.ARN("schema/interactions") {
			t.Fatalf("arn = %s", arn)
		}
		out, err := c.DescribeSchema(ctx, &personalize.DescribeSchemaInput{SchemaArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.Schema.Schema) != interactionsSchema || aws.ToString(out.Schema.Name) != "interactions" {
			t.Fatalf("schema = %+v", out.Schema)
		}
		list, err := c.ListSchemas(ctx, &personalize.ListSchemasInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Schemas) != 1 || aws.ToString(list.Schemas[0].SchemaArn) != arn {
			t.Fatalf("list = %+v", list.Schemas)
		}
	})
	t.Run("ErrInvalidSchema", func(t *testing.T) {
		for name, body := range map[string]string{
			"notjson":    `{"type":`,
			"badname":    `{"type":"record","name":"I","fields":[{"name":"USER_ID","type":"string"},{"name":"1X","type":"long"}]}`,
			"nofields":   `{"type":"record","name":"I","fields":[]}`,
			"nestedtype": `{"type":"record","name":"I","fields":[{"name":"USER_ID","type":{"type":"array","items":"string"}}]}`,
		} {
			_, err := c.CreateSchema(ctx, &personalize.CreateSchemaInput{Name: aws.String(name), Schema: aws.String(body), Domain: types.DomainEcommerce})
			wantCode(t, err, "InvalidInputException")
		}
	})
	t.Run("ErrAlreadyExists", func(t *testing.T) {
		_, err := c.CreateSchema(ctx, &personalize.CreateSchemaInput{Name: aws.String("interactions"), Schema: aws.String(interactionsSchema)})
		wantCode(t, err, "ResourceAlreadyExistsException")
	})
	t.Run("ErrInUse", func(t *testing.T) {
		group := mustGroup(t, c, "g", "")
		ds := mustDataset(t, c, "i", group, "Interactions", sdktest.ARN("schema/interactions"))
		_, err := c.DeleteSchema(ctx, &personalize.DeleteSchemaInput{SchemaArn: aws.String(sdktest.ARN("schema/interactions"))})
		wantCode(t, err, "ResourceInUseException")
		if _, err := c.DeleteDataset(ctx, &personalize.DeleteDatasetInput{DatasetArn: aws.String(ds)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.DeleteSchema(ctx, &personalize.DeleteSchemaInput{SchemaArn: aws.String(sdktest.ARN("schema/interactions"))}); err != nil {
			t.Fatal(err)
		}
		_, err = c.DescribeSchema(ctx, &personalize.DescribeSchemaInput{SchemaArn: aws.String(sdktest.ARN("schema/interactions"))})
		wantCode(t, err, "ResourceNotFoundException")
	})
}

func TestDataset(t *testing.T) {
	ctx := context.Background()
	_, c := syncServer(t, perso.Quotas{})
	group := mustGroup(t, c, "movies", "")
	schemas := map[string]string{
		"Interactions":        mustSchema(t, c, "s-interactions", interactionsSchema),
		"Items":               mustSchema(t, c, "s-items", itemsSchema),
		"Users":               mustSchema(t, c, "s-users", usersSchema),
		"Actions":             mustSchema(t, c, "s-actions", actionsSchema),
		"Action_Interactions": mustSchema(t, c, "s-action-interactions", actionInteractionsSchema),
	}

	t.Run("OK", func(t *testing.T) {
		for typ, schema := range schemas {
			// Types are matched ignoring case.
			arn := mustDataset(t, c, "ds-"+strings.ToLower(typ), group, strings.ToLower(typ), schema)
			if want := sdktest.ARN("dataset/movies/" + strings.ToUpper(typ)); arn != want {
				t.Fatalf("arn = %s, want %s", arn, want)
			}
			out, err := c.DescribeDataset(ctx, &personalize.DescribeDatasetInput{DatasetArn: aws.String(arn)})
			if err != nil {
				t.Fatal(err)
			}
			d := out.Dataset
			if aws.ToString(d.DatasetGroupArn) != group || aws.ToString(d.SchemaArn) != schema || aws.ToString(d.Status) != "ACTIVE" || aws.ToString(d.DatasetType) != strings.ToUpper(typ) {
				t.Fatalf("dataset = %+v", d)
			}
		}
	})
	t.Run("ErrOnePerType", func(t *testing.T) {
		_, err := c.CreateDataset(ctx, &personalize.CreateDatasetInput{
			Name: aws.String("again"), DatasetGroupArn: aws.String(group), DatasetType: aws.String("INTERACTIONS"), SchemaArn: aws.String(schemas["Interactions"]),
		})
		wantCode(t, err, "ResourceAlreadyExistsException")
	})
	t.Run("ErrSchemaDoesNotFitType", func(t *testing.T) {
		g2 := mustGroup(t, c, "other", "")
		_, err := c.CreateDataset(ctx, &personalize.CreateDatasetInput{
			Name: aws.String("x"), DatasetGroupArn: aws.String(g2), DatasetType: aws.String("Interactions"), SchemaArn: aws.String(schemas["Users"]),
		})
		wantCode(t, err, "InvalidInputException")
	})
	t.Run("ErrBadType", func(t *testing.T) {
		_, err := c.CreateDataset(ctx, &personalize.CreateDatasetInput{
			Name: aws.String("x"), DatasetGroupArn: aws.String(group), DatasetType: aws.String("Clicks"), SchemaArn: aws.String(schemas["Interactions"]),
		})
		wantCode(t, err, "InvalidInputException")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := c.CreateDataset(ctx, &personalize.CreateDatasetInput{
			Name: aws.String("x"), DatasetGroupArn: aws.String(sdktest.ARN("dataset-group/none")), DatasetType: aws.String("Items"), SchemaArn: aws.String(schemas["Items"]),
		})
		wantCode(t, err, "ResourceNotFoundException")
		_, err = c.CreateDataset(ctx, &personalize.CreateDatasetInput{
			Name: aws.String("x"), DatasetGroupArn: aws.String(group), DatasetType: aws.String("Items"), SchemaArn: aws.String(sdktest.ARN("schema/none")),
		})
		wantCode(t, err, "ResourceNotFoundException")
	})
	t.Run("ErrGroupInUse", func(t *testing.T) {
		_, err := c.DeleteDatasetGroup(ctx, &personalize.DeleteDatasetGroupInput{DatasetGroupArn: aws.String(group)})
		wantCode(t, err, "ResourceInUseException")
	})
	t.Run("Update", func(t *testing.T) {
		required := strings.Replace(usersSchema, `{"name":"AGE","type":"int"}`, `{"name":"AGE","type":"int"},{"name":"GENDER","type":"string","categorical":true}`, 1)
		_, err := c.UpdateDataset(ctx, &personalize.UpdateDatasetInput{DatasetArn: aws.String(sdktest.ARN("dataset/movies/USERS")), SchemaArn: aws.String(mustSchema(t, c, "s-users-required", required))})
		wantCode(t, err, "InvalidInputException") // an added field must be nullable
		wider := strings.Replace(usersSchema, `{"name":"AGE","type":"int"}`, `{"name":"AGE","type":"int"},{"name":"GENDER","type":["null","string"],"categorical":true}`, 1)
		s2 := mustSchema(t, c, "s-users-2", wider)
		ds := sdktest.ARN("dataset/movies/USERS")
		out, err := c.UpdateDataset(ctx, &personalize.UpdateDatasetInput{DatasetArn: aws.String(ds), SchemaArn: aws.String(s2)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.DatasetArn) != ds {
			t.Fatalf("arn = %s", aws.ToString(out.DatasetArn))
		}
		d, err := c.DescribeDataset(ctx, &personalize.DescribeDatasetInput{DatasetArn: aws.String(ds)})
		if err != nil {
			t.Fatal(err)
		}
		u := d.Dataset.LatestDatasetUpdate
		if u == nil || aws.ToString(u.SchemaArn) != s2 || aws.ToString(d.Dataset.SchemaArn) != s2 {
			t.Fatalf("latest update = %+v, schema %s", u, aws.ToString(d.Dataset.SchemaArn))
		}
		// Dropping a column is refused.
		_, err = c.UpdateDataset(ctx, &personalize.UpdateDatasetInput{DatasetArn: aws.String(ds), SchemaArn: aws.String(schemas["Users"])})
		wantCode(t, err, "InvalidInputException")
	})
	t.Run("DomainMismatch", func(t *testing.T) {
		g := mustGroup(t, c, "shop", "ECOMMERCE")
		_, err := c.CreateDataset(ctx, &personalize.CreateDatasetInput{
			Name: aws.String("x"), DatasetGroupArn: aws.String(g), DatasetType: aws.String("Interactions"), SchemaArn: aws.String(schemas["Interactions"]),
		})
		wantCode(t, err, "InvalidInputException")
	})
}

func TestTags(t *testing.T) {
	ctx := context.Background()
	_, c := syncServer(t, perso.Quotas{})
	arn := mustGroup(t, c, "g", "")
	tag := func(k, v string) types.Tag { return types.Tag{TagKey: aws.String(k), TagValue: aws.String(v)} }

	if _, err := c.TagResource(ctx, &personalize.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{tag("a", "1"), tag("b", "2")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &personalize.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ListTagsForResource(ctx, &personalize.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tags) != 1 || aws.ToString(out.Tags[0].TagKey) != "b" || aws.ToString(out.Tags[0].TagValue) != "2" {
		t.Fatalf("tags = %+v", out.Tags)
	}
	t.Run("ErrTooManyTags", func(t *testing.T) {
		var many []types.Tag
		for i := 0; i < 50; i++ {
			many = append(many, tag(strings.Repeat("k", i+1), "v"))
		}
		_, err := c.TagResource(ctx, &personalize.TagResourceInput{ResourceArn: aws.String(arn), Tags: many})
		wantCode(t, err, "TooManyTagsException")
		_, err = c.CreateDatasetGroup(ctx, &personalize.CreateDatasetGroupInput{Name: aws.String("h"), Tags: append(many, tag("x", "y"))})
		wantCode(t, err, "TooManyTagsException")
	})
	t.Run("ErrTooManyTagKeys", func(t *testing.T) {
		keys := make([]string, 51)
		for i := range keys {
			keys[i] = strings.Repeat("k", i+1)
		}
		_, err := c.UntagResource(ctx, &personalize.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: keys})
		wantCode(t, err, "TooManyTagKeysException")
	})
	t.Run("ErrReservedPrefix", func(t *testing.T) {
		_, err := c.TagResource(ctx, &personalize.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{tag("aws:x", "1")}})
		wantCode(t, err, "InvalidInputException")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := c.ListTagsForResource(ctx, &personalize.ListTagsForResourceInput{ResourceArn: aws.String(sdktest.ARN("dataset-group/zzz"))})
		wantCode(t, err, "ResourceNotFoundException")
	})
}
