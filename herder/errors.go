package herder

import "errors"

// Error kinds the REST layer maps to HTTP statuses. Every error the herder returns to a request wraps one of
// them in a *RequestError whose message is Kafka Connect's text for the case.
var (
	// ErrNotFound is returned for an unknown connector, task, or a connector without a status (404).
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists is returned when creating a connector whose name is taken (409).
	ErrAlreadyExists = errors.New("already exists")
	// ErrBadRequest is returned for a request that is wrong in itself: an invalid config, a name mismatch,
	// offsets on a running connector (400).
	ErrBadRequest = errors.New("bad request")
	// ErrForbidden is returned when a feature the request needs is disabled, e.g. topic tracking (403).
	ErrForbidden = errors.New("forbidden")
	// ErrConflict is returned when the request cannot be completed now because of a rebalance or a
	// concurrent config change (409).
	ErrConflict = errors.New("conflict")
	// ErrUnavailable is returned while the worker cannot serve the request yet, e.g. before it has read a
	// session key (503).
	ErrUnavailable = errors.New("unavailable")
	// ErrStaleConfig is returned by reads while a rebalance is expected; Kafka Connect answers 500 for it on
	// plain reads and 409 on forwarded requests.
	ErrStaleConfig = errors.New("rebalance expected")
)

// RequestError is an error with Kafka Connect's exact message for a REST answer. Kind is one of the Err*
// values above (nil means an internal error, 500).
type RequestError struct {
	Kind    error
	Message string
}

func (e *RequestError) Error() string { return e.Message }
func (e *RequestError) Unwrap() error { return e.Kind }

// NotLeaderError is returned by operations only the leader (or the owner of a connector or task) may
// perform. TargetURL is where the request must go, "" when unknown. The REST layer forwards the request.
type NotLeaderError struct {
	TargetURL string
	Message   string
}

func (e *NotLeaderError) Error() string { return e.Message }
