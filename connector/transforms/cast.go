package transforms

import "github.com/connectd/connectd/connector"

// castPlugins is not written yet.
func castPlugins() []connector.TransformPlugin { return nil }
