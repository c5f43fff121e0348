package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/perso/perso"
	"github.com/perso/perso/blob"
	"github.com/perso/perso/sqlstore"
	"github.com/perso/perso/worker"
)

// A runner stopped while a job runs hands the job back at once.
func TestRunner_ShutdownHandsJobBack(t *testing.T) {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite:"+t.TempDir()+"/perso.db")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc, err := perso.NewService(ctx, store, nil, perso.Config{Synchronous: true, Quotas: perso.DefaultQuotas()})
	if err != nil {
		t.Fatal(err)
	}
	sc := perso.Scope{Account: "123456789012", Region: "us-east-1"}
	// A delete-files job for a file on a blob store that blocks: the job
	// runs until the runner's context ends.
	if err := store.Update(ctx, sc, func(tx perso.Tx) error {
		return tx.Enqueue(ctx, &perso.Job{Kind: perso.JobDeleteFiles, ARN: "x", Payload: []byte(`["file:///blocked"]`), RunAt: time.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	r := worker.New(store, svc, nil, nil)
	r.Blobs = blockingBlobs{}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = r.RunOne(runCtx)
	}()
	time.Sleep(50 * time.Millisecond)
	stop()
	<-done
	// The job is claimable again at once, not after its 30 s lease.
	job, ok, err := store.Claim(ctx, time.Now().Add(time.Second), time.Minute)
	if err != nil || !ok || job.Attempts != 2 {
		t.Fatalf("Claim after shutdown = %+v, %v, %v; want the job back with 2 attempts", job, ok, err)
	}
}

type blockingBlobs struct{ blob.Store }

func (blockingBlobs) Delete(ctx context.Context, url string) error {
	<-ctx.Done()
	return ctx.Err()
}
