package perso

import (
	"context"
	"fmt"
)

// CreateDatasetGroupInput is what CreateDatasetGroup needs.
type CreateDatasetGroupInput struct {
	Name      string
	Domain    string
	RoleARN   string
	KMSKeyARN string
	Tags      map[string]string
}

// CreateDatasetGroup creates a dataset group in CREATE PENDING and returns
// its ARN. Names are unique per account and region; the number of dataset
// groups is limited by the DatasetGroups quota.
func (s *Service) CreateDatasetGroup(ctx context.Context, scope Scope, in CreateDatasetGroupInput) (string, error) {
	if err := s.checkTags(in.Tags); err != nil {
		return "", err
	}
	if in.KMSKeyARN != "" && in.RoleARN == "" {
		return "", Errorf(KindInvalid, "A roleArn is required when a kmsKeyArn is given.")
	}
	arn := NewARN(scope, ResourceDatasetGroup, in.Name)
	g := DatasetGroup{Name: in.Name, Domain: in.Domain, RoleARN: in.RoleARN, KMSKeyARN: in.KMSKeyARN}
	err := s.update(ctx, scope, func(tx Tx) error {
		if _, err := tx.GetByKey(ctx, ResourceDatasetGroup, in.Name); err == nil {
			return Errorf(KindAlreadyExists, "Dataset group with name %s already exists.", in.Name)
		} else if !IsKind(err, KindNotFound) {
			return err
		}
		// Groups on their way out no longer count against the quota.
		n, err := tx.Count(ctx, CountQuery{Type: ResourceDatasetGroup, Statuses: []string{StatusCreatePending, StatusCreateInProgress, StatusActive, StatusCreateFailed}})
		if err != nil {
			return err
		}
		if overQuota(s.cfg.Quotas.DatasetGroups, n) {
			return Errorf(KindLimitExceeded, "The account has reached its limit of %d dataset groups in this region.", s.cfg.Quotas.DatasetGroups)
		}
		return s.insert(ctx, tx, &Record{Type: ResourceDatasetGroup, ARN: arn, Key: in.Name, Tags: in.Tags, Data: encode(g)}, true)
	})
	if err != nil {
		return "", err
	}
	return arn, nil
}

// DescribeDatasetGroup returns a dataset group.
func (s *Service) DescribeDatasetGroup(ctx context.Context, scope Scope, arn string) (DatasetGroup, error) {
	return describeAs(ctx, s, scope, arn, ResourceDatasetGroup, datasetGroupFrom)
}

// ListDatasetGroups returns one page of the dataset groups, newest first.
func (s *Service) ListDatasetGroups(ctx context.Context, scope Scope, p Page) ([]DatasetGroup, string, error) {
	return listAs(ctx, s, ListQuery{Scope: scope, Type: ResourceDatasetGroup}, "ListDatasetGroups", p, datasetGroupFrom)
}

// DeleteDatasetGroup deletes a dataset group that has no datasets left.
func (s *Service) DeleteDatasetGroup(ctx context.Context, scope Scope, arn string) error {
	return s.update(ctx, scope, func(tx Tx) error {
		r, err := get(ctx, tx.Get, arn, ResourceDatasetGroup)
		if err != nil {
			return err
		}
		if err := deletable(arn, r.Status); err != nil {
			return err
		}
		for _, child := range []struct {
			t         ResourceType
			one, many string
			statuses  []string
		}{
			{ResourceEventTracker, "event tracker", "event trackers", nil},
			{ResourceDataset, "dataset", "datasets", nil},
			{ResourceDataDeletionJob, "data deletion job in progress", "data deletion jobs in progress", []string{StatusPending, StatusInProgress}},
		} {
			n, err := tx.Count(ctx, CountQuery{Type: child.t, Parent: arn, Statuses: child.statuses})
			if err != nil {
				return err
			}
			if n > 0 {
				return Errorf(KindInUse, "Dataset group %s still has %d %s; delete them first.", arn, n, plural(n, child.one, child.many))
			}
		}
		return s.remove(ctx, tx, r, true)
	})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// activeGroup returns the dataset group a child resource is created in: it
// must exist and be ACTIVE.
func activeGroup(ctx context.Context, tx Tx, arn string) (DatasetGroup, error) {
	r, err := get(ctx, tx.Get, arn, ResourceDatasetGroup)
	if err != nil {
		return DatasetGroup{}, err
	}
	if r.Status != StatusActive {
		return DatasetGroup{}, Errorf(KindInUse, "Dataset group %s is in status %s; it must be ACTIVE.", arn, r.Status)
	}
	g, err := datasetGroupFrom(r)
	if err != nil {
		return DatasetGroup{}, fmt.Errorf("read dataset group: %w", err)
	}
	return g, nil
}
