package httpapi

import (
	"context"

	"github.com/perso/perso"
	"github.com/perso/perso/aws/awsjson"
	pz "github.com/perso/perso/aws/personalize"
)

func (a *api) createDatasetGroup(ctx context.Context, in *pz.CreateDatasetGroupRequest) (*pz.CreateDatasetGroupResponse, error) {
	arn, err := a.svc.CreateDatasetGroup(ctx, scope(ctx), perso.CreateDatasetGroupInput{
		Name: in.Name, Domain: in.Domain, RoleARN: in.RoleArn, KMSKeyARN: in.KmsKeyArn, Tags: tagMap(in.Tags),
	})
	if err != nil {
		return nil, err
	}
	return &pz.CreateDatasetGroupResponse{DatasetGroupArn: arn, Domain: in.Domain}, nil
}

func (a *api) describeDatasetGroup(ctx context.Context, in *pz.DescribeDatasetGroupRequest) (*pz.DescribeDatasetGroupResponse, error) {
	g, err := a.svc.DescribeDatasetGroup(ctx, scope(ctx), in.DatasetGroupArn)
	if err != nil {
		return nil, err
	}
	return &pz.DescribeDatasetGroupResponse{DatasetGroup: &pz.DatasetGroup{
		Name:                g.Name,
		DatasetGroupArn:     g.ARN,
		Status:              g.Status,
		RoleArn:             g.RoleARN,
		KmsKeyArn:           g.KMSKeyARN,
		Domain:              g.Domain,
		FailureReason:       g.FailureReason,
		CreationDateTime:    awsjson.NewTimestamp(g.Created),
		LastUpdatedDateTime: awsjson.NewTimestamp(g.Updated),
	}}, nil
}

func (a *api) listDatasetGroups(ctx context.Context, in *pz.ListDatasetGroupsRequest) (*pz.ListDatasetGroupsResponse, error) {
	groups, next, err := a.svc.ListDatasetGroups(ctx, scope(ctx), page(in.MaxResults, in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &pz.ListDatasetGroupsResponse{DatasetGroups: make([]pz.DatasetGroupSummary, 0, len(groups)), NextToken: next}
	for _, g := range groups {
		out.DatasetGroups = append(out.DatasetGroups, pz.DatasetGroupSummary{
			Name:                g.Name,
			DatasetGroupArn:     g.ARN,
			Status:              g.Status,
			Domain:              g.Domain,
			FailureReason:       g.FailureReason,
			CreationDateTime:    awsjson.NewTimestamp(g.Created),
			LastUpdatedDateTime: awsjson.NewTimestamp(g.Updated),
		})
	}
	return out, nil
}

func (a *api) deleteDatasetGroup(ctx context.Context, in *pz.DeleteDatasetGroupRequest) (*noOutput, error) {
	return nil, a.svc.DeleteDatasetGroup(ctx, scope(ctx), in.DatasetGroupArn)
}

func (a *api) createSchema(ctx context.Context, in *pz.CreateSchemaRequest) (*pz.CreateSchemaResponse, error) {
	arn, err := a.svc.CreateSchema(ctx, scope(ctx), perso.CreateSchemaInput{Name: in.Name, Body: in.Schema, Domain: in.Domain})
	if err != nil {
		return nil, err
	}
	return &pz.CreateSchemaResponse{SchemaArn: arn}, nil
}

func (a *api) describeSchema(ctx context.Context, in *pz.DescribeSchemaRequest) (*pz.DescribeSchemaResponse, error) {
	s, err := a.svc.DescribeSchema(ctx, scope(ctx), in.SchemaArn)
	if err != nil {
		return nil, err
	}
	return &pz.DescribeSchemaResponse{Schema: &pz.DatasetSchema{
		Name:                s.Name,
		SchemaArn:           s.ARN,
		Schema:              s.Body,
		Domain:              s.Domain,
		CreationDateTime:    awsjson.NewTimestamp(s.Created),
		LastUpdatedDateTime: awsjson.NewTimestamp(s.Updated),
	}}, nil
}

func (a *api) listSchemas(ctx context.Context, in *pz.ListSchemasRequest) (*pz.ListSchemasResponse, error) {
	schemas, next, err := a.svc.ListSchemas(ctx, scope(ctx), page(in.MaxResults, in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &pz.ListSchemasResponse{Schemas: make([]pz.DatasetSchemaSummary, 0, len(schemas)), NextToken: next}
	for _, s := range schemas {
		out.Schemas = append(out.Schemas, pz.DatasetSchemaSummary{
			Name:                s.Name,
			SchemaArn:           s.ARN,
			Domain:              s.Domain,
			CreationDateTime:    awsjson.NewTimestamp(s.Created),
			LastUpdatedDateTime: awsjson.NewTimestamp(s.Updated),
		})
	}
	return out, nil
}

func (a *api) deleteSchema(ctx context.Context, in *pz.DeleteSchemaRequest) (*noOutput, error) {
	return nil, a.svc.DeleteSchema(ctx, scope(ctx), in.SchemaArn)
}

func (a *api) createDataset(ctx context.Context, in *pz.CreateDatasetRequest) (*pz.CreateDatasetResponse, error) {
	arn, err := a.svc.CreateDataset(ctx, scope(ctx), perso.CreateDatasetInput{
		Name: in.Name, GroupARN: in.DatasetGroupArn, DatasetType: in.DatasetType, SchemaARN: in.SchemaArn, Tags: tagMap(in.Tags),
	})
	if err != nil {
		return nil, err
	}
	return &pz.CreateDatasetResponse{DatasetArn: arn}, nil
}

func (a *api) describeDataset(ctx context.Context, in *pz.DescribeDatasetRequest) (*pz.DescribeDatasetResponse, error) {
	d, err := a.svc.DescribeDataset(ctx, scope(ctx), in.DatasetArn)
	if err != nil {
		return nil, err
	}
	out := &pz.Dataset{
		Name:                d.Name,
		DatasetArn:          d.ARN,
		DatasetGroupArn:     d.GroupARN,
		DatasetType:         wireDatasetType(d.DatasetType),
		SchemaArn:           d.SchemaARN,
		Status:              d.Status,
		TrackingId:          d.TrackingID,
		CreationDateTime:    awsjson.NewTimestamp(d.Created),
		LastUpdatedDateTime: awsjson.NewTimestamp(d.Updated),
	}
	if u := d.LatestUpdate; u != nil {
		out.LatestDatasetUpdate = &pz.DatasetUpdateSummary{
			SchemaArn:           u.SchemaARN,
			Status:              u.Status,
			FailureReason:       u.FailureReason,
			CreationDateTime:    awsjson.NewTimestamp(u.Created),
			LastUpdatedDateTime: awsjson.NewTimestamp(u.Updated),
		}
	}
	return &pz.DescribeDatasetResponse{Dataset: out}, nil
}

func (a *api) listDatasets(ctx context.Context, in *pz.ListDatasetsRequest) (*pz.ListDatasetsResponse, error) {
	datasets, next, err := a.svc.ListDatasets(ctx, scope(ctx), in.DatasetGroupArn, page(in.MaxResults, in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &pz.ListDatasetsResponse{Datasets: make([]pz.DatasetSummary, 0, len(datasets)), NextToken: next}
	for _, d := range datasets {
		out.Datasets = append(out.Datasets, pz.DatasetSummary{
			Name:                d.Name,
			DatasetArn:          d.ARN,
			DatasetType:         wireDatasetType(d.DatasetType),
			Status:              d.Status,
			CreationDateTime:    awsjson.NewTimestamp(d.Created),
			LastUpdatedDateTime: awsjson.NewTimestamp(d.Updated),
		})
	}
	return out, nil
}

func (a *api) deleteDataset(ctx context.Context, in *pz.DeleteDatasetRequest) (*noOutput, error) {
	return nil, a.svc.DeleteDataset(ctx, scope(ctx), in.DatasetArn)
}

func (a *api) updateDataset(ctx context.Context, in *pz.UpdateDatasetRequest) (*pz.UpdateDatasetResponse, error) {
	if err := a.svc.UpdateDataset(ctx, scope(ctx), in.DatasetArn, in.SchemaArn); err != nil {
		return nil, err
	}
	return &pz.UpdateDatasetResponse{DatasetArn: in.DatasetArn}, nil
}

// wireDatasetType is the dataset type as responses carry it: upper-cased,
// as in the dataset's ARN (AWS's responses are not documented; this matches
// the ARN).
func wireDatasetType(t string) string {
	b := []byte(t)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// page converts the paging members of a List request.
func page(maxResults *int32, nextToken string) perso.Page {
	p := perso.Page{NextToken: nextToken}
	if maxResults != nil {
		p.MaxResults = int(*maxResults)
	}
	return p
}
