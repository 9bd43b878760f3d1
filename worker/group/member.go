package group

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"

	"github.com/connectd/connectd/connector/backoff"
)

// ProtocolType is the JoinGroup protocol type of Kafka Connect workers.
const ProtocolType = "connect"

// Request versions. sarama lowers each to what the coordinator advertises (ApiVersions is forced on), so
// these are ceilings: the newest sarama encodes, all kept by Kafka 4.x after KIP-896 and served by kfake.
const (
	findCoordinatorVersion = 3
	joinGroupVersion       = 8 // v4+ answers a first join with MEMBER_ID_REQUIRED
	syncGroupVersion       = 5 // v5 carries protocol type and name
	heartbeatVersion       = 4
	leaveGroupVersion      = 5
)

var (
	// ErrRebalanceNeeded is returned by Heartbeat when the member must call Join again: the coordinator
	// started a rebalance, or no longer knows the member or its generation. It wraps the Kafka error.
	ErrRebalanceNeeded = errors.New("group rebalance needed")
	// ErrCoordinatorUnavailable is returned when the group coordinator cannot be found or reached; the
	// member rediscovers it on its next call. Join retries it internally until its context ends.
	ErrCoordinatorUnavailable = errors.New("group coordinator not available")
	// ErrClosed is returned by calls on a closed Member, and by calls that Close interrupted.
	ErrClosed = errors.New("group member closed")
)

// Config configures a Member.
type Config struct {
	// Client supplies the broker addresses and the connection settings (TLS, SASL, timeouts). The member
	// opens its own coordinator connection with a copy of Client.Config().
	Client sarama.Client
	// GroupID is the worker's group.id.
	GroupID string
	// ClientID is the client.id of the coordinator connection; the coordinator prefixes member ids with
	// it. Default "connect-" + WorkerID (Connect 3.7+).
	ClientID string
	// WorkerID is the worker id (host:port of the advertised REST URL), used for the ClientID default.
	WorkerID string
	// Protocol is connect.protocol: ModeEager, ModeCompatible or ModeSessioned (the default). It decides
	// which of the Connect protocols the member offers.
	Protocol string
	// SessionTimeout (default 10s), RebalanceTimeout (default 60s) and HeartbeatInterval (default 3s)
	// are session.timeout.ms, rebalance.timeout.ms and heartbeat.interval.ms.
	SessionTimeout, RebalanceTimeout, HeartbeatInterval time.Duration
	// RetryBackoff (default 100ms) doubles up to RetryBackoffMax (default 1s) between attempts to find
	// or reach the coordinator (retry.backoff.ms, retry.backoff.max.ms).
	RetryBackoff, RetryBackoffMax time.Duration
	// Logger receives the member's logs; nil discards them.
	Logger *slog.Logger
}

func (c *Config) applyDefaults() {
	if c.ClientID == "" {
		c.ClientID = "connect-" + c.WorkerID
	}
	if c.Protocol == "" {
		c.Protocol = ModeSessioned
	}
	if c.SessionTimeout == 0 {
		c.SessionTimeout = 10 * time.Second
	}
	if c.RebalanceTimeout == 0 {
		c.RebalanceTimeout = 60 * time.Second
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = 3 * time.Second
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = 100 * time.Millisecond
	}
	if c.RetryBackoffMax == 0 {
		c.RetryBackoffMax = time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

func (c *Config) validate() error {
	var errs []error
	if c.Client == nil {
		errs = append(errs, errors.New("client is required"))
	}
	if c.GroupID == "" {
		errs = append(errs, errors.New("group id is required"))
	}
	switch c.Protocol {
	case ModeEager, ModeCompatible, ModeSessioned:
	default:
		errs = append(errs, fmt.Errorf("unknown connect protocol mode %q", c.Protocol))
	}
	if c.SessionTimeout < time.Millisecond || c.RebalanceTimeout < time.Millisecond || c.HeartbeatInterval < 0 {
		errs = append(errs, errors.New("timeouts must be positive"))
	}
	if c.HeartbeatInterval >= c.SessionTimeout {
		errs = append(errs, errors.New("heartbeat interval must be lower than the session timeout"))
	}
	if c.RetryBackoff < 0 || c.RetryBackoffMax < c.RetryBackoff {
		errs = append(errs, errors.New("retry backoffs must be positive and max at least the base"))
	}
	return errors.Join(errs...)
}

// LeaderInput is what the leader's assign callback receives.
type LeaderInput struct {
	// Generation is the generation being formed; LastCompletedGeneration the last one this member
	// completed (-1 if none). The cooperative assignor needs both.
	Generation, LastCompletedGeneration int32
	// LeaderID is this member's id.
	LeaderID string
	// Protocol is the chosen protocol: ProtocolDefault, ProtocolCompatible or ProtocolSessioned.
	Protocol string
	// Members maps every member id, the leader's included, to its decoded metadata.
	Members map[string]Metadata
}

// AssignFunc computes one Assignment per member id of in.Members. Its Version must match in.Protocol
// (see ProtocolVersion); Assignor.Assign is the usual implementation.
type AssignFunc func(in LeaderInput) (map[string]Assignment, error)

// JoinResult is the outcome of a rebalance round.
type JoinResult struct {
	Generation         int32
	MemberID, LeaderID string
	// Protocol is the protocol the coordinator chose.
	Protocol string
	IsLeader bool
	// Assignment is this member's assignment as the leader sent it (additions and revocations only under
	// the cooperative protocols; see MergeAssignment).
	Assignment Assignment
	// Members is the decoded metadata of every member; only the leader gets it.
	Members map[string]Metadata
}

// Member is one worker's membership in the Connect group. It is a state machine driven by one owner (the
// herder): Join runs a rebalance round, Heartbeat keeps the membership alive between rounds, Leave ends
// it. Its methods are serialized by a mutex, so the owner may heartbeat from a goroutine of its own; Close
// may be called from anywhere and interrupts a call in progress.
type Member struct {
	cfg  Config
	log  *slog.Logger
	conf *sarama.Config // coordinator connection settings

	life context.Context // ends at Close
	stop context.CancelFunc

	view atomic.Pointer[view] // published at the end of every call, so Generation never waits on one

	mu            sync.Mutex
	coord         *conn
	cursor        int // rotates discovery over the known brokers
	memberID      string
	generation    int32
	protocol      string
	stable        bool // joined and synced; stays true when told to rebalance, until Join begins
	lastCompleted int32
}

// NewMember validates cfg and returns a member that has not joined yet. It does no I/O.
func NewMember(cfg Config) (*Member, error) {
	cfg.applyDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("group member config: %w", err)
	}
	conf := *cfg.Client.Config()
	conf.ClientID = cfg.ClientID
	// The request versions above need a recent client version to pass sarama's local check; the actual
	// versions are negotiated down to the broker's through ApiVersions.
	conf.ApiVersionsRequest = true
	if !conf.Version.IsAtLeast(sarama.V3_2_0_0) {
		conf.Version = sarama.V3_2_0_0
	}
	// A JoinGroup is answered only when the rebalance completes, up to the rebalance timeout; Connect
	// allows 5s on top of it (AbstractCoordinator.JOIN_GROUP_TIMEOUT_LAPSE).
	conf.Net.ReadTimeout = max(conf.Net.ReadTimeout, cfg.RebalanceTimeout+5*time.Second)

	m := &Member{
		cfg:           cfg,
		log:           cfg.Logger.With("component", "group", "group", cfg.GroupID),
		conf:          &conf,
		generation:    -1,
		lastCompleted: -1,
	}
	m.life, m.stop = context.WithCancel(context.Background())
	m.publish()
	return m, nil
}

type view struct {
	generation int32
	memberID   string
	stable     bool
}

// publish makes the membership state visible to Generation; callers hold m.mu.
func (m *Member) publish() {
	m.view.Store(&view{generation: m.generation, memberID: m.memberID, stable: m.stable})
}

// HeartbeatInterval returns how often the owner should call Heartbeat.
func (m *Member) HeartbeatInterval() time.Duration { return m.cfg.HeartbeatInterval }

// Generation returns the generation and member id as of the last completed call, and whether the member
// holds a generation (joined and synced, and not yet rejoining). It does not wait for a call in progress.
func (m *Member) Generation() (generation int32, memberID string, stable bool) {
	v := m.view.Load()
	return v.generation, v.memberID, v.stable
}

// Join runs one rebalance round: JoinGroup with meta (encoded once per offered protocol; meta.Version is
// ignored), then, if the coordinator elected this member leader, assign computes everyone's assignment,
// and SyncGroup hands them out. It retries what the protocol says to retry (MEMBER_ID_REQUIRED,
// UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, coordinator moves and network errors) and
// returns when the round completes, ctx ends, or a fatal error occurs (an error from assign, an
// authorization or protocol mismatch error, undecodable metadata or assignment). Bound ctx to stop
// waiting for an unreachable coordinator.
func (m *Member) Join(ctx context.Context, meta Metadata, assign AssignFunc) (JoinResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	defer m.publish()
	if assign == nil {
		return JoinResult{}, errors.New("join group: nil assign function")
	}
	ctx, end, err := m.begin(ctx)
	if err != nil {
		return JoinResult{}, err
	}
	defer end()

	protocols, err := m.protocols(meta)
	if err != nil {
		return JoinResult{}, err
	}
	m.stable = false
	bo := backoff.Backoff{Base: m.cfg.RetryBackoff, Max: m.cfg.RetryBackoffMax}
	rejoins := 0
	for {
		if err := m.ensureCoordinator(ctx, &bo); err != nil {
			return JoinResult{}, m.interrupted(ctx, err)
		}
		res, next, err := m.joinOnce(ctx, protocols, assign)
		switch next {
		case done:
			bo.Reset()
			m.log.Info("joined group", "generation", res.Generation, "member_id", res.MemberID,
				"leader", res.LeaderID, "protocol", res.Protocol)
			return res, nil
		case rejoin:
			m.log.Debug("rejoining group", "member_id", m.memberID, "err", err)
			// Connect rejoins at once; after a few in a row, back off so a coordinator that keeps
			// answering the same way is not hammered.
			if rejoins++; rejoins > 3 {
				if werr := bo.Wait(ctx); werr != nil {
					return JoinResult{}, m.interrupted(ctx, werr)
				}
			}
		case rediscover:
			m.dropCoordinator()
			fallthrough
		case retryLater:
			m.log.Warn("join group failed, retrying", "err", err)
			if werr := bo.Wait(ctx); werr != nil {
				return JoinResult{}, m.interrupted(ctx, werr)
			}
		default:
			return JoinResult{}, m.interrupted(ctx, err)
		}
	}
}

// step says what Join does after an attempt.
type step int

const (
	fail       step = iota // give up and return the error
	done                   // the round completed
	rejoin                 // send JoinGroup again right away
	retryLater             // same coordinator, after a backoff
	rediscover             // find the coordinator again, after a backoff
)

func (m *Member) joinOnce(ctx context.Context, protocols []*sarama.GroupProtocol, assign AssignFunc) (JoinResult, step, error) {
	req := &sarama.JoinGroupRequest{
		Version:               joinGroupVersion,
		GroupId:               m.cfg.GroupID,
		SessionTimeout:        int32(m.cfg.SessionTimeout.Milliseconds()),
		RebalanceTimeout:      int32(m.cfg.RebalanceTimeout.Milliseconds()),
		MemberId:              m.memberID,
		ProtocolType:          ProtocolType,
		OrderedGroupProtocols: protocols,
	}
	var resp *sarama.JoinGroupResponse
	if err := m.coord.do(ctx, func(b *sarama.Broker) (err error) { resp, err = b.JoinGroup(req); return }); err != nil {
		return JoinResult{}, transportStep(ctx, err), fmt.Errorf("join group: %w", err)
	}
	switch resp.Err {
	case sarama.ErrNoError:
	case sarama.ErrMemberIdRequired:
		m.memberID = resp.MemberId
		return JoinResult{}, rejoin, fmt.Errorf("join group: %w", resp.Err)
	case sarama.ErrUnknownMemberId:
		m.resetMember()
		return JoinResult{}, rejoin, fmt.Errorf("join group: %w", resp.Err)
	case sarama.ErrRebalanceInProgress:
		return JoinResult{}, rejoin, fmt.Errorf("join group: %w", resp.Err)
	case sarama.ErrOffsetsLoadInProgress:
		return JoinResult{}, retryLater, fmt.Errorf("join group: %w", resp.Err)
	case sarama.ErrNotCoordinatorForConsumer, sarama.ErrConsumerCoordinatorNotAvailable:
		return JoinResult{}, rediscover, fmt.Errorf("join group: %w: %w", ErrCoordinatorUnavailable, resp.Err)
	default:
		return JoinResult{}, fail, fmt.Errorf("join group: %w", resp.Err)
	}
	if resp.ProtocolType != nil && *resp.ProtocolType != ProtocolType {
		return JoinResult{}, fail, fmt.Errorf("join group: protocol type %q: %w", *resp.ProtocolType, sarama.ErrInconsistentGroupProtocol)
	}
	m.memberID, m.generation, m.protocol = resp.MemberId, resp.GenerationId, resp.GroupProtocol
	res := JoinResult{
		Generation: resp.GenerationId,
		MemberID:   resp.MemberId,
		LeaderID:   resp.LeaderId,
		Protocol:   resp.GroupProtocol,
		IsLeader:   resp.LeaderId == resp.MemberId,
	}

	protocolType, protocolName := ProtocolType, resp.GroupProtocol
	sync := &sarama.SyncGroupRequest{
		Version:      syncGroupVersion,
		GroupId:      m.cfg.GroupID,
		GenerationId: resp.GenerationId,
		MemberId:     resp.MemberId,
		ProtocolType: &protocolType,
		ProtocolName: &protocolName,
	}
	if res.IsLeader {
		if err := m.lead(resp, sync, assign, &res); err != nil {
			return JoinResult{}, fail, err
		}
	}

	var sresp *sarama.SyncGroupResponse
	if err := m.coord.do(ctx, func(b *sarama.Broker) (err error) { sresp, err = b.SyncGroup(sync); return }); err != nil {
		return JoinResult{}, transportStep(ctx, err), fmt.Errorf("sync group: %w", err)
	}
	switch sresp.Err {
	case sarama.ErrNoError:
	case sarama.ErrRebalanceInProgress:
		return JoinResult{}, rejoin, fmt.Errorf("sync group: %w", sresp.Err)
	case sarama.ErrUnknownMemberId:
		m.resetMember()
		return JoinResult{}, rejoin, fmt.Errorf("sync group: %w", sresp.Err)
	case sarama.ErrIllegalGeneration:
		m.generation = -1 // the member id is still good
		return JoinResult{}, rejoin, fmt.Errorf("sync group: %w", sresp.Err)
	case sarama.ErrNotCoordinatorForConsumer, sarama.ErrConsumerCoordinatorNotAvailable:
		return JoinResult{}, rediscover, fmt.Errorf("sync group: %w: %w", ErrCoordinatorUnavailable, sresp.Err)
	default:
		return JoinResult{}, fail, fmt.Errorf("sync group: %w", sresp.Err)
	}
	if (sresp.ProtocolType != nil && *sresp.ProtocolType != ProtocolType) ||
		(sresp.ProtocolName != nil && *sresp.ProtocolName != resp.GroupProtocol) {
		return JoinResult{}, fail, fmt.Errorf("sync group: %w", sarama.ErrInconsistentGroupProtocol)
	}
	a, err := DecodeAssignment(sresp.MemberAssignment)
	if err != nil {
		return JoinResult{}, fail, fmt.Errorf("sync group: %w", err)
	}
	res.Assignment = a
	m.stable = true
	m.lastCompleted = resp.GenerationId
	return res, done, nil
}

// lead decodes the members' metadata, runs assign and puts the encoded assignments into the SyncGroup.
func (m *Member) lead(resp *sarama.JoinGroupResponse, sync *sarama.SyncGroupRequest, assign AssignFunc, res *JoinResult) error {
	members := make(map[string]Metadata, len(resp.Members))
	for _, gm := range resp.Members {
		md, err := DecodeMetadata(gm.Metadata)
		if err != nil {
			return fmt.Errorf("metadata of member %s: %w", gm.MemberId, err)
		}
		members[gm.MemberId] = md
	}
	out, err := assign(LeaderInput{
		Generation:              resp.GenerationId,
		LastCompletedGeneration: m.lastCompleted,
		LeaderID:                resp.MemberId,
		Protocol:                resp.GroupProtocol,
		Members:                 members,
	})
	if err != nil {
		return fmt.Errorf("assign generation %d: %w", resp.GenerationId, err)
	}
	for _, gm := range resp.Members {
		a, ok := out[gm.MemberId]
		if !ok {
			return fmt.Errorf("assign generation %d: no assignment for member %s", resp.GenerationId, gm.MemberId)
		}
		b, err := EncodeAssignment(a)
		if err != nil {
			return fmt.Errorf("assignment of member %s: %w", gm.MemberId, err)
		}
		sync.AddGroupAssignment(gm.MemberId, b)
	}
	res.Members = members
	return nil
}

// Heartbeat sends one heartbeat for the current generation. It returns ErrRebalanceNeeded when the member
// must Join again (also without asking the coordinator, if it is not in a stable group), and
// ErrCoordinatorUnavailable when the coordinator cannot be found or reached; the next call looks for it
// again. Connect revokes all work once that lasts a heartbeat interval; that policy is the caller's.
func (m *Member) Heartbeat(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	defer m.publish()
	ctx, end, err := m.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	m.dropDeadCoordinator()
	if !m.stable {
		return fmt.Errorf("heartbeat: %w: not in a stable group", ErrRebalanceNeeded)
	}
	if m.coord == nil {
		if err := m.discover(ctx); err != nil {
			return m.interrupted(ctx, fmt.Errorf("heartbeat: %w", err))
		}
	}
	req := &sarama.HeartbeatRequest{
		Version:      heartbeatVersion,
		GroupId:      m.cfg.GroupID,
		GenerationId: m.generation,
		MemberId:     m.memberID,
	}
	var resp *sarama.HeartbeatResponse
	if err := m.coord.do(ctx, func(b *sarama.Broker) (err error) { resp, err = b.Heartbeat(req); return }); err != nil {
		m.dropCoordinator()
		return m.interrupted(ctx, fmt.Errorf("heartbeat: %w: %w", ErrCoordinatorUnavailable, err))
	}
	switch resp.Err {
	case sarama.ErrNoError:
		return nil
	case sarama.ErrRebalanceInProgress:
		// The generation stays valid until this member sends JoinGroup, and the coordinator keeps its
		// session alive on each of these heartbeats (as Kafka's does): keep heartbeating until the owner
		// rejoins, or a slow rejoin (e.g. tasks still stopping) would get the member evicted.
	case sarama.ErrIllegalGeneration:
		m.stable, m.generation = false, -1
	case sarama.ErrUnknownMemberId, sarama.ErrFencedInstancedId:
		m.resetMember()
	case sarama.ErrNotCoordinatorForConsumer, sarama.ErrConsumerCoordinatorNotAvailable:
		m.dropCoordinator()
		return fmt.Errorf("heartbeat: %w: %w", ErrCoordinatorUnavailable, resp.Err)
	default:
		return fmt.Errorf("heartbeat: %w", resp.Err)
	}
	m.log.Info("rebalance needed", "generation", req.GenerationId, "member_id", req.MemberId, "err", resp.Err)
	return fmt.Errorf("heartbeat: %w: %w", ErrRebalanceNeeded, resp.Err)
}

// Leave tells the coordinator this member is leaving, so the group rebalances at once instead of after
// the session timeout, and forgets the member id. It does nothing if the member never joined.
func (m *Member) Leave(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	defer m.publish()
	ctx, end, err := m.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	memberID := m.memberID
	if memberID == "" {
		return nil
	}
	m.resetMember() // like Connect, forget the membership whether or not the coordinator hears of it
	m.dropDeadCoordinator()
	if m.coord == nil {
		if err := m.discover(ctx); err != nil {
			return m.interrupted(ctx, fmt.Errorf("leave group: %w", err))
		}
	}
	reason := "the connect worker is stopping"
	req := &sarama.LeaveGroupRequest{
		Version:  leaveGroupVersion,
		GroupId:  m.cfg.GroupID,
		MemberId: memberID, // v0-2
		Members:  []sarama.MemberIdentity{{MemberId: memberID, Reason: &reason}},
	}
	var resp *sarama.LeaveGroupResponse
	if err := m.coord.do(ctx, func(b *sarama.Broker) (err error) { resp, err = b.LeaveGroup(req); return }); err != nil {
		m.dropCoordinator()
		return m.interrupted(ctx, fmt.Errorf("leave group: %w", err))
	}
	kerr := resp.Err
	if kerr == sarama.ErrNoError && len(resp.Members) > 0 {
		kerr = resp.Members[0].Err
	}
	switch kerr {
	case sarama.ErrNoError, sarama.ErrUnknownMemberId:
		m.log.Info("left group", "member_id", memberID)
		return nil
	}
	return fmt.Errorf("leave group: %w", kerr)
}

// Close closes the coordinator connection, interrupting any call in progress. It does not leave the
// group: call Leave first for a clean stop. Close is idempotent.
func (m *Member) Close() error {
	m.stop()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dropCoordinator()
	return nil
}

// begin derives the context of one call: it ends with ctx or at Close.
func (m *Member) begin(ctx context.Context) (context.Context, func(), error) {
	if m.life.Err() != nil {
		return nil, nil, ErrClosed
	}
	cctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(m.life, cancel)
	return cctx, func() { stop(); cancel() }, nil
}

// interrupted turns a failure caused by Close into ErrClosed and one caused by the caller's context into
// its error; anything else is returned as is.
func (m *Member) interrupted(ctx context.Context, err error) error {
	if m.life.Err() != nil {
		return fmt.Errorf("%w: %w", ErrClosed, err)
	}
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	return err
}

func (m *Member) resetMember() {
	m.memberID, m.generation, m.protocol, m.stable = "", -1, "", false
}

// dropDeadCoordinator forgets a coordinator connection an interrupted call has cut.
func (m *Member) dropDeadCoordinator() {
	if m.coord != nil && m.coord.aborted() {
		m.dropCoordinator()
	}
}

func (m *Member) dropCoordinator() {
	if m.coord != nil {
		m.coord.close()
		m.coord = nil
	}
}

// ensureCoordinator finds the coordinator, backing off between attempts, until it succeeds or ctx ends.
func (m *Member) ensureCoordinator(ctx context.Context, bo *backoff.Backoff) error {
	m.dropDeadCoordinator()
	for m.coord == nil {
		err := m.discover(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || !errors.Is(err, ErrCoordinatorUnavailable) {
			return err
		}
		m.log.Warn("group coordinator not available, retrying", "err", err)
		if err := bo.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// discover asks the known brokers, one after another, for the group coordinator and connects to it. The
// connection used for the question is kept when it already is the coordinator.
func (m *Member) discover(ctx context.Context) error {
	brokers := m.cfg.Client.Brokers()
	if len(brokers) == 0 {
		return fmt.Errorf("find coordinator: %w: no known brokers", ErrCoordinatorUnavailable)
	}
	var lastErr error
	for range brokers {
		addr := brokers[m.cursor%len(brokers)].Addr()
		m.cursor++
		c, err := openConn(ctx, addr, m.conf)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			lastErr = err
			continue
		}
		req := &sarama.FindCoordinatorRequest{
			Version:         findCoordinatorVersion,
			CoordinatorKey:  m.cfg.GroupID,
			CoordinatorType: sarama.CoordinatorGroup,
		}
		var resp *sarama.FindCoordinatorResponse
		if err := c.do(ctx, func(b *sarama.Broker) (err error) { resp, err = b.FindCoordinator(req); return }); err != nil {
			c.close()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			lastErr = err
			continue
		}
		switch resp.Err {
		case sarama.ErrNoError:
		case sarama.ErrGroupAuthorizationFailed:
			c.close()
			return fmt.Errorf("find coordinator: %w", resp.Err)
		default:
			c.close()
			return fmt.Errorf("find coordinator: %w: %w", ErrCoordinatorUnavailable, resp.Err)
		}
		coordAddr := resp.Coordinator.Addr()
		if coordAddr != addr {
			c.close()
			if c, err = openConn(ctx, coordAddr, m.conf); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("connect to coordinator %s: %w: %w", coordAddr, ErrCoordinatorUnavailable, err)
			}
		}
		m.coord = c
		m.log.Debug("found group coordinator", "coordinator", coordAddr)
		return nil
	}
	return fmt.Errorf("find coordinator: %w: %w", ErrCoordinatorUnavailable, lastErr)
}

// protocols encodes meta once per protocol the configured mode offers, in preference order.
func (m *Member) protocols(meta Metadata) ([]*sarama.GroupProtocol, error) {
	var names []string
	switch m.cfg.Protocol {
	case ModeEager:
		names = []string{ProtocolDefault}
	case ModeCompatible:
		names = []string{ProtocolCompatible, ProtocolDefault}
	default:
		names = []string{ProtocolSessioned, ProtocolCompatible, ProtocolDefault}
	}
	out := make([]*sarama.GroupProtocol, 0, len(names))
	for _, name := range names {
		md := meta
		md.Version, _ = ProtocolVersion(name)
		b, err := EncodeMetadata(md)
		if err != nil {
			return nil, fmt.Errorf("join group: %w", err)
		}
		out = append(out, &sarama.GroupProtocol{Name: name, Metadata: b})
	}
	return out, nil
}

// transportStep decides what to do after a request failed without a response: stop if ctx ended, give up
// on a version the broker cannot take, and otherwise look for the coordinator again.
func transportStep(ctx context.Context, err error) step {
	if ctx.Err() != nil || errors.Is(err, sarama.ErrUnsupportedVersion) {
		return fail
	}
	return rediscover
}
