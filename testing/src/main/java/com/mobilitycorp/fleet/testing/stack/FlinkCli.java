package com.mobilitycorp.fleet.testing.stack;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Flink's command line client ({@code bin/flink}, class {@code CliFrontend}) against a cluster,
 * each command in its own JVM with {@code FLINK_CONF_DIR} set, exactly as the shell script runs
 * it. {@link #run} returns the job id, {@link #savepoint} and {@link #stopWithSavepoint} the
 * savepoint's path, parsed from the CLI's output. Each command's output is kept in {@code
 * logs/cli-N-<command>.log}.
 */
public final class FlinkCli {

  /**
   * Java 17 needs these for Flink's serialization of Beam's state and checkpoints (platform
   * notes); the same set as the pom property {@code flink.jvm.opens}, which wins when passed as
   * the system property of that name.
   */
  static final List<String> JVM_OPENS =
      Arrays.asList(
          System.getProperty(
                  "flink.jvm.opens",
                  String.join(" ",
                      opens("java.lang", "java.net", "java.io", "java.nio", "sun.nio.ch",
                          "java.lang.reflect", "java.text", "java.time", "java.util",
                          "java.util.concurrent", "java.util.concurrent.atomic",
                          "java.util.concurrent.locks")))
              .trim()
              .split("\\s+"));

  /** How long one CLI command may take: a submission translates the whole Beam pipeline. */
  public static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(12);

  private static final Pattern JOB_ID = Pattern.compile("Job has been submitted with JobID ([0-9a-f]{32})");
  private static final Pattern SAVEPOINT = Pattern.compile("Savepoint completed\\. Path: (\\S+)");
  private static final AtomicInteger COMMANDS = new AtomicInteger();

  private final String classpath;
  private final Path confDir;
  private final Path logsDir;

  FlinkCli(String classpath, Path confDir, Path logsDir) {
    this.classpath = classpath;
    this.confDir = confDir;
    this.logsDir = logsDir;
  }

  /** What a command printed and how it exited. */
  public record Result(List<String> command, int exitCode, String output, Path log) {}

  /**
   * {@code flink run -d -p <parallelism> [-s <savepoint>] <jar> <jobArgs>}: submits and returns
   * the job id once the cluster has accepted the job.
   *
   * @param restoreFrom a savepoint (or retained checkpoint) to start from, or null for a fresh job
   */
  public String run(Path jar, int parallelism, String restoreFrom, List<String> jobArgs) {
    List<String> args = new ArrayList<>(List.of("run", "-d", "-p", Integer.toString(parallelism)));
    if (restoreFrom != null) {
      args.addAll(List.of("-s", restoreFrom));
    }
    args.add(jar.toAbsolutePath().toString());
    args.addAll(jobArgs);
    return parse(JOB_ID, execute(args), "job id");
  }

  /** {@code flink savepoint <jobId> <dir>}: the job keeps running; returns the savepoint path. */
  public String savepoint(String jobId, Path dir) {
    return parse(SAVEPOINT, execute(List.of("savepoint", jobId, dir.toUri().toString())), "savepoint path");
  }

  /**
   * {@code flink stop --savepointPath <dir> <jobId>}: takes a savepoint with the sources stopped
   * first, so nothing is processed or written after it, and ends the job (FINISHED); returns the
   * savepoint path. No {@code --drain}: windows and timers stay in the savepoint, not fired.
   */
  public String stopWithSavepoint(String jobId, Path dir) {
    return parse(SAVEPOINT,
        execute(List.of("stop", "--savepointPath", dir.toUri().toString(), jobId)), "savepoint path");
  }

  /** {@code flink cancel <jobId>}. */
  public void cancel(String jobId) {
    execute(List.of("cancel", jobId));
  }

  /** Runs {@code flink <args>} and fails unless it exits 0. */
  public Result execute(List<String> args) {
    Result result = tryExecute(args);
    if (result.exitCode() != 0) {
      throw new IllegalStateException("flink " + args.get(0) + " exited with " + result.exitCode()
          + " (" + result.log() + "):\n" + tail(result.output(), 40));
    }
    return result;
  }

  /** Runs {@code flink <args>} and returns whatever happened. */
  public Result tryExecute(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(LocalFlinkCluster.javaBinary());
    command.addAll(JVM_OPENS);
    command.add("-Xmx768m");
    command.add("-cp");
    command.add(classpath);
    command.add("org.apache.flink.client.cli.CliFrontend");
    command.addAll(args);
    Path log = logsDir.resolve("cli-" + COMMANDS.incrementAndGet() + "-" + args.get(0) + ".log");
    try {
      ProcessBuilder builder = new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectErrorStream(true)
          .redirectOutput(log.toFile());
      builder.environment().put("FLINK_CONF_DIR", confDir.toString());
      Process process = builder.start();
      if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        throw new IllegalStateException("flink " + args.get(0) + " timed out after "
            + COMMAND_TIMEOUT + "; " + log + ":\n" + StackSupport.tail(log, 40));
      }
      return new Result(command, process.exitValue(), Files.readString(log, StandardCharsets.UTF_8), log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String parse(Pattern pattern, Result result, String what) {
    Matcher m = pattern.matcher(result.output());
    if (!m.find()) {
      throw new IllegalStateException("no " + what + " in the output of flink " + result.command().get(result.command().indexOf("org.apache.flink.client.cli.CliFrontend") + 1)
          + " (" + result.log() + "):\n" + tail(result.output(), 40));
    }
    return m.group(1);
  }

  private static String tail(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  private static List<String> opens(String... packages) {
    List<String> flags = new ArrayList<>();
    for (String p : packages) {
      flags.add("--add-opens=java.base/" + p + "=ALL-UNNAMED");
    }
    return flags;
  }
}
