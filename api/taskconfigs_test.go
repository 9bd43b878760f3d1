package api

import (
	"testing"

	"github.com/connectd/connectd/herder"
)

// The configHash a follower names its task configs' origin with reaches the leader's herder, also when the
// follower posted to a worker that is no longer the leader; without it the herder gets "" (a Java worker).
func TestTaskConfigsCarryConfigHash(t *testing.T) {
	c := newCluster(t, nil, nil)
	checkResponse(t, do(t, c.handler, "POST", "/connectors/src/tasks?"+herder.ConfigHashParam+"=abc", `[{"a":"1"}]`), 204, ``)
	if seen := c.rec.last(t); seen.uri != "/connectors/src/tasks?forward=true&"+herder.ConfigHashParam+"=abc" {
		t.Errorf("forwarded to %s", seen.uri)
	}
	if c.leader.lastConfigHash != "abc" {
		t.Errorf("leader herder got configHash %q", c.leader.lastConfigHash)
	}
	checkResponse(t, do(t, c.handler, "POST", "/connectors/src/tasks", `[{"a":"1"}]`), 204, ``)
	if c.leader.lastConfigHash != "" {
		t.Errorf("leader herder got configHash %q without the parameter", c.leader.lastConfigHash)
	}
}
