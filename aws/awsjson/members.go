package awsjson

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// exactMembers makes member names match exactly, as AWS matches them:
// encoding/json would also take "NAME" for the member "name". It removes,
// at every depth, the object keys that match a member of the target type
// only when case is ignored, so that they are ignored like any unknown
// member, and returns the body to decode; the body itself when nothing was
// removed.
func exactMembers(body []byte, target any) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return body // the decode that follows reports it
	}
	if !prune(tree, reflect.TypeOf(target)) {
		return body
	}
	out, err := json.Marshal(tree)
	if err != nil {
		return body
	}
	return out
}

// prune removes from v the keys of objects that match a member of t only
// ignoring case, and reports whether it removed any.
func prune(v any, t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	changed := false
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		members := membersOf(t)
		for k, child := range m {
			if ft, ok := members.exact[k]; ok {
				changed = prune(child, ft) || changed
				continue
			}
			if members.folded[strings.ToLower(k)] {
				delete(m, k)
				changed = true
			}
		}
	case reflect.Slice:
		if list, ok := v.([]any); ok {
			for _, e := range list {
				changed = prune(e, t.Elem()) || changed
			}
		}
	case reflect.Map:
		if m, ok := v.(map[string]any); ok {
			for _, e := range m {
				changed = prune(e, t.Elem()) || changed
			}
		}
	}
	return changed
}

type memberSet struct {
	exact  map[string]reflect.Type // wire name -> field type
	folded map[string]bool         // lower-cased wire names
}

var memberSets sync.Map // reflect.Type -> memberSet

func membersOf(t reflect.Type) memberSet {
	if s, ok := memberSets.Load(t); ok {
		return s.(memberSet)
	}
	s := memberSet{exact: map[string]reflect.Type{}, folded: map[string]bool{}}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		s.exact[name] = f.Type
		s.folded[strings.ToLower(name)] = true
	}
	memberSets.Store(t, s)
	return s
}
