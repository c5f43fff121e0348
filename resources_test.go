package perso

import (
	"reflect"
	"testing"
	"time"
)

func TestEncode_RoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 26, 1, 2, 3, 0, time.UTC)
	d := Dataset{Name: "n", DatasetType: "Interactions", SchemaARN: "arn:aws:personalize:us-east-1:1:schema/s",
		LatestUpdate: &DatasetUpdate{SchemaARN: "arn:s2", Status: StatusActive, Created: now, Updated: now}}
	r := Record{ARN: "arn:aws:personalize:us-east-1:1:dataset/g/INTERACTIONS", Parent: "arn:g", Status: StatusActive, Created: now, Updated: now, Tags: map[string]string{}, Data: encode(d)}
	got, err := datasetFrom(r)
	if err != nil {
		t.Fatal(err)
	}
	want := d
	want.ARN, want.GroupARN, want.Status, want.Created, want.Updated, want.Tags = r.ARN, r.Parent, r.Status, now, now, r.Tags
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decoded %+v\nwant    %+v", got, want)
	}
}

func BenchmarkDatasetFrom(b *testing.B) {
	d := Dataset{Name: "movies-ratings", DatasetType: "Interactions", SchemaARN: "arn:aws:personalize:us-east-1:123456789012:schema/interactions"}
	r := Record{ARN: "arn:aws:personalize:us-east-1:123456789012:dataset/movies/INTERACTIONS", Data: encode(d)}
	b.ReportMetric(float64(len(r.Data)), "bytes")
	for b.Loop() {
		if _, err := datasetFrom(r); err != nil {
			b.Fatal(err)
		}
	}
}
