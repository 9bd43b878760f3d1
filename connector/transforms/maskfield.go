package transforms

import "github.com/connectd/connectd/connector"

// maskFieldPlugins is not written yet.
func maskFieldPlugins() []connector.TransformPlugin { return nil }
