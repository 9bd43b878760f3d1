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

// ClusterInfo is connectd's GET /connectd/cluster answer, an extension Kafka Connect has no counterpart for:
// the Connect group as a worker sees it. Workers lists every member with what the leader assigned it; only
// the leader knows that, so a follower's own view has an empty Workers (the REST layer asks the leader).
type ClusterInfo struct {
	// WorkerID is the id (advertised host:port) of the worker whose view this is.
	WorkerID string `json:"worker_id"`
	// Generation is the group generation of the last completed rebalance; -1 before the first.
	Generation int32 `json:"generation"`
	// LeaderURL is the advertised REST URL of the leader ("" before the first rebalance); Leader its id.
	LeaderURL string `json:"leader_url"`
	Leader    string `json:"leader"`
	// IsLeader reports whether WorkerID leads the group.
	IsLeader bool `json:"is_leader"`
	// Rebalancing is true from the moment this worker needs a rebalance until one completes.
	Rebalancing bool `json:"rebalancing"`
	// Workers are the group's members sorted by id; empty when this worker is not the leader.
	Workers []ClusterWorker `json:"workers"`
	// ServedBy is the id of the worker that answered the request, which shows the leader's view when it can.
	ServedBy string `json:"served_by"`
}

// ClusterWorker is one member of the Connect group in ClusterInfo.
type ClusterWorker struct {
	ID         string       `json:"id"`
	URL        string       `json:"url"`
	Connectors []string     `json:"connectors"`
	Tasks      []TaskIDInfo `json:"tasks"`
}
