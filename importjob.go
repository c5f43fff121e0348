package perso

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/perso/perso/avroschema"
)

// The resource types of dataset data.
const (
	ResourceDatasetImportJob ResourceType = "dataset-import-job"
	// ResourceSegment is an immutable file of a dataset's bulk data, kept
	// in the blob store and listed here. It is not an API resource: its
	// ARN is its URL, which no API operation accepts.
	ResourceSegment ResourceType = "segment"
)

// The import modes.
const (
	ImportFull        = "FULL"
	ImportIncremental = "INCREMENTAL"
)

// The kinds of queued jobs that do real work outside the store; the worker
// runs them.
const (
	JobImport = "import"
)

// DatasetImportJob reads bulk data into a dataset.
type DatasetImportJob struct {
	ARN                  string
	Name                 string
	DatasetARN           string
	DataLocation         string
	RoleARN              string
	Status               string
	FailureReason        string
	ImportMode           string
	PublishAttributionS3 bool
	Created              time.Time
	Updated              time.Time
	Tags                 map[string]string
	RowsImported         int64
	SegmentCount         int
}

func importJobFrom(r Record) (DatasetImportJob, error) {
	var j DatasetImportJob
	if err := decode(r, &j); err != nil {
		return j, err
	}
	j.ARN, j.Status, j.Created, j.Updated, j.Tags, j.DatasetARN = r.ARN, r.Status, r.Created, r.Updated, r.Tags, r.Parent
	return j, nil
}

// Segment is one immutable file of a dataset's bulk data.
type Segment struct {
	URL   string
	Rows  int64
	Bytes int64
	// Ordinal places the segment among the dataset's segments, oldest
	// first; 0 means the Seq of its record. A rewritten segment keeps the
	// place of the one it replaces, so that later records still win.
	Ordinal int64
	// Job is the ARN of the import job that wrote it.
	Job string
}

// CheckDataLocation checks that a data location names something perso can
// read or write: an s3:// or file:// URL. The model also admits http(s)
// URLs, which name nothing perso can reach; they are refused clearly.
func CheckDataLocation(member, loc string) error {
	switch {
	case strings.HasPrefix(loc, "s3://"), strings.HasPrefix(loc, "file:///"):
		return nil
	case strings.HasPrefix(loc, "file://"):
		return Errorf(KindInvalid, "%s %q: a file URL must name an absolute path, as in file:///data/interactions.csv.", member, loc)
	default:
		return Errorf(KindInvalid, "%s %q: only s3://bucket/key and file:///path locations are supported.", member, loc)
	}
}

// CreateDatasetImportJobInput is what CreateDatasetImportJob needs.
type CreateDatasetImportJobInput struct {
	Name, DatasetARN, DataLocation, RoleARN, ImportMode string
	PublishAttributionS3                                bool
	Tags                                                map[string]string
}

// CreateDatasetImportJob queues the import of a CSV file, or of every .csv
// file under a prefix ending in "/", into an ACTIVE dataset. A FULL import
// replaces the dataset's bulk data when it succeeds; an INCREMENTAL one
// adds to it; a failed one changes nothing. Records streamed through the
// events API are not bulk data and stay.
func (s *Service) CreateDatasetImportJob(ctx context.Context, scope Scope, in CreateDatasetImportJobInput) (string, error) {
	if err := CheckDataLocation("dataSource.dataLocation", in.DataLocation); err != nil {
		return "", err
	}
	if in.ImportMode == "" {
		in.ImportMode = ImportFull
	}
	return s.createJobResource(ctx, scope, jobResource{
		Type: ResourceDatasetImportJob, Noun: "Dataset import job", Name: in.Name, Parent: in.DatasetARN,
		Status: StatusCreatePending, JobKind: JobImport, Tags: in.Tags,
		Data: DatasetImportJob{Name: in.Name, DataLocation: in.DataLocation, RoleARN: in.RoleARN, ImportMode: in.ImportMode, PublishAttributionS3: in.PublishAttributionS3},
	}, func(tx Tx) error {
		if err := activeDataset(ctx, tx, in.DatasetARN); err != nil {
			return err
		}
		pending, err := tx.Count(ctx, CountQuery{Type: ResourceDatasetImportJob, Statuses: []string{StatusCreatePending, StatusCreateInProgress}})
		if err != nil {
			return err
		}
		if overQuota(s.cfg.Quotas.PendingImportJobs, pending) {
			return Errorf(KindLimitExceeded, "The account has %d dataset import jobs pending or in progress in this region, its limit.", pending)
		}
		return nil
	})
}

// DescribeDatasetImportJob returns a dataset import job.
func (s *Service) DescribeDatasetImportJob(ctx context.Context, scope Scope, arn string) (DatasetImportJob, error) {
	return describeAs(ctx, s, scope, arn, ResourceDatasetImportJob, importJobFrom)
}

// ListDatasetImportJobs returns one page of the import jobs of a dataset,
// or of the account and region when datasetARN is "".
func (s *Service) ListDatasetImportJobs(ctx context.Context, scope Scope, datasetARN string, p Page) ([]DatasetImportJob, string, error) {
	return listAs(ctx, s, ListQuery{Scope: scope, Type: ResourceDatasetImportJob, Parent: datasetARN}, "ListDatasetImportJobs\x00"+datasetARN, p, importJobFrom)
}

// ErrNotYet is returned by StartImport for a job that must wait for an
// older import of the same dataset to finish; nothing was changed.
var ErrNotYet = errors.New("an older import of the dataset has not finished")

// ImportTask is what the worker needs to run an import job.
type ImportTask struct {
	Job     DatasetImportJob
	Dataset Dataset
	// SegmentPrefix is where this attempt writes its segments; nothing else
	// is written there. Earlier attempts wrote under the job's prefix too.
	JobPrefix, SegmentPrefix string
	// MinRows is the fewest rows the import must bring; 0 means any.
	MinRows int64
}

// StartImport moves an import job to CREATE IN_PROGRESS and returns its
// task. done is true when there is nothing to do: the job is gone or
// finished (a crash after its last commit).
func (s *Service) StartImport(ctx context.Context, job Job, dataRoot string) (task ImportTask, done bool, err error) {
	err = s.startJob(ctx, job, createSteps, func(tx Tx, r Record) (bool, error) {
		var err error
		if task.Job, err = importJobFrom(r); err != nil {
			return false, err
		}
		// A dataset's imports run one at a time, in the order they were
		// created: a FULL import that finished after a later INCREMENTAL
		// one would otherwise drop its rows.
		jobs, err := tx.List(ctx, ListQuery{Type: ResourceDatasetImportJob, Parent: task.Job.DatasetARN, Before: r.Seq})
		if err != nil {
			return false, err
		}
		for _, older := range jobs {
			if older.Status == StatusCreatePending || older.Status == StatusCreateInProgress {
				return false, ErrNotYet
			}
		}
		dr, err := tx.Get(ctx, task.Job.DatasetARN)
		if err != nil {
			return false, err
		}
		task.Dataset, err = datasetFrom(dr)
		return true, err
	}, &done)
	if err != nil || done {
		return task, done, err
	}
	ds, err := ParseARN(task.Dataset.ARN)
	if err != nil {
		return task, false, err
	}
	task.JobPrefix = fmt.Sprintf("%s/%s/%s/datasets/%s/%s/", strings.TrimSuffix(dataRoot, "/"), job.Account, job.Region, ds.ID, task.Job.Name)
	task.SegmentPrefix = fmt.Sprintf("%sattempt-%d/", task.JobPrefix, job.Attempts)
	if task.Dataset.DatasetType == "Interactions" && task.Job.ImportMode == ImportFull && s.cfg.Quotas.MinImportInteractions > 0 {
		task.MinRows = int64(s.cfg.Quotas.MinImportInteractions)
	}
	return task, false, nil
}

// DatasetSchema returns the parsed schema of a dataset.
func (s *Service) DatasetSchema(ctx context.Context, scope Scope, d Dataset) (*avroschema.Schema, error) {
	return s.parsedSchema(ctx, scope, d.SchemaARN)
}

// FinishImport records the outcome of an import job and removes it from
// the queue, in one transaction. With failure empty, the segments become
// the dataset's bulk data (replacing it for a FULL import) and the job
// ACTIVE; otherwise the job is CREATE FAILED with failure as its reason and
// the dataset is unchanged.
func (s *Service) FinishImport(ctx context.Context, job Job, segments []Segment, failure string) error {
	return s.update(ctx, job.Scope, func(tx Tx) error {
		r, err := tx.Get(ctx, job.ARN)
		if IsKind(err, KindNotFound) {
			// The dataset, and its jobs with it, were deleted meanwhile:
			// nothing will list the segments written.
			urls := make([]string, len(segments))
			for i, sg := range segments {
				urls[i] = sg.URL
			}
			if err := s.enqueueFileDeletion(ctx, tx, job.ARN, urls); err != nil {
				return err
			}
			return tx.CompleteJob(ctx, job)
		}
		if err != nil {
			return err
		}
		j, err := importJobFrom(r)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		if failure == "" {
			if _, err := tx.Get(ctx, j.DatasetARN); err != nil {
				failure = fmt.Sprintf("Dataset %s was deleted during the import.", j.DatasetARN)
			}
		}
		if failure != "" {
			j.FailureReason = failure
			r.Status = StatusCreateFailed
		} else {
			if j.ImportMode == ImportFull {
				old, err := tx.List(ctx, ListQuery{Type: ResourceSegment, Parent: j.DatasetARN})
				if err != nil {
					return err
				}
				for _, o := range old {
					if err := tx.Delete(ctx, o.ARN); err != nil {
						return err
					}
				}
				if err := s.enqueueFileDeletion(ctx, tx, j.DatasetARN, segmentURLs(old)); err != nil {
					return err
				}
			}
			for _, sg := range segments {
				sg.Job = j.ARN
				if err := tx.Insert(ctx, &Record{Type: ResourceSegment, ARN: sg.URL, Key: sg.URL, Parent: j.DatasetARN, Created: now, Updated: now, Data: encode(sg)}); err != nil {
					return err
				}
				j.RowsImported += sg.Rows
			}
			j.SegmentCount = len(segments)
			r.Status = StatusActive
		}
		r.Updated, r.Data = now, encode(j)
		if err := tx.Put(ctx, r); err != nil {
			return err
		}
		return tx.CompleteJob(ctx, job)
	})
}

// DatasetSegments returns the segments of a dataset's bulk data, oldest
// first.
func (s *Service) DatasetSegments(ctx context.Context, scope Scope, datasetARN string) ([]Segment, error) {
	recs, err := s.store.List(ctx, ListQuery{Scope: scope, Type: ResourceSegment, Parent: datasetARN})
	if err != nil {
		return nil, err
	}
	out := make([]Segment, len(recs))
	for i, r := range recs {
		var sg Segment
		if err := decode(r, &sg); err != nil {
			return nil, err
		}
		if sg.Ordinal == 0 {
			sg.Ordinal = r.Seq
		}
		out[i] = sg
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ordinal < out[j].Ordinal })
	return out, nil
}
