package main

import (
	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/convert"
	"github.com/connectd/connectd/connector/filestream"
	"github.com/connectd/connectd/connector/mqtt"
	"github.com/connectd/connectd/connector/transforms"
)

// newRegistry builds the registry of every plugin connectd ships.
func newRegistry() (*connector.Registry, error) {
	r := connector.NewRegistry()
	for _, register := range []func(*connector.Registry) error{
		convert.Register,
		filestream.Register,
		mqtt.Register,
		transforms.Register,
	} {
		if err := register(r); err != nil {
			return nil, err
		}
	}
	return r, nil
}
