package perso

import (
	"context"
	"time"
)

// ResourceDataDeletionJob is the resource type of data deletion jobs.
const ResourceDataDeletionJob ResourceType = "data-deletion-job"

// JobDataDeletion is the queued job kind that runs a data deletion job.
const JobDataDeletion = "data-deletion"

// The statuses of data deletion jobs, which differ from other resources'.
const (
	StatusPending    = "PENDING"
	StatusInProgress = "IN_PROGRESS"
	StatusCompleted  = "COMPLETED"
	StatusFailed     = "FAILED"
)

// DataDeletionJob removes the records of the users listed in a CSV file
// from every dataset of a dataset group.
type DataDeletionJob struct {
	ARN           string
	Name          string
	GroupARN      string
	DataLocation  string
	RoleARN       string
	Status        string
	NumDeleted    int64
	FailureReason string
	Created       time.Time
	Updated       time.Time
	Tags          map[string]string
}

func deletionJobFrom(r Record) (DataDeletionJob, error) {
	var j DataDeletionJob
	if err := decode(r, &j); err != nil {
		return j, err
	}
	j.ARN, j.Status, j.Created, j.Updated, j.Tags, j.GroupARN = r.ARN, r.Status, r.Created, r.Updated, r.Tags, r.Parent
	return j, nil
}

// CreateDataDeletionJobInput is what CreateDataDeletionJob needs.
type CreateDataDeletionJobInput struct {
	Name, GroupARN, DataLocation, RoleARN string
	Tags                                  map[string]string
}

// CreateDataDeletionJob queues the deletion of the users listed in a CSV
// file (a header with USER_ID, then one user per line) from the datasets
// of an ACTIVE dataset group.
func (s *Service) CreateDataDeletionJob(ctx context.Context, scope Scope, in CreateDataDeletionJobInput) (string, error) {
	if err := CheckDataLocation("dataSource.dataLocation", in.DataLocation); err != nil {
		return "", err
	}
	return s.createJobResource(ctx, scope, jobResource{
		Type: ResourceDataDeletionJob, Noun: "Data deletion job", Name: in.Name, Parent: in.GroupARN,
		Status: StatusPending, JobKind: JobDataDeletion, Tags: in.Tags,
		Data: DataDeletionJob{Name: in.Name, DataLocation: in.DataLocation, RoleARN: in.RoleARN},
	}, func(tx Tx) error {
		_, err := activeGroup(ctx, tx, in.GroupARN)
		return err
	})
}

// DescribeDataDeletionJob returns a data deletion job.
func (s *Service) DescribeDataDeletionJob(ctx context.Context, scope Scope, arn string) (DataDeletionJob, error) {
	return describeAs(ctx, s, scope, arn, ResourceDataDeletionJob, deletionJobFrom)
}

// ListDataDeletionJobs returns one page of the data deletion jobs of a
// dataset group, or of the account and region, newest first.
func (s *Service) ListDataDeletionJobs(ctx context.Context, scope Scope, groupARN string, p Page) ([]DataDeletionJob, string, error) {
	return listAs(ctx, s, ListQuery{Scope: scope, Type: ResourceDataDeletionJob, Parent: groupARN}, "ListDataDeletionJobs\x00"+groupARN, p, deletionJobFrom)
}

// DeletionTask is what the worker needs to run a data deletion job.
type DeletionTask struct {
	Job      DataDeletionJob
	Datasets []Dataset
}

// StartDataDeletion moves a data deletion job to IN_PROGRESS and returns
// its task; done is true when there is nothing left to do.
func (s *Service) StartDataDeletion(ctx context.Context, job Job) (task DeletionTask, done bool, err error) {
	err = s.startJob(ctx, job, deletionSteps, func(tx Tx, r Record) (bool, error) {
		var err error
		if task.Job, err = deletionJobFrom(r); err != nil {
			return false, err
		}
		recs, err := tx.List(ctx, ListQuery{Type: ResourceDataset, Parent: task.Job.GroupARN})
		if err != nil {
			return false, err
		}
		for _, dr := range recs {
			d, err := datasetFrom(dr)
			if err != nil {
				return false, err
			}
			task.Datasets = append(task.Datasets, d)
		}
		return true, nil
	}, &done)
	return task, done, err
}

// DatasetRewrite replaces part of a dataset's data: segments whose records
// were filtered are swapped for their rewritten versions, and streamed rows
// are removed.
type DatasetRewrite struct {
	DatasetARN string
	// Replace maps the URL of a segment to its rewrite, whose URL is ""
	// when no record of the segment is left.
	Replace map[string]Segment
	// RowSeqs are the streamed rows to remove.
	RowSeqs []int64
}

// FinishDataDeletion applies the rewrites and ends the job COMPLETED with
// the number of records deleted, or FAILED with failure as its reason, in
// one transaction. It answers InUse, and changes nothing, when a segment
// to replace is gone: the dataset was re-imported meanwhile, and the job
// must read it again.
func (s *Service) FinishDataDeletion(ctx context.Context, job Job, rewrites []DatasetRewrite, failure string) error {
	return s.update(ctx, job.Scope, func(tx Tx) error {
		r, err := tx.Get(ctx, job.ARN)
		if IsKind(err, KindNotFound) {
			return tx.CompleteJob(ctx, job)
		}
		if err != nil {
			return err
		}
		j, err := deletionJobFrom(r)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		if failure == "" {
			var deleted int64
			var replaced []string
			for _, rw := range rewrites {
				for old, sg := range rw.Replace {
					or, err := tx.Get(ctx, old)
					if IsKind(err, KindNotFound) {
						return Errorf(KindInUse, "dataset %s changed while its records were being deleted", rw.DatasetARN)
					}
					if err != nil {
						return err
					}
					var was Segment
					if err := decode(or, &was); err != nil {
						return err
					}
					sg.Ordinal = was.Ordinal
					if sg.Ordinal == 0 {
						sg.Ordinal = or.Seq
					}
					deleted += was.Rows - sg.Rows
					if err := tx.Delete(ctx, old); err != nil {
						return err
					}
					replaced = append(replaced, old)
					if sg.URL != "" {
						sg.Job = j.ARN
						if err := tx.Insert(ctx, &Record{Type: ResourceSegment, ARN: sg.URL, Key: sg.URL, Parent: rw.DatasetARN, Created: now, Updated: now, Data: encode(sg)}); err != nil {
							return err
						}
					}
				}
				n, err := tx.DeleteRowSeqs(ctx, rw.DatasetARN, rw.RowSeqs)
				if err != nil {
					return err
				}
				deleted += int64(n)
			}
			j.NumDeleted = deleted
			r.Status = StatusCompleted
			if err := s.enqueueFileDeletion(ctx, tx, j.ARN, replaced); err != nil {
				return err
			}
		} else {
			j.FailureReason = failure
			r.Status = StatusFailed
		}
		r.Updated, r.Data = now, encode(j)
		if err := tx.Put(ctx, r); err != nil {
			return err
		}
		return tx.CompleteJob(ctx, job)
	})
}
