package group

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/connectd/connectd/connector"
)

// Golden bytes are spelled out from the layouts in the spec (§3.2): big-endian int16 version, STRING =
// int16 length + bytes, NULLABLE_BYTES = int32 length or -1, ARRAY = int32 count or -1.

func i16(v int16) []byte { return []byte{byte(uint16(v) >> 8), byte(v)} }
func i32(v int32) []byte {
	u := uint32(v)
	return []byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}
}
func i64(v int64) []byte {
	u := uint64(v)
	return []byte{byte(u >> 56), byte(u >> 48), byte(u >> 40), byte(u >> 32), byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}
}
func s(v string) []byte { return append(i16(int16(len(v))), v...) }
func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func tid(c string, n int) connector.TaskID { return connector.TaskID{Connector: c, Task: n} }

var (
	// "src" with its connector instance and tasks 0 and 2; "sink" task 1 only.
	goldenAlloc = Allocation{
		Connectors: []string{"src"},
		Tasks:      []connector.TaskID{tid("src", 0), tid("src", 2), tid("sink", 1)},
	}
	goldenAllocBytes = cat(
		i32(2),
		s("src"), i32(3), i32(-1), i32(0), i32(2), // -1 first within the entry
		s("sink"), i32(1), i32(1),
	)
	goldenRevoked      = Allocation{Connectors: []string{"old"}}
	goldenRevokedBytes = cat(i32(1), s("old"), i32(1), i32(-1))
)

func TestMetadataGolden(t *testing.T) {
	alloc := &Assignment{
		Version: 1, Leader: "connect-1-abc", LeaderURL: "http://w1:8083/", ConfigOffset: 7,
		Assigned: goldenAlloc, Revoked: goldenRevoked, Delay: 40,
	}
	allocBody := cat(i16(0), s("connect-1-abc"), s("http://w1:8083/"), i64(7), goldenAllocBytes, goldenRevokedBytes, i32(40))
	allocV1 := cat(i16(1), allocBody)
	allocV2 := cat(i16(2), allocBody)

	tests := []struct {
		name string
		in   Metadata
		want []byte
	}{
		{
			name: "v0",
			in:   Metadata{Version: 0, URL: "http://w1:8083/", ConfigOffset: 12},
			want: cat(i16(0), s("http://w1:8083/"), i64(12)),
		},
		{
			name: "v0 ignores an allocation",
			in:   Metadata{Version: 0, URL: "u", ConfigOffset: -1, Allocation: alloc},
			want: cat(i16(0), s("u"), i64(-1)),
		},
		{
			name: "v1 null allocation",
			in:   Metadata{Version: 1, URL: "http://w1:8083/", ConfigOffset: -1},
			want: cat(i16(1), s("http://w1:8083/"), i64(-1), i32(-1)),
		},
		{
			name: "v1 with allocation",
			in:   Metadata{Version: 1, URL: "http://w1:8083/", ConfigOffset: 12, Allocation: alloc},
			want: cat(i16(1), s("http://w1:8083/"), i64(12), i32(int32(len(allocV1))), allocV1),
		},
		{
			name: "v2 allocation header follows the metadata version",
			in:   Metadata{Version: 2, URL: "http://w1:8083/", ConfigOffset: 12, Allocation: alloc},
			want: cat(i16(2), s("http://w1:8083/"), i64(12), i32(int32(len(allocV2))), allocV2),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EncodeMetadata(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("encode:\n got %x\nwant %x", got, tt.want)
			}
			back, err := DecodeMetadata(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if back.Version != tt.in.Version || back.URL != tt.in.URL || back.ConfigOffset != tt.in.ConfigOffset {
				t.Fatalf("decode header: %+v", back)
			}
			if tt.in.Version == 0 || tt.in.Allocation == nil {
				if back.Allocation != nil {
					t.Fatalf("decode: allocation %+v, want nil", back.Allocation)
				}
				return
			}
			want := *tt.in.Allocation
			want.Version = tt.in.Version
			if !reflect.DeepEqual(*back.Allocation, want) {
				t.Fatalf("decode allocation:\n got %+v\nwant %+v", *back.Allocation, want)
			}
		})
	}
}

func TestDecodeMetadataTolerant(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    Metadata
		wantErr bool
	}{
		{name: "v0 read as v1 has no allocation", in: cat(i16(0), s("u"), i64(3)), want: Metadata{Version: 0, URL: "u", ConfigOffset: 3}},
		{name: "v1 missing allocation field", in: cat(i16(1), s("u"), i64(3)), want: Metadata{Version: 1, URL: "u", ConfigOffset: 3}},
		{name: "future version with trailing bytes", in: cat(i16(9), s("u"), i64(3), i32(-1), []byte{1, 2, 3}), want: Metadata{Version: 9, URL: "u", ConfigOffset: 3}},
		{
			name: "allocation that is itself v0",
			in:   cat(i16(1), s("u"), i64(3), i32(int32(len(cat(i16(0), i16(0), s("l"), s("lu"), i64(3), i32(0))))), cat(i16(0), i16(0), s("l"), s("lu"), i64(3), i32(0))),
			want: Metadata{Version: 1, URL: "u", ConfigOffset: 3, Allocation: &Assignment{Leader: "l", LeaderURL: "lu", ConfigOffset: 3}},
		},
		{name: "negative version", in: cat(i16(-1), s("u"), i64(3)), wantErr: true},
		{name: "truncated offset", in: cat(i16(0), s("u"), []byte{0, 0, 0}), wantErr: true},
		{name: "truncated string", in: cat(i16(0), i16(5), []byte("ab")), wantErr: true},
		{name: "allocation length past the end", in: cat(i16(1), s("u"), i64(3), i32(50), []byte{0}), wantErr: true},
		{name: "empty", in: nil, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeMetadata(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestAssignmentGolden(t *testing.T) {
	header := func(v int16, errCode int16) []byte {
		return cat(i16(v), i16(errCode), s("connect-1-abc"), s("http://w1:8083/"), i64(42))
	}
	base := Assignment{Leader: "connect-1-abc", LeaderURL: "http://w1:8083/", ConfigOffset: 42}
	with := func(f func(*Assignment)) Assignment { a := base; f(&a); return a }

	tests := []struct {
		name string
		in   Assignment
		want []byte
		// decoded is what the bytes read back as when that differs from in.
		decoded *Assignment
	}{
		{
			name: "v0",
			in:   with(func(a *Assignment) { a.Assigned = goldenAlloc }),
			want: cat(header(0, 0), goldenAllocBytes),
		},
		{
			name: "v0 drops revoked and delay",
			in:   with(func(a *Assignment) { a.Assigned = goldenAlloc; a.Revoked = goldenRevoked; a.Delay = 5 }),
			want: cat(header(0, 0), goldenAllocBytes),
		},
		{
			name: "v0 config mismatch, empty",
			in:   with(func(a *Assignment) { a.Error = ConfigMismatch }),
			want: cat(header(0, 1), i32(0)),
		},
		{
			name: "v1",
			in: with(func(a *Assignment) {
				a.Version = 1
				a.Assigned = goldenAlloc
				a.Revoked = goldenRevoked
				a.Delay = 300000
			}),
			want: cat(header(1, 0), goldenAllocBytes, goldenRevokedBytes, i32(300000)),
		},
		{
			name: "v2 empty lists are written as empty arrays",
			in:   with(func(a *Assignment) { a.Version = 2 }),
			want: cat(header(2, 0), i32(0), i32(0), i32(0)),
		},
		{
			name: "interleaved tasks are grouped under their connector",
			in: with(func(a *Assignment) {
				a.Version = 1
				a.Assigned = Allocation{Connectors: []string{"b"}, Tasks: []connector.TaskID{tid("a", 0), tid("b", 0), tid("a", 1)}}
			}),
			want: cat(header(1, 0), i32(2), s("b"), i32(2), i32(-1), i32(0), s("a"), i32(2), i32(0), i32(1), i32(0), i32(0)),
			decoded: func() *Assignment {
				a := with(func(a *Assignment) { a.Version = 1 })
				a.Assigned = Allocation{Connectors: []string{"b"}, Tasks: []connector.TaskID{tid("b", 0), tid("a", 0), tid("a", 1)}}
				return &a
			}(),
		},
		{
			name: "tasks without their connector instance",
			in: with(func(a *Assignment) {
				a.Version = 1
				a.Assigned = Allocation{Tasks: []connector.TaskID{tid("a", 1), tid("a", 0)}}
			}),
			want: cat(header(1, 0), i32(1), s("a"), i32(2), i32(1), i32(0), i32(0), i32(0)),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EncodeAssignment(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("encode:\n got %x\nwant %x", got, tt.want)
			}
			back, err := DecodeAssignment(got)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.in
			if tt.decoded != nil {
				want = *tt.decoded
			}
			if want.Version == 0 {
				want.Revoked, want.Delay = Allocation{}, 0
			}
			if !reflect.DeepEqual(back, want) {
				t.Fatalf("decode:\n got %+v\nwant %+v", back, want)
			}
		})
	}
}

func TestDecodeAssignmentTolerant(t *testing.T) {
	header := cat(i16(1), i16(0), s("L"), s("http://l/"), i64(9))
	want := Assignment{Version: 1, Leader: "L", LeaderURL: "http://l/", ConfigOffset: 9}
	tests := []struct {
		name    string
		in      []byte
		want    Assignment
		wantErr bool
	}{
		{name: "null assignment and null revoked", in: cat(header, i32(-1), i32(-1), i32(7)), want: func() Assignment { a := want; a.Delay = 7; return a }()},
		{name: "null revoked", in: cat(header, goldenAllocBytes, i32(-1), i32(0)), want: func() Assignment { a := want; a.Assigned = goldenAlloc; return a }()},
		{name: "revoked and delay missing", in: cat(header, goldenAllocBytes), want: func() Assignment { a := want; a.Assigned = goldenAlloc; return a }()},
		{name: "everything after the offset missing", in: header, want: want},
		{name: "v0 buffer", in: cat(i16(0), i16(1), s("L"), s("http://l/"), i64(9), i32(0)), want: Assignment{Error: ConfigMismatch, Leader: "L", LeaderURL: "http://l/", ConfigOffset: 9}},
		{name: "half a delay", in: cat(header, i32(0), i32(0), []byte{0, 1}), wantErr: true},
		{name: "array count beyond the buffer", in: cat(header, i32(1000)), wantErr: true},
		{name: "negative string length", in: cat(header, i32(1), i16(-1), i32(0)), wantErr: true},
		{name: "missing leader", in: cat(i16(1), i16(0)), wantErr: true},
		{name: "empty", in: []byte{}, wantErr: true},
		{name: "negative version", in: cat(i16(-2), i16(0), s("L"), s("u"), i64(0)), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeAssignment(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestEncodeRejects(t *testing.T) {
	long := string(make([]byte, 1<<15))
	if _, err := EncodeMetadata(Metadata{URL: long}); err == nil {
		t.Error("metadata with a 32 KiB url encoded")
	}
	if _, err := EncodeAssignment(Assignment{Assigned: Allocation{Tasks: []connector.TaskID{tid("a", -3)}}}); err == nil {
		t.Error("negative task id encoded")
	}
	if _, err := EncodeAssignment(Assignment{Version: -1}); err == nil {
		t.Error("negative version encoded")
	}
}

func TestMergeAssignment(t *testing.T) {
	prev := &Assignment{Version: 1, Assigned: Allocation{
		Connectors: []string{"a", "b"},
		Tasks:      []connector.TaskID{tid("a", 0), tid("b", 0), tid("b", 1)},
	}}
	received := Assignment{
		Version: 1, Leader: "L", ConfigOffset: 5,
		Assigned: Allocation{Connectors: []string{"c"}, Tasks: []connector.TaskID{tid("c", 0)}},
		Revoked:  Allocation{Connectors: []string{"b"}, Tasks: []connector.TaskID{tid("b", 1)}},
	}
	tests := []struct {
		name     string
		prev     *Assignment
		protocol string
		want     Allocation
	}{
		{
			name: "cooperative keeps what was not revoked", prev: prev, protocol: ProtocolSessioned,
			want: Allocation{Connectors: []string{"c", "a"}, Tasks: []connector.TaskID{tid("c", 0), tid("a", 0), tid("b", 0)}},
		},
		{name: "eager replaces", prev: prev, protocol: ProtocolDefault, want: received.Assigned},
		{name: "no previous", prev: nil, protocol: ProtocolCompatible, want: received.Assigned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MergeAssignment(tt.prev, received, tt.protocol)
			if !reflect.DeepEqual(got.Assigned, tt.want) {
				t.Fatalf("assigned = %+v, want %+v", got.Assigned, tt.want)
			}
			if got.Leader != "L" || got.ConfigOffset != 5 || !reflect.DeepEqual(got.Revoked, received.Revoked) {
				t.Fatalf("header or revoked not kept: %+v", got)
			}
		})
	}
	// The result must not share the received slices: the herder keeps it while decoding the next round.
	got := MergeAssignment(nil, received, ProtocolSessioned)
	got.Assigned.Connectors[0] = "mutated"
	if received.Assigned.Connectors[0] != "c" {
		t.Fatal("MergeAssignment aliased the received assignment")
	}
}
