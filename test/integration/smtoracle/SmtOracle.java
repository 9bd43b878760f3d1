/*
 * SmtOracle runs Apache Kafka's own single message transforms and predicates (the connect-transforms jar) over
 * the golden-test cases of connectd's connector/transforms package and writes the golden lines: each case line
 * with its expected result added. It is the only source of the goldens' expected outputs.
 *
 * Usage (class path: the Kafka Connect 3.9 jars of test/integration/.cache/connect-libs, JVM in UTC):
 *   java SmtOracle                      reads case lines on stdin, writes golden lines on stdout
 *   java SmtOracle CASES_DIR OUT_DIR    every CASES_DIR/*.jsonl to OUT_DIR/<same name>
 *
 * A case line is {"name","class","config","record"}; connector/transforms/transformtest describes the format. The
 * record's key, value and header values are JsonConverter envelopes (schemas.enable=true, decimal.format=BASE64,
 * replace.null.with.default=false so that a null field with a default stays null in and out, and the
 * transformations' own replace.null.with.default is what decides). A record with an offset is a SinkRecord,
 * without one a SourceRecord. Added to the line: "configError" (configure threw a ConfigException), or "test"
 * (predicates), or "want" (the result, null when dropped), or "error" and "errorClass" (apply/test threw).
 *
 * The program is compiled at test time by javac; it has no build of its own.
 */

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;

public final class SmtOracle {
    private static final String TOPIC_FOR_CONVERTER = "smt-oracle";

    private final ObjectMapper mapper;
    private final JsonConverter converter;
    private int failures;

    private SmtOracle() {
        mapper = new ObjectMapper();
        // Numbers exactly as written: a double 1.10 stays 1.10, big integers stay big.
        mapper.configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);
        mapper.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        converter = new JsonConverter();
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("schemas.enable", "true");
        cfg.put("decimal.format", "BASE64");
        cfg.put("replace.null.with.default", "false");
        converter.configure(cfg, false);
    }

    public static void main(String[] args) throws IOException {
        // SimpleDateFormat and Values.parseString use the JVM's zone; the goldens are UTC.
        TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
        // Kafka's classes log through slf4j to reload4j; nothing here needs their logs.
        org.apache.log4j.Logger.getRootLogger().addAppender(new org.apache.log4j.varia.NullAppender());
        SmtOracle oracle = new SmtOracle();
        if (args.length == 0) {
            Reader in = new InputStreamReader(System.in, StandardCharsets.UTF_8);
            Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
            oracle.run("<stdin>", in, out);
            out.flush();
            oracle.exitOnFailures();
            return;
        }
        if (args.length != 2) {
            System.err.println("usage: SmtOracle [CASES_DIR OUT_DIR]");
            System.exit(2);
        }
        Path casesDir = Paths.get(args[0]);
        Path outDir = Paths.get(args[1]);
        Files.createDirectories(outDir);
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(casesDir, "*.jsonl")) {
            ds.forEach(files::add);
        }
        Collections.sort(files);
        if (files.isEmpty()) {
            System.err.println("SmtOracle: no *.jsonl in " + casesDir);
            System.exit(1);
        }
        for (Path f : files) {
            try (Reader in = Files.newBufferedReader(f, StandardCharsets.UTF_8);
                 Writer out = Files.newBufferedWriter(outDir.resolve(f.getFileName()), StandardCharsets.UTF_8)) {
                oracle.run(f.toString(), in, out);
            }
        }
        oracle.exitOnFailures();
    }

    private void exitOnFailures() {
        if (failures > 0) {
            System.err.println("SmtOracle: " + failures + " cases could not be run");
            System.exit(1);
        }
    }

    private void run(String source, Reader reader, Writer out) throws IOException {
        BufferedReader in = new BufferedReader(reader);
        String line;
        int n = 0;
        while ((line = in.readLine()) != null) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            ObjectNode result;
            try {
                result = golden((ObjectNode) mapper.readTree(line));
            } catch (CaseException e) {
                // The case cannot be stated in the golden format (its record does not decode, or the result does
                // not encode): a bug in the corpus, not a result. Report every such case, then fail.
                System.err.println(source + ":" + n + ": " + e.getMessage());
                failures++;
                continue;
            }
            out.write(mapper.writeValueAsString(result));
            out.write('\n');
        }
    }

    /** A case line that cannot be run as written. */
    private static final class CaseException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CaseException(String msg, Throwable cause) {
            super(msg, cause);
        }
    }

    // Plugins are loaded by name, so their record type is only known at run time: raw types it is.
    @SuppressWarnings({"rawtypes", "unchecked"})
    private ObjectNode golden(ObjectNode c) {
        String name = c.path("name").asText();
        String className = c.path("class").asText();
        ObjectNode out = mapper.createObjectNode();
        out.set("name", c.get("name"));
        out.set("class", c.get("class"));
        out.set("config", c.has("config") ? c.get("config") : mapper.createObjectNode());
        out.set("record", c.get("record"));

        Map<String, Object> config = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = c.path("config").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new CaseException(name + ": config " + e.getKey() + " is not a string", null);
            }
            config.put(e.getKey(), e.getValue().asText());
        }

        Object plugin;
        try {
            plugin = Class.forName(className).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new CaseException(name + ": cannot instantiate " + className, e);
        }
        ConnectRecord record = toRecord(name, c.get("record"));

        if (plugin instanceof Predicate) {
            Predicate p = (Predicate) plugin;
            try {
                p.configure(config);
            } catch (ConfigException e) {
                out.put("configError", e.getMessage());
                return out;
            } catch (RuntimeException e) {
                throw new CaseException(name + ": configure threw " + e, e);
            }
            try {
                out.put("test", p.test(record));
            } catch (RuntimeException e) {
                putError(out, e);
            } finally {
                p.close();
            }
            return out;
        }
        if (!(plugin instanceof Transformation)) {
            throw new CaseException(name + ": " + className + " is neither a Transformation nor a Predicate", null);
        }
        Transformation t = (Transformation) plugin;
        try {
            t.configure(config);
        } catch (ConfigException e) {
            out.put("configError", e.getMessage());
            return out;
        } catch (RuntimeException e) {
            // Only a ConfigException is a configuration error in the format; anything else is a crash.
            throw new CaseException(name + ": configure threw " + e, e);
        }
        ConnectRecord<?> result;
        try {
            result = t.apply(record);
        } catch (RuntimeException e) {
            putError(out, e);
            return out;
        } finally {
            t.close();
        }
        out.set("want", result == null ? NullNode.getInstance() : fromRecord(name, result));
        return out;
    }

    private static void putError(ObjectNode out, RuntimeException e) {
        out.put("error", e.getMessage());
        out.put("errorClass", e.getClass().getName());
    }

    @SuppressWarnings("rawtypes")
    private ConnectRecord toRecord(String name, JsonNode r) {
        if (r == null || !r.isObject()) {
            throw new CaseException(name + ": no record", null);
        }
        String topic = r.path("topic").isNull() || r.path("topic").isMissingNode() ? null : r.path("topic").asText();
        Integer partition = r.path("partition").isIntegralNumber() ? r.path("partition").intValue() : null;
        Long timestamp = r.path("timestamp").isIntegralNumber() ? r.path("timestamp").longValue() : null;
        SchemaAndValue key = decode(name, "key", r.get("key"));
        SchemaAndValue value = decode(name, "value", r.get("value"));
        ConnectHeaders headers = new ConnectHeaders();
        for (JsonNode h : r.path("headers")) {
            SchemaAndValue hv = decode(name, "header " + h.path("key").asText(), h.get("value"));
            headers.add(h.path("key").asText(), hv);
        }
        if (r.path("offset").isIntegralNumber()) {
            if (partition == null) {
                throw new CaseException(name + ": a sink record (offset set) needs a partition", null);
            }
            return new SinkRecord(topic, partition, key.schema(), key.value(), value.schema(), value.value(),
                    r.path("offset").longValue(), timestamp, TimestampType.CREATE_TIME, headers);
        }
        return new SourceRecord(null, null, topic, partition, key.schema(), key.value(), value.schema(), value.value(),
                timestamp, headers);
    }

    private SchemaAndValue decode(String name, String what, JsonNode env) {
        if (env == null || env.isNull()) {
            return SchemaAndValue.NULL;
        }
        try {
            return converter.toConnectData(TOPIC_FOR_CONVERTER, mapper.writeValueAsBytes(env));
        } catch (Exception e) {
            throw new CaseException(name + ": " + what + " does not decode: " + e.getMessage(), e);
        }
    }

    private ObjectNode fromRecord(String name, ConnectRecord<?> r) {
        ObjectNode out = mapper.createObjectNode();
        if (r.topic() == null) {
            out.putNull("topic");
        } else {
            out.put("topic", r.topic());
        }
        if (r.kafkaPartition() == null) {
            out.putNull("partition");
        } else {
            out.put("partition", r.kafkaPartition());
        }
        if (r instanceof SinkRecord) {
            out.put("offset", ((SinkRecord) r).kafkaOffset());
        } else {
            out.putNull("offset");
        }
        if (r.timestamp() == null) {
            out.putNull("timestamp");
        } else {
            out.put("timestamp", r.timestamp());
        }
        out.set("key", encode(name, "key", new SchemaAndValue(r.keySchema(), r.key())));
        out.set("value", encode(name, "value", new SchemaAndValue(r.valueSchema(), r.value())));
        ArrayNode headers = out.putArray("headers");
        for (Header h : r.headers()) {
            ObjectNode hn = headers.addObject();
            hn.put("key", h.key());
            hn.set("value", encode(name, "header " + h.key(), new SchemaAndValue(h.schema(), h.value())));
        }
        return out;
    }

    private JsonNode encode(String name, String what, SchemaAndValue sv) {
        byte[] b;
        try {
            b = converter.fromConnectData(TOPIC_FOR_CONVERTER, sv.schema(), sv.value());
        } catch (RuntimeException e) {
            throw new CaseException(name + ": the result's " + what + " does not encode: " + e.getMessage(), e);
        }
        if (b == null) {
            ObjectNode env = mapper.createObjectNode();
            env.putNull("schema");
            env.putNull("payload");
            return env;
        }
        try {
            return mapper.readTree(b);
        } catch (IOException e) {
            throw new CaseException(name + ": the result's " + what + " is not JSON", e);
        }
    }
}
