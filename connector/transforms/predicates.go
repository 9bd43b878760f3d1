package transforms

import "github.com/connectd/connectd/connector"

// predicatePlugins is not written yet.
func predicatePlugins() []connector.TransformPlugin { return nil }
