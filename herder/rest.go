package herder

import "github.com/connectd/connectd/connector"

// ErrorMessage is the body of every error answer.
type ErrorMessage struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// ServerInfo is the answer of GET /.
type ServerInfo struct {
	Version        string `json:"version"`
	Commit         string `json:"commit"`
	KafkaClusterID string `json:"kafka_cluster_id"`
}

// WorkerStatus is the answer of GET /health.
type WorkerStatus struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// TaskInfo is one entry of GET /connectors/{name}/tasks.
type TaskInfo struct {
	ID     TaskIDInfo        `json:"id"`
	Config map[string]string `json:"config"`
}

// Message is the answer of the offsets alter and reset endpoints.
type Message struct {
	Message string `json:"message"`
}

// ActiveTopicsInfo is the value of GET /connectors/{name}/topics, keyed by the connector name.
type ActiveTopicsInfo struct {
	Topics []string `json:"topics"`
}

// ConnectorOffsets is the body of GET and PATCH /connectors/{name}/offsets.
type ConnectorOffsets struct {
	Offsets []ConnectorOffset `json:"offsets"`
}

// PluginInfo is one entry of GET /connector-plugins. Version is left out when the plugin has none.
type PluginInfo struct {
	Class   string               `json:"class"`
	Type    connector.PluginType `json:"type"`
	Version string               `json:"version,omitempty"`
}

// ConnectorExpansion is one value of GET /connectors?expand=…; status comes before info, in the order Kafka
// Connect's HashMap emits the two keys.
type ConnectorExpansion struct {
	Status *ConnectorStateInfo `json:"status,omitempty"`
	Info   *ConnectorInfo      `json:"info,omitempty"`
}

// CreateConnectorRequest is the body of POST /connectors as the REST layer forwards it to the leader.
// InitialState is nil when the request had none.
type CreateConnectorRequest struct {
	Name         string            `json:"name"`
	Config       map[string]string `json:"config"`
	InitialState *string           `json:"initial_state"`
}

// ConfigHashParam is the optional query parameter of the internal POST /connectors/{name}/tasks that names the
// connector config the posted task configs were generated from (worker.ConfigHash of it). connectd followers
// send it and a connectd leader refuses task configs whose connector config is no longer the current one; Java
// workers neither send nor read it, so the endpoint stays wire-compatible in a mixed group.
const ConfigHashParam = "configHash"
