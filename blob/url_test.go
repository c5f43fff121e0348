package blob

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		in   string
		want location
	}{
		{"file:///a/b.csv", location{scheme: schemeFile, path: "/a/b.csv"}},
		{"file:///a/b/", location{scheme: schemeFile, path: "/a/b", dir: true}},
		{"file:///", location{scheme: schemeFile, path: "/", dir: true}},
		{"file:///a%20b", location{scheme: schemeFile, path: "/a%20b"}},
		{"s3://bkt/k/e.y", location{scheme: schemeS3, bucket: "bkt", key: "k/e.y"}},
		{"s3://bkt", location{scheme: schemeS3, bucket: "bkt", dir: true}},
		{"s3://bkt/", location{scheme: schemeS3, bucket: "bkt", dir: true}},
		{"s3://bkt/p/", location{scheme: schemeS3, bucket: "bkt", key: "p/", dir: true}},
	} {
		got, err := parseURL(c.in)
		if err != nil || got != c.want {
			t.Errorf("parseURL(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{
		"", "file:", "file://", "file:/a", "file:a", "file://h/a", "file:///a/./b", "file:///a/..",
		"file:///a//", "s3:", "s3://", "s3:/b/k", "s3://ab/k", "s3://-ab/k", "s3://A.b.c/k",
		"s3://b\x00c/k", "S3://bkt/k", "gs://b/k", "s3://bkt/" + strings.Repeat("k", 1025),
	} {
		if loc, err := parseURL(in); err == nil {
			t.Errorf("parseURL(%q) = %+v, want an error", in, loc)
		}
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"file:///a/b.csv", "file:///a/b/", "file:///", "file://h/x", "file:rel", "s3://bkt/k",
		"s3://bkt", "s3://bkt/p/", "s3://x", "http://x/y", "file:///a/../b", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		loc, err := parseURL(s)
		if err != nil {
			return
		}
		// A parsed URL formats canonically and parses back the same.
		again, err := parseURL(loc.String())
		if err != nil || again != loc {
			t.Fatalf("parseURL(%q) = %+v; its String %q parses as %+v, %v", s, loc, loc.String(), again, err)
		}
		if loc.scheme == schemeFile && !strings.HasPrefix(loc.path, "/") {
			t.Fatalf("parseURL(%q): relative path %q", s, loc.path)
		}
	})
}
