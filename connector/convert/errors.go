package convert

import "github.com/connectd/connectd/connector"

// DataError is a failure to convert between Connect data and bytes, Kafka Connect's DataException; it is
// connector.DataError, which transformations report too.
type DataError = connector.DataError

func dataError(msg string) error { return &DataError{Message: msg} }

func dataErrorCause(msg string, err error) error { return &DataError{Message: msg, Err: err} }
