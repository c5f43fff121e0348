package perso

import (
	"errors"
	"fmt"
)

// Kind classifies a domain error. Each kind maps to exactly one AWS error
// code at the protocol boundary.
type Kind int

// The error kinds.
const (
	KindInternal       Kind = iota // a fault of the server, not of the request
	KindInvalid                    // the request breaks a rule of the API
	KindNotFound                   // a named resource does not exist
	KindAlreadyExists              // a resource of that name or key exists
	KindInUse                      // the resource's state forbids the request
	KindLimitExceeded              // a quota would be exceeded
	KindTooManyTags                // a resource would carry too many tags
	KindTooManyTagKeys             // a request names too many tag keys
	KindInvalidToken               // a nextToken was not issued for this query
	KindNotImplemented             // the operation exists in the API but not here yet
)

var kindNames = [...]string{"Internal", "Invalid", "NotFound", "AlreadyExists", "InUse", "LimitExceeded", "TooManyTags", "TooManyTagKeys", "InvalidToken", "NotImplemented"}

// String returns the kind's name.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is a domain error: a kind and a message a user can act on.
type Error struct {
	Kind    Kind
	Message string
	Err     error // the cause, if any
}

// Error returns the message.
func (e *Error) Error() string {
	if e.Err != nil && e.Message == "" {
		return e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind with a formatted message.
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of the first *Error in err's chain, or
// KindInternal when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// IsKind reports whether err carries the given kind.
func IsKind(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }
