// Package localkafka starts the in-process Kafka cluster (kfake) of `connectd dev` and of the tests, with one
// configuration for both, so that Kafka's own clients (the Java AdminClient of a Java Connect worker,
// kafka-topics.sh, kafka-ui) work against it too.
package localkafka

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// createTopicsMaxVersion is the highest CreateTopics version the cluster accepts. From v5 on (KIP-525) the
// response lists the new topic's configs with their sources, and kfake leaves every source at the field's
// default, -1, which Java's AdminClient rejects ("id should be positive, id: -1"), so a Java client could not
// create a topic. v4 has no configs in its response; Java clients then report the new topic's configs as
// unsupported by the broker, as with Kafka 2.3, and sarama and franz-go negotiate v4 as well. kfake has no
// hook to amend a response it built, which is why the version is capped instead of the field fixed.
const createTopicsMaxVersion = 4

// New starts a kfake cluster with opts. It advertises what kfake advertises by default, which for the pinned
// kfake is kversion.Stable, except CreateTopics; a kfake.MaxVersions among opts replaces that entirely.
func New(opts ...kfake.Opt) (*kfake.Cluster, error) {
	versions := kversion.Stable()
	versions.SetMaxKeyVersion(int16(kmsg.CreateTopics), createTopicsMaxVersion)
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.MaxVersions(versions)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("start in-process kafka: %w", err)
	}
	return c, nil
}
