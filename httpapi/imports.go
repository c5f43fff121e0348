package httpapi

import (
	"context"
	"math"

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

func (a *api) createDatasetExportJob(ctx context.Context, in *pz.CreateDatasetExportJobRequest) (*pz.CreateDatasetExportJobResponse, error) {
	var path, kms string
	if in.JobOutput != nil && in.JobOutput.S3DataDestination != nil {
		path, kms = in.JobOutput.S3DataDestination.Path, in.JobOutput.S3DataDestination.KmsKeyArn
	}
	if path == "" {
		return nil, perso.Errorf(perso.KindInvalid, "jobOutput.s3DataDestination.path is required.")
	}
	arn, err := a.svc.CreateDatasetExportJob(ctx, scope(ctx), perso.CreateDatasetExportJobInput{
		Name: in.JobName, DatasetARN: in.DatasetArn, IngestionMode: in.IngestionMode, RoleARN: in.RoleArn, Path: path, KMSKeyARN: kms, Tags: tagMap(in.Tags),
	})
	if err != nil {
		return nil, err
	}
	return &pz.CreateDatasetExportJobResponse{DatasetExportJobArn: arn}, nil
}

func (a *api) describeDatasetExportJob(ctx context.Context, in *pz.DescribeDatasetExportJobRequest) (*pz.DescribeDatasetExportJobResponse, error) {
	j, err := a.svc.DescribeDatasetExportJob(ctx, scope(ctx), in.DatasetExportJobArn)
	if err != nil {
		return nil, err
	}
	return &pz.DescribeDatasetExportJobResponse{DatasetExportJob: &pz.DatasetExportJob{
		JobName:             j.Name,
		DatasetExportJobArn: j.ARN,
		DatasetArn:          j.DatasetARN,
		IngestionMode:       j.IngestionMode,
		RoleArn:             j.RoleARN,
		Status:              j.Status,
		JobOutput:           &pz.DatasetExportJobOutput{S3DataDestination: &pz.S3DataConfig{Path: j.Path, KmsKeyArn: j.KMSKeyARN}},
		CreationDateTime:    awsjson.NewTimestamp(j.Created),
		LastUpdatedDateTime: awsjson.NewTimestamp(j.Updated),
		FailureReason:       j.FailureReason,
	}}, nil
}

func (a *api) listDatasetExportJobs(ctx context.Context, in *pz.ListDatasetExportJobsRequest) (*pz.ListDatasetExportJobsResponse, error) {
	jobs, next, err := a.svc.ListDatasetExportJobs(ctx, scope(ctx), in.DatasetArn, page(in.MaxResults, in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &pz.ListDatasetExportJobsResponse{DatasetExportJobs: make([]pz.DatasetExportJobSummary, 0, len(jobs)), NextToken: next}
	for _, j := range jobs {
		out.DatasetExportJobs = append(out.DatasetExportJobs, pz.DatasetExportJobSummary{
			DatasetExportJobArn: j.ARN,
			JobName:             j.Name,
			Status:              j.Status,
			CreationDateTime:    awsjson.NewTimestamp(j.Created),
			LastUpdatedDateTime: awsjson.NewTimestamp(j.Updated),
			FailureReason:       j.FailureReason,
		})
	}
	return out, nil
}

func (a *api) createDataDeletionJob(ctx context.Context, in *pz.CreateDataDeletionJobRequest) (*pz.CreateDataDeletionJobResponse, error) {
	loc := ""
	if in.DataSource != nil {
		loc = in.DataSource.DataLocation
	}
	if loc == "" {
		return nil, perso.Errorf(perso.KindInvalid, "dataSource.dataLocation is required.")
	}
	arn, err := a.svc.CreateDataDeletionJob(ctx, scope(ctx), perso.CreateDataDeletionJobInput{
		Name: in.JobName, GroupARN: in.DatasetGroupArn, DataLocation: loc, RoleARN: in.RoleArn, Tags: tagMap(in.Tags),
	})
	if err != nil {
		return nil, err
	}
	return &pz.CreateDataDeletionJobResponse{DataDeletionJobArn: arn}, nil
}

func (a *api) describeDataDeletionJob(ctx context.Context, in *pz.DescribeDataDeletionJobRequest) (*pz.DescribeDataDeletionJobResponse, error) {
	j, err := a.svc.DescribeDataDeletionJob(ctx, scope(ctx), in.DataDeletionJobArn)
	if err != nil {
		return nil, err
	}
	out := &pz.DataDeletionJob{
		JobName:             j.Name,
		DataDeletionJobArn:  j.ARN,
		DatasetGroupArn:     j.GroupARN,
		DataSource:          &pz.DataSource{DataLocation: j.DataLocation},
		RoleArn:             j.RoleARN,
		Status:              j.Status,
		CreationDateTime:    awsjson.NewTimestamp(j.Created),
		LastUpdatedDateTime: awsjson.NewTimestamp(j.Updated),
		FailureReason:       j.FailureReason,
	}
	if j.Status == perso.StatusCompleted {
		n := int32(min(j.NumDeleted, math.MaxInt32))
		out.NumDeleted = &n
	}
	return &pz.DescribeDataDeletionJobResponse{DataDeletionJob: out}, nil
}

func (a *api) listDataDeletionJobs(ctx context.Context, in *pz.ListDataDeletionJobsRequest) (*pz.ListDataDeletionJobsResponse, error) {
	jobs, next, err := a.svc.ListDataDeletionJobs(ctx, scope(ctx), in.DatasetGroupArn, page(in.MaxResults, in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &pz.ListDataDeletionJobsResponse{DataDeletionJobs: make([]pz.DataDeletionJobSummary, 0, len(jobs)), NextToken: next}
	for _, j := range jobs {
		out.DataDeletionJobs = append(out.DataDeletionJobs, pz.DataDeletionJobSummary{
			DataDeletionJobArn:  j.ARN,
			DatasetGroupArn:     j.GroupARN,
			JobName:             j.Name,
			Status:              j.Status,
			CreationDateTime:    awsjson.NewTimestamp(j.Created),
			LastUpdatedDateTime: awsjson.NewTimestamp(j.Updated),
			FailureReason:       j.FailureReason,
		})
	}
	return out, nil
}
