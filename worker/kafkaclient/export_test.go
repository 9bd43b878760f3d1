package kafkaclient

// MaxProducerRetries is maxProducerRetries for the tests in package kafkaclient_test.
const MaxProducerRetries = maxProducerRetries
