package mqtt

import (
	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/mqtt/spool"
)

// RegisterWithSpoolFS is Register for tasks whose spools live on fs, for tests that make the disk fail.
func RegisterWithSpoolFS(fs spool.FS) func(*connector.Registry) error {
	return func(r *connector.Registry) error {
		return register(r, func() *SourceTask { return &SourceTask{spoolFS: fs} })
	}
}
