package errorhandling

// Stage is the step of a task's pipeline an operation belongs to (Kafka's Stage enum, in its order).
type Stage uint8

// Stages, named as Kafka names them in logs and in the __connect.errors.stage header.
const (
	StageTaskPoll Stage = iota
	StageTaskPut
	StageTransformation
	StageKeyConverter
	StageValueConverter
	StageHeaderConverter
	StageKafkaProduce
	StageKafkaConsume
)

var stageNames = [...]string{"TASK_POLL", "TASK_PUT", "TRANSFORMATION", "KEY_CONVERTER", "VALUE_CONVERTER",
	"HEADER_CONVERTER", "KAFKA_PRODUCE", "KAFKA_CONSUME"}

// String returns Kafka's name of the stage, e.g. "VALUE_CONVERTER".
func (s Stage) String() string {
	if int(s) < len(stageNames) {
		return stageNames[s]
	}
	return "UNKNOWN"
}

// toleratesAny reports whether a failure of any kind may be tolerated at this stage (Kafka's
// TOLERABLE_EXCEPTIONS): only conversions and transformations; elsewhere only retriable failures are.
func (s Stage) toleratesAny() bool {
	switch s {
	case StageTransformation, StageKeyConverter, StageValueConverter, StageHeaderConverter:
		return true
	}
	return false
}

// Tolerance is errors.tolerance (Kafka's ToleranceType).
type Tolerance uint8

const (
	// ToleranceNone fails the task at the first failure that is not retried away (the default).
	ToleranceNone Tolerance = iota
	// ToleranceAll skips every record whose processing failed.
	ToleranceAll
)

// String returns the config value, "none" or "all".
func (t Tolerance) String() string {
	if t == ToleranceAll {
		return "all"
	}
	return "none"
}

// Executing classes the worker reports for its own stages, as Kafka reports them.
const (
	// ClassSinkTask is reported for errant records a sink task reports (stage TASK_PUT).
	ClassSinkTask = "org.apache.kafka.connect.sink.SinkTask"
	// ClassWorkerSourceTask is reported for records Kafka refused from a source task (stage KAFKA_PRODUCE).
	ClassWorkerSourceTask = "org.apache.kafka.connect.runtime.WorkerSourceTask"
)
