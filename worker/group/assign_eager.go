package group

import "github.com/connectd/connectd/connector"

// AssignEager is Connect's EagerAssignor: every member has already stopped everything, and the leader
// deals all connectors, then all tasks, round-robin over the members in id order, continuing the same
// rotation from connectors into tasks. Each member gets a v0 assignment with its whole share.
func AssignEager(leaderID string, members map[string]Metadata, snap Snapshot) Result {
	ids := sortedIDs(members)
	offset, maxOffset, ok := assignmentOffset(members, snap)
	if !ok || len(ids) == 0 {
		return mismatch(ids, leaderID, members, maxOffset, 0)
	}

	shares := make(map[string]*Allocation, len(ids))
	for _, id := range ids {
		shares[id] = &Allocation{}
	}
	leader := &LeaderState{
		MemberURLs: urls(members),
		Connectors: make(map[string]string),
		Tasks:      make(map[connector.TaskID]string),
	}
	next := 0
	member := func() string {
		id := ids[next%len(ids)]
		next++
		return id
	}
	connectors, tasks := configured(snap)
	for _, c := range connectors {
		id := member()
		shares[id].Connectors = append(shares[id].Connectors, c)
		leader.Connectors[c] = id
	}
	for _, t := range tasks {
		id := member()
		shares[id].Tasks = append(shares[id].Tasks, t)
		leader.Tasks[t] = id
	}

	out := make(map[string]Assignment, len(ids))
	for _, id := range ids {
		out[id] = Assignment{
			Version: 0, Error: NoError,
			Leader: leaderID, LeaderURL: members[leaderID].URL, ConfigOffset: offset,
			Assigned: *shares[id],
		}
	}
	return Result{Assignments: out, Leader: leader}
}
