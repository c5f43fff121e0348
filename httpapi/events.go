package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/perso/perso"
	"github.com/perso/perso/aws/awsjson"
	pz "github.com/perso/perso/aws/personalize"
	pzevents "github.com/perso/perso/aws/personalizeevents"
)

// rest adapts a typed REST-JSON operation of the runtime or events API.
func rest[In any, PIn interface {
	*In
	awsjson.Validator
}, Out any](a *api, fn func(context.Context, *In) (*Out, error)) http.Handler {
	return awsjson.Handle[In, PIn, Out]("application/json", fn, a.dataError)
}

// dataError maps a domain error for the runtime and events APIs, where
// not-found is 404 and in-use 409.
func (a *api) dataError(err error) *awsjson.Error { return a.awsError(err, true) }

func (a *api) createEventTracker(ctx context.Context, in *pz.CreateEventTrackerRequest) (*pz.CreateEventTrackerResponse, error) {
	arn, trackingID, err := a.svc.CreateEventTracker(ctx, scope(ctx), in.Name, in.DatasetGroupArn, tagMap(in.Tags))
	if err != nil {
		return nil, err
	}
	return &pz.CreateEventTrackerResponse{EventTrackerArn: arn, TrackingId: trackingID}, nil
}

func (a *api) describeEventTracker(ctx context.Context, in *pz.DescribeEventTrackerRequest) (*pz.DescribeEventTrackerResponse, error) {
	e, err := a.svc.DescribeEventTracker(ctx, scope(ctx), in.EventTrackerArn)
	if err != nil {
		return nil, err
	}
	return &pz.DescribeEventTrackerResponse{EventTracker: &pz.EventTracker{
		Name:                e.Name,
		EventTrackerArn:     e.ARN,
		AccountId:           e.Account,
		TrackingId:          e.TrackingID,
		DatasetGroupArn:     e.GroupARN,
		Status:              e.Status,
		CreationDateTime:    awsjson.NewTimestamp(e.Created),
		LastUpdatedDateTime: awsjson.NewTimestamp(e.Updated),
	}}, nil
}

func (a *api) listEventTrackers(ctx context.Context, in *pz.ListEventTrackersRequest) (*pz.ListEventTrackersResponse, error) {
	trackers, next, err := a.svc.ListEventTrackers(ctx, scope(ctx), in.DatasetGroupArn, page(in.MaxResults, in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &pz.ListEventTrackersResponse{EventTrackers: make([]pz.EventTrackerSummary, 0, len(trackers)), NextToken: next}
	for _, e := range trackers {
		out.EventTrackers = append(out.EventTrackers, pz.EventTrackerSummary{
			Name:                e.Name,
			EventTrackerArn:     e.ARN,
			Status:              e.Status,
			CreationDateTime:    awsjson.NewTimestamp(e.Created),
			LastUpdatedDateTime: awsjson.NewTimestamp(e.Updated),
		})
	}
	return out, nil
}

func (a *api) deleteEventTracker(ctx context.Context, in *pz.DeleteEventTrackerRequest) (*noOutput, error) {
	return nil, a.svc.DeleteEventTracker(ctx, scope(ctx), in.EventTrackerArn)
}

func (a *api) putEvents(ctx context.Context, in *pzevents.PutEventsRequest) (*noOutput, error) {
	events := make([]perso.Event, 0, len(in.EventList))
	for _, e := range in.EventList {
		size, _ := json.Marshal(e)
		pe := perso.Event{
			EventID: e.EventId, EventType: e.EventType, ItemID: e.ItemId, RecommendationID: e.RecommendationId,
			EventValue: e.EventValue, Impression: e.Impression, Properties: e.Properties, Size: len(size),
		}
		if e.SentAt != nil {
			pe.SentAt = e.SentAt.Time
		}
		if e.MetricAttribution != nil {
			pe.AttributionSource = e.MetricAttribution.EventAttributionSource
		}
		events = append(events, pe)
	}
	return nil, a.svc.PutEvents(ctx, scope(ctx), perso.PutEventsInput{TrackingID: in.TrackingId, UserID: in.UserId, SessionID: in.SessionId, Events: events})
}

func (a *api) putActionInteractions(ctx context.Context, in *pzevents.PutActionInteractionsRequest) (*noOutput, error) {
	list := make([]perso.ActionInteraction, 0, len(in.ActionInteractions))
	for _, x := range in.ActionInteractions {
		ai := perso.ActionInteraction{
			ActionID: x.ActionId, UserID: x.UserId, SessionID: x.SessionId, EventType: x.EventType,
			EventID: x.EventId, RecommendationID: x.RecommendationId, Impression: x.Impression, Properties: x.Properties,
		}
		if x.Timestamp != nil {
			ai.Timestamp = x.Timestamp.Time
		}
		list = append(list, ai)
	}
	return nil, a.svc.PutActionInteractions(ctx, scope(ctx), in.TrackingId, list)
}

func (a *api) putItems(ctx context.Context, in *pzevents.PutItemsRequest) (*noOutput, error) {
	recs := make([]perso.PutRecord, 0, len(in.Items))
	for _, x := range in.Items {
		recs = append(recs, perso.PutRecord{ID: x.ItemId, Properties: x.Properties})
	}
	return nil, a.svc.PutRecords(ctx, scope(ctx), in.DatasetArn, "Items", recs)
}

func (a *api) putUsers(ctx context.Context, in *pzevents.PutUsersRequest) (*noOutput, error) {
	recs := make([]perso.PutRecord, 0, len(in.Users))
	for _, x := range in.Users {
		recs = append(recs, perso.PutRecord{ID: x.UserId, Properties: x.Properties})
	}
	return nil, a.svc.PutRecords(ctx, scope(ctx), in.DatasetArn, "Users", recs)
}

func (a *api) putActions(ctx context.Context, in *pzevents.PutActionsRequest) (*noOutput, error) {
	recs := make([]perso.PutRecord, 0, len(in.Actions))
	for _, x := range in.Actions {
		recs = append(recs, perso.PutRecord{ID: x.ActionId, Properties: x.Properties})
	}
	return nil, a.svc.PutRecords(ctx, scope(ctx), in.DatasetArn, "Actions", recs)
}
