package com.mobilitycorp.fleet.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What every benchmark main shares: runs in JVMs of their own, the report files, the broker's
 * offsets, and the facts a result is read with (versions, load average).
 */
final class BenchSupport {

  /**
   * {@code items} in their order on odd runs and reversed on even ones, so that no contender
   * always runs first (on the cooler machine).
   */
  static <T> List<T> alternated(List<T> items, int run) {
    List<T> order = new ArrayList<>(items);
    if (run % 2 == 0) {
      Collections.reverse(order);
    }
    return order;
  }

  /** {@code --key=value} arguments, each one of {@code known}; a bare {@code --key} is "true". */
  static Map<String, String> parseOptions(String[] args, List<String> known) {
    Map<String, String> options = parseOptions(args);
    for (String key : options.keySet()) {
      if (!known.contains(key)) {
        throw new IllegalArgumentException("unknown option --" + key + "; known: " + known);
      }
    }
    return options;
  }

  /**
   * The job on embedded Flink as the benches run it: parallelism 2, detached, {@code flinkConfDir}
   * (flink-conf/local), checkpoints every {@code checkpointMillis} into {@code checkpointDir}.
   * {@code stateBackend} is rocksdb or hashmap (Beam calls the heap backend "filesystem").
   */
  static List<String> localFlinkJobArgs(
      Path flinkConfDir, long checkpointMillis, String stateBackend, Path checkpointDir) {
    return List.of(
        "--runner=FlinkRunner",
        "--flinkMaster=[local]",
        "--parallelism=2",
        "--attachedMode=false",
        "--flinkConfDir=" + flinkConfDir.toAbsolutePath(),
        "--checkpointingInterval=" + checkpointMillis,
        "--stateBackend=" + (stateBackend.equals("hashmap") ? "filesystem" : stateBackend),
        "--stateBackendStoragePath=" + checkpointDir.toUri());
  }

  /** {@code --key=value} arguments; a bare {@code --key} is "true". */
  static Map<String, String> parseOptions(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("options look like --key=value: " + arg);
      }
      int eq = arg.indexOf('=');
      options.put(eq < 0 ? arg.substring(2) : arg.substring(2, eq),
          eq < 0 ? "true" : arg.substring(eq + 1));
    }
    return options;
  }

  /**
   * The --add-opens of this JVM, for the runs' JVMs: Flink on Java 17 needs them; fails without.
   */
  static List<String> jvmOpens() {
    List<String> opens = jvmOpensIfAny();
    if (opens.isEmpty()) {
      throw new IllegalStateException(
          "start this JVM with the root pom's flink.jvm.opens (--add-opens=...): the runs' JVMs"
              + " inherit them (make bench passes $(JVM_OPENS))");
    }
    return opens;
  }

  private static List<String> jvmOpensIfAny() {
    List<String> opens = new ArrayList<>();
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens")) {
        opens.add(arg);
      }
    }
    return opens;
  }

  /**
   * Runs {@code main} in a JVM of its own on this JVM's class path and --add-opens, its output in
   * {@code log}, and returns the JSON it wrote to {@code resultFile} (the main is passed {@code
   * --result=<resultFile>} last). Without a result (crash, timeout) the map holds "error".
   */
  static Map<String, Object> runInFreshJvm(Class<?> main, List<String> args, String heap, Path log,
      Path resultFile, long timeoutSeconds) throws IOException, InterruptedException {
    return runInFreshJvm(main, List.of(), args, heap, log, resultFile, timeoutSeconds);
  }

  /**
   * As {@link #runInFreshJvm(Class, List, String, Path, Path, long)}, with more JVM options, e.g.
   * {@code -Dorg.slf4j.simpleLogger.log.<logger>=info} for a logger the run's log must show.
   */
  static Map<String, Object> runInFreshJvm(Class<?> main, List<String> jvmOptions,
      List<String> args, String heap, Path log, Path resultFile, long timeoutSeconds)
      throws IOException, InterruptedException {
    Files.createDirectories(log.toAbsolutePath().getParent());
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOpensIfAny());
    command.add("-Xmx" + heap);
    // Every run logs the same way: warnings only, to the run's log file.
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(args);
    command.add("--result=" + resultFile);
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    Map<String, Object> result = new LinkedHashMap<>();
    if (Files.exists(resultFile)) {
      result.putAll(readJson(resultFile));
    } else {
      result.put("error", "no result (exit " + (process.isAlive() ? "?" : process.exitValue())
          + "), see " + log);
    }
    return result;
  }

  /** A run whose bench died (Ctrl-C, timeout) must not keep a job running on the machine. */
  static void exitWithParent() {
    ProcessHandle.current().parent().ifPresent(bench ->
        bench.onExit().thenRun(() -> Runtime.getRuntime().halt(3)));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> readJson(Path file) throws IOException {
    return new ObjectMapper().readValue(file.toFile(), Map.class);
  }

  static void writeJson(Path file, Map<String, Object> content) throws IOException {
    if (file.toAbsolutePath().getParent() != null) {
      Files.createDirectories(file.toAbsolutePath().getParent());
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), content);
  }

  /** Writes the report to {@code out} (.json) and the Markdown next to it (.md); returns the .md. */
  static Path writeReport(Path out, Map<String, Object> report, String markdown)
      throws IOException {
    writeJson(out, report);
    Path md = markdownPath(out);
    Files.writeString(md, markdown, StandardCharsets.UTF_8);
    System.out.println("wrote " + out + " and " + md);
    return md;
  }

  static Path markdownPath(Path json) {
    return json.resolveSibling(json.getFileName().toString().replaceFirst("\\.json$", "") + ".md");
  }

  /** Flink, Beam and Kafka client versions on this class path. */
  static Map<String, Object> versions() {
    Map<String, Object> versions = new LinkedHashMap<>();
    versions.put("flinkVersion", org.apache.flink.runtime.util.EnvironmentInformation.getVersion());
    versions.put("beamVersion",
        org.apache.beam.sdk.util.ReleaseInfo.getReleaseInfo().getVersion());
    versions.put("kafkaClientsVersion", org.apache.kafka.common.utils.AppInfoParser.getVersion());
    return versions;
  }

  /**
   * The shell command that runs a bench main as {@code make bench} does, from the repository's
   * root after {@code make build classpaths}.
   */
  static String command(Class<?> main, String[] args) {
    return command(main, "1g", args);
  }

  /** As {@link #command(Class, String[])}, for a main that needs more heap than 1 GB. */
  static String command(Class<?> main, String heap, String[] args) {
    return "java $(sed -n 's:.*<flink.jvm.opens>\\(.*\\)</flink.jvm.opens>.*:\\1:p' pom.xml)"
        + " -Xmx" + heap + " -cp \"bench/target/classes:$(cat bench/target/classpath.txt)\" "
        + main.getName() + (args.length == 0 ? "" : " " + String.join(" ",
            java.util.Arrays.stream(args).map(BenchSupport::shellWord).toList()));
  }

  /** The argument as one shell word: quoted when it holds a space or a quote (--job-options=...). */
  static String shellWord(String arg) {
    if (!arg.contains(" ") && !arg.contains("\"") && !arg.contains("'")) {
      return arg;
    }
    int eq = arg.indexOf('=');
    String name = arg.startsWith("--") && eq > 0 ? arg.substring(0, eq + 1) : "";
    return name + "'" + arg.substring(name.length()).replace("'", "'\\''") + "'";
  }

  /** This machine's name, to tell a result measured here from one copied from elsewhere. */
  static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      String env = System.getenv("HOSTNAME");
      return env == null ? "unknown" : env;
    }
  }

  /**
   * Makes the broker create its consumer-offsets topic (50 partitions, created at the first group
   * commit) now, so that the first measured run does not pay for it: commits offset 0 of {@code
   * topic}'s partition 0 for a throwaway group; commitSync retries until the coordinator is up.
   */
  static void createOffsetsTopic(String bootstrap, String topic) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-offsets-topic-warm-up");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.commitSync(Map.of(partition, new OffsetAndMetadata(0)), Duration.ofMinutes(2));
    }
  }

  static Admin admin(String bootstrap) {
    Map<String, Object> config = new HashMap<>();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return Admin.create(config);
  }

  /** The latest offset of every partition of {@code topics}. */
  static Map<TopicPartition, Long> endOffsets(Admin admin, Collection<String> topics)
      throws Exception {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    admin.describeTopics(topics).allTopicNames().get(60, TimeUnit.SECONDS).values()
        .forEach(d -> d.partitions().forEach(p ->
            latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
    Map<TopicPartition, Long> offsets = new HashMap<>();
    admin.listOffsets(latest).all().get(60, TimeUnit.SECONDS)
        .forEach((tp, info) -> offsets.put(tp, info.offset()));
    return offsets;
  }

  /** Records per topic: the sum of its partitions' end offsets (nothing here is deleted). */
  static Map<String, Long> topicSizes(Admin admin, Collection<String> topics) throws Exception {
    Map<String, Long> sizes = new LinkedHashMap<>();
    topics.forEach(t -> sizes.put(t, 0L));
    endOffsets(admin, topics).forEach((tp, offset) -> sizes.merge(tp.topic(), offset, Long::sum));
    return sizes;
  }

  static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  static long number(Map<String, Object> m, String key) {
    Object value = m.get(key);
    if (!(value instanceof Number)) {
      throw new IllegalStateException("result lacks " + key + ": " + m);
    }
    return ((Number) value).longValue();
  }

  static double decimal(Map<String, Object> m, String key) {
    Object value = m.get(key);
    if (!(value instanceof Number)) {
      throw new IllegalStateException("result lacks " + key + ": " + m);
    }
    return ((Number) value).doubleValue();
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private BenchSupport() {}
}
