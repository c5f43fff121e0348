package httpapi

import (
	"context"

	"github.com/perso/perso"
	"github.com/perso/perso/aws/awsjson"
	pz "github.com/perso/perso/aws/personalize"
)

func (a *api) createDatasetImportJob(ctx context.Context, in *pz.CreateDatasetImportJobRequest) (*pz.CreateDatasetImportJobResponse, error) {
	loc := ""
	if in.DataSource != nil {
		loc = in.DataSource.DataLocation
	}
	if loc == "" {
		return nil, perso.Errorf(perso.KindInvalid, "dataSource.dataLocation is required.")
	}
	arn, err := a.svc.CreateDatasetImportJob(ctx, scope(ctx), perso.CreateDatasetImportJobInput{
		Name: in.JobName, DatasetARN: in.DatasetArn, DataLocation: loc, RoleARN: in.RoleArn, ImportMode: in.ImportMode,
		PublishAttributionS3: in.PublishAttributionMetricsToS3 != nil && *in.PublishAttributionMetricsToS3, Tags: tagMap(in.Tags),
	})
	if err != nil {
		return nil, err
	}
	return &pz.CreateDatasetImportJobResponse{DatasetImportJobArn: arn}, nil
}

func (a *api) describeDatasetImportJob(ctx context.Context, in *pz.DescribeDatasetImportJobRequest) (*pz.DescribeDatasetImportJobResponse, error) {
	j, err := a.svc.DescribeDatasetImportJob(ctx, scope(ctx), in.DatasetImportJobArn)
	if err != nil {
		return nil, err
	}
	publish := j.PublishAttributionS3
	return &pz.DescribeDatasetImportJobResponse{DatasetImportJob: &pz.DatasetImportJob{
		JobName:                       j.Name,
		DatasetImportJobArn:           j.ARN,
		DatasetArn:                    j.DatasetARN,
		DataSource:                    &pz.DataSource{DataLocation: j.DataLocation},
		RoleArn:                       j.RoleARN,
		Status:                        j.Status,
		CreationDateTime:              awsjson.NewTimestamp(j.Created),
		LastUpdatedDateTime:           awsjson.NewTimestamp(j.Updated),
		FailureReason:                 j.FailureReason,
		ImportMode:                    j.ImportMode,
		PublishAttributionMetricsToS3: &publish,
	}}, nil
}

func (a *api) listDatasetImportJobs(ctx context.Context, in *pz.ListDatasetImportJobsRequest) (*pz.ListDatasetImportJobsResponse, error) {
	jobs, next, err := a.svc.ListDatasetImportJobs(ctx, scope(ctx), in.DatasetArn, page(in.MaxResults, in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &pz.ListDatasetImportJobsResponse{DatasetImportJobs: make([]pz.DatasetImportJobSummary, 0, len(jobs)), NextToken: next}
	for _, j := range jobs {
		out.DatasetImportJobs = append(out.DatasetImportJobs, pz.DatasetImportJobSummary{
			DatasetImportJobArn: j.ARN,
			JobName:             j.Name,
			Status:              j.Status,
			CreationDateTime:    awsjson.NewTimestamp(j.Created),
			LastUpdatedDateTime: awsjson.NewTimestamp(j.Updated),
			FailureReason:       j.FailureReason,
			ImportMode:          j.ImportMode,
		})
	}
	return out, nil
}
