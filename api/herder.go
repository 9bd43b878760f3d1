package api

import (
	"context"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/herder"
	"github.com/connectd/connectd/storage"
	"github.com/connectd/connectd/storage/records"
)

// Herder is what the REST layer needs from the worker. Reads answer from the worker's view of the internal
// topics; writes block until the change has been written and read back, or ctx ends. Errors are
// *herder.RequestError or *herder.NotLeaderError values (or connector validation errors) that writeError maps
// to Kafka Connect's statuses and bodies.
type Herder interface {
	// Ready is closed once the worker has read its internal topics to the end and can serve writes.
	Ready() <-chan struct{}
	// KafkaClusterID is the id of the Kafka cluster the worker uses.
	KafkaClusterID() string

	Connectors(ctx context.Context) ([]string, error)
	ConnectorInfo(ctx context.Context, name string) (herder.ConnectorInfo, error)
	ConnectorConfig(ctx context.Context, name string) (map[string]string, error)
	ConnectorStatus(ctx context.Context, name string) (herder.ConnectorStateInfo, error)
	TaskStatus(ctx context.Context, id connector.TaskID) (herder.TaskState, error)
	TaskConfigs(ctx context.Context, name string) ([]storage.TaskConfig, error)
	ConnectorTopics(ctx context.Context, name string) ([]string, error)
	ResetConnectorTopics(ctx context.Context, name string) error

	// CreateConnector creates a connector; initial is "" when the request gave no initial_state.
	CreateConnector(ctx context.Context, name string, config map[string]string, initial records.TargetState) (herder.ConnectorInfo, error)
	// PutConnectorConfig creates or replaces a connector's config; created reports which.
	PutConnectorConfig(ctx context.Context, name string, config map[string]string) (info herder.ConnectorInfo, created bool, err error)
	// PatchConnectorConfig merges patch into the config; a nil value removes the key.
	PatchConnectorConfig(ctx context.Context, name string, patch map[string]*string) (herder.ConnectorInfo, error)
	DeleteConnector(ctx context.Context, name string) error
	// RestartConnector restarts a connector. With includeTasks and onlyFailed both false it restarts the
	// connector instance and returns nil (204); otherwise it returns the restart plan (202).
	RestartConnector(ctx context.Context, name string, includeTasks, onlyFailed bool) (*herder.ConnectorStateInfo, error)
	RestartTask(ctx context.Context, id connector.TaskID) error
	PauseConnector(ctx context.Context, name string) error
	ResumeConnector(ctx context.Context, name string) error
	StopConnector(ctx context.Context, name string) error

	ConnectorOffsets(ctx context.Context, name string) ([]herder.ConnectorOffset, error)
	// AlterConnectorOffsets and ResetConnectorOffsets return the success message of the answer.
	AlterConnectorOffsets(ctx context.Context, name string, offsets []herder.ConnectorOffset) (string, error)
	ResetConnectorOffsets(ctx context.Context, name string) (string, error)

	// PutTaskConfigs is the internal endpoint a follower uses to hand the leader new task configs; configHash
	// is the herder.ConfigHashParam query parameter ("" when absent).
	PutTaskConfigs(ctx context.Context, name string, configs []map[string]string, configHash string) error

	// Plugins is the worker's plugin registry.
	Plugins() *connector.Registry
	// ValidateConfig validates a connector config for PUT /connector-plugins/{plugin}/config/validate.
	ValidateConfig(ctx context.Context, config map[string]string) (connector.ConfigInfos, error)
}
