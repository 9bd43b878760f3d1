package worker

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"

	"github.com/connectd/connectd/worker/config"
)

// taskSpoolDir implements connector.SpoolDirProvider for one task: <spool.dir>/<connector>/<task>, the
// connector name made a safe directory name (config.PathName). The directory is keyed by the task's id, so
// the task's next run on this worker, whichever run it is, finds what the last one left.
type taskSpoolDir struct {
	root      string
	temp      bool // root is spool.dir's default, under the temporary directory
	connector string
	task      int
	log       *slog.Logger
}

// SpoolDir creates the task's directory (mode 0700: it holds the connector's data) and returns it.
func (d taskSpoolDir) SpoolDir() (string, error) {
	dir := filepath.Join(d.root, config.PathName(d.connector), strconv.Itoa(d.task))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("spool directory of task %s-%d under spool.dir %s: %w", d.connector, d.task, d.root, err)
	}
	if d.temp && d.log != nil {
		d.log.Warn("spool.dir is not set: the task's spool is under the temporary directory, which may not survive "+
			"a reboot; set spool.dir to a directory on a persistent volume", "dir", dir)
	}
	return dir, nil
}
