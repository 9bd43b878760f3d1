package connector

// TaskID names one task of a connector, as Kafka Connect's ConnectorTaskId does. It lives here, in the package
// every layer already imports, so that storage and worker/group can share it without one importing the other.
type TaskID struct {
	Connector string
	Task      int
}
