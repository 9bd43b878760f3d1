package transforms

import "github.com/connectd/connectd/connector"

// valueToKeyPlugins is not written yet.
func valueToKeyPlugins() []connector.TransformPlugin { return nil }
