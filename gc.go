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
