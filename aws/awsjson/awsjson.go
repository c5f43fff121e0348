// Package awsjson speaks the wire protocols of the Personalize APIs: AWS
// JSON 1.1 for the control plane and REST-JSON for the runtime and events
// APIs. It decodes request bodies, encodes responses and writes errors in
// the AWS envelope, and adapts typed handler functions to net/http.
package awsjson

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// ContentType is the media type of AWS JSON 1.1 bodies.
const ContentType = "application/x-amz-json-1.1"

// MaxBodyBytes bounds a request body. The largest Personalize requests,
// ten records of 32,000 characters for PutItems or PutActions, fit with
// room for escapes and multi-byte characters.
const MaxBodyBytes = 2 << 20

// Error is an error as the AWS protocols carry it: an HTTP status, an error
// code that SDKs turn into a typed exception, and a message.
type Error struct {
	Status  int
	Code    string
	Message string
}

// Error returns the code and message.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// SerializationError is the error of a body that is not JSON or has a member
// of the wrong type.
func SerializationError(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "SerializationException", Message: msg}
}

// WriteError writes err in the AWS error envelope: the code in the body's
// __type and in the x-amzn-ErrorType header.
func WriteError(w http.ResponseWriter, err *Error) {
	b, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{err.Code, err.Message})
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("X-Amzn-Errortype", err.Code)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(err.Status)
	_, _ = w.Write(b)
}

// WriteJSON writes v as a 200 response.
func WriteJSON(w http.ResponseWriter, contentType string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if v == nil {
		buf.WriteString("{}")
	} else if err := enc.Encode(v); err != nil {
		WriteError(w, &Error{Status: http.StatusInternalServerError, Code: "InternalFailure", Message: "The response could not be encoded."})
		return
	}
	body := bytes.TrimRight(buf.Bytes(), "\n")
	h := w.Header()
	h.Set("Content-Type", contentType)
	// With its length known the body goes out in one write, not in chunks.
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// Decode reads a JSON request body into v. An empty body is an empty
// object. Member names match exactly, case included, as AWS matches them;
// other members are ignored. Anything that is not a JSON object of the
// right member types is a SerializationException naming what is wrong.
func Decode(body io.Reader, v any) *Error {
	b, err := io.ReadAll(io.LimitReader(body, MaxBodyBytes+1))
	if err != nil {
		return SerializationError("The request body could not be read.")
	}
	if len(b) > MaxBodyBytes {
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "SerializationException", Message: fmt.Sprintf("The request body exceeds %d bytes.", MaxBodyBytes)}
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(exactMembers(b, v)))
	if err := dec.Decode(v); err != nil {
		return SerializationError(describeJSONError(err))
	}
	if dec.More() {
		return SerializationError("The request body holds more than one JSON value.")
	}
	return nil
}

func describeJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return fmt.Sprintf("The request body must be a JSON object, not a JSON %s.", typeErr.Value)
		}
		return fmt.Sprintf("Member %s must be of type %s, not a JSON %s.", typeErr.Field, jsonKind(typeErr.Type.String()), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("The request body is not valid JSON: %s at offset %d.", syntaxErr.Error(), syntaxErr.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "The request body is not valid JSON: it ends unexpectedly."
	default:
		msg := err.Error()
		msg = strings.TrimPrefix(msg, "json: ")
		return "The request body could not be read as JSON: " + msg + "."
	}
}

func jsonKind(goType string) string {
	goType = strings.TrimLeft(goType, "*")
	switch {
	case goType == "string":
		return "string"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "float"):
		return "number"
	case goType == "bool":
		return "boolean"
	case strings.HasPrefix(goType, "[]"):
		return "list"
	case strings.HasPrefix(goType, "map["):
		return "map"
	case strings.HasSuffix(goType, "Timestamp"):
		return "timestamp"
	default:
		return "structure"
	}
}

// Validator is a request that checks its own model constraints.
type Validator interface {
	Validate() error
}

// Handle adapts a typed operation to net/http: it decodes the body into a
// new In, runs In's model validation, calls fn, and writes its output or
// its error. mapErr turns fn's errors into AWS errors; a request that fails
// validation answers InvalidInputException with the validator's message.
func Handle[In any, PIn interface {
	*In
	Validator
}, Out any](contentType string, fn func(context.Context, *In) (*Out, error), mapErr func(error) *Error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := PIn(new(In))
		if err := Decode(r.Body, in); err != nil {
			WriteError(w, err)
			return
		}
		if err := in.Validate(); err != nil {
			WriteError(w, &Error{Status: http.StatusBadRequest, Code: "InvalidInputException", Message: err.Error()})
			return
		}
		out, err := fn(r.Context(), (*In)(in))
		if err != nil {
			WriteError(w, mapErr(err))
			return
		}
		if out == nil {
			WriteJSON(w, contentType, nil)
			return
		}
		WriteJSON(w, contentType, out)
	})
}

// NewRequestID returns a random request ID in the UUID form AWS uses.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
