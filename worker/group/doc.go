// Package group is Kafka Connect's group membership protocol: the worker side of the "connect" protocol
// type that Apache Kafka Connect 3.9 workers speak with Kafka's group coordinator, byte for byte, so
// connectd workers can share a group (and its connectors and tasks) with each other and with Java workers.
//
// It has three layers, each usable on its own:
//
//   - the codec (protocol.go): member metadata and assignments in ConnectProtocol /
//     IncrementalCooperativeConnectProtocol layouts, versions 0, 1 and 2;
//   - the assignors (assign_eager.go, assign_cooperative.go): pure functions the leader runs to spread
//     connectors and tasks over the members, as EagerAssignor and IncrementalCooperativeAssignor do;
//   - the Member (member.go): FindCoordinator, JoinGroup, SyncGroup, Heartbeat and LeaveGroup over a
//     coordinator connection of its own, driven by one owner (the herder).
//
// Log attribute keys used here: component, group, member_id, generation, leader, protocol, coordinator, err.
package group
