package transforms

import "github.com/connectd/connectd/connector"

// setSchemaMetadataPlugins is not written yet.
func setSchemaMetadataPlugins() []connector.TransformPlugin { return nil }
