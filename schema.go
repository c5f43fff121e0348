package perso

import (
	"context"

	"github.com/perso/perso/avroschema"
)

// CreateSchemaInput is what CreateSchema needs.
type CreateSchemaInput struct {
	Name   string
	Body   string
	Domain string
}

// CreateSchema checks an Avro schema against Personalize's subset (and,
// given a domain, against the fields that domain requires) and stores it.
func (s *Service) CreateSchema(ctx context.Context, scope Scope, in CreateSchemaInput) (string, error) {
	parsed, err := avroschema.Parse(in.Body)
	if err != nil {
		return "", Errorf(KindInvalid, "Invalid schema: %v", err)
	}
	if err := avroschema.CheckDomain(parsed, in.Domain); err != nil {
		return "", Errorf(KindInvalid, "Invalid schema for domain %s: %v", in.Domain, err)
	}
	arn := NewARN(scope, ResourceSchema, in.Name)
	sc := Schema{Name: in.Name, Domain: in.Domain, Body: in.Body}
	err = s.update(ctx, scope, func(tx Tx) error {
		if _, err := tx.GetByKey(ctx, ResourceSchema, in.Name); err == nil {
			return Errorf(KindAlreadyExists, "Schema with name %s already exists.", in.Name)
		} else if !IsKind(err, KindNotFound) {
			return err
		}
		n, err := tx.Count(ctx, CountQuery{Type: ResourceSchema})
		if err != nil {
			return err
		}
		if overQuota(s.cfg.Quotas.Schemas, n) {
			return Errorf(KindLimitExceeded, "The account has reached its limit of %d schemas in this region.", s.cfg.Quotas.Schemas)
		}
		return s.insert(ctx, tx, &Record{Type: ResourceSchema, ARN: arn, Key: in.Name, Data: encode(sc)}, false)
	})
	if err != nil {
		return "", err
	}
	return arn, nil
}

// DescribeSchema returns a schema.
func (s *Service) DescribeSchema(ctx context.Context, scope Scope, arn string) (Schema, error) {
	return describeAs(ctx, s, scope, arn, ResourceSchema, schemaFrom)
}

// ListSchemas returns one page of the schemas, newest first.
func (s *Service) ListSchemas(ctx context.Context, scope Scope, p Page) ([]Schema, string, error) {
	return listAs(ctx, s, ListQuery{Scope: scope, Type: ResourceSchema}, "ListSchemas", p, schemaFrom)
}

// DeleteSchema deletes a schema that no dataset uses, including as the
// target of a pending schema update.
func (s *Service) DeleteSchema(ctx context.Context, scope Scope, arn string) error {
	return s.update(ctx, scope, func(tx Tx) error {
		r, err := get(ctx, tx.Get, arn, ResourceSchema)
		if err != nil {
			return err
		}
		datasets, err := tx.List(ctx, ListQuery{Type: ResourceDataset})
		if err != nil {
			return err
		}
		for _, dr := range datasets {
			d, err := datasetFrom(dr)
			if err != nil {
				return err
			}
			if d.SchemaARN == arn || (d.LatestUpdate != nil && d.LatestUpdate.SchemaARN == arn) {
				return Errorf(KindInUse, "Schema %s is used by dataset %s.", arn, d.ARN)
			}
		}
		return s.remove(ctx, tx, r, false)
	})
}

// schemaFor reads a schema within tx and parses it.
func schemaFor(ctx context.Context, tx Tx, arn string) (Schema, *avroschema.Schema, error) {
	r, err := get(ctx, tx.Get, arn, ResourceSchema)
	if err != nil {
		return Schema{}, nil, err
	}
	sc, err := schemaFrom(r)
	if err != nil {
		return Schema{}, nil, err
	}
	parsed, err := avroschema.Parse(sc.Body)
	if err != nil {
		// Stored schemas were checked on creation; a failure here means
		// the checker grew stricter since.
		return Schema{}, nil, Errorf(KindInvalid, "Schema %s is no longer valid: %v", arn, err)
	}
	return sc, parsed, nil
}
