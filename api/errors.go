package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/herder"
)

// Kafka Connect's texts for answers the REST layer makes up itself.
const (
	msgNotFound         = "HTTP 404 Not Found"
	msgMethodNotAllowed = "HTTP 405 Method Not Allowed"
	msgUnsupportedMedia = "HTTP 415 Unsupported Media Type"
	msgTimedOut         = "Request timed out"
	msgInterrupted      = "Request interrupted"
	msgNoLeader         = "Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway."
	msgConflictingOp    = "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"
	msgStaleConfig      = "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)"
	msgBodyTooLarge     = "Request body is larger than 1048576 bytes"
	msgForwardIOError   = "IO Error trying to forward REST request: "
	msgForwardBadStatus = "Unexpected status code when handling forwarded request: "
	msgMissingLevel     = "Desired 'level' parameter was not specified in request."
)

// apiError is an answer the REST layer decides itself, or one relayed from the leader. code is the
// error_code of the body, normally equal to status.
type apiError struct {
	status  int
	code    int
	message string
}

func (e *apiError) Error() string { return e.message }

func newAPIError(status int, msg string) *apiError {
	return &apiError{status: status, code: status, message: msg}
}

func errorBody(code int, msg string) herder.ErrorMessage {
	return herder.ErrorMessage{ErrorCode: code, Message: msg}
}

// requestErrorStatus maps the worker's error kinds to HTTP statuses.
func requestErrorStatus(kind error) int {
	switch {
	case kind == nil:
		return http.StatusInternalServerError
	case errors.Is(kind, herder.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(kind, herder.ErrAlreadyExists), errors.Is(kind, herder.ErrConflict):
		return http.StatusConflict
	case errors.Is(kind, herder.ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(kind, herder.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(kind, herder.ErrUnavailable):
		return http.StatusServiceUnavailable
	default: // herder.ErrStaleConfig on plain reads, and anything unexpected
		return http.StatusInternalServerError
	}
}

// errorStatus is the single place that turns an error into Kafka Connect's answer: status, error_code and
// message. The order matters: api-made answers first, then the worker's typed errors, then context errors.
func errorStatus(err error) (status, code int, msg string) {
	var (
		ae  *apiError
		be  *BodyError
		re  *herder.RequestError
		nl  *herder.NotLeaderError
		ve  *connector.ValidationError
		upe *connector.UnknownPluginError
		ape *connector.AmbiguousPluginError
		mce *connector.MissingClassError
	)
	switch {
	case errors.As(err, &ae):
		return ae.status, ae.code, ae.message
	case errors.As(err, &be):
		return http.StatusBadRequest, http.StatusBadRequest, be.Message
	case errors.As(err, &re):
		s := requestErrorStatus(re.Kind)
		return s, s, re.Message
	case errors.As(err, &nl):
		// Only forwarding endpoints can act on it; elsewhere it means the worker has no leader to offer.
		return http.StatusConflict, http.StatusConflict, msgNoLeader
	case errors.As(err, &ve):
		return http.StatusBadRequest, http.StatusBadRequest, ve.Error()
	case errors.As(err, &upe):
		// Kafka Connect answers 500 here; an unknown class is the client's mistake.
		return http.StatusBadRequest, http.StatusBadRequest, upe.Error()
	case errors.As(err, &ape):
		return http.StatusBadRequest, http.StatusBadRequest, ape.Error()
	case errors.As(err, &mce):
		return http.StatusBadRequest, http.StatusBadRequest, mce.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusInternalServerError, http.StatusInternalServerError, msgTimedOut
	case errors.Is(err, context.Canceled):
		return http.StatusInternalServerError, http.StatusInternalServerError, msgInterrupted
	default:
		return http.StatusInternalServerError, http.StatusInternalServerError, err.Error()
	}
}

// writeError writes err as an ErrorMessage body and notes it for the request log.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code, msg := errorStatus(err)
	if info := requestInfoFrom(r.Context()); info != nil {
		info.err = err
	}
	writeJSON(w, status, errorBody(code, msg))
}

// conflictOnStale turns the worker's stale-config error into the 409 Kafka Connect answers on endpoints
// that can forward (HerderRequestHandler.completeOrForwardRequest); plain reads keep the 500.
func conflictOnStale(err error) error {
	var re *herder.RequestError
	if errors.As(err, &re) && errors.Is(re.Kind, herder.ErrStaleConfig) {
		return newAPIError(http.StatusConflict, msgStaleConfig)
	}
	return err
}
