package com.mobilitycorp.fleet.bench;

import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.testing.stack.LocalKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The raw Kafka ceiling ({@link RawKafkaCeiling}): how fast a plain KafkaConsumer -> KafkaProducer
 * loop copies the throughput benches' input ({@link ThroughputInput}) on a fresh local broker, and
 * how fast it only consumes it. {@link FullTopologyThroughputBench} reports the job's throughput as
 * a fraction of this.
 *
 * <p>Options: {@code --events=300000} (input messages, about), {@code --runs=3}, {@code
 * --out=bench/results/raw-kafka-ceiling.json} (+ .md), {@code --timeout-seconds=600} (per pass),
 * {@code --run-heap=1g}.
 */
public final class RawKafkaCeilingBench {

  static final Path DEFAULT_OUT = Path.of("bench/results/raw-kafka-ceiling.json");

  public static void main(String[] args) throws Exception {
    Map<String, String> options = BenchSupport.parseOptions(
        args, List.of("events", "runs", "out", "timeout-seconds", "run-heap"));
    long events = Long.parseLong(options.getOrDefault("events", "300000"));
    int runs = Integer.parseInt(options.getOrDefault("runs", "3"));
    Path out = Path.of(options.getOrDefault("out", DEFAULT_OUT.toString()));
    long timeoutSeconds = Long.parseLong(options.getOrDefault("timeout-seconds", "600"));
    String runHeap = options.getOrDefault("run-heap", "1g");

    Path workDir = Files.createTempDirectory("fleet-ceiling-bench");
    Map<String, Object> ceiling;
    try (LocalKafka kafka = LocalKafka.start(workDir.resolve("kafka"), 0)) {
      kafka.createTopics(FleetTopics.all());
      long fillStart = System.nanoTime();
      ThroughputInput.Written input = ThroughputInput.fill(kafka.bootstrapServers(), events);
      System.out.printf(Locale.ROOT, "input: %,d messages %s from %,d vehicles, written in %.1f s%n",
          input.messages(), input.messagesPerTopic(), input.vehicles(),
          (System.nanoTime() - fillStart) / 1e9);
      ceiling = RawKafkaCeiling.measure(kafka, input, runs, out.resolveSibling("tmp"),
          timeoutSeconds, runHeap, BenchSupport.command(RawKafkaCeilingBench.class, args));
    } finally {
      BenchSupport.deleteRecursively(workDir);
    }
    String markdown = markdown(ceiling);
    System.out.println(markdown);
    BenchSupport.writeReport(out, ceiling, markdown);
  }

  @SuppressWarnings("unchecked")
  static String markdown(Map<String, Object> ceiling) {
    Map<String, Object> input = (Map<String, Object>) ceiling.get("input");
    StringBuilder md = new StringBuilder();
    md.append("# ").append(ceiling.get("title")).append("\n\n");
    md.append(String.format(Locale.ROOT,
        "Measured %s on %s, %s cores (load average before: %s, after: %s).%n%n",
        ceiling.get("generatedAt"), ceiling.get("host"), ceiling.get("cores"),
        ceiling.get("loadAverageBefore"), ceiling.get("loadAverageAfter")));
    md.append(String.format(Locale.ROOT, "Input: %,d messages (%s), %.1f MB, from %s vehicles: %s.%n%n",
        ((Number) input.get("messages")).longValue(), input.get("messagesPerTopic"),
        ((Number) input.get("bytes")).longValue() / 1e6, input.get("vehicles"),
        input.get("simulated")));
    md.append("| figure | records/s median | min | max | MB/s median | runs | reproduce |\n");
    md.append("|---|---|---|---|---|---|---|\n");
    for (RawKafkaCeiling.Row row : RawKafkaCeiling.rows(ceiling)) {
      md.append(String.join(" | ", "| " + row.figure(), row.median(), row.min(), row.max(),
          row.megabytesPerSecond(), row.runs(), row.command() + " |\n"));
    }
    md.append("\nPasses:\n\n").append(RawKafkaCeiling.markdownRuns(ceiling));
    md.append("\nHow it was measured: ").append(ceiling.get("measurement")).append("\n\nSettings: ")
        .append(ceiling.get("settings")).append("\n");
    return md.toString();
  }

  private RawKafkaCeilingBench() {}
}
