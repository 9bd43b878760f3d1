package connector_test

import (
	"testing"

	"github.com/connectd/connectd/connector"
)

// TestValidateShippedPrimitiveConverters: a connector config naming Kafka's primitive converters validates
// with no errors, as in Kafka Connect (they used to be "Class ... could not be found").
func TestValidateShippedPrimitiveConverters(t *testing.T) {
	t.Parallel()
	r := shippedRegistry(t)
	config := map[string]string{
		connector.KeyName: "numbers", connector.KeyConnectorClass: "FileStreamSource", "topic": "t",
		"key.converter":    "org.apache.kafka.connect.converters.LongConverter",
		"value.converter":  "DoubleConverter",
		"header.converter": "org.apache.kafka.connect.converters.BooleanConverter",
	}
	infos, _, err := r.Validate(config, connector.ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if infos.ErrorCount != 0 {
		for _, c := range infos.Configs {
			if c.Value != nil && len(c.Value.Errors) > 0 {
				t.Errorf("%s: %v", c.Value.Name, c.Value.Errors)
			}
		}
		t.Fatalf("error_count = %d, want 0", infos.ErrorCount)
	}
}
