package filestream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"strings"
	"time"

	"github.com/connectd/connectd/connector"
)

// SourceSpec returns the configuration of FileStreamSourceConnector.
func SourceSpec() *connector.Spec {
	return connector.NewSpec(
		connector.String(KeyFile).Opt().Imp(connector.High).
			Documentation("Source filename. If not specified, the standard input will be used"),
		connector.String(KeyTopic).Check(connector.NonEmpty()).Imp(connector.High).
			Documentation("The topic to publish data to"),
		connector.Int(KeyBatchSize).WithDefault("2000").Imp(connector.Low).
			Documentation("The maximum number of records the source task can read from the file each time it is polled"),
	)
}

// SourceConnector is FileStreamSourceConnector. It has one task, whose configuration is the connector's.
type SourceConnector struct {
	config map[string]string
}

// Start validates the configuration and keeps it for the task.
func (c *SourceConnector) Start(_ context.Context, cc connector.Context, config map[string]string) error {
	p, err := SourceSpec().Parse(config)
	if err != nil {
		return err
	}
	c.config = maps.Clone(config)
	file := p.String(KeyFile)
	if file == "" {
		file = "standard input"
	}
	loggerOf(cc).Info("file source connector starting", "file", file)
	return nil
}

// TaskConfigs returns one task configuration, a copy of the connector's configuration, whatever maxTasks
// is: only one reader of a file makes sense.
func (c *SourceConnector) TaskConfigs(context.Context, int) ([]map[string]string, error) {
	return []map[string]string{maps.Clone(c.config)}, nil
}

// Stop does nothing: the connector watches nothing.
func (c *SourceConnector) Stop(context.Context) error { return nil }

// AlterOffsets checks offsets an operator writes, as Kafka's alterOffsets does: every offset must be null or
// hold a non-negative integer "position", every partition a "filename". Reading standard input keeps no
// offsets, so they cannot be altered.
func (c *SourceConnector) AlterOffsets(config map[string]string, offsets []connector.PartitionOffset) (bool, error) {
	p, err := SourceSpec().Parse(config)
	if err != nil {
		return false, err
	}
	if p.String(KeyFile) == "" {
		return false, errors.New("Offsets cannot be modified if the '" + KeyFile + "' configuration is unspecified. " +
			"This is because stdin is used for input and offsets are not tracked.")
	}
	for _, po := range offsets {
		if po.Offset == nil {
			// Tombstones are allowed for anything, so that garbage can be cleaned up.
			continue
		}
		pos, ok := po.Offset[PositionField]
		if !ok {
			return false, errors.New("Offset objects should either be null or contain the key '" + PositionField + "'")
		}
		n, ok := pos.(int64)
		if !ok {
			return false, errors.New("The value for the '" + PositionField + "' key in the offset is expected to be a Long value")
		}
		if n < 0 {
			return false, errors.New("The value for the '" + PositionField + "' key in the offset should be a non-negative value")
		}
		if po.Partition == nil {
			return false, errors.New("Partition objects cannot be null")
		}
		if _, ok := po.Partition[FilenameField]; !ok {
			return false, errors.New("Partition objects should contain the key '" + FilenameField + "'")
		}
	}
	return true, nil
}

// ErrOffsetType is returned by SourceTask.Poll when the committed position is not an integer.
var ErrOffsetType = errors.New("Offset position is the incorrect type")

// defaultPollInterval is how long Poll waits at the end of the input before it returns an empty batch, as
// Kafka's task waits one second.
const defaultPollInterval = time.Second

// initialBufferSize is the read buffer's starting size; it doubles when a line does not fit.
const initialBufferSize = 8192

// SourceTask is FileStreamSourceTask: it turns the lines of a file, or of standard input, into records.
type SourceTask struct {
	log       *slog.Logger
	offsets   connector.OffsetReader
	filename  string
	partition map[string]any // {"filename": name}; the name is nil when unset (stdin)
	topic     string
	batchSize int
	schema    *connector.Schema

	// pollInterval is the wait at the end of input; tests shorten it.
	pollInterval time.Duration
	// stdin supplies standard input in chunks, closed at its end; tests replace it.
	stdin func() <-chan []byte

	f        *os.File
	in       <-chan []byte // standard input, when reading it
	inClosed bool
	buf      []byte
	start    int // buf[start:end] is read but not yet emitted
	end      int
	// position is the byte offset after the last emitted line; tracked only for files.
	position int64
}

// Start reads the configuration. The file is opened by the first Poll, so that a file that does not exist
// yet is waited for.
func (t *SourceTask) Start(_ context.Context, tc connector.SourceTaskContext, config map[string]string) error {
	p, err := SourceSpec().Parse(config)
	if err != nil {
		return err
	}
	t.log = loggerOf(tc)
	if tc != nil {
		t.offsets = tc.Offsets()
	}
	t.filename = p.String(KeyFile)
	var name any
	if v, ok := p.Value(KeyFile); ok {
		name = v
	}
	t.partition = map[string]any{FilenameField: name}
	t.topic = p.String(KeyTopic)
	t.batchSize = max(p.Int(KeyBatchSize), 1)
	t.schema = &connector.Schema{Type: connector.TypeString}
	if t.pollInterval <= 0 {
		t.pollInterval = defaultPollInterval
	}
	if t.stdin == nil {
		t.stdin = stdinChunks
	}
	t.buf = make([]byte, initialBufferSize)
	if t.filename == "" {
		t.in = t.stdin()
	}
	return nil
}

// Poll returns up to batch.size lines. At the end of the input it waits up to a second for more and then
// returns an empty batch; it returns at once, with no records and no error, when ctx is cancelled.
func (t *SourceTask) Poll(ctx context.Context) ([]*connector.SourceRecord, error) {
	if t.filename != "" && t.f == nil {
		opened, err := t.open()
		if err != nil {
			return nil, err
		}
		if !opened {
			t.wait(ctx)
			return nil, nil
		}
	}
	records := t.drain(nil)
	for len(records) < t.batchSize {
		n, err := t.read()
		if n > 0 {
			records = t.drain(records)
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return records, fmt.Errorf("read %s: %w", t.logName(), err)
		}
		break
	}
	if len(records) == 0 {
		if t.in != nil {
			return t.waitStdin(ctx), nil
		}
		t.wait(ctx)
	}
	return records, nil
}

// open opens the file and seeks to the committed position. It reports false when the file does not exist.
func (t *SourceTask) open() (bool, error) {
	f, err := os.Open(t.filename)
	if errors.Is(err, fs.ErrNotExist) {
		t.log.Warn("file source input not found, waiting for it to be created", "file", t.filename)
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("open %s: %w", t.filename, err)
	}
	var pos int64
	if t.offsets != nil {
		if off := t.offsets.Offset(t.partition); off != nil {
			if v := off[PositionField]; v != nil {
				n, ok := v.(int64)
				if !ok {
					f.Close()
					return false, ErrOffsetType
				}
				pos = n
			}
		}
	}
	if pos > 0 {
		if _, err := f.Seek(pos, io.SeekStart); err != nil {
			f.Close()
			return false, fmt.Errorf("seek %s to %d: %w", t.filename, pos, err)
		}
		t.log.Debug("file source resuming", "file", t.filename, "position", pos)
	}
	t.f, t.position = f, pos
	return true, nil
}

// read appends what is available to the buffer: from the file (0, io.EOF at its current end) or the chunks
// of standard input already received.
func (t *SourceTask) read() (int, error) {
	if t.f != nil {
		t.makeRoom()
		n, err := t.f.Read(t.buf[t.end:])
		t.end += n
		return n, err
	}
	if t.in == nil || t.inClosed {
		return 0, io.EOF
	}
	select {
	case chunk, ok := <-t.in:
		if !ok {
			t.inClosed = true
			return 0, io.EOF
		}
		t.appendChunk(chunk)
		return len(chunk), nil
	default:
		return 0, nil
	}
}

// makeRoom moves unread bytes to the front, and doubles the buffer when a line fills all of it.
func (t *SourceTask) makeRoom() {
	if t.end < len(t.buf) {
		return
	}
	if t.start > 0 {
		t.end = copy(t.buf, t.buf[t.start:t.end])
		t.start = 0
		return
	}
	grown := make([]byte, 2*len(t.buf))
	copy(grown, t.buf[:t.end])
	t.buf = grown
	t.log.Info("file source buffer increased", "size", len(grown))
}

// appendChunk adds a chunk of standard input to the buffer, compacting and growing it as needed.
func (t *SourceTask) appendChunk(chunk []byte) {
	if t.start > 0 {
		t.end = copy(t.buf, t.buf[t.start:t.end])
		t.start = 0
	}
	if need := t.end + len(chunk); need > len(t.buf) {
		size := max(len(t.buf), initialBufferSize)
		for size < need {
			size *= 2
		}
		grown := make([]byte, size)
		copy(grown, t.buf[:t.end])
		t.buf = grown
	}
	t.end += copy(t.buf[t.end:], chunk)
}

// drain appends a record for every complete line in the buffer, up to the batch size.
func (t *SourceTask) drain(records []*connector.SourceRecord) []*connector.SourceRecord {
	for len(records) < t.batchSize {
		line, ok := t.extractLine()
		if !ok {
			break
		}
		var pos any
		if t.filename != "" {
			pos = t.position
		}
		records = append(records, &connector.SourceRecord{
			SourcePartition: maps.Clone(t.partition),
			SourceOffset:    map[string]any{PositionField: pos},
			Topic:           t.topic,
			ValueSchema:     t.schema,
			Value:           strings.ToValidUTF8(string(line), "\uFFFD"),
			Timestamp:       time.Now(),
		})
	}
	return records
}

// extractLine takes the next line off the buffer, as Kafka's extractLine does: a line ends at "\n", "\r\n"
// or "\r", and a "\r" at the end of the data read so far waits for the next byte to tell which.
func (t *SourceTask) extractLine() ([]byte, bool) {
	data := t.buf[t.start:t.end]
	i := bytes.IndexAny(data, "\r\n")
	if i < 0 {
		return nil, false
	}
	next := i + 1
	if data[i] == '\r' {
		if i+1 >= len(data) {
			return nil, false
		}
		if data[i+1] == '\n' {
			next = i + 2
		}
	}
	t.start += next
	t.position += int64(next)
	return data[:i], true
}

// wait blocks for the poll interval or until ctx is done.
func (t *SourceTask) wait(ctx context.Context) {
	timer := time.NewTimer(t.pollInterval)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

// waitStdin waits like wait, but returns early with the lines of input that arrive meanwhile.
func (t *SourceTask) waitStdin(ctx context.Context) []*connector.SourceRecord {
	if t.inClosed {
		t.wait(ctx)
		return nil
	}
	timer := time.NewTimer(t.pollInterval)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
			return nil
		case chunk, ok := <-t.in:
			if !ok {
				t.inClosed = true
				return nil
			}
			t.appendChunk(chunk)
			if records := t.drain(nil); len(records) > 0 {
				return records
			}
		}
	}
}

func (t *SourceTask) logName() string {
	if t.filename == "" {
		return "stdin"
	}
	return t.filename
}

// Stop closes the file. Standard input is left open: it belongs to the process.
func (t *SourceTask) Stop(context.Context) error {
	if t.f == nil {
		return nil
	}
	err := t.f.Close()
	t.f = nil
	if err != nil {
		return fmt.Errorf("close %s: %w", t.filename, err)
	}
	return nil
}
