package transforms

import "github.com/connectd/connectd/connector"

// hoistFieldPlugins is not written yet.
func hoistFieldPlugins() []connector.TransformPlugin { return nil }
