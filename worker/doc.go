// Package worker is a Kafka Connect distributed worker: it joins the Connect group, follows the config, offset
// and status topics, runs the connectors and tasks assigned to it, and serves the operations the REST API
// calls. The herder (herder.go) is one goroutine that owns the worker's state; REST writes reach it as requests.
package worker
