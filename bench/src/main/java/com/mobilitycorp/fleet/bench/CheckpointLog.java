package com.mobilitycorp.fleet.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The completed checkpoints of a run, read from its log: Flink's CheckpointCoordinator logs each at
 * INFO as "Completed checkpoint N for job J (X bytes, checkpointDuration=Y ms, finalizationTime=Z
 * ms)." X is the checkpoint's full state size as Flink counts it (with incremental RocksDB, the
 * shared files it references included), Y the time from trigger to completion.
 */
final class CheckpointLog {

  /** The logger whose INFO lines these are; the run's JVM must log it at INFO. */
  static final String LOGGER = "org.apache.flink.runtime.checkpoint.CheckpointCoordinator";

  /** The run JVM's option that logs {@link #LOGGER} at INFO, so that {@link #read} finds them. */
  static final String LOG_AT_INFO = "-Dorg.slf4j.simpleLogger.log." + LOGGER + "=info";

  record Completed(long id, String job, long bytes, long durationMillis) {}

  private static final Pattern COMPLETED = Pattern.compile(
      "Completed checkpoint (\\d+) for job (\\S+) \\((\\d+) bytes, checkpointDuration=(\\d+) ms");

  static Optional<Completed> parse(String line) {
    Matcher m = COMPLETED.matcher(line);
    if (!m.find()) {
      return Optional.empty();
    }
    return Optional.of(new Completed(Long.parseLong(m.group(1)), m.group(2),
        Long.parseLong(m.group(3)), Long.parseLong(m.group(4))));
  }

  /** Every completed checkpoint in {@code log}, in the order logged. */
  static List<Completed> read(Path log) throws IOException {
    List<Completed> completed = new ArrayList<>();
    // The log holds stack traces too, whose bytes need not be UTF-8.
    try (Stream<String> lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
      lines.forEach(line -> parse(line).ifPresent(completed::add));
    }
    return completed;
  }

  private CheckpointLog() {}
}
