package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the import scenario run this test binary as its child.
func TestMain(m *testing.M) {
	if os.Getenv(ChildEnv) != "" {
		main()
		return
	}
	os.Exit(m.Run())
}

// lines runs persobench with args and returns its output lines decoded
// as JSON objects.
func lines(t *testing.T, args ...string) []map[string]any {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("run %v: %v\n%s\n%s", args, err, out.String(), errOut.String())
	}
	var got []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got = append(got, m)
	}
	return got
}

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
	if kinds["header"] != 1 || kinds["fill"] != 1 || kinds["result"] != 10 {
		t.Fatalf("got lines of kinds %v, want 1 header, 1 fill, 10 results:\n%s", kinds, out.String())
	}
	for _, s := range []string{"baseline", "ListDatasets/all", "ListDatasets/group", "ListDatasets/all-uncached", "ListDatasets/group-uncached"} {
		if !scenarios[s] {
			t.Errorf("no result for scenario %s", s)
		}
	}
}

func TestRunImportToySize(t *testing.T) {
	got := lines(t, "-scenarios", "import", "-import-rows", "20000", "-seed", "1")
	if len(got) != 3 || got[0]["kind"] != "header" || got[1]["kind"] != "generate" || got[2]["kind"] != "import" {
		t.Fatalf("got lines %v, want header, generate, import", got)
	}
	g, imp := got[1], got[2]
	if g["rows"] != 20000.0 || g["users"] != 1000.0 || g["items"] != 200.0 || g["distinct_items"] != 200.0 {
		t.Errorf("generate = %v", g)
	}
	if imp["status"] != "ACTIVE" || imp["rows_imported"] != 20000.0 || imp["segments"] != 1.0 {
		t.Fatalf("import = %v", imp)
	}
	for _, k := range []string{"seconds", "rows_per_second", "peak_rss_bytes", "rss_before_bytes", "segment_bytes", "baseline_seconds", "ratio"} {
		if v, _ := imp[k].(float64); v <= 0 {
			t.Errorf("import %s = %v, want > 0", k, imp[k])
		}
	}
	if imp["peak_rss_bytes"].(float64) < imp["rss_before_bytes"].(float64) {
		t.Errorf("peak RSS %v below the RSS before %v", imp["peak_rss_bytes"], imp["rss_before_bytes"])
	}
}

func TestRunPutEventsToySize(t *testing.T) {
	got := lines(t, "-scenarios", "putevents", "-duration", "200ms", "-clients", "1,2")
	kinds := map[string]int{}
	for _, m := range got {
		kinds[m["kind"].(string)]++
		switch m["kind"] {
		case "result":
			if m["errors"] != 0.0 || m["requests"].(float64) == 0 || m["ratio"].(float64) <= 0 {
				t.Errorf("result %v: want requests, no errors", m)
			}
		case "durability":
			if m["match"] != true || m["ok"].(float64) < 2 {
				t.Errorf("durability %v", m)
			}
		case "fsync":
			if m["count"].(float64) == 0 || m["p50_ms"].(float64) <= 0 {
				t.Errorf("fsync %v", m)
			}
		}
	}
	if kinds["header"] != 1 || kinds["result"] != 6 || kinds["durability"] != 2 || kinds["fsync"] != 1 || kinds["fill"] != 0 {
		t.Fatalf("got lines of kinds %v, want 1 header, 6 results, 2 durability, 1 fsync", kinds)
	}
}

func TestGenerateCSV(t *testing.T) {
	dir := t.TempDir()
	sum := func(name string, seed uint64) ([32]byte, string) {
		p := filepath.Join(dir, name)
		if _, err := generateCSV(p, 5000, seed); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(b), string(b)
	}
	a, text := sum("a.csv", 7)
	b, _ := sum("b.csv", 7)
	c, _ := sum("c.csv", 8)
	if a != b || a == c {
		t.Errorf("same seed, same file: %t; other seed, other file: %t", a == b, a != c)
	}
	rows := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if rows[0] != "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE" || len(rows) != 5001 {
		t.Fatalf("header %q, %d lines", rows[0], len(rows))
	}
	if n, _, err := countLines(filepath.Join(dir, "a.csv")); err != nil || n != 5001 {
		t.Fatalf("countLines = %d, %v", n, err)
	}
}

func TestAlias(t *testing.T) {
	a := newAlias([]float64{1, 0, 3, 4})
	counts := make([]int, 4)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 80000 {
		counts[a.sample(rng)]++
	}
	for i, want := range []int{10000, 0, 30000, 40000} {
		if d := counts[i] - want; d > 1000 || d < -1000 {
			t.Errorf("index %d drawn %d times, want about %d", i, counts[i], want)
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
