package worker_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/connectd/connectd/connector/connectortest"
	"github.com/connectd/connectd/test/workertest"
)

// A client that creates a connector and reads its status at once, through a follower, always finds it: the
// status is UNASSIGNED with no tasks until the worker that runs it reports. Kafka Connect answers 404 "No
// status found" to a fair share of such reads; connectd used to for about half of them.
func TestStatusRightAfterCreateThroughFollower(t *testing.T) {
	t.Parallel()
	c := workertest.NewCluster(t, fastGroup(3, "0")...)
	create := func(via int, name, query string) (int, []byte) {
		return c.Do(via, http.MethodPost, "/connectors"+query, map[string]any{"name": name, "config": map[string]any{
			"connector.class": connectortest.SourceClass, "tasks.max": "1", "topic": "t-" + name, connectortest.KeyCount: "1"}})
	}
	// Only the leader takes a write with forward=false; the others answer 409 once the group has formed.
	follower := -1
	workertest.WaitFor(t, c.Eventually(), "a leader takes writes", func() bool {
		for i := range 3 {
			if status, _ := create(i, "probe", "?forward=false"); status == http.StatusCreated {
				follower = (i + 1) % 3
				return true
			}
		}
		return false
	})

	type state struct {
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
	}
	for i := range 30 {
		name := fmt.Sprintf("quick-%d", i)
		status, body := create(follower, name, "")
		expect(t, "create "+name, status, body, http.StatusCreated, "")
		status, body = c.Do(follower, http.MethodGet, "/connectors/"+name+"/status", nil)
		if status != http.StatusOK {
			t.Fatalf("status of %s right after its creation: %d %s", name, status, body)
		}
		var st struct {
			Name      string            `json:"name"`
			Connector state             `json:"connector"`
			Tasks     []json.RawMessage `json:"tasks"`
			Type      string            `json:"type"`
		}
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatalf("status of %s: %v: %s", name, err, body)
		}
		if st.Name != name || st.Type != "source" || st.Connector.WorkerID == "" || st.Tasks == nil ||
			st.Connector.State == "UNASSIGNED" && len(st.Tasks) != 0 {
			t.Errorf("status of %s right after its creation: %s", name, body)
		}
	}

	// The listing with ?expand=status has every connector, reported or not.
	status, body := c.Do(follower, http.MethodGet, "/connectors?expand=status", nil)
	var listing map[string]struct {
		Status struct {
			Connector state `json:"connector"`
		} `json:"status"`
	}
	if err := json.Unmarshal(body, &listing); status != http.StatusOK || err != nil {
		t.Fatalf("expand=status: %d %v %s", status, err, body)
	}
	for i := range 30 {
		if e, ok := listing[fmt.Sprintf("quick-%d", i)]; !ok || e.Status.Connector.State == "" {
			t.Errorf("expand=status lacks quick-%d: %s", i, body)
		}
	}

	status, body = c.Do(follower, http.MethodGet, "/connectors/never-created/status", nil)
	expect(t, "status of an unknown connector", status, body, http.StatusNotFound,
		`{"error_code":404,"message":"No status found for connector never-created"}`)
}
