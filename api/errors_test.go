package api

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/herder"
)

func TestErrorStatus(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		code   int
		msg    string
	}{
		{"api error", &apiError{status: 503, code: 4242, message: "relayed"}, 503, 4242, "relayed"},
		{"body error", fmt.Errorf("decode: %w", &BodyError{Message: "bad"}), 400, 400, "bad"},
		{"not found", &herder.RequestError{Kind: herder.ErrNotFound, Message: "m"}, 404, 404, "m"},
		{"already exists", &herder.RequestError{Kind: herder.ErrAlreadyExists, Message: "m"}, 409, 409, "m"},
		{"bad request", &herder.RequestError{Kind: herder.ErrBadRequest, Message: "m"}, 400, 400, "m"},
		{"forbidden", &herder.RequestError{Kind: herder.ErrForbidden, Message: "m"}, 403, 403, "m"},
		{"conflict", &herder.RequestError{Kind: herder.ErrConflict, Message: "m"}, 409, 409, "m"},
		{"unavailable", &herder.RequestError{Kind: herder.ErrUnavailable, Message: "m"}, 503, 503, "m"},
		{"stale config", &herder.RequestError{Kind: herder.ErrStaleConfig, Message: "m"}, 500, 500, "m"},
		{"no kind", &herder.RequestError{Message: "m"}, 500, 500, "m"},
		{"wrapped request error", fmt.Errorf("x: %w", &herder.RequestError{Kind: herder.ErrNotFound, Message: "m"}), 404, 404, "m"},
		{"not leader", &herder.NotLeaderError{Message: "m"}, 409, 409, msgNoLeader},
		{"validation", connector.NewValidationError(connector.ConfigInfos{ErrorCount: 0}), 400, 400,
			connector.NewValidationError(connector.ConfigInfos{ErrorCount: 0}).Error()},
		{"unknown plugin", &connector.UnknownPluginError{Name: "X", Kind: connector.KindConnector}, 400, 400,
			"Failed to find any class that implements Connector and which name matches X, available connectors are: "},
		{"ambiguous plugin", &connector.AmbiguousPluginError{Name: "X"}, 400, 400,
			"More than one connector matches alias X. Please use full package and class name instead. Classes found: "},
		{"missing class", &connector.MissingClassError{Config: map[string]string{"a": "b"}}, 400, 400,
			"Connector config {a=b} contains no connector type"},
		{"deadline", fmt.Errorf("wait: %w", context.DeadlineExceeded), 500, 500, "Request timed out"},
		{"canceled", context.Canceled, 500, 500, "Request interrupted"},
		{"other", errors.New("boom"), 500, 500, "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, code, msg := errorStatus(tt.err)
			if status != tt.status || code != tt.code || msg != tt.msg {
				t.Errorf("errorStatus = %d, %d, %q; want %d, %d, %q", status, code, msg, tt.status, tt.code, tt.msg)
			}
		})
	}
}

func TestConflictOnStale(t *testing.T) {
	err := conflictOnStale(&herder.RequestError{Kind: herder.ErrStaleConfig, Message: "m"})
	if status, _, msg := errorStatus(err); status != 409 || msg != msgStaleConfig {
		t.Errorf("got %d %q", status, msg)
	}
	other := &herder.RequestError{Kind: herder.ErrNotFound, Message: "m"}
	if got := conflictOnStale(other); got != error(other) { //nolint:errorlint // identity: the very value must come back unwrapped
		t.Errorf("conflictOnStale changed %v to %v", other, got)
	}
}
