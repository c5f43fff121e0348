package perso

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/perso/perso/avroschema"
	"github.com/perso/perso/ingest"
)

// MaxEventBytes is the largest event PutEvents accepts, encoded.
const MaxEventBytes = 10 * 1024

// Event is one interaction sent to PutEvents.
type Event struct {
	EventID, EventType, ItemID, RecommendationID, AttributionSource string
	EventValue                                                      *float64
	Impression                                                      []string
	SentAt                                                          time.Time
	// Properties is a JSON object of further fields of the Interactions
	// schema, named in camelCase ("numberOfRatings" for NUMBER_OF_RATINGS).
	Properties string
	// Size is the encoded size of the event as it arrived, checked against
	// MaxEventBytes.
	Size int
}

// PutEventsInput is what PutEvents needs.
type PutEventsInput struct {
	TrackingID, UserID, SessionID string
	Events                        []Event
}

// PutEvents records interactions in the Interactions dataset of the
// tracker's dataset group. Every event is checked against the dataset's
// schema before any is stored; the call stores all of them or none, and
// they are durable and visible to readers of the dataset when it returns.
// Without a userId, the sessionId stands in as USER_ID. Event members the
// schema has no field for (eventType without EVENT_TYPE, say) are dropped.
func (s *Service) PutEvents(ctx context.Context, scope Scope, in PutEventsInput) error {
	ds, schema, err := s.trackedDataset(ctx, scope, in.TrackingID, "Interactions")
	if err != nil {
		return err
	}
	user := in.UserID
	if user == "" {
		user = in.SessionID
	}
	rows := make([]Row, 0, len(in.Events))
	for i, e := range in.Events {
		path := fmt.Sprintf("eventList.%d", i+1)
		if e.Size > MaxEventBytes {
			return Errorf(KindInvalid, "%s is %d bytes; an event may be at most %d bytes.", path, e.Size, MaxEventBytes)
		}
		fixed := map[string]any{"USER_ID": user, "TIMESTAMP": e.SentAt.Unix()}
		if e.ItemID != "" {
			fixed["ITEM_ID"] = e.ItemID
		}
		// Every member-backed field is listed, nil when the member is
		// absent, so that properties cannot set it either.
		optional := map[string]any{"EVENT_TYPE": e.EventType, "EVENT_VALUE": nil, "IMPRESSION": nil, "RECOMMENDATION_ID": nil, "EVENT_ATTRIBUTION_SOURCE": nil}
		if e.EventValue != nil {
			optional["EVENT_VALUE"] = *e.EventValue
		}
		if len(e.Impression) > 0 {
			if err := checkImpression(path, e.Impression); err != nil {
				return err
			}
			optional["IMPRESSION"] = strings.Join(e.Impression, "|")
		}
		if e.RecommendationID != "" {
			optional["RECOMMENDATION_ID"] = e.RecommendationID
		}
		if e.AttributionSource != "" {
			optional["EVENT_ATTRIBUTION_SOURCE"] = e.AttributionSource
		}
		data, err := buildRow(schema, fixed, optional, e.Properties, path)
		if err != nil {
			return err
		}
		rows = append(rows, Row{Data: data})
	}
	return s.appendRows(ctx, scope, ds.ARN, rows)
}

// ActionInteraction is one interaction with an action sent to
// PutActionInteractions.
type ActionInteraction struct {
	ActionID, UserID, SessionID, EventType, EventID, RecommendationID string
	Impression                                                        []string
	Timestamp                                                         time.Time
	Properties                                                        string
}

// PutActionInteractions records action interactions in the
// Action_Interactions dataset of the tracker's dataset group.
func (s *Service) PutActionInteractions(ctx context.Context, scope Scope, trackingID string, in []ActionInteraction) error {
	ds, schema, err := s.trackedDataset(ctx, scope, trackingID, "Action_Interactions")
	if err != nil {
		return err
	}
	rows := make([]Row, 0, len(in))
	for i, a := range in {
		user := a.UserID
		if user == "" {
			user = a.SessionID
		}
		fixed := map[string]any{"USER_ID": user, "ACTION_ID": a.ActionID, "TIMESTAMP": a.Timestamp.Unix(), "EVENT_TYPE": a.EventType}
		optional := map[string]any{"IMPRESSION": nil, "RECOMMENDATION_ID": nil}
		if len(a.Impression) > 0 {
			if err := checkImpression(fmt.Sprintf("actionInteractions.%d", i+1), a.Impression); err != nil {
				return err
			}
			optional["IMPRESSION"] = strings.Join(a.Impression, "|")
		}
		if a.RecommendationID != "" {
			optional["RECOMMENDATION_ID"] = a.RecommendationID
		}
		data, err := buildRow(schema, fixed, optional, a.Properties, fmt.Sprintf("actionInteractions.%d", i+1))
		if err != nil {
			return err
		}
		rows = append(rows, Row{Data: data})
	}
	return s.appendRows(ctx, scope, ds.ARN, rows)
}

// PutRecord is one record for PutItems, PutUsers or PutActions: its ID and
// a JSON object of its other fields in camelCase.
type PutRecord struct {
	ID         string
	Properties string
}

// PutRecords adds records to an Items, Users or Actions dataset. Records
// are kept in the order they arrive, after the bulk data: a record whose ID
// the dataset already holds supersedes the earlier one for readers that
// keep one record per ID (the last), while an export shows both.
func (s *Service) PutRecords(ctx context.Context, scope Scope, datasetARN, datasetType string, records []PutRecord) error {
	fields := map[string]struct{ id, member string }{
		"Items":   {"ITEM_ID", "items"},
		"Users":   {"USER_ID", "users"},
		"Actions": {"ACTION_ID", "actions"},
	}
	kind, ok := fields[datasetType]
	if !ok {
		return Errorf(KindInvalid, "Records cannot be put into a dataset of type %s.", datasetType)
	}
	r, err := get(ctx, s.read(scope), datasetARN, ResourceDataset)
	if err != nil {
		return err
	}
	d, err := datasetFrom(r)
	if err != nil {
		return err
	}
	if d.DatasetType != datasetType {
		return Errorf(KindInvalid, "Dataset %s is of type %s; this operation writes to a dataset of type %s.", datasetARN, d.DatasetType, datasetType)
	}
	if r.Status != StatusActive {
		return Errorf(KindInUse, "Dataset %s is in status %s; it must be ACTIVE.", datasetARN, r.Status)
	}
	schema, err := s.parsedSchema(ctx, scope, d.SchemaARN)
	if err != nil {
		return err
	}
	rows := make([]Row, 0, len(records))
	for i, rec := range records {
		data, err := buildRow(schema, map[string]any{kind.id: rec.ID}, nil, rec.Properties, fmt.Sprintf("%s.%d", kind.member, i+1))
		if err != nil {
			return err
		}
		rows = append(rows, Row{Data: data})
	}
	return s.appendRows(ctx, scope, datasetARN, rows)
}

// trackedDataset returns the dataset of the given type in the dataset group
// of the event tracker with the tracking ID, and its schema.
func (s *Service) trackedDataset(ctx context.Context, scope Scope, trackingID, datasetType string) (Dataset, *avroschema.Schema, error) {
	// The answer depends only on records of the scope, so it is cached
	// with the scope's version: one point read instead of three.
	version, err := s.store.Version(ctx, scope)
	if err != nil {
		return Dataset{}, nil, err
	}
	key := scope.Account + "\x00" + scope.Region + "\x00" + trackingID + "\x00" + datasetType
	if v, ok := s.tracked.load(key); ok {
		if e := v.(trackedEntry); e.version == version {
			return e.dataset, e.schema, nil
		}
	}
	d, schema, err := s.lookupTrackedDataset(ctx, scope, trackingID, datasetType)
	if err == nil {
		s.tracked.store(key, trackedEntry{version: version, dataset: d, schema: schema})
	}
	return d, schema, err
}

// trackedEntry is a cached answer of trackedDataset.
type trackedEntry struct {
	version int64
	dataset Dataset
	schema  *avroschema.Schema
}

func (s *Service) lookupTrackedDataset(ctx context.Context, scope Scope, trackingID, datasetType string) (Dataset, *avroschema.Schema, error) {
	tr, err := s.store.GetByKey(ctx, scope, ResourceEventTracker, trackingID)
	if IsKind(err, KindNotFound) {
		return Dataset{}, nil, Errorf(KindNotFound, "No event tracker has tracking ID %s.", trackingID)
	}
	if err != nil {
		return Dataset{}, nil, err
	}
	if tr.Status != StatusActive {
		return Dataset{}, nil, Errorf(KindInUse, "Event tracker %s is in status %s; it must be ACTIVE.", tr.ARN, tr.Status)
	}
	g, err := ParseARN(tr.Parent)
	if err != nil {
		return Dataset{}, nil, err
	}
	arn := NewARN(scope, ResourceDataset, g.ID+"/"+strings.ToUpper(datasetType))
	r, err := s.store.Get(ctx, scope, arn)
	if IsKind(err, KindNotFound) {
		return Dataset{}, nil, Errorf(KindNotFound, "Dataset group %s has no %s dataset to record events in.", tr.Parent, datasetType)
	}
	if err != nil {
		return Dataset{}, nil, err
	}
	if r.Status != StatusActive {
		return Dataset{}, nil, Errorf(KindInUse, "Dataset %s is in status %s; it must be ACTIVE.", arn, r.Status)
	}
	d, err := datasetFrom(r)
	if err != nil {
		return Dataset{}, nil, err
	}
	schema, err := s.parsedSchema(ctx, scope, d.SchemaARN)
	return d, schema, err
}

// parsedSchema returns the parsed schema with the ARN. Parses are cached
// by schema body: a schema deleted and created again under the same name
// has a new body, so a cache by ARN could go stale.
func (s *Service) parsedSchema(ctx context.Context, scope Scope, arn string) (*avroschema.Schema, error) {
	sc, err := s.DescribeSchema(ctx, scope, arn)
	if err != nil {
		return nil, err
	}
	if v, ok := s.schemas.load(sc.Body); ok {
		return v.(*avroschema.Schema), nil
	}
	parsed, err := avroschema.Parse(sc.Body)
	if err != nil {
		return nil, Errorf(KindInvalid, "Schema %s is no longer valid: %v", arn, err)
	}
	s.schemas.store(sc.Body, parsed)
	return parsed, nil
}

// checkImpression refuses impression IDs containing "|", which separates
// them once stored.
func checkImpression(path string, ids []string) error {
	for j, id := range ids {
		if strings.Contains(id, "|") {
			return Errorf(KindInvalid, "%s.impression.%d: %q contains \"|\", which separates the IDs of an impression.", path, j+1, id)
		}
	}
	return nil
}

// CamelCase returns the property name of a schema field in the events
// API: the field's words, split on underscores, joined in lower camel case
// ("NUMBER_OF_RATINGS" becomes "numberOfRatings").
func CamelCase(field string) string {
	var b strings.Builder
	for i, w := range strings.Split(field, "_") {
		if w == "" {
			continue
		}
		w = strings.ToLower(w)
		if i > 0 && b.Len() > 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
	}
	return b.String()
}

// buildRow checks one record against a schema and encodes it as a row.
// fixed holds the fields the operation's own members set; they must exist
// in the schema. optional holds member values the schema may lack (they are
// dropped then; a nil value is an absent member). props is the record's JSON properties, which may set
// only the schema's other fields. path names the record in errors.
func buildRow(schema *avroschema.Schema, fixed, optional map[string]any, props, path string) ([]byte, error) {
	row := make(map[string]any, len(schema.Fields))
	for name, v := range fixed {
		f, ok := schema.Field(name)
		if !ok {
			return nil, Errorf(KindInvalid, "%s: the dataset's schema has no field %s.", path, name)
		}
		cv, err := convert(f, v)
		if err != nil {
			return nil, Errorf(KindInvalid, "%s: %s %v", path, name, err)
		}
		if err := ingest.CheckValue(f, cv); err != nil {
			return nil, Errorf(KindInvalid, "%s: %s: %v", path, name, err)
		}
		row[name] = cv
	}
	for name, v := range optional {
		if f, ok := schema.Field(name); ok && v != nil {
			cv, err := convert(f, v)
			if err != nil {
				return nil, Errorf(KindInvalid, "%s: %s %v", path, name, err)
			}
			if err := ingest.CheckValue(f, cv); err != nil {
				return nil, Errorf(KindInvalid, "%s: %s: %v", path, name, err)
			}
			row[name] = cv
		}
	}
	if props != "" {
		dec := json.NewDecoder(strings.NewReader(props))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil || dec.More() || m == nil {
			return nil, Errorf(KindInvalid, "%s.properties must be a JSON object of field values.", path)
		}
		byCamel := make(map[string]avroschema.Field, len(schema.Fields))
		for _, f := range schema.Fields {
			byCamel[CamelCase(f.Name)] = f
			byCamel[f.Name] = f
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			f, ok := byCamel[k]
			if !ok {
				return nil, Errorf(KindInvalid, "%s.properties: %q is not a field of the dataset's schema (fields are named in camelCase, e.g. %q).", path, k, CamelCase(schema.Fields[len(schema.Fields)-1].Name))
			}
			if _, set := fixed[f.Name]; set {
				return nil, Errorf(KindInvalid, "%s.properties: %q is set by its own request member, not in properties.", path, k)
			}
			if _, set := optional[f.Name]; set {
				return nil, Errorf(KindInvalid, "%s.properties: %q is set by its own request member, not in properties.", path, k)
			}
			cv, err := convert(f, m[k])
			if err != nil {
				return nil, Errorf(KindInvalid, "%s.properties: %q %v", path, k, err)
			}
			if err := ingest.CheckValue(f, cv); err != nil {
				return nil, Errorf(KindInvalid, "%s.properties: %q: %v", path, k, err)
			}
			row[f.Name] = cv
		}
	}
	for _, f := range schema.Fields {
		if v, ok := row[f.Name]; (!ok || v == nil) && !f.Nullable {
			return nil, Errorf(KindInvalid, "%s: field %s (%q in properties) is required by the dataset's schema.", path, f.Name, CamelCase(f.Name))
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(row); err != nil {
		return nil, fmt.Errorf("encode row: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// parseInteger parses s as an integer, also written as a number with a
// zero fraction (12.0) or an exponent (1e3).
func parseInteger(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// convert checks v against a field's type and returns it as the row
// stores it: string, int64, float64, bool, or nil for null.
func convert(f avroschema.Field, v any) (any, error) {
	if v == nil {
		if !f.Nullable {
			return nil, fmt.Errorf("must not be null")
		}
		return nil, nil
	}
	switch f.Type {
	case "string":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("must be a string")
		}
		return s, nil
	case "int", "long":
		var n int64
		switch x := v.(type) {
		case int64:
			n = x
		case json.Number, string:
			// AWS's own examples send numbers as JSON strings ("12").
			i, ok := parseInteger(fmt.Sprint(x))
			if !ok {
				return nil, fmt.Errorf("must be an integer, not %v", x)
			}
			n = i
		default:
			return nil, fmt.Errorf("must be an integer")
		}
		if f.Type == "int" && (n < math.MinInt32 || n > math.MaxInt32) {
			return nil, fmt.Errorf("value %d does not fit a 32-bit int", n)
		}
		return n, nil
	case "float", "double":
		var x float64
		switch y := v.(type) {
		case float64:
			x = y
		case json.Number, string:
			f, err := strconv.ParseFloat(strings.TrimSpace(fmt.Sprint(y)), 64)
			if err != nil {
				return nil, fmt.Errorf("must be a number, not %v", y)
			}
			x = f
		default:
			return nil, fmt.Errorf("must be a number")
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("must be a finite number")
		}
		return x, nil
	case "boolean":
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("must be true or false")
		}
		return b, nil
	}
	return nil, fmt.Errorf("has unsupported type %s", f.Type)
}
