package perso

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// JobDeleteFiles is the queued job kind that deletes files of the blob
// store nothing lists any more: segments replaced by a FULL import or a
// data deletion job, and those of deleted datasets.
const JobDeleteFiles = "delete-files"

// FileGrace is how long files that nothing lists any more are kept before
// they are deleted, so that readers which listed them just before (an
// export in progress, say) can finish.
const FileGrace = 10 * time.Minute

// enqueueFileDeletion queues the deletion of files, after FileGrace.
func (s *Service) enqueueFileDeletion(ctx context.Context, tx Tx, arn string, urls []string) error {
	if len(urls) == 0 {
		return nil
	}
	payload, err := json.Marshal(urls)
	if err != nil {
		return fmt.Errorf("encode file list: %w", err)
	}
	return tx.Enqueue(ctx, &Job{Kind: JobDeleteFiles, ARN: arn, Payload: payload, RunAt: s.clock.Now().Add(FileGrace)})
}

// FilesToDelete returns the URLs of a JobDeleteFiles job.
func FilesToDelete(job Job) ([]string, error) {
	var urls []string
	if err := json.Unmarshal(job.Payload, &urls); err != nil {
		return nil, fmt.Errorf("decode file list of job %d: %w", job.ID, err)
	}
	return urls, nil
}

// CompleteJob removes a job whose work is done outside the store.
func (s *Service) CompleteJob(ctx context.Context, job Job) error {
	return s.update(ctx, job.Scope, func(tx Tx) error { return tx.CompleteJob(ctx, job) })
}

// jobResource describes a resource that a queued job does the work of.
type jobResource struct {
	Type         ResourceType
	Noun         string // for messages: "Dataset import job"
	Name, Parent string
	Status       string // its first status
	JobKind      string
	Tags         map[string]string
	Data         any
}

// createJobResource inserts a job resource in its first status and queues
// its job, in one transaction that first runs check (nil for none) and
// refuses a taken name. It returns the resource's ARN.
func (s *Service) createJobResource(ctx context.Context, scope Scope, res jobResource, check func(Tx) error) (string, error) {
	if err := s.checkTags(res.Tags); err != nil {
		return "", err
	}
	arn := NewARN(scope, res.Type, res.Name)
	err := s.update(ctx, scope, func(tx Tx) error {
		if check != nil {
			if err := check(tx); err != nil {
				return err
			}
		}
		if _, err := tx.Get(ctx, arn); err == nil {
			return Errorf(KindAlreadyExists, "%s with name %s already exists.", res.Noun, res.Name)
		} else if !IsKind(err, KindNotFound) {
			return err
		}
		now := s.clock.Now()
		if err := tx.Insert(ctx, &Record{Type: res.Type, ARN: arn, Key: res.Name, Parent: res.Parent,
			Status: res.Status, Created: now, Updated: now, Tags: res.Tags, Data: encode(res.Data)}); err != nil {
			return err
		}
		return tx.Enqueue(ctx, &Job{Kind: res.JobKind, ARN: arn, RunAt: now})
	})
	if err != nil {
		return "", err
	}
	return arn, nil
}

// activeDataset answers NotFound or InUse unless the dataset exists and is
// ACTIVE.
func activeDataset(ctx context.Context, tx Tx, arn string) error {
	dr, err := get(ctx, tx.Get, arn, ResourceDataset)
	if err != nil {
		return err
	}
	if dr.Status != StatusActive {
		return Errorf(KindInUse, "Dataset %s is in status %s; it must be ACTIVE.", arn, dr.Status)
	}
	return nil
}

// segmentURLs returns the URLs of segment records.
func segmentURLs(recs []Record) []string {
	urls := make([]string, 0, len(recs))
	for _, r := range recs {
		if r.Type == ResourceSegment {
			urls = append(urls, r.ARN)
		}
	}
	return urls
}

// jobSteps are the statuses a job resource goes through; data deletion
// jobs spell them differently from the others.
type jobSteps struct{ pending, inProgress, failed string }

var (
	createSteps   = jobSteps{StatusCreatePending, StatusCreateInProgress, StatusCreateFailed}
	deletionSteps = jobSteps{StatusPending, StatusInProgress, StatusFailed}
)

// startJob moves the resource of a queued job from its pending status to
// in progress. load reads what the job needs inside the same transaction
// and answers false when what the job works on is gone (the job then
// fails with that reason); done is set when the job has nothing left to
// do. An error from load rolls back and is returned.
func (s *Service) startJob(ctx context.Context, job Job, steps jobSteps, load func(Tx, Record) (bool, error), done *bool) error {
	return s.update(ctx, job.Scope, func(tx Tx) error {
		r, err := tx.Get(ctx, job.ARN)
		if IsKind(err, KindNotFound) {
			*done = true
			return tx.CompleteJob(ctx, job)
		}
		if err != nil {
			return err
		}
		if r.Status != steps.pending && r.Status != steps.inProgress {
			*done = true
			return tx.CompleteJob(ctx, job)
		}
		ok, err := load(tx, r)
		if err != nil {
			return err
		}
		if !ok {
			*done = true
			r.Status, r.Updated = steps.failed, s.clock.Now()
			r.Data = withFailure(r.Data, "The resource the job works on was deleted before the job started.")
			if err := tx.Put(ctx, r); err != nil {
				return err
			}
			return tx.CompleteJob(ctx, job)
		}
		r.Status, r.Updated = steps.inProgress, s.clock.Now()
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
