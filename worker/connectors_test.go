package worker

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/connectortest"
)

// overProducer generates one task more than it may, to exercise tasks.max.enforce.
type overProducer struct{}

func (overProducer) Start(context.Context, connector.Context, map[string]string) error { return nil }
func (overProducer) Stop(context.Context) error                                        { return nil }
func (overProducer) TaskConfigs(_ context.Context, maxTasks int) ([]map[string]string, error) {
	out := make([]map[string]string, maxTasks+1)
	for i := range out {
		out[i] = map[string]string{"i": strconv.Itoa(i)}
	}
	return out, nil
}

// unreachable fails the test if the worker asks it for task configs.
type unreachable struct{ t *testing.T }

func (unreachable) Start(context.Context, connector.Context, map[string]string) error { return nil }
func (unreachable) Stop(context.Context) error                                        { return nil }
func (u unreachable) TaskConfigs(_ context.Context, maxTasks int) ([]map[string]string, error) {
	u.t.Errorf("TaskConfigs(%d) called", maxTasks)
	return nil, nil
}

// validatedRunner validates config as the REST API does, fails the test if validation reports an error, and
// returns a runner whose instance is conn.
func validatedRunner(t *testing.T, config map[string]string, conn connector.Connector) *connectorRunner {
	t.Helper()
	reg := connector.NewRegistry()
	if err := connectortest.Register(reg); err != nil {
		t.Fatal(err)
	}
	infos, plugin, err := reg.Validate(config, connector.ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if infos.ErrorCount != 0 {
		for _, c := range infos.Configs {
			if c.Value != nil && len(c.Value.Errors) > 0 {
				t.Errorf("%s: %v", c.Value.Name, c.Value.Errors)
			}
		}
		t.Fatalf("config %q does not validate", config)
	}
	return &connectorRunner{name: config["name"], config: config, plugin: plugin, conn: conn, log: slog.New(slog.DiscardHandler),
		publisher: &taskPublisher{}}
}

// A tasks.max that passes validation must be read the same way when tasks are generated: validation trims as
// Java's String.trim does (every char <= U+0020), not only Unicode white space.
func TestTaskConfigsReadTasksMaxAsValidationDoes(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want int
	}{
		{"3", 3},
		{" 3 ", 3},
		{"3\x00", 3},
		{"\x013", 3},
		{"\x1f2\t\x00", 2},
		{"+4", 4},
	} {
		config := map[string]string{
			"name": "c", "connector.class": connectortest.SourceClass, "topic": "t", "tasks.max": tc.raw,
		}
		r := validatedRunner(t, config, nil)
		inst := r.plugin.NewConnector()
		if err := inst.Start(t.Context(), nil, config); err != nil {
			t.Fatal(err)
		}
		r.conn = inst
		configs, err := r.taskConfigs(t.Context())
		if err != nil {
			t.Errorf("tasks.max %q: %v", tc.raw, err)
			continue
		}
		if len(configs) != tc.want {
			t.Errorf("tasks.max %q: %d task configs, want %d", tc.raw, len(configs), tc.want)
		}
	}
}

// Without tasks.max the framework default, 1, applies.
func TestTaskConfigsDefaultTasksMax(t *testing.T) {
	config := map[string]string{"name": "c", "connector.class": connectortest.SourceClass, "topic": "t"}
	r := validatedRunner(t, config, nil)
	inst := r.plugin.NewConnector()
	if err := inst.Start(t.Context(), nil, config); err != nil {
		t.Fatal(err)
	}
	r.conn = inst
	configs, err := r.taskConfigs(t.Context())
	if err != nil || len(configs) != 1 {
		t.Fatalf("got %d task configs, %v; want 1", len(configs), err)
	}
}

// tasks.max.enforce is a BOOLEAN: " FALSE" validates as false and must switch enforcement off.
func TestTaskConfigsTasksMaxEnforceAsValidationDoes(t *testing.T) {
	for _, tc := range []struct {
		raw     string
		enforce bool
	}{
		{"false", false},
		{" FALSE\x00", false},
		{"False", false},
		{"true", true},
		{"", true}, // unset: the default applies
	} {
		config := map[string]string{"name": "c", "connector.class": connectortest.SourceClass, "topic": "t", "tasks.max": "2"}
		if tc.raw != "" {
			config["tasks.max.enforce"] = tc.raw
		}
		r := validatedRunner(t, config, overProducer{})
		configs, err := r.taskConfigs(t.Context())
		var tooMany *tooManyTasksError
		switch {
		case tc.enforce && !errors.As(err, &tooMany):
			t.Errorf("tasks.max.enforce %q: got %d configs, %v; want a tooManyTasksError", tc.raw, len(configs), err)
		case !tc.enforce && (err != nil || len(configs) != 3):
			t.Errorf("tasks.max.enforce %q: got %d configs, %v; want 3", tc.raw, len(configs), err)
		}
	}
}

// A tasks.max that does not validate (written to the config topic by something else) is reported in Kafka's
// words rather than guessed at.
func TestTaskConfigsInvalidTasksMax(t *testing.T) {
	for _, raw := range []string{"0", "-1", "many", "2147483648", "3 3"} {
		r := &connectorRunner{
			name: "c", config: map[string]string{"tasks.max": raw}, conn: unreachable{t},
			plugin: &connector.Plugin{Type: connector.Source}, log: slog.New(slog.DiscardHandler),
		}
		configs, err := r.taskConfigs(t.Context())
		if err == nil {
			t.Errorf("tasks.max %q: got %d configs, want an error", raw, len(configs))
			continue
		}
		if want := "Invalid value " + raw + " for configuration tasks.max"; !strings.Contains(err.Error(), want) {
			t.Errorf("tasks.max %q: error %q does not contain %q", raw, err, want)
		}
	}
}
