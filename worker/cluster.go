package worker

import (
	"cmp"
	"context"
	"net/url"
	"slices"

	"github.com/connectd/connectd/herder"
	"github.com/connectd/connectd/worker/group"
)

// ClusterInfo is this worker's view of the Connect group for connectd's GET /connectd/cluster: generation,
// leader and, on the leader, every member with what the last assignment gave it. It answers from what the
// herder already holds and never waits for the herder loop, only for the worker to be ready.
func (w *Worker) ClusterInfo(ctx context.Context) (herder.ClusterInfo, error) {
	// The membership exists once the worker is ready.
	if err := w.awaitReady(ctx); err != nil {
		return herder.ClusterInfo{}, err
	}
	m := w.group
	info := herder.ClusterInfo{WorkerID: w.id, Workers: []herder.ClusterWorker{}}
	// One lock for all of it, so that the generation is the one the leader and its state come from.
	m.mu.Lock()
	info.Generation, info.LeaderURL, info.IsLeader, info.Rebalancing = m.generation, m.leaderURL, m.isLeader, !m.stable
	leader := m.leader
	m.mu.Unlock()
	info.Leader = workerIDOf(info.LeaderURL)
	if info.IsLeader && leader != nil {
		info.Workers = clusterWorkers(leader)
	}
	return info, nil
}

// clusterWorkers lists the members of a leader's state with their connectors and tasks, sorted. The state is
// replaced, never modified, after an assignment, so reading it outside the lock is safe.
func clusterWorkers(s *group.LeaderState) []herder.ClusterWorker {
	byMember := map[string]*herder.ClusterWorker{}
	for member, u := range s.MemberURLs {
		byMember[member] = &herder.ClusterWorker{ID: workerIDOf(u), URL: u, Connectors: []string{}, Tasks: []herder.TaskIDInfo{}}
	}
	for name, member := range s.Connectors {
		if cw := byMember[member]; cw != nil {
			cw.Connectors = append(cw.Connectors, name)
		}
	}
	for id, member := range s.Tasks {
		if cw := byMember[member]; cw != nil {
			cw.Tasks = append(cw.Tasks, herder.TaskIDInfo{Connector: id.Connector, Task: id.Task})
		}
	}
	out := make([]herder.ClusterWorker, 0, len(byMember))
	for _, cw := range byMember {
		slices.Sort(cw.Connectors)
		slices.SortFunc(cw.Tasks, func(a, b herder.TaskIDInfo) int {
			return cmp.Or(cmp.Compare(a.Connector, b.Connector), cmp.Compare(a.Task, b.Task))
		})
		out = append(out, *cw)
	}
	slices.SortFunc(out, func(a, b herder.ClusterWorker) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// workerIDOf is the worker id (host:port) of an advertised URL, as New derives its own; "" for "".
func workerIDOf(advertised string) string {
	u, err := url.Parse(advertised)
	if err != nil {
		return ""
	}
	return u.Host
}
