package storage

import (
	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/storage/records"
)

// TaskID names one task of a connector. It is connector.TaskID, which worker/group uses without importing storage.
type TaskID = connector.TaskID

// Connector is a connector as the config topic describes it. Objects read from the Store are shared: never
// modify them.
type Connector struct {
	Name string
	// Config is the raw connector config as submitted (placeholders intact, no defaults added).
	Config      map[string]string
	TargetState records.TargetState
	// TaskCount is the number of tasks in the last complete commit; 0 when inconsistent or never committed.
	TaskCount int
	// Inconsistent is set when the last commit referenced task configs that were never written.
	Inconsistent bool
}

// TaskConfig is one committed task configuration.
type TaskConfig struct {
	ID     TaskID
	Config map[string]string
}

// TaskStatus is the status of one task.
type TaskStatus struct {
	ID TaskID
	records.Status
}

// Offset is the latest committed source offset of one source partition.
type Offset struct {
	Partition map[string]any
	Offset    map[string]any
}
