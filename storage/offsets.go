package storage

import (
	"encoding/base64"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	memdb "github.com/hashicorp/go-memdb"

	"github.com/connectd/connectd/storage/records"
)

// ApplyOffsetRecord applies one offsets-topic record. A tombstone (or a null offset) removes the partition;
// partitions are matched structurally, so a Java worker's key (its HashMap's field order) and connectd's key
// (sorted fields) for the same partition update the same entry. Keys that are not [string, object] are
// ignored, as Kafka ignores them. An offset that does not decode also removes the partition (Kafka cannot
// read it either) and yields an error wrapping records.ErrMalformed.
func (s *Store) ApplyOffsetRecord(key, value []byte) error {
	connector, partition, err := records.DecodeOffsetKey(key)
	if err != nil {
		return nil //nolint:nilerr // Kafka ignores offset keys it cannot parse; they are not this store's business.
	}
	canon, ok := canonical(partition)
	if !ok {
		// Unreachable for decoded JSON; kept so that a codec change cannot corrupt the table.
		return fmt.Errorf("offset record for connector %q: %w: partition cannot be indexed", connector, records.ErrMalformed)
	}
	offset, decodeErr := records.DecodeOffsetValue(value)
	row := &offsetRow{Connector: connector, Canonical: canon, Offset: Offset{Partition: partition, Offset: offset}}
	err = s.write(func(txn *memdb.Txn) (bool, error) {
		if offset != nil {
			if err := txn.Insert(tableOffsets, row); err != nil {
				return false, fmt.Errorf("storage: insert offset: %w", err)
			}
			return true, nil
		}
		cur := first[offsetRow](txn, tableOffsets, row.key())
		if cur == nil {
			return false, nil
		}
		if err := txn.Delete(tableOffsets, cur); err != nil {
			return false, fmt.Errorf("storage: delete offset: %w", err)
		}
		return true, nil
	})
	if err == nil {
		err = decodeErr
	}
	if err != nil {
		return fmt.Errorf("offset record for connector %q: %w", connector, err)
	}
	return nil
}

// Offsets returns every partition of a connector that has an offset, in a stable order.
func (s *Store) Offsets(connector string) []Offset {
	rows := scan[offsetRow](s.db.Txn(false), tableOffsets, keyPart(connector))
	out := make([]Offset, len(rows))
	for i, r := range rows {
		out[i] = r.Offset
	}
	return out
}

// Offset returns the latest offset of one source partition. The partition is matched by value, not by field
// order: Go integer types match JSON integers (int64) and float32 matches the float64 Kafka reads back, but an
// integer never matches a floating-point number, as in Kafka (Long(1) is not Double(1.0)).
func (s *Store) Offset(connector string, partition map[string]any) (map[string]any, bool) {
	canon, ok := canonical(partition)
	if !ok {
		return nil, false
	}
	r := first[offsetRow](s.db.Txn(false), tableOffsets, (&offsetRow{Connector: connector, Canonical: canon}).key())
	if r == nil {
		return nil, false
	}
	return r.Offset.Offset, true
}

// canonical encodes a partition so that structurally equal partitions (as Java's Map.equals sees them after a
// JSON round trip) encode identically: map fields sorted, Go integer types widened to int64, float32 as the
// float64 its Float.toString reads back as, []byte as the base64 string Jackson writes. Every value is
// type-tagged and self-delimiting, so distinct partitions never collide. ok is false for types JSON cannot
// carry.
func canonical(partition map[string]any) (string, bool) {
	if partition == nil {
		return "", false
	}
	var b strings.Builder
	ok := writeCanonical(&b, partition)
	return b.String(), ok
}

func writeCanonical(b *strings.Builder, v any) bool {
	switch v := v.(type) {
	case nil:
		b.WriteByte('n')
	case bool:
		if v {
			b.WriteByte('t')
		} else {
			b.WriteByte('f')
		}
	case string:
		writeCanonicalString(b, v)
	case []byte:
		writeCanonicalString(b, base64.StdEncoding.EncodeToString(v))
	case int:
		writeCanonicalInt(b, int64(v))
	case int8:
		writeCanonicalInt(b, int64(v))
	case int16:
		writeCanonicalInt(b, int64(v))
	case int32:
		writeCanonicalInt(b, int64(v))
	case int64:
		writeCanonicalInt(b, v)
	case uint8:
		writeCanonicalInt(b, int64(v))
	case uint16:
		writeCanonicalInt(b, int64(v))
	case uint32:
		writeCanonicalInt(b, int64(v))
	case uint:
		if uint64(v) > math.MaxInt64 {
			return false
		}
		writeCanonicalInt(b, int64(v))
	case uint64:
		if v > math.MaxInt64 {
			return false
		}
		writeCanonicalInt(b, int64(v))
	case float32:
		// Jackson writes Float.toString (shortest float32 digits); Kafka reads that back as a double.
		f, err := strconv.ParseFloat(strconv.FormatFloat(float64(v), 'g', -1, 32), 64)
		if err != nil {
			return false
		}
		writeCanonicalFloat(b, f)
	case float64:
		writeCanonicalFloat(b, v)
	case map[string]any:
		b.WriteByte('{')
		for _, k := range slices.Sorted(maps.Keys(v)) {
			writeCanonicalString(b, k)
			if !writeCanonical(b, v[k]) {
				return false
			}
		}
		b.WriteByte('}')
	case map[string]string:
		m := make(map[string]any, len(v))
		for k, s := range v {
			m[k] = s
		}
		return writeCanonical(b, m)
	case []any:
		b.WriteByte('[')
		for _, e := range v {
			if !writeCanonical(b, e) {
				return false
			}
		}
		b.WriteByte(']')
	default:
		return false
	}
	return true
}

func writeCanonicalString(b *strings.Builder, s string) {
	b.WriteByte('s')
	b.WriteString(strconv.Itoa(len(s)))
	b.WriteByte(':')
	b.WriteString(s)
}

func writeCanonicalInt(b *strings.Builder, n int64) {
	b.WriteByte('i')
	b.WriteString(strconv.FormatInt(n, 10))
	b.WriteByte(';')
}

func writeCanonicalFloat(b *strings.Builder, f float64) {
	b.WriteByte('d')
	b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	b.WriteByte(';')
}
