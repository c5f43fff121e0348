package perso

import (
	"context"
	"strings"
	"time"
)

// ResourceDatasetExportJob is the resource type of dataset export jobs.
const ResourceDatasetExportJob ResourceType = "dataset-export-job"

// JobExport is the queued job kind that runs a dataset export job.
const JobExport = "export"

// The ingestion modes of an export: which of a dataset's data to export.
const (
	IngestionBulk = "BULK" // data of import jobs
	IngestionPut  = "PUT"  // data of the events API
	IngestionAll  = "ALL"
)

// DatasetExportJob writes a dataset's data as CSV to a location.
type DatasetExportJob struct {
	ARN           string
	Name          string
	DatasetARN    string
	IngestionMode string
	RoleARN       string
	Path          string
	KMSKeyARN     string
	Status        string
	FailureReason string
	Created       time.Time
	Updated       time.Time
	Tags          map[string]string
	// Files lists the URLs the job wrote.
	Files []string
}

func exportJobFrom(r Record) (DatasetExportJob, error) {
	var j DatasetExportJob
	if err := decode(r, &j); err != nil {
		return j, err
	}
	j.ARN, j.Status, j.Created, j.Updated, j.Tags, j.DatasetARN = r.ARN, r.Status, r.Created, r.Updated, r.Tags, r.Parent
	return j, nil
}

// CreateDatasetExportJobInput is what CreateDatasetExportJob needs.
type CreateDatasetExportJobInput struct {
	Name, DatasetARN, IngestionMode, RoleARN, Path, KMSKeyARN string
	Tags                                                      map[string]string
}

// CreateDatasetExportJob queues the export of an ACTIVE dataset's data as
// CSV under a path. The ingestion mode defaults to PUT, as AWS's does.
func (s *Service) CreateDatasetExportJob(ctx context.Context, scope Scope, in CreateDatasetExportJobInput) (string, error) {
	if err := CheckDataLocation("jobOutput.s3DataDestination.path", in.Path); err != nil {
		return "", err
	}
	if in.IngestionMode == "" {
		in.IngestionMode = IngestionPut
	}
	return s.createJobResource(ctx, scope, jobResource{
		Type: ResourceDatasetExportJob, Noun: "Dataset export job", Name: in.Name, Parent: in.DatasetARN,
		Status: StatusCreatePending, JobKind: JobExport, Tags: in.Tags,
		Data: DatasetExportJob{Name: in.Name, IngestionMode: in.IngestionMode, RoleARN: in.RoleARN, Path: in.Path, KMSKeyARN: in.KMSKeyARN},
	}, func(tx Tx) error { return activeDataset(ctx, tx, in.DatasetARN) })
}

// DescribeDatasetExportJob returns a dataset export job.
func (s *Service) DescribeDatasetExportJob(ctx context.Context, scope Scope, arn string) (DatasetExportJob, error) {
	return describeAs(ctx, s, scope, arn, ResourceDatasetExportJob, exportJobFrom)
}

// ListDatasetExportJobs returns one page of the export jobs of a dataset,
// or of the account and region when datasetARN is "".
func (s *Service) ListDatasetExportJobs(ctx context.Context, scope Scope, datasetARN string, p Page) ([]DatasetExportJob, string, error) {
	return listAs(ctx, s, ListQuery{Scope: scope, Type: ResourceDatasetExportJob, Parent: datasetARN}, "ListDatasetExportJobs\x00"+datasetARN, p, exportJobFrom)
}

// ExportTask is what the worker needs to run an export job.
type ExportTask struct {
	Job     DatasetExportJob
	Dataset Dataset
	// FilePrefix is where the job's files go: the path, then the job name.
	FilePrefix string
}

// StartExport moves an export job to CREATE IN_PROGRESS and returns its
// task; done is true when there is nothing left to do.
func (s *Service) StartExport(ctx context.Context, job Job) (task ExportTask, done bool, err error) {
	err = s.startJob(ctx, job, createSteps, func(tx Tx, r Record) (bool, error) {
		var err error
		if task.Job, err = exportJobFrom(r); err != nil {
			return false, err
		}
		dr, err := tx.Get(ctx, task.Job.DatasetARN)
		if IsKind(err, KindNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		task.Dataset, err = datasetFrom(dr)
		return true, err
	}, &done)
	task.FilePrefix = strings.TrimSuffix(task.Job.Path, "/") + "/" + task.Job.Name + "/"
	return task, done, err
}

// FinishExport records the outcome of an export job: ACTIVE with the files
// it wrote, or CREATE FAILED with the reason.
func (s *Service) FinishExport(ctx context.Context, job Job, files []string, failure string) error {
	return s.finishJob(ctx, job, failure, func(r *Record) error {
		j, err := exportJobFrom(*r)
		if err != nil {
			return err
		}
		j.FailureReason, j.Files = failure, files
		r.Data = encode(j)
		return nil
	})
}

// DatasetRows returns up to limit rows streamed into a dataset after Seq
// after, oldest first.
func (s *Service) DatasetRows(ctx context.Context, scope Scope, datasetARN string, after int64, limit int) ([]Row, error) {
	return s.store.ScanRows(ctx, scope, datasetARN, after, limit)
}
