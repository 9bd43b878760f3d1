package main

import (
	"bytes"
	"math"
	"strconv"
)

// A payload is one JSON document of exactly the configured size:
//
//	{"ts":1732233600123456789,"seq":42,"pad":"xxxx…"}
//
// ts is the publish time in Unix nanoseconds and seq the message's number (0 marks a readiness probe). It is
// JSON because the user's connector writes values with JsonConverter: a JSON payload travels as the document
// itself, which is the path their telemetry takes. The consumer finds ts at a fixed place, so decoding costs
// nothing next to the pipeline it measures.
const (
	payloadPrefix = `{"ts":`
	payloadSeq    = `,"seq":`
	payloadPad    = `,"pad":"`
	payloadEnd    = `"}`
	// tsDigits is the width of ts: Unix nanoseconds have 19 digits from 2001 to 2286.
	tsDigits = 19
	// minPayloadSize fits the largest seq (20 digits) and an empty pad.
	minPayloadSize = len(payloadPrefix) + tsDigits + len(payloadSeq) + 20 + len(payloadPad) + len(payloadEnd)
)

// appendPayload appends the payload of message seq published at ts (Unix nanoseconds) to dst, padded to size
// bytes; size must be at least minPayloadSize.
func appendPayload(dst []byte, size int, seq uint64, ts int64) []byte {
	start := len(dst)
	dst = append(dst, payloadPrefix...)
	dst = strconv.AppendInt(dst, ts, 10)
	dst = append(dst, payloadSeq...)
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, payloadPad...)
	for n := size - (len(dst) - start) - len(payloadEnd); n > 0; n-- {
		dst = append(dst, 'x')
	}
	return append(dst, payloadEnd...)
}

// decodePayload reads seq and ts back; ok is false when b is not a payload of appendPayload.
func decodePayload(b []byte) (seq uint64, ts int64, ok bool) {
	rest, found := bytes.CutPrefix(b, []byte(payloadPrefix))
	if !found || len(rest) < tsDigits {
		return 0, 0, false
	}
	t, ok := parseDigits(rest[:tsDigits])
	if !ok || t > math.MaxInt64 {
		return 0, 0, false
	}
	rest, found = bytes.CutPrefix(rest[tsDigits:], []byte(payloadSeq))
	if !found {
		return 0, 0, false
	}
	end := bytes.IndexByte(rest, ',')
	if end < 0 {
		return 0, 0, false
	}
	if seq, ok = parseDigits(rest[:end]); !ok {
		return 0, 0, false
	}
	return seq, int64(t), true
}

// parseDigits parses a decimal number of 1 to 20 digits without allocating; ok is false on anything else or
// on overflow.
func parseDigits(b []byte) (n uint64, ok bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}
