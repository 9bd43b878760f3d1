package worker

import (
	"maps"

	"github.com/connectd/connectd/worker/configprovider"
)

// resolveConfig returns a copy of config with the worker's config provider placeholders resolved. An
// unresolvable placeholder is an error naming the key and the provider: unlike Kafka Connect, which would
// run the connector with the placeholder as its value, connectd never hands a placeholder to a plugin.
func (w *Worker) resolveConfig(config map[string]string) (map[string]string, error) {
	out, err := w.cfg.Providers.Transform(config)
	if err != nil {
		return nil, err
	}
	return maps.Clone(out), nil
}

// unresolve puts the placeholders of the connector config back into a task config generated from its resolved
// values, as Kafka Connect's AbstractHerder.reverseTransform does before writing task configs: every key whose
// connector config value holds a placeholder gets that raw value, so no resolved secret reaches the config
// topic under the connector's key. (A secret a connector copies under another key is written as it is, as in
// Kafka Connect.)
func unresolve(taskConfig, rawConnConfig map[string]string) {
	for k, raw := range rawConnConfig {
		if _, ok := taskConfig[k]; ok && configprovider.HasPlaceholder(raw) {
			taskConfig[k] = raw
		}
	}
}
