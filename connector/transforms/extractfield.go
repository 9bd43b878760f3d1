package transforms

import "github.com/connectd/connectd/connector"

// extractFieldPlugins is not written yet.
func extractFieldPlugins() []connector.TransformPlugin { return nil }
