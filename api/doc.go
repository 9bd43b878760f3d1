// Package api serves Kafka Connect's REST API on chi: the same paths, JSON shapes and field order, status
// codes and error bodies ({"error_code":N,"message":"..."}) as Apache Kafka Connect 3.9's distributed worker,
// over a Herder the worker implements.
//
// Deliberate differences from Kafka Connect, all on the side of answering client mistakes as client errors:
//
//   - Malformed bodies (bad JSON, wrong shapes, unknown fields, a bad initial_state, a missing config object)
//     get 400 with a Jackson-like message where Kafka Connect answers 500. Content after the JSON document
//     is rejected (Jackson ignores it).
//   - Bodies may carry // line and /* block */ comments outside strings.
//   - JSON null config values mean "not set" on POST /connectors and PUT .../config (PATCH keeps null as
//     "remove the key").
//   - Bodies larger than MaxBodyBytes get 413.
//   - A body without Content-Type, or with application/x-www-form-urlencoded (what curl -d sends), is read
//     as JSON; other non-JSON media types get 415 as in Kafka Connect.
//   - An unknown connector class, or a config without connector.class, is 400 rather than 500.
//
// Log attribute keys: component, method, path, status, duration, err.
package api
