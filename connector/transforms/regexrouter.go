package transforms

import "github.com/connectd/connectd/connector"

// regexRouterPlugins is not written yet.
func regexRouterPlugins() []connector.TransformPlugin { return nil }
