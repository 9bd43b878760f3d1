package convert

import "strings"

// DataError is a failure to convert between Connect data and bytes, Kafka Connect's DataException. Message
// is Kafka's text for the case; Err is the underlying cause, if any. The worker treats every DataError as a
// record-level conversion failure that errors.tolerance may skip.
type DataError struct {
	Message string
	Err     error
}

func (e *DataError) Error() string {
	if e.Err == nil {
		return e.Message
	}
	// Kafka's messages that carry a cause end in ": "; do not double it.
	return strings.TrimSuffix(e.Message, ": ") + ": " + e.Err.Error()
}

func (e *DataError) Unwrap() error { return e.Err }

func dataError(msg string) error { return &DataError{Message: msg} }

func dataErrorCause(msg string, err error) error { return &DataError{Message: msg, Err: err} }
