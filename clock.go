package perso

import "time"

// Clock tells the time. Everything in perso that reads the time reads it
// from an injected Clock, so tests control it.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }
