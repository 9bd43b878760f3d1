// Package herder is the contract between the REST API and the worker: what a herder's operations return
// (entities in Kafka Connect's REST shapes) and how they fail (error kinds the REST layer maps to status
// codes, in exactly one function in api).
//
// The entities are Kafka Connect's JSON entities, field for field and in Kafka Connect's field order, shared
// by the REST server, its forwarding client and the worker that fills them. The package holds types only,
// with no behaviour beyond Error and Unwrap: package worker implements the operations, package api serves
// them.
package herder
