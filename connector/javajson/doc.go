// Package javajson reads and writes JSON byte-for-byte as Jackson, the JSON library of Apache Kafka Connect,
// writes it.
//
// Kafka Connect's internal topics (configs, offsets, statuses) and JsonConverter output are produced by
// Jackson's ObjectMapper with its default settings. A Go worker that shares those topics with Java workers must
// produce the same bytes: offsets are looked up by the exact bytes of their key, and compaction keeps one
// record per byte-identical key. Go's encoding/json differs from Jackson in several ways (HTML escaping,
// U+2028/U+2029 escaping, lowercase \u hex digits, and above all the text of floating-point numbers), so this
// package writes JSON itself. It depends on the standard library only.
//
// # Writing
//
// [Marshal] writes no whitespace and escapes strings as Jackson's default CharacterEscapes
// does: '"' and '\\' with a backslash; \b, \t, \n, \f and \r with their short forms; every other control
// character below U+0020 as \u00XX with uppercase hex digits. Everything else, including '/', '<', '>', '&',
// DEL, U+2028, U+2029 and all non-ASCII text, is written raw as UTF-8. Invalid UTF-8 in a Go string is
// written as U+FFFD, as a Java String decoded from those bytes would hold it.
//
// Numbers: integers are written in plain decimal. float64 is written as Java's Double.toString and float32 as
// Float.toString (see [AppendDouble]): "100.0", "0.001", "1.0E7", "1.0E-4". NaN and the infinities are written
// as the JSON strings "NaN", "Infinity" and "-Infinity", as Jackson does with its default
// WRITE_NAN_AS_STRINGS feature.
//
// Objects: Go maps have no order, so the keys of a map are written sorted (byte-wise, which is code-point
// order for UTF-8). Java writes a HashMap in its hash order instead, so two implementations can write the
// same map with different key orders: readers must compare decoded objects structurally, never by bytes.
// Writers that must keep an order (Java's LinkedHashMap, a schema's field order) use [Object].
//
// # Reading
//
// [Unmarshal] decodes with Kafka Connect's schemaless typing (JsonConverter with schemas.enable=false):
// objects become map[string]any, arrays []any, integral numbers int64, other numbers float64. Like Jackson with
// ALLOW_LEADING_ZEROS_FOR_NUMBERS (which Connect's JsonDeserializer enables) it accepts leading zeros
// ("007"). Unlike Jackson's readTree, which silently ignores anything after the first value, it rejects
// trailing data other than whitespace; [DecodeOptions] can restore Jackson's behaviour and keep numbers' exact
// text.
package javajson
