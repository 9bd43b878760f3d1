package transforms

import "github.com/connectd/connectd/connector"

// dropHeadersPlugins is not written yet.
func dropHeadersPlugins() []connector.TransformPlugin { return nil }
