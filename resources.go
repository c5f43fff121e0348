package perso

import (
	"encoding/json"
	"fmt"
	"time"
)

// The statuses of resources with a lifecycle. AWS mixes spaces and
// underscores in them; these are its exact spellings.
const (
	StatusCreatePending    = "CREATE PENDING"
	StatusCreateInProgress = "CREATE IN_PROGRESS"
	StatusActive           = "ACTIVE"
	StatusCreateFailed     = "CREATE FAILED"
	StatusDeletePending    = "DELETE PENDING"
	StatusDeleteInProgress = "DELETE IN_PROGRESS"
	StatusUpdatePending    = "UPDATE PENDING"
	StatusUpdateInProgress = "UPDATE IN_PROGRESS"
)

// The domains of domain dataset groups; "" is a custom dataset group.
const (
	DomainEcommerce     = "ECOMMERCE"
	DomainVideoOnDemand = "VIDEO_ON_DEMAND"
)

// DatasetGroup is a container of datasets and everything trained on them.
type DatasetGroup struct {
	ARN           string
	Name          string
	Status        string
	Domain        string
	RoleARN       string
	KMSKeyARN     string
	FailureReason string
	Created       time.Time
	Updated       time.Time
	Tags          map[string]string
}

// Schema is an Avro schema a dataset's columns follow. Schemas have no
// status: they are usable as soon as they are created.
type Schema struct {
	ARN     string
	Name    string
	Domain  string
	Body    string
	Created time.Time
	Updated time.Time
	Tags    map[string]string
}

// Dataset is one dataset of a dataset group: at most one of each type.
type Dataset struct {
	ARN          string
	Name         string
	GroupARN     string
	DatasetType  string // canonical spelling, see DatasetTypes
	SchemaARN    string
	Status       string
	TrackingID   string
	LatestUpdate *DatasetUpdate
	Created      time.Time
	Updated      time.Time
	Tags         map[string]string
}

// DatasetUpdate is the latest schema replacement of a dataset.
type DatasetUpdate struct {
	SchemaARN     string
	Status        string
	FailureReason string
	Created       time.Time
	Updated       time.Time
}

// DatasetTypes lists the dataset types in their canonical spelling: the
// spelling of the API's documentation. Input is matched ignoring case; ARNs
// carry the type upper-cased.
var DatasetTypes = []string{"Interactions", "Items", "Users", "Actions", "Action_Interactions"}

// encode stores v, a resource struct, as a record's Data. Members with
// their zero value are left out: they decode to the same struct, and every
// read (a listing decodes a record per item) skips them, zero times above
// all, whose parse is the costliest part of a decode.
func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// The resource structs hold only strings, numbers, times, maps of
		// strings and pointers to such structs: they always marshal.
		panic(fmt.Sprintf("perso: encode %T: %v", v, err))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return b // not an object: keep it whole
	}
	for k, raw := range m {
		switch string(raw) {
		case `""`, `null`, `0`, `false`, `{}`, `[]`, `"0001-01-01T00:00:00Z"`:
			delete(m, k)
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("perso: encode %T: %v", v, err))
	}
	return out
}

func decode(r Record, v any) error {
	if err := json.Unmarshal(r.Data, v); err != nil {
		return fmt.Errorf("decode %s %s: %w", r.Type, r.ARN, err)
	}
	return nil
}

func datasetGroupFrom(r Record) (DatasetGroup, error) {
	var g DatasetGroup
	if err := decode(r, &g); err != nil {
		return g, err
	}
	g.ARN, g.Status, g.Created, g.Updated, g.Tags = r.ARN, r.Status, r.Created, r.Updated, r.Tags
	return g, nil
}

func schemaFrom(r Record) (Schema, error) {
	var s Schema
	if err := decode(r, &s); err != nil {
		return s, err
	}
	s.ARN, s.Created, s.Updated, s.Tags = r.ARN, r.Created, r.Updated, r.Tags
	return s, nil
}

func datasetFrom(r Record) (Dataset, error) {
	var d Dataset
	if err := decode(r, &d); err != nil {
		return d, err
	}
	d.ARN, d.Status, d.Created, d.Updated, d.Tags = r.ARN, r.Status, r.Created, r.Updated, r.Tags
	d.GroupARN = r.Parent
	return d, nil
}
