package transforms

import "github.com/connectd/connectd/connector"

// headerFromPlugins is not written yet.
func headerFromPlugins() []connector.TransformPlugin { return nil }
