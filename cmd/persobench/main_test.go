package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestRunToySize(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-groups", "3", "-duration", "200ms", "-clients", "1,2"}, &out, &errOut)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	kinds := map[string]int{}
	scenarios := map[string]bool{}
	for _, line := range lines {
		var r struct {
			Kind     string  `json:"kind"`
			Scenario string  `json:"scenario"`
			Clients  int     `json:"clients"`
			Requests int     `json:"requests"`
			RPS      float64 `json:"rps"`
			Ratio    float64 `json:"ratio"`
			Errors   int     `json:"errors"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		kinds[r.Kind]++
		if r.Kind != "result" {
			continue
		}
		scenarios[r.Scenario] = true
		if r.Errors != 0 {
			t.Errorf("%s at %d clients: %d errors", r.Scenario, r.Clients, r.Errors)
		}
		if r.Requests == 0 || r.RPS <= 0 || r.Ratio <= 0 {
			t.Errorf("%s at %d clients: no throughput: %s", r.Scenario, r.Clients, line)
		}
	}
	if kinds["header"] != 1 || kinds["fill"] != 1 || kinds["result"] != 6 {
		t.Fatalf("got lines of kinds %v, want 1 header, 1 fill, 6 results:\n%s", kinds, out.String())
	}
	for _, s := range []string{"baseline", "ListDatasets/all", "ListDatasets/group"} {
		if !scenarios[s] {
			t.Errorf("no result for scenario %s", s)
		}
	}
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 200; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	if got := percentile(lat, 50); got != 100*time.Millisecond {
		t.Errorf("p50 = %v, want 100ms", got)
	}
	if got := percentile(lat, 99); got != 198*time.Millisecond {
		t.Errorf("p99 = %v, want 198ms", got)
	}
	if got := percentile(nil, 99); got != 0 {
		t.Errorf("p99 of nothing = %v", got)
	}
}
