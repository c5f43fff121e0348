package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/personalize"
	"github.com/aws/aws-sdk-go-v2/service/personalizeevents"
	et "github.com/aws/aws-sdk-go-v2/service/personalizeevents/types"

	"github.com/perso/perso"
	"github.com/perso/perso/internal/sdktest"
)

const interactionsWithProps = `{"type":"record","name":"Interactions","namespace":"com.amazonaws.personalize.schema",
"fields":[{"name":"USER_ID","type":"string"},{"name":"ITEM_ID","type":"string"},{"name":"TIMESTAMP","type":"long"},
{"name":"EVENT_TYPE","type":"string"},{"name":"EVENT_VALUE","type":["null","float"]},{"name":"IMPRESSION","type":["null","string"]},
{"name":"DEVICE","type":["null","string"],"categorical":true},{"name":"NUMBER_OF_VIEWS","type":["null","int"]}],"version":"1.0"}`

// wantHTTP fails the test unless err is an API error with the code and
// HTTP status.
func wantHTTP(t *testing.T, err error, code string, status int) {
	t.Helper()
	wantCode(t, err, code)
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("error %v: want HTTP %d", err, status)
	}
}

func rowsOf(t *testing.T, srv *sdktest.Server, dataset string) []map[string]any {
	t.Helper()
	rows, err := srv.Store.ScanRows(context.Background(), perso.Scope{Account: sdktest.Account, Region: sdktest.Region}, dataset, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, r := range rows {
		var m map[string]any
		if err := json.Unmarshal(r.Data, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestEventTracker(t *testing.T) {
	ctx := context.Background()
	srv, c := syncServer(t, perso.Quotas{})
	group := mustGroup(t, c, "g", "")
	out, err := c.CreateEventTracker(ctx, &personalize.CreateEventTrackerInput{Name: aws.String("tracker"), DatasetGroupArn: aws.String(group)})
	if err != nil {
		t.Fatal(err)
	}
	arn, tracking := aws.ToString(out.EventTrackerArn), aws.ToString(out.TrackingId)
	if arn != sdktest.ARN("event-tracker/tracker") || len(tracking) != 36 {
		t.Fatalf("arn %s tracking %s", arn, tracking)
	}
	d, err := c.DescribeEventTracker(ctx, &personalize.DescribeEventTrackerInput{EventTrackerArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if e := d.EventTracker; aws.ToString(e.TrackingId) != tracking || aws.ToString(e.AccountId) != sdktest.Account || aws.ToString(e.DatasetGroupArn) != group || aws.ToString(e.Status) != "ACTIVE" {
		t.Fatalf("tracker = %+v", e)
	}
	t.Run("ErrOnePerGroup", func(t *testing.T) {
		_, err := c.CreateEventTracker(ctx, &personalize.CreateEventTrackerInput{Name: aws.String("second"), DatasetGroupArn: aws.String(group)})
		wantCode(t, err, "ResourceAlreadyExistsException")
	})
	t.Run("DatasetShowsTrackingID", func(t *testing.T) {
		ds := mustDataset(t, c, "i", group, "Interactions", mustSchema(t, c, "s", interactionsSchema))
		out, err := c.DescribeDataset(ctx, &personalize.DescribeDatasetInput{DatasetArn: aws.String(ds)})
		if err != nil || aws.ToString(out.Dataset.TrackingId) != tracking {
			t.Fatalf("dataset tracking ID = %v, %v", out, err)
		}
	})
	t.Run("List", func(t *testing.T) {
		out, err := c.ListEventTrackers(ctx, &personalize.ListEventTrackersInput{DatasetGroupArn: aws.String(group)})
		if err != nil || len(out.EventTrackers) != 1 || aws.ToString(out.EventTrackers[0].EventTrackerArn) != arn {
			t.Fatalf("list = %+v, %v", out, err)
		}
	})
	t.Run("ErrGroupInUse", func(t *testing.T) {
		_, err := c.DeleteDatasetGroup(ctx, &personalize.DeleteDatasetGroupInput{DatasetGroupArn: aws.String(group)})
		wantCode(t, err, "ResourceInUseException")
	})
	t.Run("Delete", func(t *testing.T) {
		if _, err := c.DeleteEventTracker(ctx, &personalize.DeleteEventTrackerInput{EventTrackerArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
		_, err := srv.Events().PutEvents(ctx, &personalizeevents.PutEventsInput{TrackingId: aws.String(tracking), SessionId: aws.String("s"),
			EventList: []et.Event{{EventType: aws.String("click"), ItemId: aws.String("i"), SentAt: aws.Time(testTime)}}})
		wantHTTP(t, err, "ResourceNotFoundException", http.StatusNotFound)
	})
}

func TestPutEvents(t *testing.T) {
	ctx := context.Background()
	srv, c := syncServer(t, perso.Quotas{})
	group := mustGroup(t, c, "g", "")
	ds := mustDataset(t, c, "i", group, "Interactions", mustSchema(t, c, "s", interactionsWithProps))
	tr, err := c.CreateEventTracker(ctx, &personalize.CreateEventTrackerInput{Name: aws.String("t"), DatasetGroupArn: aws.String(group)})
	if err != nil {
		t.Fatal(err)
	}
	ev := srv.Events()
	put := func(userID string, events ...et.Event) error {
		in := &personalizeevents.PutEventsInput{TrackingId: tr.TrackingId, SessionId: aws.String("session-1"), EventList: events}
		if userID != "" {
			in.UserId = aws.String(userID)
		}
		_, err := ev.PutEvents(ctx, in)
		return err
	}

	t.Run("OK", func(t *testing.T) {
		err := put("u1",
			et.Event{EventType: aws.String("click"), ItemId: aws.String("i1"), SentAt: aws.Time(testTime), EventValue: aws.Float32(4.5),
				Impression: []string{"i1", "i2"}, Properties: aws.String(`{"device":"phone","numberOfViews":3}`)},
			et.Event{EventType: aws.String("buy"), ItemId: aws.String("i2"), SentAt: aws.Time(testTime.Add(1e9))},
		)
		if err != nil {
			t.Fatal(err)
		}
		if err := put("", et.Event{EventType: aws.String("click"), ItemId: aws.String("i3"), SentAt: aws.Time(testTime)}); err != nil {
			t.Fatal(err)
		}
		rows := rowsOf(t, srv, ds)
		if len(rows) != 3 {
			t.Fatalf("%d rows stored, want 3", len(rows))
		}
		want := map[string]any{"USER_ID": "u1", "ITEM_ID": "i1", "TIMESTAMP": float64(testTime.Unix()), "EVENT_TYPE": "click",
			"EVENT_VALUE": 4.5, "IMPRESSION": "i1|i2", "DEVICE": "phone", "NUMBER_OF_VIEWS": float64(3)}
		for k, v := range want {
			if rows[0][k] != v {
				t.Fatalf("row 0 %s = %v, want %v (row %v)", k, rows[0][k], v, rows[0])
			}
		}
		if rows[2]["USER_ID"] != "session-1" {
			t.Fatalf("anonymous event's USER_ID = %v, want the session ID", rows[2]["USER_ID"])
		}
	})
	for name, tc := range map[string]struct {
		e    et.Event
		code string
	}{
		"ErrUnknownProperty": {et.Event{EventType: aws.String("c"), ItemId: aws.String("i"), SentAt: aws.Time(testTime), Properties: aws.String(`{"colour":"red"}`)}, "InvalidInputException"},
		"ErrPropertyType":    {et.Event{EventType: aws.String("c"), ItemId: aws.String("i"), SentAt: aws.Time(testTime), Properties: aws.String(`{"numberOfViews":"many"}`)}, "InvalidInputException"},
		"ErrNotJSON":         {et.Event{EventType: aws.String("c"), ItemId: aws.String("i"), SentAt: aws.Time(testTime), Properties: aws.String(`device=phone`)}, "InvalidInputException"},
		"ErrMissingItem":     {et.Event{EventType: aws.String("c"), SentAt: aws.Time(testTime)}, "InvalidInputException"},
		"ErrReservedInProps": {et.Event{EventType: aws.String("c"), ItemId: aws.String("i"), SentAt: aws.Time(testTime), Properties: aws.String(`{"itemId":"x"}`)}, "InvalidInputException"},
	} {
		t.Run(name, func(t *testing.T) {
			before := len(rowsOf(t, srv, ds))
			// A bad event fails the whole call: the good one beside it is not stored.
			err := put("u2", et.Event{EventType: aws.String("ok"), ItemId: aws.String("i"), SentAt: aws.Time(testTime)}, tc.e)
			wantHTTP(t, err, tc.code, http.StatusBadRequest)
			if after := len(rowsOf(t, srv, ds)); after != before {
				t.Fatalf("a failed call stored %d rows", after-before)
			}
		})
	}
	t.Run("ErrUnknownTracker", func(t *testing.T) {
		_, err := ev.PutEvents(ctx, &personalizeevents.PutEventsInput{TrackingId: aws.String("nope"), SessionId: aws.String("s"),
			EventList: []et.Event{{EventType: aws.String("c"), ItemId: aws.String("i"), SentAt: aws.Time(testTime)}}})
		wantHTTP(t, err, "ResourceNotFoundException", http.StatusNotFound)
	})
	t.Run("ErrTooManyEvents", func(t *testing.T) {
		var many []et.Event
		for i := 0; i < 11; i++ {
			many = append(many, et.Event{EventType: aws.String("c"), ItemId: aws.String("i"), SentAt: aws.Time(testTime)})
		}
		wantHTTP(t, put("u", many...), "InvalidInputException", http.StatusBadRequest)
	})
}

func TestPutItemsUsersActions(t *testing.T) {
	ctx := context.Background()
	srv, c := syncServer(t, perso.Quotas{})
	group := mustGroup(t, c, "g", "")
	items := mustDataset(t, c, "items", group, "Items", mustSchema(t, c, "si", itemsSchema))
	users := mustDataset(t, c, "users", group, "Users", mustSchema(t, c, "su", usersSchema))
	actions := mustDataset(t, c, "actions", group, "Actions", mustSchema(t, c, "sa", actionsSchema))
	ev := srv.Events()

	if _, err := ev.PutItems(ctx, &personalizeevents.PutItemsInput{DatasetArn: aws.String(items), Items: []et.Item{
		{ItemId: aws.String("i1"), Properties: aws.String(`{"genres":"Comedy|Drama"}`)},
		{ItemId: aws.String("i2")},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ev.PutUsers(ctx, &personalizeevents.PutUsersInput{DatasetArn: aws.String(users), Users: []et.User{
		{UserId: aws.String("u1"), Properties: aws.String(`{"age":31}`)},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ev.PutActions(ctx, &personalizeevents.PutActionsInput{DatasetArn: aws.String(actions), Actions: []et.Action{
		{ActionId: aws.String("a1"), Properties: aws.String(`{"priority":2}`)},
	}}); err != nil {
		t.Fatal(err)
	}
	if r := rowsOf(t, srv, items); len(r) != 2 || r[0]["GENRES"] != "Comedy|Drama" || r[1]["GENRES"] != nil {
		t.Fatalf("items rows = %v", r)
	}
	if r := rowsOf(t, srv, users); len(r) != 1 || r[0]["AGE"] != float64(31) {
		t.Fatalf("users rows = %v", r)
	}
	t.Run("ErrRequiredField", func(t *testing.T) {
		_, err := ev.PutUsers(ctx, &personalizeevents.PutUsersInput{DatasetArn: aws.String(users), Users: []et.User{{UserId: aws.String("u2")}}})
		wantHTTP(t, err, "InvalidInputException", 400)
	})
	t.Run("ErrWrongDatasetType", func(t *testing.T) {
		_, err := ev.PutUsers(ctx, &personalizeevents.PutUsersInput{DatasetArn: aws.String(items), Users: []et.User{{UserId: aws.String("u2"), Properties: aws.String(`{"age":1}`)}}})
		wantHTTP(t, err, "InvalidInputException", 400)
	})
	t.Run("ErrNoDataset", func(t *testing.T) {
		_, err := ev.PutItems(ctx, &personalizeevents.PutItemsInput{DatasetArn: aws.String(strings.Replace(items, "/g/", "/other/", 1)), Items: []et.Item{{ItemId: aws.String("x")}}})
		wantHTTP(t, err, "ResourceNotFoundException", 404)
	})
}
