package filestream

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"os"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/convert"
)

// SinkSpec returns the configuration of FileStreamSinkConnector.
func SinkSpec() *connector.Spec {
	return connector.NewSpec(
		connector.String(KeyFile).Opt().Imp(connector.High).
			Documentation("Destination filename. If not specified, the standard output will be used"),
	)
}

// SinkConnector is FileStreamSinkConnector. Every task gets the connector's configuration.
type SinkConnector struct {
	config map[string]string
}

// Start validates the configuration and keeps it for the tasks.
func (c *SinkConnector) Start(_ context.Context, cc connector.Context, config map[string]string) error {
	p, err := SinkSpec().Parse(config)
	if err != nil {
		return err
	}
	c.config = maps.Clone(config)
	file := p.String(KeyFile)
	if file == "" {
		file = "standard output"
	}
	loggerOf(cc).Info("file sink connector starting", "file", file)
	return nil
}

// TaskConfigs returns maxTasks copies of the connector's configuration, as Kafka does: tasks all append to
// the same file.
func (c *SinkConnector) TaskConfigs(_ context.Context, maxTasks int) ([]map[string]string, error) {
	out := make([]map[string]string, maxTasks)
	for i := range out {
		out[i] = maps.Clone(c.config)
	}
	return out, nil
}

// Stop does nothing: the connector watches nothing.
func (c *SinkConnector) Stop(context.Context) error { return nil }

// AlterOffsets accepts any offsets: the connector keeps none of its own.
func (c *SinkConnector) AlterOffsets(map[string]string, []connector.PartitionOffset) (bool, error) {
	return true, nil
}

// SinkTask is FileStreamSinkTask: it appends each record's value as a line of text (see convert.Text) to a
// file, or to standard output.
type SinkTask struct {
	filename string
	f        *os.File
	w        *bufio.Writer
	// stdout is where output goes without a file; tests replace it.
	stdout io.Writer
}

// Start opens the file for appending, creating it if needed.
func (t *SinkTask) Start(_ context.Context, _ connector.SinkTaskContext, config map[string]string) error {
	p, err := SinkSpec().Parse(config)
	if err != nil {
		return err
	}
	t.filename = p.String(KeyFile)
	if t.filename == "" {
		out := t.stdout
		if out == nil {
			out = os.Stdout
		}
		t.w = bufio.NewWriter(out)
		return nil
	}
	f, err := os.OpenFile(t.filename, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("Couldn't find or create file '%s' for FileStreamSinkTask: %w", t.filename, err)
	}
	t.f, t.w = f, bufio.NewWriter(f)
	return nil
}

// Put writes one line per record: the value's text, "null" for a nil value.
func (t *SinkTask) Put(_ context.Context, records []*connector.SinkRecord) error {
	for _, r := range records {
		if _, err := t.w.WriteString(convert.Text(r.Value)); err != nil {
			return fmt.Errorf("write to %s: %w", t.logName(), err)
		}
		if err := t.w.WriteByte('\n'); err != nil {
			return fmt.Errorf("write to %s: %w", t.logName(), err)
		}
	}
	return nil
}

// Flush writes buffered lines out and, for a file, syncs it to disk.
func (t *SinkTask) Flush(context.Context, map[connector.TopicPartition]int64) error {
	if err := t.w.Flush(); err != nil {
		return fmt.Errorf("flush %s: %w", t.logName(), err)
	}
	if t.f != nil {
		if err := t.f.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", t.logName(), err)
		}
	}
	return nil
}

// Stop writes out buffered lines and closes the file.
func (t *SinkTask) Stop(context.Context) error {
	if t.w == nil {
		return nil
	}
	err := t.w.Flush()
	if t.f != nil {
		if cerr := t.f.Close(); err == nil {
			err = cerr
		}
		t.f = nil
	}
	t.w = nil
	if err != nil {
		return fmt.Errorf("close %s: %w", t.logName(), err)
	}
	return nil
}

func (t *SinkTask) logName() string {
	if t.filename == "" {
		return "stdout"
	}
	return t.filename
}
