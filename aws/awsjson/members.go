package awsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
)

// exactMembers makes member names match exactly, as AWS matches them:
// encoding/json would also take "NAME" for the member "name". It returns
// body without the object keys, at any depth, that match a member of the
// target type only when case is ignored, so that they are ignored like any
// unknown member; body itself when there are none.
//
// It streams the body token by token, guided by the target's type: a first
// pass only looks, and only a body that has such keys is rewritten, in a
// second pass. Memory stays in proportion to the body, whatever its shape.
func exactMembers(body []byte, target any) []byte {
	t := reflect.TypeOf(target)
	changed, err := walk(json.NewDecoder(bytes.NewReader(body)), t, nil)
	if err != nil || !changed {
		return body // a malformed body is reported by the decode that follows
	}
	var out bytes.Buffer
	out.Grow(len(body))
	if _, err := walk(json.NewDecoder(bytes.NewReader(body)), t, &out); err != nil {
		return body
	}
	return out.Bytes()
}

// walk reads one JSON value from dec, writing it to out (when not nil)
// without the keys that match a member of t only ignoring case, and
// reports whether there were any.
func walk(dec *json.Decoder, t reflect.Type, out *bytes.Buffer) (bool, error) {
	dec.UseNumber()
	return walkValue(dec, t, out)
}

func walkValue(dec *json.Decoder, t reflect.Type, out *bytes.Buffer) (bool, error) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return false, err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return false, writeScalar(out, tok)
	}
	changed := false
	switch delim {
	case '{':
		write(out, '{')
		var members *memberSet
		var elem reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			members = membersOf(t)
		} else if t != nil && t.Kind() == reflect.Map {
			elem = t.Elem()
		}
		first := true
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return false, err
			}
			key, _ := keyTok.(string)
			child := elem
			if members != nil {
				var drop bool
				child, drop = members.lookup(key)
				if drop {
					changed = true
					if err := skipValue(dec); err != nil {
						return false, err
					}
					continue
				}
			}
			if !first {
				write(out, ',')
			}
			first = false
			if err := writeScalar(out, key); err != nil {
				return false, err
			}
			write(out, ':')
			c, err := walkValue(dec, child, out)
			if err != nil {
				return false, err
			}
			changed = changed || c
		}
		if _, err := dec.Token(); err != nil { // '}'
			return false, err
		}
		write(out, '}')
	case '[':
		write(out, '[')
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if i > 0 {
				write(out, ',')
			}
			c, err := walkValue(dec, elem, out)
			if err != nil {
				return false, err
			}
			changed = changed || c
		}
		if _, err := dec.Token(); err != nil { // ']'
			return false, err
		}
		write(out, ']')
	default:
		return false, errors.New("unexpected delimiter")
	}
	return changed, nil
}

// skipValue reads and drops one JSON value.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
	}
}

func write(out *bytes.Buffer, c byte) {
	if out != nil {
		out.WriteByte(c)
	}
}

func writeScalar(out *bytes.Buffer, v any) error {
	if out == nil {
		return nil
	}
	if n, ok := v.(json.Number); ok {
		out.WriteString(string(n))
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	out.Write(b)
	return nil
}

// memberSet is the members of a struct type by wire name.
type memberSet struct {
	names []string
	types map[string]reflect.Type
}

// lookup returns the type of the member named key exactly, or drop when
// key names a member only ignoring case (by encoding/json's folding, which
// strings.EqualFold matches). Keys naming no member are kept, with no type.
func (m *memberSet) lookup(key string) (t reflect.Type, drop bool) {
	if t, ok := m.types[key]; ok {
		return t, false
	}
	for _, name := range m.names {
		if strings.EqualFold(key, name) {
			return nil, true
		}
	}
	return nil, false
}

var memberSets sync.Map // reflect.Type -> *memberSet

func membersOf(t reflect.Type) *memberSet {
	if s, ok := memberSets.Load(t); ok {
		return s.(*memberSet)
	}
	s := &memberSet{types: map[string]reflect.Type{}}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		s.names = append(s.names, name)
		s.types[name] = f.Type
	}
	memberSets.Store(t, s)
	return s
}
