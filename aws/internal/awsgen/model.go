package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// model is the subset of a botocore service-2.json the generator reads.
type model struct {
	Metadata   metadata              `json:"metadata"`
	Operations map[string]*operation `json:"operations"`
	Shapes     map[string]*shape     `json:"shapes"`
}

type metadata struct {
	APIVersion      string `json:"apiVersion"`
	Protocol        string `json:"protocol"`
	ServiceID       string `json:"serviceId"`
	ServiceFullName string `json:"serviceFullName"`
	SigningName     string `json:"signingName"`
	TargetPrefix    string `json:"targetPrefix"`
	JSONVersion     string `json:"jsonVersion"`
}

type operation struct {
	Name string `json:"name"`
	HTTP struct {
		Method     string `json:"method"`
		RequestURI string `json:"requestUri"`
	} `json:"http"`
	Input  *shapeRef   `json:"input"`
	Output *shapeRef   `json:"output"`
	Errors []*shapeRef `json:"errors"`
}

type shapeRef struct {
	Shape     string `json:"shape"`
	JSONValue bool   `json:"jsonvalue"`
}

type shape struct {
	Type      string    `json:"type"`
	Members   members   `json:"members"`
	Required  []string  `json:"required"`
	Member    *shapeRef `json:"member"`
	Key       *shapeRef `json:"key"`
	Value     *shapeRef `json:"value"`
	Enum      []string  `json:"enum"`
	Pattern   string    `json:"pattern"`
	Min       *float64  `json:"min"`
	Max       *float64  `json:"max"`
	Sensitive bool      `json:"sensitive"`
	Exception bool      `json:"exception"`
	Error     *struct {
		HTTPStatusCode int `json:"httpStatusCode"`
	} `json:"error"`
}

// member is one member of a structure, kept in model order.
type member struct {
	Name string
	Ref  shapeRef
}

// members decodes a JSON object of members while keeping the model's order,
// which encoding/json's maps would lose.
type members []member

func (ms *members) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("members: want an object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := t.(string)
		var ref shapeRef
		if err := dec.Decode(&ref); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		*ms = append(*ms, member{Name: name, Ref: ref})
	}
	_, err := dec.Token()
	return err
}

func (s *shape) required(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}

// patternExtensions widen a few of the model's patterns, keyed by
// "<service dir>.<shape>". Each is a deliberate extension of AWS's
// contract, kept here so that it is explicit and reviewed:
//   - S3Location also accepts file:// URLs, so data can be imported from and
//     exported to the local file system of the embedded default.
var patternExtensions = map[string]string{
	"personalize.S3Location": "(s3|http|https|file)://.+",
}

func loadModel(dir string) (*model, map[string]bool, error) {
	b, err := os.ReadFile(filepath.Join(dir, "service-2.json"))
	if err != nil {
		return nil, nil, err
	}
	var m model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", dir, err)
	}
	for key, pattern := range patternExtensions {
		svc, name, _ := strings.Cut(key, ".")
		if svc == filepath.Base(dir) {
			sh, ok := m.Shapes[name]
			if !ok {
				return nil, nil, fmt.Errorf("pattern extension for unknown shape %s", key)
			}
			sh.Pattern = pattern
		}
	}
	paginated := map[string]bool{}
	pb, err := os.ReadFile(filepath.Join(dir, "paginators-1.json"))
	switch {
	case os.IsNotExist(err):
	case err != nil:
		return nil, nil, err
	default:
		var p struct {
			Pagination map[string]json.RawMessage `json:"pagination"`
		}
		if err := json.Unmarshal(pb, &p); err != nil {
			return nil, nil, fmt.Errorf("%s paginators: %w", dir, err)
		}
		for op := range p.Pagination {
			paginated[op] = true
		}
	}
	return &m, paginated, nil
}
