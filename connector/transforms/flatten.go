package transforms

import "github.com/connectd/connectd/connector"

// flattenPlugins is not written yet.
func flattenPlugins() []connector.TransformPlugin { return nil }
