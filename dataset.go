package perso

import (
	"context"
	"strings"
)

// CanonicalDatasetType returns the canonical spelling of a dataset type
// given in any case, or an Invalid error listing the valid types.
func CanonicalDatasetType(t string) (string, error) {
	for _, c := range DatasetTypes {
		if strings.EqualFold(c, t) {
			return c, nil
		}
	}
	return "", Errorf(KindInvalid, "Dataset type %q is not valid; use one of %s.", t, strings.Join(DatasetTypes, ", "))
}

// CreateDatasetInput is what CreateDataset needs.
type CreateDatasetInput struct {
	Name        string
	GroupARN    string
	DatasetType string
	SchemaARN   string
	Tags        map[string]string
}

// CreateDataset creates a dataset of a type in an ACTIVE dataset group. The
// ARN is dataset/<group name>/<TYPE>, so a group holds at most one dataset
// of each type; names are unique in the account and region, as for every
// resource type. The schema must fit the type and the group's domain.
func (s *Service) CreateDataset(ctx context.Context, scope Scope, in CreateDatasetInput) (string, error) {
	typ, err := CanonicalDatasetType(in.DatasetType)
	if err != nil {
		return "", err
	}
	if err := s.checkTags(in.Tags); err != nil {
		return "", err
	}
	var arn string
	err = s.update(ctx, scope, func(tx Tx) error {
		g, err := activeGroup(ctx, tx, in.GroupARN)
		if err != nil {
			return err
		}
		sc, parsed, err := schemaFor(ctx, tx, in.SchemaARN)
		if err != nil {
			return err
		}
		if sc.Domain != g.Domain {
			return Errorf(KindInvalid, "Schema %s has domain %q but dataset group %s has domain %q; they must match.", sc.ARN, sc.Domain, g.ARN, g.Domain)
		}
		if err := parsed.CheckDataset(typ, g.Domain); err != nil {
			return Errorf(KindInvalid, "Schema %s does not fit a dataset of type %s: %v", sc.ARN, typ, err)
		}
		ga, err := ParseARN(g.ARN)
		if err != nil {
			return err
		}
		arn = NewARN(scope, ResourceDataset, ga.ID+"/"+strings.ToUpper(typ))
		if _, err := tx.Get(ctx, arn); err == nil {
			return Errorf(KindAlreadyExists, "Dataset group %s already has a dataset of type %s.", g.ARN, typ)
		} else if !IsKind(err, KindNotFound) {
			return err
		}
		d := Dataset{Name: in.Name, DatasetType: typ, SchemaARN: sc.ARN}
		if _, err := tx.GetByKey(ctx, ResourceDataset, in.Name); err == nil {
			return Errorf(KindAlreadyExists, "Dataset with name %s already exists.", in.Name)
		} else if !IsKind(err, KindNotFound) {
			return err
		}
		return s.insert(ctx, tx, &Record{Type: ResourceDataset, ARN: arn, Key: in.Name, Parent: g.ARN, Tags: in.Tags, Data: encode(d)}, true)
	})
	if err != nil {
		return "", err
	}
	return arn, nil
}

// DescribeDataset returns a dataset.
func (s *Service) DescribeDataset(ctx context.Context, scope Scope, arn string) (Dataset, error) {
	r, err := get(ctx, s.read(scope), arn, ResourceDataset)
	if err != nil {
		return Dataset{}, err
	}
	d, err := datasetFrom(r)
	if err != nil {
		return Dataset{}, err
	}
	if d.DatasetType == "Interactions" || d.DatasetType == "Action_Interactions" {
		if d.TrackingID, err = s.groupTrackingID(ctx, scope, d.GroupARN); err != nil {
			return Dataset{}, err
		}
	}
	return d, nil
}

// ListDatasets returns one page of the datasets of a dataset group, or of
// the whole account and region when groupARN is "". An unknown group lists
// nothing.
func (s *Service) ListDatasets(ctx context.Context, scope Scope, groupARN string, p Page) ([]Dataset, string, error) {
	return listAs(ctx, s, ListQuery{Scope: scope, Type: ResourceDataset, Parent: groupARN}, "ListDatasets\x00"+groupARN, p, datasetFrom)
}

// DeleteDataset deletes a dataset that is not in the middle of a step.
func (s *Service) DeleteDataset(ctx context.Context, scope Scope, arn string) error {
	return s.update(ctx, scope, func(tx Tx) error {
		r, err := get(ctx, tx.Get, arn, ResourceDataset)
		if err != nil {
			return err
		}
		if err := deletable(arn, r.Status); err != nil {
			return err
		}
		for _, jobs := range []struct {
			t    ResourceType
			noun string
		}{{ResourceDatasetImportJob, "import"}, {ResourceDatasetExportJob, "export"}} {
			n, err := tx.Count(ctx, CountQuery{Type: jobs.t, Parent: arn, Statuses: []string{StatusCreatePending, StatusCreateInProgress}})
			if err != nil {
				return err
			}
			if n > 0 {
				return Errorf(KindInUse, "Dataset %s has %d %s %s in progress.", arn, n, jobs.noun, plural(n, "job", "jobs"))
			}
		}
		return s.remove(ctx, tx, r, true)
	})
}

// UpdateDataset replaces an ACTIVE dataset's schema. The new schema must fit
// the dataset's type and domain, keep every column of the old one with its
// type, and make every column it adds nullable, so that data already
// imported still fits. The dataset goes
// through UPDATE PENDING and UPDATE IN_PROGRESS back to ACTIVE, and
// latestDatasetUpdate follows the update.
func (s *Service) UpdateDataset(ctx context.Context, scope Scope, arn, schemaARN string) error {
	return s.update(ctx, scope, func(tx Tx) error {
		r, err := get(ctx, tx.Get, arn, ResourceDataset)
		if err != nil {
			return err
		}
		if r.Status != StatusActive {
			return Errorf(KindInUse, "Dataset %s is in status %s; it must be ACTIVE to be updated.", arn, r.Status)
		}
		d, err := datasetFrom(r)
		if err != nil {
			return err
		}
		g, err := get(ctx, tx.Get, d.GroupARN, ResourceDatasetGroup)
		if err != nil {
			return err
		}
		group, err := datasetGroupFrom(g)
		if err != nil {
			return err
		}
		sc, parsed, err := schemaFor(ctx, tx, schemaARN)
		if err != nil {
			return err
		}
		if sc.Domain != group.Domain {
			return Errorf(KindInvalid, "Schema %s has domain %q but dataset group %s has domain %q; they must match.", sc.ARN, sc.Domain, group.ARN, group.Domain)
		}
		if err := parsed.CheckDataset(d.DatasetType, group.Domain); err != nil {
			return Errorf(KindInvalid, "Schema %s does not fit a dataset of type %s: %v", sc.ARN, d.DatasetType, err)
		}
		_, old, err := schemaFor(ctx, tx, d.SchemaARN)
		if err != nil && !IsKind(err, KindNotFound) {
			return err
		}
		if old != nil {
			for _, f := range parsed.Fields {
				if _, had := old.Field(f.Name); !had && !f.Nullable {
					return Errorf(KindInvalid, "Schema %s adds field %q without a union with null; fields added to a dataset's schema must be nullable, since the records already stored have no value for them.", sc.ARN, f.Name)
				}
			}
			for _, f := range old.Fields {
				nf, ok := parsed.Field(f.Name)
				if !ok {
					return Errorf(KindInvalid, "Schema %s drops field %q of the dataset's current schema; a schema update may only add fields.", sc.ARN, f.Name)
				}
				if f.Nullable && !nf.Nullable {
					return Errorf(KindInvalid, "Schema %s makes field %q non-nullable; records already stored may hold nulls in it.", sc.ARN, f.Name)
				}
				if nf.Type != f.Type {
					return Errorf(KindInvalid, "Schema %s changes the type of field %q from %s to %s; a schema update may only add fields.", sc.ARN, f.Name, f.Type, nf.Type)
				}
			}
		}
		now := s.clock.Now()
		d.LatestUpdate = &DatasetUpdate{SchemaARN: sc.ARN, Status: StatusCreatePending, Created: now, Updated: now}
		r.Status, r.Updated = StatusUpdatePending, now
		if s.cfg.Synchronous {
			d.LatestUpdate.Status, d.SchemaARN, r.Status = StatusActive, sc.ARN, StatusActive
		}
		r.Data = encode(d)
		if err := tx.Put(ctx, r); err != nil {
			return err
		}
		if s.cfg.Synchronous {
			return nil
		}
		return s.enqueueAdvance(ctx, tx, arn)
	})
}
