// Package herder is the contract between the REST API and the worker: what a herder's operations return
// (entities in Kafka Connect's REST shapes) and how they fail (error kinds the REST layer maps to status
// codes, in exactly one function in api).
//
// It holds types only, with no behaviour beyond Error and Unwrap. Package worker implements the operations;
// package api serves them.
package herder
