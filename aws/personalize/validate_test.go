package personalize

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/perso/perso/aws/awsvalid"
)

func int32p(n int32) *int32 { return &n }

// problems returns the problems err lists, failing unless err is a
// *awsvalid.ValidationError or nil.
func problems(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *awsvalid.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %T is not a *awsvalid.ValidationError", err)
	}
	return ve.Problems
}

func expect(t *testing.T, err error, want ...string) {
	t.Helper()
	if got := problems(t, err); !slices.Equal(got, want) {
		t.Errorf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

const namePattern = `^[a-zA-Z0-9][a-zA-Z0-9\-_]*`

func validGroup() *CreateDatasetGroupRequest {
	return &CreateDatasetGroupRequest{
		Name:      "movies-2024_a",
		RoleArn:   "arn:aws:iam::123456789012:role/personalize",
		KmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/abc",
		Domain:    DomainVideoOnDemand,
		Tags:      []Tag{{TagKey: "team", TagValue: "ml"}, {TagKey: "empty", TagValue: ""}},
	}
}

func TestCreateDatasetGroupValid(t *testing.T) {
	expect(t, validGroup().Validate())
	expect(t, (&CreateDatasetGroupRequest{Name: "g"}).Validate())
	var nilReq *CreateDatasetGroupRequest
	expect(t, nilReq.Validate())
}

func TestCreateDatasetGroupName(t *testing.T) {
	req := validGroup()
	req.Name = ""
	expect(t, req.Validate(), "Value null at 'name' failed to satisfy constraint: Member must not be null")

	req.Name = strings.Repeat("a", 64)
	expect(t, req.Validate(), "Value '"+req.Name+"' at 'name' failed to satisfy constraint: Member must have length less than or equal to 63")

	req.Name = strings.Repeat("a", 63)
	expect(t, req.Validate())

	req.Name = "bad name"
	expect(t, req.Validate(), "Value 'bad name' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: "+namePattern)

	req.Name = "-leading"
	expect(t, req.Validate(), "Value '-leading' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: "+namePattern)
}

func TestCreateDatasetGroupDomain(t *testing.T) {
	req := validGroup()
	req.Domain = "RETAIL"
	expect(t, req.Validate(), "Value 'RETAIL' at 'domain' failed to satisfy constraint: Member must satisfy enum value set: [ECOMMERCE, VIDEO_ON_DEMAND]")
	req.Domain = "ecommerce" // enums are case-sensitive
	if err := req.Validate(); err == nil {
		t.Error("lower-case domain accepted")
	}
}

func TestCreateDatasetGroupArns(t *testing.T) {
	req := validGroup()
	req.RoleArn = "arn:aws:iam::12345:role/x"
	req.KmsKeyArn = "not-an-arn"
	err := req.Validate()
	got := problems(t, err)
	if len(got) != 2 || !strings.Contains(got[0], "at 'roleArn'") || !strings.Contains(got[1], "at 'kmsKeyArn'") {
		t.Errorf("problems %q", got)
	}
}

func TestListDatasetsMaxResults(t *testing.T) {
	arn := "arn:aws:personalize:us-east-1:123456789012:dataset-group/g"
	for _, c := range []struct {
		n    int32
		want []string
	}{
		{0, []string{"Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"}},
		{1, nil},
		{100, nil},
		{101, []string{"Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100"}},
		{-5, []string{"Value '-5' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"}},
	} {
		expect(t, (&ListDatasetsRequest{DatasetGroupArn: arn, MaxResults: int32p(c.n)}).Validate(), c.want...)
	}
	expect(t, (&ListDatasetsRequest{}).Validate())
}

func TestListDatasetsNextToken(t *testing.T) {
	req := &ListDatasetsRequest{NextToken: strings.Repeat("x", 1500)}
	expect(t, req.Validate())
	req.NextToken = "ünïcode"
	if err := req.Validate(); err == nil || !strings.Contains(err.Error(), `pattern: \p{ASCII}{0,1500}`) {
		t.Errorf("non-ASCII token: %v", err)
	}
	req.NextToken = strings.Repeat("x", 1501)
	if got := problems(t, req.Validate()); len(got) != 2 {
		t.Errorf("overlong token: %q", got) // the length and the pattern both fail
	}
}

func TestTags(t *testing.T) {
	req := validGroup()
	req.Tags = []Tag{
		{TagKey: "ok", TagValue: "fine"},
		{TagKey: "", TagValue: "v"},
		{TagKey: strings.Repeat("k", 129), TagValue: "v"},
		{TagKey: "bad*key", TagValue: strings.Repeat("v", 257)},
	}
	expect(t, req.Validate(),
		"Value null at 'tags.2.member.tagKey' failed to satisfy constraint: Member must not be null",
		"Value '***' at 'tags.3.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128",
		`Value '***' at 'tags.4.member.tagKey' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`,
		"Value '***' at 'tags.4.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256",
	)

	// Unicode letters, spaces and the listed punctuation are allowed.
	req.Tags = []Tag{{TagKey: "Équipe 1/a:b=c+d-e@f_g.h", TagValue: "ü"}}
	expect(t, req.Validate())

	many := make([]Tag, 201)
	for i := range many {
		many[i] = Tag{TagKey: "k", TagValue: "v"}
	}
	req.Tags = many
	got := problems(t, req.Validate())
	if len(got) != 1 || !strings.HasSuffix(got[0], "at 'tags' failed to satisfy constraint: Member must have length less than or equal to 200") {
		t.Errorf("201 tags: %q", got)
	}
}

func TestUntagKeys(t *testing.T) {
	req := &UntagResourceRequest{
		ResourceArn: "arn:aws:personalize:us-east-1:123456789012:dataset-group/g",
		TagKeys:     []string{"ok", ""},
	}
	expect(t, req.Validate(), "Value '***' at 'tagKeys.2.member' failed to satisfy constraint: Member must have length greater than or equal to 1")
	expect(t, (&UntagResourceRequest{}).Validate(),
		"Value null at 'resourceArn' failed to satisfy constraint: Member must not be null",
		"Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
}

func TestNestedStructure(t *testing.T) {
	req := &CreateCampaignRequest{
		Name:               "c",
		SolutionVersionArn: "arn:aws:personalize:us-east-1:123456789012:solution/s/1",
		MinProvisionedTPS:  int32p(0),
		CampaignConfig: &CampaignConfig{
			ItemExplorationConfig: map[string]string{"explorationWeight": strings.Repeat("9", 1001)},
		},
	}
	expect(t, req.Validate(),
		"Value '0' at 'minProvisionedTPS' failed to satisfy constraint: Member must have value greater than or equal to 1",
		"Value '"+strings.Repeat("9", 1001)+"' at 'campaignConfig.itemExplorationConfig.explorationWeight' failed to satisfy constraint: Member must have length less than or equal to 1000",
	)
}

func TestMultipleProblemsMessage(t *testing.T) {
	req := &CreateDatasetGroupRequest{Name: "bad name", RoleArn: "x", Domain: "X", Tags: []Tag{{}}}
	err := req.Validate()
	if got := problems(t, err); len(got) != 4 {
		t.Fatalf("problems %q", got)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "4 validation errors detected: Value 'bad name' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ") {
		t.Errorf("message %q", msg)
	}
	if strings.Count(msg, "; ") != 3 {
		t.Errorf("message %q does not separate 4 problems with '; '", msg)
	}
	one := (&CreateDatasetGroupRequest{}).Validate().Error()
	if one != "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null" {
		t.Errorf("message %q", one)
	}
}

func TestCreateSchema(t *testing.T) {
	expect(t, (&CreateSchemaRequest{Name: "s", Schema: "{}"}).Validate())
	expect(t, (&CreateSchemaRequest{Domain: "ECOMMERCE"}).Validate(),
		"Value null at 'name' failed to satisfy constraint: Member must not be null",
		"Value null at 'schema' failed to satisfy constraint: Member must not be null")
}

func TestOperationTable(t *testing.T) {
	if len(Operations) != 71 {
		t.Errorf("%d operations, want 71", len(Operations))
	}
	op, ok := LookupOperation(OpCreateDatasetGroup)
	if !ok || op.Method != "POST" || op.Path != "/" || op.Input != "CreateDatasetGroupRequest" || op.Output != "CreateDatasetGroupResponse" || op.Paginated {
		t.Errorf("CreateDatasetGroup: %+v", op)
	}
	if !slices.Contains(op.Errors, ErrCodeResourceAlreadyExistsException) {
		t.Errorf("CreateDatasetGroup errors %v", op.Errors)
	}
	if op, _ := LookupOperation(OpListDatasets); !op.Paginated {
		t.Error("ListDatasets is not marked paginated")
	}
	if TargetPrefix != "AmazonPersonalize" || APIVersion != "2018-05-22" || SigningName != "personalize" || ServiceID != "Personalize" {
		t.Error("service identity constants")
	}
}

// FuzzValidate feeds arbitrary JSON to request types with every kind of
// constraint: Validate must never panic, whatever decodes.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(`{"datasetGroupArn":"arn:aws:personalize:us-east-1:123456789012:dataset-group/g","maxResults":0,"nextToken":"\u00ff"}`))
	f.Add([]byte(`{"name":"bad name","domain":"X","tags":[{"tagKey":"","tagValue":null},{}]}`))
	f.Add([]byte(`{"name":"s","schema":"{}","domain":"VIDEO_ON_DEMAND"}`))
	f.Add([]byte(`{"name":"c","campaignConfig":{"itemExplorationConfig":{"":""}},"minProvisionedTPS":-1}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, req := range []interface{ Validate() error }{
			new(ListDatasetsRequest),
			new(CreateSchemaRequest),
			new(CreateDatasetGroupRequest),
			new(CreateCampaignRequest),
			new(CreateSolutionRequest),
		} {
			if json.Unmarshal(data, req) != nil {
				continue
			}
			if err := req.Validate(); err != nil {
				var ve *awsvalid.ValidationError
				if !errors.As(err, &ve) || len(ve.Problems) == 0 || ve.Error() == "" {
					t.Fatalf("%T: bad error %v", req, err)
				}
			}
		}
	})
}
