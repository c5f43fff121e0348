package blob

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"
)

const (
	schemeFile = "file"
	schemeS3   = "s3"
)

// location is a parsed URL.
type location struct {
	scheme string
	// path is the file:// path: absolute and clean, without the trailing
	// "/" of a directory prefix (except for "/" itself).
	path string
	// bucket and key are the s3:// bucket and key; key keeps its trailing
	// "/" and is "" for the whole bucket.
	bucket, key string
	// dir says that the URL ends in "/" (or is a bare s3://bucket).
	dir bool
}

// parseURL parses a file:// or s3:// URL naming an object or a prefix.
func parseURL(raw string) (location, error) {
	if strings.IndexByte(raw, 0) >= 0 {
		return location{}, errors.New("URL contains a NUL byte")
	}
	if !utf8.ValidString(raw) {
		return location{}, errors.New("URL is not valid UTF-8")
	}
	switch {
	case strings.HasPrefix(raw, "file:"):
		return parseFile(raw)
	case strings.HasPrefix(raw, "s3:"):
		return parseS3(raw)
	}
	return location{}, errUnsupportedScheme
}

func parseFile(raw string) (location, error) {
	rest, ok := strings.CutPrefix(raw, "file://")
	if !ok || !strings.HasPrefix(rest, "/") {
		if ok && rest != "" {
			return location{}, errors.New("file URL has a host; want file:///abs/path (three slashes)")
		}
		return location{}, errors.New("file URL path is not absolute; want file:///abs/path")
	}
	loc := location{scheme: schemeFile, dir: strings.HasSuffix(rest, "/")}
	p := rest
	if loc.dir && p != "/" {
		p = strings.TrimSuffix(p, "/")
	}
	if path.Clean(p) != p {
		return location{}, errors.New(`file URL path is not clean (it has ".", ".." or empty segments)`)
	}
	loc.path = p
	return loc, nil
}

func parseS3(raw string) (location, error) {
	rest, ok := strings.CutPrefix(raw, "s3://")
	if !ok {
		return location{}, errors.New("malformed s3 URL; want s3://bucket/key")
	}
	bucket, key, _ := strings.Cut(rest, "/")
	if err := checkBucket(bucket); err != nil {
		return location{}, err
	}
	if len(key) > 1024 {
		return location{}, errors.New("S3 key is longer than 1024 bytes")
	}
	return location{scheme: schemeS3, bucket: bucket, key: key, dir: key == "" || strings.HasSuffix(key, "/")}, nil
}

// checkBucket checks the S3 bucket naming rules that matter for URLs.
func checkBucket(b string) error {
	if b == "" {
		return errors.New("s3 URL has no bucket; want s3://bucket/key")
	}
	if len(b) < 3 || len(b) > 63 {
		return fmt.Errorf("invalid S3 bucket name %q: it must be 3 to 63 characters long", b)
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return fmt.Errorf("invalid S3 bucket name %q: only lowercase letters, digits, '.' and '-' are allowed", b)
		}
	}
	if !isAlnum(b[0]) || !isAlnum(b[len(b)-1]) {
		return fmt.Errorf("invalid S3 bucket name %q: it must begin and end with a letter or digit", b)
	}
	return nil
}

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// checkObject reports an error unless loc names an object (not a prefix).
func (loc location) checkObject() error {
	if loc.dir {
		return errors.New(`URL names a directory prefix (it ends in "/"), not an object`)
	}
	return nil
}

// String formats loc back into its canonical URL.
func (loc location) String() string {
	switch loc.scheme {
	case schemeFile:
		if loc.dir && loc.path != "/" {
			return "file://" + loc.path + "/"
		}
		return "file://" + loc.path
	case schemeS3:
		return "s3://" + loc.bucket + "/" + loc.key
	}
	return ""
}
