package perso

import (
	"context"
	"encoding/json"
	"fmt"
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
	err = s.startJob(ctx, job, func(tx Tx, r Record) (bool, error) {
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

// startJob moves the resource of a queued job from CREATE PENDING to
// CREATE IN_PROGRESS. load reads what the job needs inside the same
// transaction; done is set when the job has nothing left to do because its
// resource is gone or finished.
func (s *Service) startJob(ctx context.Context, job Job, load func(Tx, Record) (bool, error), done *bool) error {
	return s.update(ctx, job.Scope, func(tx Tx) error {
		r, err := tx.Get(ctx, job.ARN)
		if IsKind(err, KindNotFound) {
			*done = true
			return tx.CompleteJob(ctx, job)
		}
		if err != nil {
			return err
		}
		if r.Status != StatusCreatePending && r.Status != StatusCreateInProgress {
			*done = true
			return tx.CompleteJob(ctx, job)
		}
		ok, err := load(tx, r)
		if err != nil {
			return err
		}
		if !ok {
			*done = true
			r.Status, r.Updated = StatusCreateFailed, s.clock.Now()
			r.Data = withFailure(r.Data, "The resource the job works on was deleted before the job started.")
			if err := tx.Put(ctx, r); err != nil {
				return err
			}
			return tx.CompleteJob(ctx, job)
		}
		r.Status, r.Updated = StatusCreateInProgress, s.clock.Now()
		return tx.Put(ctx, r)
	})
}

// finishJob ends a job's resource ACTIVE, or CREATE FAILED when failure is
// not empty, lets set record the outcome, and removes the job from the
// queue, in one transaction.
func (s *Service) finishJob(ctx context.Context, job Job, failure string, set func(*Record) error) error {
	return s.update(ctx, job.Scope, func(tx Tx) error {
		r, err := tx.Get(ctx, job.ARN)
		if IsKind(err, KindNotFound) {
			return tx.CompleteJob(ctx, job)
		}
		if err != nil {
			return err
		}
		r.Status = StatusActive
		if failure != "" {
			r.Status = StatusCreateFailed
		}
		r.Updated = s.clock.Now()
		if err := set(&r); err != nil {
			return fmt.Errorf("record job outcome: %w", err)
		}
		if err := tx.Put(ctx, r); err != nil {
			return err
		}
		return tx.CompleteJob(ctx, job)
	})
}

// DatasetRows returns up to limit rows streamed into a dataset after Seq
// after, oldest first.
func (s *Service) DatasetRows(ctx context.Context, scope Scope, datasetARN string, after int64, limit int) ([]Row, error) {
	return s.store.ScanRows(ctx, scope, datasetARN, after, limit)
}

// withFailure sets the FailureReason member of a job's stored fields.
func withFailure(data []byte, reason string) []byte {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		m = map[string]any{}
	}
	m["FailureReason"] = reason
	b, err := json.Marshal(m)
	if err != nil {
		return data
	}
	return b
}
