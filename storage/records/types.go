package records

// TargetState is the state a connector's owner should bring it to, as recorded in the config topic.
type TargetState string

// Target states. A connector with no target-state record is Started.
const (
	TargetStarted TargetState = "STARTED"
	TargetPaused  TargetState = "PAUSED"
	TargetStopped TargetState = "STOPPED"
)

// State is the runtime state of a connector or task as recorded in the status topic.
type State string

// Runtime states. Destroyed is never written: it becomes a tombstone.
const (
	StateUnassigned State = "UNASSIGNED"
	StateRunning    State = "RUNNING"
	StatePaused     State = "PAUSED"
	StateFailed     State = "FAILED"
	StateRestarting State = "RESTARTING"
	StateStopped    State = "STOPPED"
	StateDestroyed  State = "DESTROYED"
)

// Status is a status-topic entry of a connector or task.
type Status struct {
	State State
	// Trace is the failure trace; "" when none (written as JSON null).
	Trace      string
	WorkerID   string
	Generation int32
}

// TopicStatus is a topic a connector has used (KIP-558).
type TopicStatus struct {
	Topic             string
	Connector         string
	Task              int
	DiscoverTimestamp int64
}

// RestartRequest is a restart-connector record (KIP-745).
type RestartRequest struct {
	Connector    string
	IncludeTasks bool
	OnlyFailed   bool
}

// SessionKey is the key internal requests are signed with (KIP-507).
type SessionKey struct {
	Key               []byte
	Algorithm         string
	CreationTimestamp int64
}
