package perso

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"
)

// ResourceEventTracker is the resource type of event trackers. Their
// record key is the tracking ID, which the events API addresses them by.
const ResourceEventTracker ResourceType = "event-tracker"

// EventTracker receives a dataset group's live interactions through the
// events API, addressed by its tracking ID.
type EventTracker struct {
	ARN        string
	Name       string
	Account    string
	TrackingID string
	GroupARN   string
	Status     string
	Created    time.Time
	Updated    time.Time
	Tags       map[string]string
}

func eventTrackerFrom(r Record) (EventTracker, error) {
	var e EventTracker
	if err := decode(r, &e); err != nil {
		return e, err
	}
	e.ARN, e.Status, e.Created, e.Updated, e.Tags = r.ARN, r.Status, r.Created, r.Updated, r.Tags
	e.GroupARN, e.TrackingID, e.Account = r.Parent, r.Key, r.Account
	return e, nil
}

// newTrackingID returns a random tracking ID in the UUID form AWS uses.
func newTrackingID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// CreateEventTracker creates the event tracker of an ACTIVE dataset group.
// A dataset group has at most one; a second answers AlreadyExists (AWS
// does not document which error it gives).
func (s *Service) CreateEventTracker(ctx context.Context, scope Scope, name, groupARN string, tags map[string]string) (arn, trackingID string, err error) {
	if err := s.checkTags(tags); err != nil {
		return "", "", err
	}
	arn = NewARN(scope, ResourceEventTracker, name)
	trackingID = newTrackingID()
	err = s.update(ctx, scope, func(tx Tx) error {
		if _, err := activeGroup(ctx, tx, groupARN); err != nil {
			return err
		}
		if _, err := tx.Get(ctx, arn); err == nil {
			return Errorf(KindAlreadyExists, "Event tracker with name %s already exists.", name)
		} else if !IsKind(err, KindNotFound) {
			return err
		}
		n, err := tx.Count(ctx, CountQuery{Type: ResourceEventTracker, Parent: groupARN})
		if err != nil {
			return err
		}
		if n > 0 {
			return Errorf(KindAlreadyExists, "Dataset group %s already has an event tracker; a dataset group can have only one.", groupARN)
		}
		e := EventTracker{Name: name}
		return s.insert(ctx, tx, &Record{Type: ResourceEventTracker, ARN: arn, Key: trackingID, Parent: groupARN, Tags: tags, Data: encode(e)}, true)
	})
	if err != nil {
		return "", "", err
	}
	return arn, trackingID, nil
}

// DescribeEventTracker returns an event tracker.
func (s *Service) DescribeEventTracker(ctx context.Context, scope Scope, arn string) (EventTracker, error) {
	return describeAs(ctx, s, scope, arn, ResourceEventTracker, eventTrackerFrom)
}

// ListEventTrackers returns one page of the event trackers of a dataset
// group, or of the account and region when groupARN is "".
func (s *Service) ListEventTrackers(ctx context.Context, scope Scope, groupARN string, p Page) ([]EventTracker, string, error) {
	return listAs(ctx, s, ListQuery{Scope: scope, Type: ResourceEventTracker, Parent: groupARN}, "ListEventTrackers\x00"+groupARN, p, eventTrackerFrom)
}

// DeleteEventTracker deletes an event tracker; events sent with its
// tracking ID are refused from then on.
func (s *Service) DeleteEventTracker(ctx context.Context, scope Scope, arn string) error {
	return s.update(ctx, scope, func(tx Tx) error {
		r, err := get(ctx, tx.Get, arn, ResourceEventTracker)
		if err != nil {
			return err
		}
		if err := deletable(arn, r.Status); err != nil {
			return err
		}
		return s.remove(ctx, tx, r, true)
	})
}

// groupTrackingID returns the tracking ID of a dataset group's event
// tracker, or "" when it has none.
func (s *Service) groupTrackingID(ctx context.Context, scope Scope, groupARN string) (string, error) {
	recs, err := s.store.List(ctx, ListQuery{Scope: scope, Type: ResourceEventTracker, Parent: groupARN, Limit: 1})
	if err != nil || len(recs) == 0 {
		return "", err
	}
	return recs[0].Key, nil
}
