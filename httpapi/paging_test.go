package httpapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/personalize"

	"github.com/perso/perso"
	"github.com/perso/perso/internal/sdktest"
)

var datasetTypes = []string{"Interactions", "Items", "Users", "Actions", "Action_Interactions"}

// fill creates groups*types datasets, types of each group in the order of
// datasetTypes, and returns their ARNs oldest first.
func fill(t *testing.T, c *personalize.Client, groups, types int, prefix string) []string {
	t.Helper()
	bodies := map[string]string{
		"Interactions": interactionsSchema, "Items": itemsSchema, "Users": usersSchema,
		"Actions": actionsSchema, "Action_Interactions": actionInteractionsSchema,
	}
	schemas := map[string]string{}
	for _, typ := range datasetTypes[:types] {
		out, err := c.CreateSchema(context.Background(), &personalize.CreateSchemaInput{Name: aws.String(prefix + "-s-" + typ), Schema: aws.String(bodies[typ])})
		if err != nil {
			t.Fatal(err)
		}
		schemas[typ] = aws.ToString(out.SchemaArn)
	}
	var arns []string
	for g := 0; g < groups; g++ {
		group := mustGroup(t, c, fmt.Sprintf("%s-%03d", prefix, g), "")
		for _, typ := range datasetTypes[:types] {
			arns = append(arns, mustDataset(t, c, fmt.Sprintf("%s-%03d-%s", prefix, g, typ), group, typ, schemas[typ]))
		}
	}
	return arns
}

func paginate(t *testing.T, c *personalize.Client, in *personalize.ListDatasetsInput, between func(page int)) []string {
	t.Helper()
	var got []string
	p := personalize.NewListDatasetsPaginator(c, in)
	for i := 0; p.HasMorePages(); i++ {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		if in.MaxResults != nil && len(out.Datasets) > int(*in.MaxResults) {
			t.Fatalf("page %d has %d datasets, more than maxResults %d", i, len(out.Datasets), *in.MaxResults)
		}
		for _, d := range out.Datasets {
			got = append(got, aws.ToString(d.DatasetArn))
		}
		if between != nil {
			between(i)
		}
	}
	return got
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestListDatasets_Paginator(t *testing.T) {
	for _, n := range []struct{ groups, types int }{{0, 0}, {1, 1}, {1, 5}, {64, 5}} {
		t.Run(fmt.Sprintf("OK%d", n.groups*n.types), func(t *testing.T) {
			_, c := syncServer(t, perso.Quotas{DatasetGroups: perso.Unlimited, Schemas: perso.Unlimited, TagsPerResource: 50})
			want := reversed(fill(t, c, n.groups, n.types, "p"))
			for _, size := range []int32{1, 2, 7, 100} {
				got := paginate(t, c, &personalize.ListDatasetsInput{MaxResults: aws.Int32(size)}, nil)
				if !equal(got, want) {
					t.Fatalf("page size %d: got %d datasets, want %d newest first", size, len(got), len(want))
				}
			}
			if n.groups > 0 {
				group := sdktest.ARN("dataset-group/p-000")
				got := paginate(t, c, &personalize.ListDatasetsInput{DatasetGroupArn: aws.String(group), MaxResults: aws.Int32(2)}, nil)
				if wantGroup := want[len(want)-n.types:]; !equal(got, wantGroup) {
					t.Fatalf("one group: got %v", got)
				}
			}
		})
	}
}

func TestListDatasets_ConcurrentChanges(t *testing.T) {
	ctx := context.Background()
	_, c := syncServer(t, perso.Quotas{DatasetGroups: perso.Unlimited, Schemas: perso.Unlimited, TagsPerResource: 50})
	all := reversed(fill(t, c, 40, 5, "c")) // 200 datasets, newest first
	schema := sdktest.ARN("schema/c-s-Interactions")

	deleted := map[string]bool{}
	created := 0
	got := paginate(t, c, &personalize.ListDatasetsInput{MaxResults: aws.Int32(7)}, func(page int) {
		// Between pages: delete one dataset already seen and one not yet
		// seen, and create a new one.
		seen, ahead := all[page*7], all[len(all)-1-page]
		for _, arn := range []string{seen, ahead} {
			if deleted[arn] {
				continue
			}
			if _, err := c.DeleteDataset(ctx, &personalize.DeleteDatasetInput{DatasetArn: aws.String(arn)}); err != nil {
				t.Fatal(err)
			}
			deleted[arn] = true
		}
		group := mustGroup(t, c, fmt.Sprintf("new-%03d", created), "")
		mustDataset(t, c, fmt.Sprintf("new-%03d", created), group, "Interactions", schema)
		created++
	})
	count := map[string]int{}
	for _, arn := range got {
		count[arn]++
	}
	for arn, n := range count {
		if n > 1 {
			t.Fatalf("%s listed %d times", arn, n)
		}
	}
	for _, arn := range all {
		if !deleted[arn] && count[arn] != 1 {
			t.Fatalf("%s, present throughout, listed %d times", arn, count[arn])
		}
	}
	if created == 0 {
		t.Fatal("no page boundary was crossed")
	}
}

func TestListDatasets_Tokens(t *testing.T) {
	ctx := context.Background()
	srv, c := syncServer(t, perso.Quotas{})
	fill(t, c, 1, 3, "t")
	first, err := c.ListDatasets(ctx, &personalize.ListDatasetsInput{MaxResults: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	tok := aws.ToString(first.NextToken)
	if tok == "" || len(tok) > 1500 {
		t.Fatalf("token %q", tok)
	}
	t.Run("OK", func(t *testing.T) {
		next, err := c.ListDatasets(ctx, &personalize.ListDatasetsInput{MaxResults: aws.Int32(5), NextToken: aws.String(tok)})
		if err != nil {
			t.Fatal(err)
		}
		if len(next.Datasets) != 2 || next.NextToken != nil {
			t.Fatalf("got %d datasets, token %v", len(next.Datasets), next.NextToken)
		}
	})
	t.Run("ErrTampered", func(t *testing.T) {
		b := []byte(tok)
		b[len(b)/2] ^= 1
		_, err := c.ListDatasets(ctx, &personalize.ListDatasetsInput{NextToken: aws.String(string(b))})
		wantCode(t, err, "InvalidNextTokenException")
		_, err = c.ListDatasets(ctx, &personalize.ListDatasetsInput{NextToken: aws.String("garbage")})
		wantCode(t, err, "InvalidNextTokenException")
	})
	t.Run("ErrOtherQuery", func(t *testing.T) {
		_, err := c.ListDatasets(ctx, &personalize.ListDatasetsInput{DatasetGroupArn: aws.String(sdktest.ARN("dataset-group/t-000")), NextToken: aws.String(tok)})
		wantCode(t, err, "InvalidNextTokenException")
		_, err = c.ListSchemas(ctx, &personalize.ListSchemasInput{NextToken: aws.String(tok)})
		wantCode(t, err, "InvalidNextTokenException")
	})
	t.Run("ErrOtherAccount", func(t *testing.T) {
		other := srv.ControlAs("111111111111", "s", sdktest.Region)
		_, err := other.ListDatasets(ctx, &personalize.ListDatasetsInput{NextToken: aws.String(tok)})
		wantCode(t, err, "InvalidNextTokenException")
	})
	t.Run("ErrMaxResults", func(t *testing.T) {
		_, err := c.ListDatasets(ctx, &personalize.ListDatasetsInput{MaxResults: aws.Int32(101)})
		wantCode(t, err, "InvalidInputException")
	})
	t.Run("UnknownGroup", func(t *testing.T) {
		out, err := c.ListDatasets(ctx, &personalize.ListDatasetsInput{DatasetGroupArn: aws.String(sdktest.ARN("dataset-group/none"))})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Datasets) != 0 {
			t.Fatalf("unknown group lists %d datasets", len(out.Datasets))
		}
	})
}

// The page cache never serves a page older than the last change.
func TestListDatasetGroups_CacheSeesChanges(t *testing.T) {
	ctx := context.Background()
	_, c := syncServer(t, perso.Quotas{DatasetGroups: perso.Unlimited, Schemas: 10, TagsPerResource: 50})
	for i := 0; i < 5; i++ {
		mustGroup(t, c, fmt.Sprintf("g%d", i), "")
		for j := 0; j < 2; j++ { // the second call may be served from the cache
			out, err := c.ListDatasetGroups(ctx, &personalize.ListDatasetGroupsInput{MaxResults: aws.Int32(100)})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.DatasetGroups) != i+1 || aws.ToString(out.DatasetGroups[0].Name) != fmt.Sprintf("g%d", i) {
				t.Fatalf("after %d creates: %d groups listed, newest %s", i+1, len(out.DatasetGroups), aws.ToString(out.DatasetGroups[0].Name))
			}
		}
	}
	arn := sdktest.ARN("dataset-group/g4")
	if _, err := c.DeleteDatasetGroup(ctx, &personalize.DeleteDatasetGroupInput{DatasetGroupArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ListDatasetGroups(ctx, &personalize.ListDatasetGroupsInput{MaxResults: aws.Int32(100)})
	if err != nil || len(out.DatasetGroups) != 4 {
		t.Fatalf("after a delete: %d groups, %v", len(out.DatasetGroups), err)
	}
}
