package group

import (
	"math"
	"slices"
	"time"

	"github.com/connectd/connectd/connector"
)

// CooperativeInput is one round of the incremental cooperative assignor.
type CooperativeInput struct {
	LeaderID string
	// Version is the assignment version: 1 for ProtocolCompatible, 2 for ProtocolSessioned.
	Version int16
	Members map[string]Metadata
	// Snapshot is the leader's config snapshot.
	Snapshot Snapshot
	// Generation is this round's generation; LastCompletedGeneration the last one this member completed
	// a SyncGroup in (-1 if none). The retained state is trusted only if it was computed in the latter.
	Generation, LastCompletedGeneration int32
	// Now is the current time; scheduled rebalances are measured against it.
	Now time.Time
	// MaxDelay is scheduled.rebalance.max.delay.ms.
	MaxDelay time.Duration
}

// CooperativeState is what IncrementalCooperativeAssignor keeps in memory between rounds. The zero value
// is a leader with no history. AssignCooperative never modifies the state it is given.
type CooperativeState struct {
	// PreviousAssignment is everything assigned after the last round, plus lost work being held.
	PreviousAssignment Allocation
	// PreviousGeneration is the generation PreviousAssignment was computed in.
	PreviousGeneration int32
	// PreviousMembers are the members of that round, in id order.
	PreviousMembers []string
	// PreviousRevocation is what the last round revoked; if a member still runs any of it, the
	// revocation did not take effect and PreviousAssignment is rebuilt from what members advertise.
	PreviousRevocation Allocation
	// RevokedInPrevious is set after a round that revoked for load balancing.
	RevokedInPrevious bool
	// SuccessiveRevokingRebalances counts load-balancing revocations in a row; it drives the 40^n backoff.
	SuccessiveRevokingRebalances int
	// ScheduledRebalance is when held lost work is reassigned; zero when nothing is scheduled.
	ScheduledRebalance time.Time
	// Delay is the delay handed to members this round.
	Delay time.Duration
	// Candidates are members that were empty while lost work was held: they receive it first.
	Candidates []string
}

// AssignCooperative is Connect's IncrementalCooperativeAssignor.performTaskAssignment (KIP-415): members keep
// what they run, the leader revokes deleted and duplicated work and, when the load is uneven, the excess
// over an even spread; it holds work lost with a departed member for up to MaxDelay, then gives out new
// and reassigned work to the least loaded members, connectors and tasks balanced separately. Each member
// receives only its additions and revocations. It returns the result and the state for the next round.
func AssignCooperative(in CooperativeInput, prevState CooperativeState) (Result, CooperativeState) {
	ids := sortedIDs(in.Members)
	offset, maxOffset, ok := assignmentOffset(in.Members, in.Snapshot)
	if !ok || len(ids) == 0 {
		return mismatch(ids, in.LeaderID, in.Members, maxOffset, in.Version), prevState
	}
	st := prevState
	st.Candidates = slices.Clone(prevState.Candidates)

	previous := newItems(prevState.PreviousAssignment)
	if prevState.PreviousGeneration != in.LastCompletedGeneration {
		// The leader missed a round (or is new): what it remembers may be stale, so it starts over and
		// treats nothing as lost.
		previous = newItems(Allocation{})
	}
	confConnectors, confTasks := configured(in.Snapshot)
	conf := newItems(Allocation{Connectors: confConnectors, Tasks: confTasks})

	owned := make(map[string]*items, len(ids))
	active := newItems(Allocation{})
	for _, id := range ids {
		var a Allocation
		if alloc := in.Members[id].Allocation; alloc != nil {
			a = alloc.Assigned
		}
		owned[id] = newItems(a)
		active.addAll(owned[id])
	}

	prevRevocation := newItems(prevState.PreviousRevocation)
	if prevRevocation.intersects(active) {
		previous = active.clone()
	}
	prevRevocation = newItems(Allocation{})

	deleted := sortedDiff(previous, conf)
	duplicated := duplicates(ids, owned)
	lost := sortedDiff(previous, active, deleted)
	created := sortedDiff(conf, previous, active)

	current := make(map[string]*items, len(ids))
	next := make([]*load, 0, len(ids))
	toRevoke := make(map[string]*items, len(ids))
	for _, id := range ids {
		current[id] = owned[id].minus(deleted)
		toRevoke[id] = owned[id].intersect(deleted)
		toRevoke[id].addAll(owned[id].intersect(duplicated))
		next = append(next, &load{id: id, items: owned[id].minus(toRevoke[id])})
	}

	reassign := newItems(Allocation{})
	handleLost(&st, in, lost, reassign, next)

	if st.Delay == 0 {
		balance := loadBalancingRevocations(conf, next)
		switch {
		case st.RevokedInPrevious && len(balance) > 0:
			st.SuccessiveRevokingRebalances++
			st.Delay = revokingBackoff(st.SuccessiveRevokingRebalances, in.MaxDelay)
			if st.Delay != 0 {
				// Two revoking rounds in a row: hold off instead of revoking again, so that members
				// joining one by one do not cause a storm of revocations.
				st.ScheduledRebalance = in.Now.Add(st.Delay)
			} else {
				applyRevocations(balance, toRevoke, next)
			}
		case len(balance) > 0:
			applyRevocations(balance, toRevoke, next)
			st.RevokedInPrevious = true
		case st.RevokedInPrevious:
			st.RevokedInPrevious = false
			st.SuccessiveRevokingRebalances = 0
		}
	} else {
		st.RevokedInPrevious = false
	}

	toAssign := created.clone()
	toAssign.addAll(reassign)
	assignConnectors(next, toAssign.connectors.list())
	assignTasks(next, toAssign.tasks.list())

	// What is assigned now (minus revocations) becomes the previous assignment, together with lost work
	// still being held so that it stays "lost" until reassigned.
	nextPrevious := newItems(Allocation{})
	for _, l := range next {
		nextPrevious.addAll(l.items)
	}
	for _, id := range ids {
		nextPrevious.removeAll(toRevoke[id])
		prevRevocation.addAll(toRevoke[id])
	}
	nextPrevious.addAll(lost)

	st.PreviousAssignment = nextPrevious.allocation()
	st.PreviousRevocation = prevRevocation.allocation()
	st.PreviousGeneration = in.Generation
	st.PreviousMembers = ids

	leader := &LeaderState{
		MemberURLs: urls(in.Members),
		Connectors: make(map[string]string),
		Tasks:      make(map[connector.TaskID]string),
	}
	out := make(map[string]Assignment, len(ids))
	delayMs := int32(min(st.Delay.Milliseconds(), math.MaxInt32))
	for _, l := range next {
		for _, c := range l.items.connectors.list() {
			if !toRevoke[l.id].connectors.has(c) {
				leader.Connectors[c] = l.id
			}
		}
		for _, t := range l.items.tasks.list() {
			if !toRevoke[l.id].tasks.has(t) {
				leader.Tasks[t] = l.id
			}
		}
		out[l.id] = Assignment{
			Version: in.Version, Error: NoError,
			Leader: in.LeaderID, LeaderURL: in.Members[in.LeaderID].URL, ConfigOffset: offset,
			Assigned: l.items.minus(current[l.id]).allocation(),
			Revoked:  toRevoke[l.id].allocation(),
			Delay:    delayMs,
		}
	}
	return Result{Assignments: out, Leader: leader}, st
}

// handleLost decides what happens to work whose owner is gone (handleLostAssignments): reassign it now,
// hand it to members that stayed empty once the delay is over, or keep holding it.
func handleLost(st *CooperativeState, in CooperativeInput, lost, reassign *items, next []*load) {
	if lost.empty() && !st.RevokedInPrevious {
		resetDelay(st)
		return
	}
	scheduled := !st.ScheduledRebalance.IsZero()
	present := make(map[string]bool, len(next))
	for _, l := range next {
		present[l.id] = true
	}
	allPresent := true
	for _, id := range st.PreviousMembers {
		allPresent = allPresent && present[id]
	}
	switch {
	case !scheduled && allPresent:
		// Nobody left: a member just missed its assignment last round, so the work is simply given out.
		reassign.addAll(lost)
		return
	case in.MaxDelay == 0:
		reassign.addAll(lost)
		return
	}

	if scheduled && !in.Now.Before(st.ScheduledRebalance) {
		var candidates []*load
		for _, id := range st.Candidates {
			if i := slices.IndexFunc(next, func(l *load) bool { return l.id == id }); i >= 0 {
				candidates = append(candidates, next[i])
			}
		}
		if len(candidates) > 0 {
			for i, c := range lost.connectors.list() {
				candidates[i%len(candidates)].items.connectors.add(c)
			}
			for i, t := range lost.tasks.list() {
				candidates[i%len(candidates)].items.tasks.add(t)
			}
		} else {
			reassign.addAll(lost)
		}
		resetDelay(st)
		st.RevokedInPrevious = false
		return
	}

	for _, l := range next {
		if l.items.empty() && !slices.Contains(st.Candidates, l.id) {
			st.Candidates = append(st.Candidates, l.id)
		}
	}
	if scheduled && in.Now.Before(st.ScheduledRebalance) {
		st.Delay = min(st.ScheduledRebalance.Sub(in.Now).Truncate(time.Millisecond), in.MaxDelay)
	} else {
		st.Delay = in.MaxDelay
	}
	st.ScheduledRebalance = in.Now.Add(st.Delay)
}

func resetDelay(st *CooperativeState) {
	st.Candidates = nil
	st.ScheduledRebalance = time.Time{}
	st.Delay = 0
}

// revokingBackoff is Connect's ExponentialBackoff(1 ms, ×40, maxDelay, no jitter) after n revoking rounds
// in a row: 40 ms, 1.6 s, 64 s, then maxDelay; always 0 when maxDelay is 0.
func revokingBackoff(n int, maxDelay time.Duration) time.Duration {
	maxMs := maxDelay.Milliseconds()
	if maxMs <= 0 {
		return 0
	}
	initial := min(int64(1), maxMs)
	if maxMs <= initial {
		return time.Duration(initial) * time.Millisecond
	}
	expMax := math.Log(float64(maxMs)/float64(initial)) / math.Log(40)
	term := float64(initial) * math.Pow(40, math.Min(float64(n), expMax))
	return time.Duration(min(int64(term), maxMs)) * time.Millisecond
}

// loadBalancingRevocations picks, for connectors and tasks separately, what to take from members above an
// even spread (performLoadBalancingRevocations). Members are walked in id order; each over-allocated one
// keeps min+1 while extra slots remain, else min, and gives up its first items.
func loadBalancingRevocations(conf *items, next []*load) map[string]*items {
	allEmpty := true
	for _, l := range next {
		allEmpty = allEmpty && l.items.empty()
	}
	if allEmpty || conf.empty() {
		return nil
	}
	out := make(map[string]*items)
	get := func(id string) *items {
		if out[id] == nil {
			out[id] = newItems(Allocation{})
		}
		return out[id]
	}
	for id, cs := range excess(conf.connectors.len(), next, func(l *load) *oset[string] { return l.items.connectors }) {
		for _, c := range cs {
			get(id).connectors.add(c)
		}
	}
	for id, ts := range excess(conf.tasks.len(), next, func(l *load) *oset[connector.TaskID] { return l.items.tasks }) {
		for _, t := range ts {
			get(id).tasks.add(t)
		}
	}
	return out
}

func excess[T comparable](total int, workers []*load, of func(*load) *oset[T]) map[string][]T {
	n := len(workers)
	minPer, extra := total/n, total%n
	var atMin, atExtra int
	for _, w := range workers {
		switch of(w).len() {
		case minPer:
			atMin++
		case minPer + 1:
			atExtra++
		}
	}
	if atExtra == extra && atMin+atExtra == n {
		return nil
	}
	out := make(map[string][]T)
	extras := 0
	for _, w := range workers {
		size := of(w).len()
		if size <= minPer {
			continue
		}
		limit := minPer
		if extras < extra {
			extras++
			if size == minPer+1 {
				continue
			}
			limit = minPer + 1
		}
		out[w.id] = of(w).list()[:size-limit]
	}
	return out
}

func applyRevocations(balance map[string]*items, toRevoke map[string]*items, next []*load) {
	for _, l := range next {
		if b := balance[l.id]; b != nil {
			toRevoke[l.id].addAll(b)
			l.items.removeAll(b)
		}
	}
}

// assignConnectors deals connectors to the least loaded members: sorted by (connector count, id), one to
// each member of the lowest tier per pass (assignConnectors in Connect).
func assignConnectors(workers []*load, connectors []string) {
	assignTier(workers, connectors, func(l *load) *oset[string] { return l.items.connectors })
}

// assignTasks is assignConnectors for tasks.
func assignTasks(workers []*load, tasks []connector.TaskID) {
	assignTier(workers, tasks, func(l *load) *oset[connector.TaskID] { return l.items.tasks })
}

func assignTier[T comparable](workers []*load, todo []T, of func(*load) *oset[T]) {
	if len(workers) == 0 || len(todo) == 0 {
		return
	}
	slices.SortStableFunc(workers, func(a, b *load) int {
		if d := of(a).len() - of(b).len(); d != 0 {
			return d
		}
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	first := workers[0]
	for len(todo) > 0 {
		firstLoad := of(first).len()
		upTo := len(workers)
		for i, w := range workers {
			if of(w).len() > firstLoad {
				upTo = i
				break
			}
		}
		for _, w := range workers[:upTo] {
			of(w).add(todo[0])
			todo = todo[1:]
			if len(todo) == 0 {
				break
			}
		}
	}
}

func duplicates(ids []string, owned map[string]*items) *items {
	seenC := make(map[string]int)
	seenT := make(map[connector.TaskID]int)
	for _, id := range ids {
		for _, c := range owned[id].connectors.list() {
			seenC[c]++
		}
		for _, t := range owned[id].tasks.list() {
			seenT[t]++
		}
	}
	var dup Allocation
	for c, n := range seenC {
		if n > 1 {
			dup.Connectors = append(dup.Connectors, c)
		}
	}
	for t, n := range seenT {
		if n > 1 {
			dup.Tasks = append(dup.Tasks, t)
		}
	}
	slices.Sort(dup.Connectors)
	slices.SortFunc(dup.Tasks, compareTasks)
	return newItems(dup)
}

// sortedDiff is base minus every subtrahend, in sorted order as Connect's TreeSet-based diff gives it.
func sortedDiff(base *items, minus ...*items) *items {
	out := base.clone()
	for _, m := range minus {
		out.removeAll(m)
	}
	a := out.allocation()
	slices.Sort(a.Connectors)
	slices.SortFunc(a.Tasks, compareTasks)
	return newItems(a)
}

// load is one member's work while the assignment is computed (Connect's WorkerLoad).
type load struct {
	id    string
	items *items
}

// items is a set of connectors and tasks that remembers insertion order (Connect's ConnectorsAndTasks
// over LinkedHashSets): revocations take a member's items in that order.
type items struct {
	connectors *oset[string]
	tasks      *oset[connector.TaskID]
}

func newItems(a Allocation) *items {
	return &items{connectors: newOset(a.Connectors), tasks: newOset(a.Tasks)}
}

func (s *items) clone() *items { return newItems(s.allocation()) }
func (s *items) empty() bool   { return s.connectors.len() == 0 && s.tasks.len() == 0 }
func (s *items) allocation() Allocation {
	return Allocation{Connectors: s.connectors.list(), Tasks: s.tasks.list()}
}

func (s *items) addAll(o *items) {
	for _, c := range o.connectors.list() {
		s.connectors.add(c)
	}
	for _, t := range o.tasks.list() {
		s.tasks.add(t)
	}
}

func (s *items) removeAll(o *items) {
	s.connectors.removeIf(o.connectors.has)
	s.tasks.removeIf(o.tasks.has)
}

func (s *items) minus(o *items) *items {
	out := s.clone()
	out.removeAll(o)
	return out
}

func (s *items) intersect(o *items) *items {
	out := s.clone()
	out.connectors.removeIf(func(c string) bool { return !o.connectors.has(c) })
	out.tasks.removeIf(func(t connector.TaskID) bool { return !o.tasks.has(t) })
	return out
}

func (s *items) intersects(o *items) bool {
	return slices.ContainsFunc(s.connectors.list(), o.connectors.has) || slices.ContainsFunc(s.tasks.list(), o.tasks.has)
}

// oset is an insertion-ordered set.
type oset[T comparable] struct {
	order []T
	index map[T]struct{}
}

func newOset[T comparable](vs []T) *oset[T] {
	s := &oset[T]{index: make(map[T]struct{}, len(vs))}
	for _, v := range vs {
		s.add(v)
	}
	return s
}

func (s *oset[T]) add(v T) {
	if _, ok := s.index[v]; !ok {
		s.index[v] = struct{}{}
		s.order = append(s.order, v)
	}
}

func (s *oset[T]) has(v T) bool { _, ok := s.index[v]; return ok }
func (s *oset[T]) len() int     { return len(s.order) }

// list returns the members in insertion order; nil when empty.
func (s *oset[T]) list() []T {
	if len(s.order) == 0 {
		return nil
	}
	return slices.Clone(s.order)
}

func (s *oset[T]) removeIf(drop func(T) bool) {
	s.order = slices.DeleteFunc(s.order, func(v T) bool {
		if drop(v) {
			delete(s.index, v)
			return true
		}
		return false
	})
}
