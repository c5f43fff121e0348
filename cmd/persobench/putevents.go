package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/perso/perso"
)

// The putevents scenario: PutEvents of one event per call over loopback
// HTTP, at each concurrency of -clients, beside
//
//   - baseline/events: a bare handler answering "{}" (perso's answer to
//     PutEvents) to the same requests, and
//   - PutEvents/service: the same calls made on perso.Service directly, in
//     a dataset group of their own, which leaves out HTTP, JSON and SigV4.
//
// Each PutEvents call is a write transaction that commits (and, on SQLite,
// fsyncs) before it returns. After the runs, the rows stored in each
// dataset are counted against the calls that succeeded (a Durability
// line), and the latency of a bare fsync of a small write next to the
// SQLite file is measured (an Fsync line): the floor of a commit on this
// disk.

// Durability is the output line comparing the rows stored in a dataset
// with the calls that were answered with success.
type Durability struct {
	Kind     string `json:"kind"` // "durability"
	Scenario string `json:"scenario"`
	// OK is the number of calls answered with success: HTTP 200 for
	// PutEvents, a nil error for PutEvents/service.
	OK int `json:"ok"`
	// Rows is the number of rows the dataset holds.
	Rows  int  `json:"rows"`
	Match bool `json:"match"`
}

// Fsync is the output line of the fsync probe.
type Fsync struct {
	Kind  string  `json:"kind"` // "fsync"
	Dir   string  `json:"dir"`
	Bytes int     `json:"bytes"` // written before each fsync
	Count int     `json:"count"`
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
}

// putEventsBody is the JSON body of a PutEvents request.
type putEventsBody struct {
	TrackingID string      `json:"trackingId"`
	UserID     string      `json:"userId"`
	SessionID  string      `json:"sessionId"`
	EventList  []eventBody `json:"eventList"`
}

type eventBody struct {
	EventType string `json:"eventType"`
	ItemID    string `json:"itemId"`
	SentAt    int64  `json:"sentAt"` // epoch seconds, as the SDKs send it
}

// eventTime is the sentAt of every event sent.
var eventTime = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// eventGroup creates a dataset group with an Interactions dataset and an
// event tracker, and returns the dataset's ARN and the tracking ID.
func eventGroup(ctx context.Context, svc *perso.Service, name string) (dataset, trackingID string, err error) {
	scope := perso.Scope{Account: Account, Region: Region}
	schema, err := svc.CreateSchema(ctx, scope, perso.CreateSchemaInput{Name: name, Body: schemaBodies[0]})
	if err != nil {
		return "", "", fmt.Errorf("schema: %w", err)
	}
	group, err := svc.CreateDatasetGroup(ctx, scope, perso.CreateDatasetGroupInput{Name: name})
	if err != nil {
		return "", "", fmt.Errorf("group: %w", err)
	}
	dataset, err = svc.CreateDataset(ctx, scope, perso.CreateDatasetInput{Name: name, GroupARN: group, DatasetType: "Interactions", SchemaARN: schema})
	if err != nil {
		return "", "", fmt.Errorf("dataset: %w", err)
	}
	_, trackingID, err = svc.CreateEventTracker(ctx, scope, name, group, nil)
	if err != nil {
		return "", "", fmt.Errorf("event tracker: %w", err)
	}
	return dataset, trackingID, nil
}

func runPutEvents(ctx context.Context, c config, srv *server, dsn string, enc *json.Encoder, prof *profile) error {
	prefix := runPrefix()
	dataset, tracking, err := eventGroup(ctx, srv.svc, prefix+"-events")
	if err != nil {
		return err
	}
	direct, directTracking, err := eventGroup(ctx, srv.svc, prefix+"-direct")
	if err != nil {
		return err
	}
	body, err := json.Marshal(putEventsBody{TrackingID: tracking, UserID: "user-1", SessionID: "session-1",
		EventList: []eventBody{{EventType: "click", ItemID: "item-1", SentAt: eventTime.Unix()}}})
	if err != nil {
		return err
	}
	rq := request{url: srv.url + "/events", contentType: "application/json", body: body}
	wantBody := []byte("{}")
	check := func(b []byte) error {
		if !bytes.Equal(b, wantBody) {
			return fmt.Errorf("response %.300q, want %q", b, wantBody)
		}
		return nil
	}
	// One call checks the set-up before the clock starts; it stores a row.
	first, err := fetch(ctx, rq)
	if err != nil {
		return err
	}
	if err := check(first); err != nil {
		return err
	}
	ok := 1
	base, err := startBaseline(wantBody, rq.contentType)
	if err != nil {
		return err
	}
	defer base.Close()
	baseRq := rq
	baseRq.url = "http://" + base.Addr

	scope := perso.Scope{Account: Account, Region: Region}
	in := perso.PutEventsInput{TrackingID: directTracking, UserID: "user-1", SessionID: "session-1",
		Events: []perso.Event{{EventType: "click", ItemID: "item-1", SentAt: eventTime, Size: len(body)}}}
	directOK := 0

	if err := prof.start(); err != nil {
		return err
	}
	for _, n := range c.clients {
		b, err := measure(ctx, baseRq, n, c.duration, check)
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		b.Scenario, b.BaselineRPS, b.Ratio, b.ResponseBytes = "baseline/events", b.RPS, 1, len(wantBody)
		r, err := measure(ctx, rq, n, c.duration, check)
		if err != nil {
			return err
		}
		r.Scenario, r.BaselineRPS, r.ResponseBytes = "PutEvents", b.RPS, len(wantBody)
		ok += r.Requests - r.Errors
		d, err := measureCalls(ctx, n, c.duration, func(int) error { return srv.svc.PutEvents(ctx, scope, in) })
		if err != nil {
			return fmt.Errorf("PutEvents/service: %w", err)
		}
		d.Scenario, d.BaselineRPS = "PutEvents/service", b.RPS
		directOK += d.Requests - d.Errors
		for _, x := range []*Result{&r, &d} {
			if b.RPS > 0 {
				x.Ratio = round(x.RPS/b.RPS, 3)
			}
		}
		for _, x := range []Result{b, r, d} {
			if err := enc.Encode(x); err != nil {
				return err
			}
		}
	}
	prof.stop()

	for _, d := range []struct {
		scenario, dataset string
		ok                int
	}{{"PutEvents", dataset, ok}, {"PutEvents/service", direct, directOK}} {
		rows, err := countRows(ctx, srv.svc, scope, d.dataset)
		if err != nil {
			return err
		}
		if err := enc.Encode(Durability{Kind: "durability", Scenario: d.scenario, OK: d.ok, Rows: rows, Match: rows == d.ok}); err != nil {
			return err
		}
	}

	dir := os.TempDir()
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		dir = filepath.Dir(path)
	}
	f, err := fsyncProbe(ctx, dir, 4096, 200, 2*time.Second)
	if err != nil {
		return fmt.Errorf("fsync probe: %w", err)
	}
	return enc.Encode(f)
}

// countRows counts the rows streamed into a dataset.
func countRows(ctx context.Context, svc *perso.Service, scope perso.Scope, dataset string) (int, error) {
	n := 0
	var after int64
	for {
		rows, err := svc.DatasetRows(ctx, scope, dataset, after, 10000)
		if err != nil {
			return n, fmt.Errorf("count rows: %w", err)
		}
		if len(rows) == 0 {
			return n, nil
		}
		n += len(rows)
		after = rows[len(rows)-1].Seq
	}
}

// fsyncProbe appends size bytes to a new file in dir and fsyncs it, count
// times or for at most limit, and returns the latencies of the rounds.
func fsyncProbe(ctx context.Context, dir string, size, count int, limit time.Duration) (Fsync, error) {
	f, err := os.CreateTemp(dir, "persobench-fsync-")
	if err != nil {
		return Fsync{}, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := bytes.Repeat([]byte{'x'}, size)
	var lat []time.Duration
	start := time.Now()
	for len(lat) < count && time.Since(start) < limit {
		if err := ctx.Err(); err != nil {
			return Fsync{}, err
		}
		t0 := time.Now()
		if _, err := f.Write(buf); err != nil {
			return Fsync{}, err
		}
		if err := f.Sync(); err != nil {
			return Fsync{}, err
		}
		lat = append(lat, time.Since(t0))
	}
	if len(lat) == 0 {
		return Fsync{}, errors.New("no round completed")
	}
	slices.Sort(lat)
	return Fsync{Kind: "fsync", Dir: dir, Bytes: size, Count: len(lat),
		P50ms: ms(percentile(lat, 50)), P99ms: ms(percentile(lat, 99)), MaxMs: ms(percentile(lat, 100))}, nil
}
