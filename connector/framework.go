package connector

import (
	"fmt"
	"strings"
)

// Framework configuration keys every connector config may carry (Kafka's ConnectorConfig,
// SinkConnectorConfig and SourceConnectorConfig).
const (
	KeyName                    = "name"
	KeyConnectorClass          = "connector.class"
	KeyTasksMax                = "tasks.max"
	KeyTasksMaxEnforce         = "tasks.max.enforce"
	KeyKeyConverter            = "key.converter"
	KeyValueConverter          = "value.converter"
	KeyHeaderConverter         = "header.converter"
	KeyTransforms              = "transforms"
	KeyPredicates              = "predicates"
	KeyConfigReloadAction      = "config.action.reload"
	KeyErrorsRetryTimeout      = "errors.retry.timeout"
	KeyErrorsRetryMaxDelay     = "errors.retry.delay.max.ms"
	KeyErrorsTolerance         = "errors.tolerance"
	KeyErrorsLogEnable         = "errors.log.enable"
	KeyErrorsLogIncludeMessage = "errors.log.include.messages"

	// Sink connectors only.
	KeyTopics                    = "topics"
	KeyTopicsRegex               = "topics.regex"
	KeyDLQTopicName              = "errors.deadletterqueue.topic.name"
	KeyDLQTopicReplicationFactor = "errors.deadletterqueue.topic.replication.factor"
	KeyDLQContextHeadersEnable   = "errors.deadletterqueue.context.headers.enable"

	// Source connectors only.
	KeyTopicCreationGroups         = "topic.creation.groups"
	KeyExactlyOnceSupport          = "exactly.once.support"
	KeyTransactionBoundary         = "transaction.boundary"
	KeyTransactionBoundaryInterval = "transaction.boundary.interval.ms"
	KeyOffsetsStorageTopic         = "offsets.storage.topic"
)

// Key prefixes with a framework meaning.
const (
	// PrefixProducerOverride, PrefixConsumerOverride and PrefixAdminOverride carry per-connector Kafka client
	// settings.
	PrefixProducerOverride = "producer.override."
	PrefixConsumerOverride = "consumer.override."
	PrefixAdminOverride    = "admin.override."
	// PrefixTopicCreation starts every topic creation key of a source connector; any key with it turns topic
	// creation on for the connector.
	PrefixTopicCreation = "topic.creation."
	// PrefixTopicCreationDefault starts the keys of the implicit "default" topic creation group.
	PrefixTopicCreationDefault = "topic.creation.default."
)

// Framework groups, in Kafka's spelling.
const (
	GroupCommon             = "Common"
	GroupTransforms         = "Transforms"
	GroupPredicates         = "Predicates"
	GroupErrorHandling      = "Error Handling"
	GroupTopicCreation      = "Topic Creation"
	GroupExactlyOnceSupport = "Exactly Once Support"
	GroupOffsetsTopic       = "offsets.topic"
)

// Framework key documentation, verbatim from Kafka 3.9 (typos included: clients compare these texts).
const (
	docName           = "Globally unique name to use for this connector."
	docConnectorClass = "Name or alias of the class for this connector. Must be a subclass of org.apache.kafka.connect.connector.Connector. " +
		"If the connector is org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full name, " +
		" or use \"FileStreamSink\" or \"FileStreamSinkConnector\" to make the configuration a bit shorter"
	docTasksMax        = "Maximum number of tasks to use for this connector."
	docTasksMaxEnforce = "(Deprecated) Whether to enforce that the tasks.max property is respected by the connector. " +
		"By default, connectors that generate too many tasks will fail, and existing sets of tasks that exceed the tasks.max property will also be failed. " +
		"If this property is set to false, then connectors will be allowed to generate more than the maximum number of tasks, and existing sets of " +
		"tasks that exceed the tasks.max property will be allowed to run. " +
		"This property is deprecated and will be removed in an upcoming major release."
	docConverterTail = " This controls the format of the %s in messages written to or read from Kafka, and since this is" +
		" independent of connectors it allows any connector to work with any serialization format." +
		" Examples of common formats include JSON and Avro."
	docConverter       = "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka."
	docHeaderConverter = "HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka."
	docHeaderTail      = " By default, the SimpleHeaderConverter is used to serialize header values to strings and deserialize them by inferring the schemas."
	docTransforms      = "Aliases for the transformations to be applied to records."
	docPredicates      = "Aliases for the predicates used by transformations."
	docReloadAction    = "The action that Connect should take on the connector when changes in external " +
		"configuration providers result in a change in the connector's configuration properties. " +
		"A value of 'none' indicates that Connect will do nothing. " +
		"A value of 'restart' indicates that Connect should restart/reload the connector with the " +
		"updated configuration properties." +
		"The restart may actually be scheduled in the future if the external configuration provider " +
		"indicates that a configuration value will expire in the future."
	docRetryTimeout = "The maximum duration in milliseconds that a failed operation " +
		"will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries."
	docRetryMaxDelay = "The maximum duration in milliseconds between consecutive retry attempts. " +
		"Jitter will be added to the delay once this limit is reached to prevent thundering herd issues."
	docTolerance = "Behavior for tolerating errors during connector operation. 'none' is the default value " +
		"and signals that any error will result in an immediate connector task failure; 'all' changes the behavior to skip over problematic records."
	docLogEnable = "If true, write each error and the details of the failed operation and problematic record " +
		"to the Connect application log. This is 'false' by default, so that only errors that are not tolerated are reported."
	docLogIncludeMessages = "Whether to include in the log the Connect record that resulted in a failure. " +
		"For sink records, the topic, partition, offset, and timestamp will be logged. " +
		"For source records, the key and value (and their schemas), all headers, and the timestamp, Kafka topic, Kafka partition, source partition, " +
		"and source offset will be logged. " +
		"This is 'false' by default, which will prevent record keys, values, and headers from being written to log files."

	docTopics      = "List of topics to consume, separated by commas"
	docTopicsRegex = "Regular expression giving topics to consume. " +
		"Under the hood, the regex is compiled to a <code>java.util.regex.Pattern</code>. " +
		"Only one of topics or topics.regex should be specified."
	docDLQTopic = "The name of the topic to be used as the dead letter queue (DLQ) for messages that " +
		"result in an error when processed by this sink connector, or its transformations or converters. The topic name is blank by default, " +
		"which means that no messages are to be recorded in the DLQ."
	docDLQReplicationFactor = "Replication factor used to create the dead letter queue topic when it doesn't already exist."
	docDLQContextHeaders    = "If true, add headers containing error context to the messages " +
		"written to the dead letter queue. To avoid clashing with headers from the original record, all error context header " +
		"keys, all error context header keys will start with <code>__connect.errors.</code>"

	docTopicCreationGroups = "Groups of configurations for topics created by source connectors"
	docExactlyOnceSupport  = "Permitted values are requested, required. " +
		"If set to \"required\", forces a preflight check for the connector to ensure that it can provide exactly-once semantics " +
		"with the given configuration. Some connectors may be capable of providing exactly-once semantics but not signal to " +
		"Connect that they support this; in that case, documentation for the connector should be consulted carefully before " +
		"creating it, and the value for this property should be set to \"requested\". " +
		"Additionally, if the value is set to \"required\" but the worker that performs preflight validation does not have " +
		"exactly-once support enabled for source connectors, requests to create or validate the connector will fail."
	docTransactionBoundary = "Permitted values are: poll, interval, connector. " +
		"If set to 'poll', a new producer transaction will be started and committed for every batch of records that each task from " +
		"this connector provides to Connect. If set to 'connector', relies on connector-defined transaction boundaries; note that " +
		"not all connectors are capable of defining their own transaction boundaries, and in that case, attempts to instantiate a connector with " +
		"this value will fail. Finally, if set to 'interval', commits transactions only after a user-defined time interval has passed."
	docTransactionBoundaryInterval = "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction commits by connector tasks. " +
		"If unset, defaults to the value of the worker-level 'offset.flush.interval.ms' property. It has no effect if a different " +
		"transaction.boundary is specified."
	docOffsetsTopic = "The name of a separate offsets topic to use for this connector. " +
		"If empty or not specified, the worker’s global offsets topic name will be used. " +
		"If specified, the offsets topic will be created if it does not already exist on the Kafka cluster targeted by this connector " +
		"(which may be different from the one used for the worker's global offsets topic if the bootstrap.servers property of the connector's producer " +
		"has been overridden from the worker's). Only applicable in distributed mode; in standalone mode, setting this property will have no effect."
)

// FrameworkSpec returns the keys Kafka Connect adds to every connector of type t (ConnectorConfig plus
// SinkConnectorConfig or SourceConnectorConfig) with Kafka's names, types, defaults, validators, docs, groups,
// orders, widths and display names. Any other t gets the common keys only. Each call returns a new Spec.
//
// Parse on it gives the worker typed framework values; CLASS keys (the converters) come back as written and
// are resolved with Registry.LookupConverter.
func FrameworkSpec(t Type) *Spec {
	fields := commonFields()
	switch t {
	case Sink:
		fields = append(fields, sinkFields()...)
	case Source:
		fields = append(fields, sourceFields()...)
	}
	return &Spec{Fields: fields}
}

func commonFields() []*Field {
	return []*Field{
		String(KeyName).Check(NonEmptyWithoutControlChars()).Imp(High).Documentation(docName).
			InGroup(GroupCommon, 1).Display("Connector name", WidthMedium),
		String(KeyConnectorClass).Imp(High).Documentation(docConnectorClass).
			InGroup(GroupCommon, 2).Display("Connector class", WidthLong),
		Int(KeyTasksMax).WithDefault("1").Check(AtLeast(1)).Imp(High).Documentation(docTasksMax).
			InGroup(GroupCommon, 3).Display("Tasks max", WidthShort),
		Bool(KeyTasksMaxEnforce).WithDefault("true").Imp(Low).Documentation(docTasksMaxEnforce).
			InGroup(GroupCommon, 4).Display("Enforce tasks max", WidthShort),
		Class(KeyKeyConverter).Opt().Imp(Low).Documentation(docConverter+fmt.Sprintf(docConverterTail, "keys")).
			InGroup(GroupCommon, 5).Display("Key converter class", WidthShort),
		Class(KeyValueConverter).Opt().Imp(Low).Documentation(docConverter+fmt.Sprintf(docConverterTail, "values")).
			InGroup(GroupCommon, 6).Display("Value converter class", WidthShort),
		Class(KeyHeaderConverter).Opt().Imp(Low).
			Documentation(docHeaderConverter+fmt.Sprintf(docConverterTail, "header values")+docHeaderTail).
			InGroup(GroupCommon, 7).Display("Header converter class", WidthShort),
		// Kafka numbers these two in the Common sequence although they sit in their own groups.
		List(KeyTransforms).WithDefault("").Check(uniqueAliases()).Imp(Low).Documentation(docTransforms).
			InGroup(GroupTransforms, 8).Display("Transforms", WidthLong),
		List(KeyPredicates).WithDefault("").Check(uniqueAliases()).Imp(Low).Documentation(docPredicates).
			InGroup(GroupPredicates, 9).Display("Predicates", WidthLong),
		String(KeyConfigReloadAction).WithDefault("restart").Check(OneOf("none", "restart")).Imp(Low).
			Documentation(docReloadAction).InGroup(GroupCommon, 10).Display("Reload Action", WidthMedium),
		Long(KeyErrorsRetryTimeout).WithDefault("0").Imp(Medium).Documentation(docRetryTimeout).
			InGroup(GroupErrorHandling, 1).Display("Retry Timeout for Errors", WidthMedium),
		Long(KeyErrorsRetryMaxDelay).WithDefault("60000").Imp(Medium).Documentation(docRetryMaxDelay).
			InGroup(GroupErrorHandling, 2).Display("Maximum Delay Between Retries for Errors", WidthMedium),
		String(KeyErrorsTolerance).WithDefault("none").Check(OneOf("none", "all")).Imp(Medium).Documentation(docTolerance).
			InGroup(GroupErrorHandling, 3).Display("Error Tolerance", WidthShort),
		Bool(KeyErrorsLogEnable).WithDefault("false").Imp(Medium).Documentation(docLogEnable).
			InGroup(GroupErrorHandling, 4).Display("Log Errors", WidthShort),
		Bool(KeyErrorsLogIncludeMessage).WithDefault("false").Imp(Medium).Documentation(docLogIncludeMessages).
			InGroup(GroupErrorHandling, 5).Display("Log Error Details", WidthShort),
	}
}

func sinkFields() []*Field {
	// Kafka gives topics and topics.regex the same order, 4, which tasks.max.enforce also has.
	return []*Field{
		List(KeyTopics).WithDefault("").Imp(High).Documentation(docTopics).
			InGroup(GroupCommon, 4).Display("Topics", WidthLong),
		String(KeyTopicsRegex).WithDefault("").Check(Regex()).Imp(High).Documentation(docTopicsRegex).
			InGroup(GroupCommon, 4).Display("Topics regex", WidthLong),
		String(KeyDLQTopicName).WithDefault("").Imp(Medium).Documentation(docDLQTopic).
			InGroup(GroupErrorHandling, 6).Display("Dead Letter Queue Topic Name", WidthMedium),
		Short(KeyDLQTopicReplicationFactor).WithDefault("3").Imp(Medium).Documentation(docDLQReplicationFactor).
			InGroup(GroupErrorHandling, 7).Display("Dead Letter Queue Topic Replication Factor", WidthMedium),
		Bool(KeyDLQContextHeadersEnable).WithDefault("false").Imp(Medium).Documentation(docDLQContextHeaders).
			InGroup(GroupErrorHandling, 8).Display("Enable Error Context Headers", WidthMedium),
	}
}

func sourceFields() []*Field {
	return []*Field{
		List(KeyTopicCreationGroups).WithDefault("").Check(uniqueAliases()).Imp(Low).Documentation(docTopicCreationGroups).
			InGroup(GroupTopicCreation, 1).Display("Topic Creation Groups", WidthLong),
		String(KeyExactlyOnceSupport).WithDefault("requested").Check(OneOfIgnoreCase("requested", "required")).
			Imp(Medium).Documentation(docExactlyOnceSupport).
			InGroup(GroupExactlyOnceSupport, 2).Display("Exactly once support", WidthShort),
		String(KeyTransactionBoundary).WithDefault("poll").Check(OneOfIgnoreCase("poll", "interval", "connector")).
			Imp(Medium).Documentation(docTransactionBoundary).
			InGroup(GroupExactlyOnceSupport, 3).Display("Transaction Boundary", WidthShort),
		Long(KeyTransactionBoundaryInterval).Opt().Check(atLeastOrUnset(0)).Imp(Low).Documentation(docTransactionBoundaryInterval).
			InGroup(GroupExactlyOnceSupport, 4).Display("Transaction boundary interval", WidthShort),
		String(KeyOffsetsStorageTopic).Opt().Check(NonEmpty()).Imp(Low).Documentation(docOffsetsTopic).
			InGroup(GroupOffsetsTopic, 1).Display("Offsets topic", WidthLong),
	}
}

const (
	topicCreationIncludeDoc = "A list of regular expression literals " +
		"used to match the topic names used by the source connector. This list is used " +
		"to include topics that should be created using the topic settings defined by this group."
	topicCreationExcludeDoc = "A list of regular expression literals " +
		"used to match the topic names used by the source connector. This list is used " +
		"to exclude topics from being created with the topic settings defined by this group. " +
		"Note that exclusion rules have precedent and override any inclusion rules for the topics."
	topicCreationReplicationFactorDoc = "The replication factor for new topics " +
		"created for this connector using this group. This value may be -1 to use the broker's" +
		"default replication factor, or may be a positive number not larger than the number of " +
		"brokers in the Kafka cluster. A value larger than the number of brokers in the Kafka cluster " +
		"will result in an error when the new topic is created. For the default group this configuration " +
		"is required. For any other group defined in topic.creation.groups this config is " +
		"optional and if it's missing it gets the value of the default group"
	topicCreationPartitionsDoc = "The number of partitions new topics created for " +
		"this connector. This value may be -1 to use the broker's default number of partitions, " +
		"or a positive number representing the desired number of partitions. " +
		"For the default group this configuration is required. For any " +
		"other group defined in topic.creation.groups this config is optional and if it's " +
		"missing it gets the value of the default group"
)

// topicCreationGroupFields are the keys of one topic creation group, unprefixed (TopicCreationConfig). The
// default group requires replication.factor and partitions; other groups inherit them from it (rf and
// partitions are nil when the default group's values are unusable, and the keys are then optional).
func topicCreationGroupFields(group string, isDefault bool, rf, partitions *string) []*Field {
	include := List("include").WithDefault("").Check(regexList())
	exclude := List("exclude").WithDefault("").Check(regexList())
	replication := Short("replication.factor").Check(replicationFactor())
	parts := Int("partitions").Check(partitionCount())
	if isDefault {
		include = List("include").WithDefault(".*").Check(NonNull())
		exclude = List("exclude").WithDefault("").Check(NonNull())
	} else {
		setDefault(replication, rf)
		setDefault(parts, partitions)
	}
	return []*Field{
		include.Imp(Low).Documentation(topicCreationIncludeDoc).
			InGroup(group, 1).Display("Inclusion Topic Pattern for "+group, WidthLong),
		exclude.Imp(Low).Documentation(topicCreationExcludeDoc).
			InGroup(group, 2).Display("Exclusion Topic Pattern for "+group, WidthLong),
		replication.Imp(Low).Documentation(topicCreationReplicationFactorDoc).
			InGroup(group, 3).Display("Replication Factor for Topics in "+group, WidthLong),
		parts.Imp(Low).Documentation(topicCreationPartitionsDoc).
			InGroup(group, 4).Display("Partition Count for Topics in "+group, WidthLong),
	}
}

func setDefault(f *Field, v *string) {
	if v == nil {
		f.Opt()
		return
	}
	f.WithDefault(*v)
}

// Prefixed returns the entries of config whose key starts with prefix, with the prefix removed (Kafka's
// originalsWithPrefix), e.g. the settings of "value.converter.".
func Prefixed(config map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range config {
		if len(k) > len(prefix) && strings.HasPrefix(k, prefix) {
			out[k[len(prefix):]] = v
		}
	}
	return out
}

// usesTopicCreation is SourceConnectorConfig.usesTopicCreation: any topic.creation.* key turns it on.
func usesTopicCreation(config map[string]string) bool {
	for k := range config {
		if strings.HasPrefix(k, PrefixTopicCreation) {
			return true
		}
	}
	return false
}
