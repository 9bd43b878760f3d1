package herder

import "github.com/connectd/connectd/connector"

// ConnectorInfo is Kafka Connect's ConnectorInfo entity.
type ConnectorInfo struct {
	Name   string            `json:"name"`
	Config map[string]string `json:"config"`
	Tasks  []TaskIDInfo      `json:"tasks"`
	Type   connector.Type    `json:"type"`
}

// TaskIDInfo is Kafka Connect's ConnectorTaskId entity.
type TaskIDInfo struct {
	Connector string `json:"connector"`
	Task      int    `json:"task"`
}

// ConnectorStateInfo is Kafka Connect's ConnectorStateInfo entity.
type ConnectorStateInfo struct {
	Name      string         `json:"name"`
	Connector ConnectorState `json:"connector"`
	Tasks     []TaskState    `json:"tasks"`
	Type      connector.Type `json:"type"`
}

// ConnectorState is the connector part of ConnectorStateInfo.
type ConnectorState struct {
	State    string `json:"state"`
	WorkerID string `json:"worker_id"`
	Trace    string `json:"trace,omitempty"`
}

// TaskState is one task of ConnectorStateInfo, also the answer of GET .../tasks/{id}/status.
type TaskState struct {
	ID       int    `json:"id"`
	State    string `json:"state"`
	WorkerID string `json:"worker_id"`
	Trace    string `json:"trace,omitempty"`
}

// ConnectorOffset is one entry of Kafka Connect's ConnectorOffsets entity. Offset is nil in a reset request
// for one partition.
type ConnectorOffset struct {
	Partition map[string]any `json:"partition"`
	Offset    map[string]any `json:"offset"`
}
