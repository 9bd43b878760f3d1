// Package convert holds the converters Kafka Connect ships, byte-compatible with Apache Kafka 3.9:
// org.apache.kafka.connect.json.JsonConverter, org.apache.kafka.connect.storage.StringConverter,
// org.apache.kafka.connect.converters.ByteArrayConverter, the primitive converters of that package
// (BooleanConverter, DoubleConverter, FloatConverter, IntegerConverter, LongConverter, ShortConverter) and the
// header converter org.apache.kafka.connect.storage.SimpleHeaderConverter. [Register] adds them to a
// connector.Registry.
//
// # Go values of Connect data
//
// Values follow connector.Schema's documented types. The logical types Kafka Connect defines are carried as:
//   - org.apache.kafka.connect.data.Decimal (BYTES + "scale" parameter): *big.Rat. A *big.Int is also
//     accepted when writing, as the unscaled value. Kafka requires a BigDecimal whose scale equals the
//     schema's; a *big.Rat has no scale, so it must be exactly representable at the schema's scale.
//   - org.apache.kafka.connect.data.Date (INT32, days since the epoch), ...Time (INT32, milliseconds since
//     midnight) and ...Timestamp (INT64, milliseconds since the epoch): time.Time, read back in UTC. When
//     writing, an integer of the underlying type is also accepted as the already-encoded value.
//
// connector.RawJSON is not a Kafka type. JsonConverter writes it as the document it holds (compacted), and as
// a top-level value with "schema":null in the envelope whatever schema was given; StringConverter and
// ByteArrayConverter write its bytes.
//
// # Differences from Kafka
//
// Go maps have no order, so map entries are written sorted (object keys byte-wise, key/value pair arrays by
// their encoded key) where Java writes HashMap order. Schema parameters are sorted the same way. Readers must
// compare structurally. StringConverter writes a []byte as its bytes (Java writes "[B@<hash>"), and dates as
// Java's Date.toString in UTC. A schema Version of 0 means "no version", so version 0 cannot be written.
// Temporal literals in header values are parsed strictly and in UTC (Java parses leniently in the JVM's
// default time zone).
package convert
