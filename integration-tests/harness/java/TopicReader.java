import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The tests' reference reader of a topic: Kafka's own Java consumer reads every partition from
 * its beginning to its end offsets at the start (with read_committed, the last stable offsets)
 * and prints one JSON line per record, bytes in base64. Used where the Node client is not a
 * trustworthy judge (read_committed: which records were aborted).
 *
 * Usage: java -cp <kafka jars> TopicReader.java <bootstrap> <topic> <read_committed|read_uncommitted> <timeout ms>
 */
public class TopicReader {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("isolation.level", args[2]);
    props.put("enable.auto.commit", "false");
    props.put("key.deserializer", ByteArrayDeserializer.class.getName());
    props.put("value.deserializer", ByteArrayDeserializer.class.getName());
    long deadline = System.currentTimeMillis() + Long.parseLong(args[3]);
    Base64.Encoder b64 = Base64.getEncoder();
    StringBuilder out = new StringBuilder();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<PartitionInfo> infos = consumer.partitionsFor(args[1], Duration.ofSeconds(30));
      List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).collect(Collectors.toList());
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      List<TopicPartition> open = new ArrayList<>(partitions);
      while (true) {
        open.removeIf(tp -> consumer.position(tp) >= ends.get(tp));
        if (open.isEmpty()) break;
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("read of " + args[1] + " timed out before the end offsets " + ends);
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() >= ends.get(new TopicPartition(r.topic(), r.partition()))) continue;
          out.setLength(0);
          out.append("{\"partition\":").append(r.partition()).append(",\"offset\":").append(r.offset()).append(",\"timestamp\":").append(r.timestamp());
          out.append(",\"key\":").append(r.key() == null ? "null" : "\"" + b64.encodeToString(r.key()) + "\"");
          out.append(",\"value\":").append(r.value() == null ? "null" : "\"" + b64.encodeToString(r.value()) + "\"");
          out.append(",\"headers\":[");
          boolean first = true;
          for (Header h : r.headers()) {
            if (!first) out.append(',');
            first = false;
            out.append("[\"").append(b64.encodeToString(h.key().getBytes("UTF-8"))).append("\",").append(h.value() == null ? "null" : "\"" + b64.encodeToString(h.value()) + "\"").append(']');
          }
          out.append("]}");
          System.out.println(out);
        }
      }
    }
  }
}
