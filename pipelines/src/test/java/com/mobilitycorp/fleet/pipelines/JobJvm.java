package com.mobilitycorp.fleet.pipelines;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The fleet job ({@link FleetStreamProcessor#main}) on FlinkRunner's embedded cluster in a JVM of
 * its own, as {@code make run} starts it, so that a test can kill it the way a crashed machine
 * dies: {@link #kill()} sends SIGKILL, nothing in the job gets to clean up or flush.
 */
final class JobJvm implements AutoCloseable {
  private final Process process;
  private final Path log;

  private JobJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code java <Flink's --add-opens> -Xmx<heap> -cp <this JVM's classpath>
   * FleetStreamProcessor <args>}, stdout and stderr appended to {@code log}.
   */
  static JobJvm start(List<String> args, String heap, Path log) {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    String opens = System.getProperty("flink.jvm.opens", "");
    Arrays.stream(opens.trim().split("\\s+")).filter(s -> !s.isEmpty()).forEach(command::add);
    command.add("-Xmx" + heap);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(FleetStreamProcessor.class.getName());
    command.addAll(args);
    try {
      Files.createDirectories(log.getParent());
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      return new JobJvm(process, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the job JVM", e);
    }
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Fails with the end of the job's log if the JVM has exited. */
  void requireAlive(String during) {
    if (!process.isAlive()) {
      throw new AssertionError(
          "the job JVM exited (code " + process.exitValue() + ") during " + during + "; " + log
              + " ends with:\n" + tail(80));
    }
  }

  /** SIGKILL, then waits until the process is gone. */
  void kill() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("job JVM " + process.pid() + " survived SIGKILL for 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }
}
