import java.io.BufferedReader;
import java.io.FileReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.debezium.embedded.Connect;

/**
 * Tributary's reference capture (integration tests only, never part of Tributary): runs one
 * Debezium embedded engine per properties file given on the command line, all in this JVM, and
 * prints every change event as one JSON line on stdout:
 *
 *   {"engine":"<name>","topic":"<topic>","key":"<JsonConverter JSON>","value":"<JsonConverter JSON>"}
 *
 * key and value are JSON strings holding exactly what Kafka Connect's JsonConverter with
 * schemas.enable=true writes ({"schema":...,"payload":...}), or null (keyless table, tombstone). An engine that stops with
 * an error prints {"engine":"<name>","error":"<message>"}. The program runs until its stdin is
 * closed, then stops every engine and exits.
 */
public final class DebeziumCapture {
    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    public static void main(String[] args) throws Exception {
        List<DebeziumEngine<RecordChangeEvent<SourceRecord>>> engines = new ArrayList<>();
        ExecutorService executor = Executors.newCachedThreadPool();
        for (String file : args) {
            Properties props = new Properties();
            try (FileReader reader = new FileReader(file, StandardCharsets.UTF_8)) {
                props.load(reader);
            }
            String name = props.getProperty("name");
            JsonConverter keys = converter(true);
            JsonConverter values = converter(false);
            DebeziumEngine<RecordChangeEvent<SourceRecord>> engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                    .using(props)
                    .notifying(event -> print(name, event.record(), keys, values))
                    .using((success, message, error) -> {
                        if (!success) {
                            print("{\"engine\":" + quote(name) + ",\"error\":" + quote(message + (error != null ? ": " + error : "")) + "}");
                        }
                    })
                    .build();
            engines.add(engine);
            executor.execute(engine);
        }
        // the test closes stdin when it has what it needs
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (stdin.readLine() != null) {
            // nothing to read: waiting for end of input
        }
        for (DebeziumEngine<?> engine : engines) {
            engine.close();
        }
        executor.shutdown();
        executor.awaitTermination(30, TimeUnit.SECONDS);
        System.exit(0);
    }

    private static JsonConverter converter(boolean isKey) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), isKey);
        return converter;
    }

    private static void print(String engine, SourceRecord record, JsonConverter keys, JsonConverter values) {
        String key = quoteOrNull(keys.fromConnectData(record.topic(), record.keySchema(), record.key()));
        String value = quoteOrNull(values.fromConnectData(record.topic(), record.valueSchema(), record.value()));
        print("{\"engine\":" + quote(engine) + ",\"topic\":" + quote(record.topic()) + ",\"key\":" + key + ",\"value\":" + value + "}");
    }

    /** the converter's JSON as a JSON string (so a reader can hand the exact bytes to its own converter) */
    private static String quoteOrNull(byte[] bytes) {
        return bytes == null ? "null" : quote(new String(bytes, StandardCharsets.UTF_8));
    }

    private static synchronized void print(String line) {
        OUT.println(line);
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            }
            else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            }
            else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
