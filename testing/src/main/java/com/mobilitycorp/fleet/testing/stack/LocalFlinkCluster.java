package com.mobilitycorp.fleet.testing.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A standalone Flink 1.19 <em>session</em> cluster on loopback, as a real deployment runs it: one
 * JobManager process ({@code StandaloneSessionClusterEntrypoint}) and N TaskManager processes
 * ({@code TaskManagerRunner}), each its own JVM, sized by Flink's own {@code BashJavaUtils} the way
 * {@code bin/jobmanager.sh} and {@code bin/taskmanager.sh} do. Jobs are submitted, savepointed and
 * cancelled with Flink's CLI ({@link #cli()}); their state is read from the REST API.
 *
 * <p>Why not flink-dist: it does not download here. The cluster's classpath is the jars of the
 * {@code flink-cluster} module ({@code flink-cluster/target/classpath.txt}, written by Maven):
 * runtime, web UI, DataStream API, CLI and the RocksDB state backend.
 *
 * <p>Configuration: {@code workDir/conf/flink-conf.yaml} is derived from the production file
 * ({@code flink-conf/cluster/flink-conf.yaml}): each key set locally (addresses, ports, memory,
 * file:// checkpoint and savepoint directories under {@code workDir}) replaces the production line
 * in place, the rest is kept as it is. Layout of {@code workDir}: {@code conf/}, {@code logs/}
 * (one log per process), {@code checkpoints/}, {@code savepoints/}, {@code rocksdb/}, {@code tmp/}.
 *
 * <p>Every process exits on its own if this JVM dies ({@link ParentWatchingMain}).
 */
public final class LocalFlinkCluster implements AutoCloseable {

  /** How long {@link #start} waits for the TaskManagers to register all their slots. */
  public static final Duration START_TIMEOUT = Duration.ofMinutes(3);

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final String JOB_MANAGER_MAIN =
      "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
  private static final String TASK_MANAGER_MAIN =
      "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
  private static final String BASH_JAVA_UTILS = "org.apache.flink.runtime.util.bash.BashJavaUtils";
  private static final String BASH_JAVA_UTILS_RESULT = "BASH_JAVA_UTILS_EXEC_RESULT:";
  private static final Pattern YAML_KEY = Pattern.compile("^([A-Za-z0-9_.\\-]+)\\s*:(.*)$");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LOG_TAIL_LINES = 40;

  /** What to start; {@link #defaults} gives the local demo's sizes. */
  public record Settings(
      int restPort,
      int taskManagers,
      int slotsPerTaskManager,
      String jobManagerMemory,
      String taskManagerMemory,
      Duration checkpointInterval,
      Map<String, String> extraConfig) {

    public static Settings defaults() {
      return new Settings(0, 2, 2, "1024m", "1600m", Duration.ofSeconds(10), Map.of());
    }

    public Settings withRestPort(int port) {
      return new Settings(port, taskManagers, slotsPerTaskManager, jobManagerMemory,
          taskManagerMemory, checkpointInterval, extraConfig);
    }

    public Settings withCheckpointInterval(Duration interval) {
      return new Settings(restPort, taskManagers, slotsPerTaskManager, jobManagerMemory,
          taskManagerMemory, interval, extraConfig);
    }

    public Settings withExtraConfig(Map<String, String> extra) {
      return new Settings(restPort, taskManagers, slotsPerTaskManager, jobManagerMemory,
          taskManagerMemory, checkpointInterval, Map.copyOf(extra));
    }
  }

  private final Path workDir;
  private final String classpath;
  private final Settings settings;
  private final int restPort;
  private final List<Process> taskManagers = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Process jobManager;
  private Thread shutdownHook;

  private LocalFlinkCluster(Path workDir, String classpath, Settings settings, int restPort) {
    this.workDir = workDir;
    this.classpath = classpath;
    this.settings = settings;
    this.restPort = restPort;
  }

  /**
   * Writes the configuration, starts the JobManager and the TaskManagers and waits until the REST
   * API reports every TaskManager with all its slots.
   *
   * @param classpathFile the cluster's classpath, one line of {@code :}-separated jars
   * @param productionConfig the flink-conf.yaml the local configuration is derived from
   */
  public static LocalFlinkCluster start(
      Path workDir, Path classpathFile, Path productionConfig, Settings settings) {
    Path dir = workDir.toAbsolutePath().normalize();
    String classpath = readClasspath(classpathFile) + File.pathSeparator + ownCodeSource();
    LocalFlinkCluster cluster =
        new LocalFlinkCluster(dir, classpath, settings, StackSupport.portOrFree(settings.restPort()));
    try {
      for (String sub : List.of("conf", "logs", "checkpoints", "savepoints", "rocksdb", "tmp")) {
        Files.createDirectories(dir.resolve(sub));
      }
      cluster.writeConfig(productionConfig);
      cluster.launch();
      cluster.awaitSlots();
      return cluster;
    } catch (IOException e) {
      cluster.close();
      throw new UncheckedIOException("cannot start the Flink cluster in " + dir, e);
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** {@code http://127.0.0.1:<rest port>}: REST API, web UI, and where the CLI submits to. */
  public String restUrl() {
    return "http://127.0.0.1:" + restPort;
  }

  public int restPort() {
    return restPort;
  }

  /** The directory holding flink-conf.yaml: FLINK_CONF_DIR for the CLI. */
  public Path confDir() {
    return workDir.resolve("conf");
  }

  public Path savepointsDir() {
    return workDir.resolve("savepoints");
  }

  public Path checkpointsDir() {
    return workDir.resolve("checkpoints");
  }

  public Path logsDir() {
    return workDir.resolve("logs");
  }

  public Path workDir() {
    return workDir;
  }

  /** Flink's CLI ({@code bin/flink}) against this cluster, each command in its own JVM. */
  public FlinkCli cli() {
    return new FlinkCli(classpath, confDir(), logsDir());
  }

  // --- REST API ---------------------------------------------------------------------------------

  /** GET {@code path} on the REST API as JSON; fails on a non-2xx answer. */
  public JsonNode rest(String path) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(new URI(restUrl() + path)).timeout(Duration.ofSeconds(10)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() / 100 != 2) {
        throw new IllegalStateException("GET " + path + " -> " + response.statusCode() + ": " + response.body());
      }
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + restUrl() + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(path, e);
    }
  }

  /** Job id to state (RUNNING, CANCELED, ...) of every job the cluster knows, from /jobs/overview. */
  public Map<String, String> jobStates() {
    Map<String, String> states = new LinkedHashMap<>();
    for (JsonNode job : rest("/jobs/overview").path("jobs")) {
      states.put(job.path("jid").asText(), job.path("state").asText());
    }
    return states;
  }

  /** The job's state, or null if the cluster does not know it. */
  public String jobState(String jobId) {
    return jobStates().get(jobId);
  }

  /**
   * Waits until the job is RUNNING with every task of every vertex running (the job state alone
   * turns RUNNING while tasks are still being deployed and restored); fails fast if it ends.
   */
  public void awaitJobRunning(String jobId, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "unknown";
    while (true) {
      JsonNode job = rest("/jobs/" + jobId);
      String state = job.path("state").asText();
      boolean allRunning = state.equals("RUNNING");
      StringBuilder tasks = new StringBuilder();
      for (JsonNode vertex : job.path("vertices")) {
        int running = vertex.path("tasks").path("RUNNING").asInt();
        int parallelism = vertex.path("parallelism").asInt();
        allRunning &= running == parallelism;
        tasks.append(' ').append(running).append('/').append(parallelism);
      }
      last = state + " tasks running" + tasks;
      if (allRunning) {
        return;
      }
      if (state.equals("FAILED") || state.equals("CANCELED") || state.equals("FINISHED")) {
        throw new IllegalStateException("job " + jobId + " ended: " + state + "; " + exceptions(jobId));
      }
      checkProcesses();
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("job " + jobId + " not running after " + timeout + ": " + last);
      }
      StackSupport.pause();
    }
  }

  /** Waits until the job reaches {@code state} (e.g. CANCELED); fails if it ends otherwise. */
  public void awaitJobState(String jobId, String state, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String current = jobState(jobId);
      if (state.equals(current)) {
        return;
      }
      if ("FAILED".equals(current)) {
        throw new IllegalStateException("job " + jobId + " failed: " + exceptions(jobId));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("job " + jobId + " is " + current + ", not " + state + " after " + timeout);
      }
      StackSupport.pause();
    }
  }

  /** Completed checkpoints of the job so far (savepoints included), from /jobs/:id/checkpoints. */
  public long completedCheckpoints(String jobId) {
    return rest("/jobs/" + jobId + "/checkpoints").path("counts").path("completed").asLong();
  }

  /** Waits until the job has completed more than {@code after} checkpoints; returns the count. */
  public long awaitCheckpoint(String jobId, long after, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long completed = completedCheckpoints(jobId);
      if (completed > after) {
        return completed;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "job " + jobId + ": no checkpoint completed after " + timeout + "; "
                + rest("/jobs/" + jobId + "/checkpoints").path("counts"));
      }
      StackSupport.pause();
    }
  }

  /**
   * Where the job's state was restored from when it started ({@code latest.restored} of
   * /jobs/:id/checkpoints): the savepoint or checkpoint path, or null for a fresh start.
   */
  public String restoredFrom(String jobId) {
    JsonNode restored = rest("/jobs/" + jobId + "/checkpoints").path("latest").path("restored");
    return restored.isMissingNode() || restored.isNull() ? null : restored.path("external_path").asText();
  }

  /** The root exception and recent failures of a job, for failure messages. */
  public String exceptions(String jobId) {
    try {
      JsonNode ex = rest("/jobs/" + jobId + "/exceptions");
      String root = ex.path("root-exception").asText("");
      return root.isEmpty() ? "no exception recorded" : root.lines().limit(30).reduce("", (a, b) -> a + "\n" + b);
    } catch (RuntimeException e) {
      return "(exceptions unavailable: " + e.getMessage() + ")";
    }
  }

  // --- lifecycle --------------------------------------------------------------------------------

  /** Stops the TaskManagers, then the JobManager (SIGTERM, SIGKILL after 30 s). Idempotent. */
  @Override
  public synchronized void close() {
    List<CompletableFuture<Void>> stopping = new ArrayList<>();
    for (Process tm : taskManagers) {
      stopping.add(CompletableFuture.runAsync(() -> stop(tm)));
    }
    stopping.forEach(CompletableFuture::join);
    taskManagers.clear();
    if (jobManager != null) {
      stop(jobManager);
      jobManager = null;
    }
    StackSupport.removeShutdownHook(shutdownHook);
    shutdownHook = null;
  }

  /** Kills one TaskManager at once (SIGKILL), like a lost machine; for failure tests. */
  public synchronized void killTaskManager(int index) {
    taskManagers.get(index).destroyForcibly();
  }

  @Override
  public String toString() {
    return "LocalFlinkCluster{" + restUrl() + ", taskmanagers=" + settings.taskManagers()
        + "x" + settings.slotsPerTaskManager() + " slots, workDir=" + workDir + "}";
  }

  private static void stop(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private void writeConfig(Path productionConfig) throws IOException {
    Map<String, String> local = new LinkedHashMap<>();
    local.put("jobmanager.rpc.address", "127.0.0.1");
    local.put("jobmanager.bind-host", "127.0.0.1");
    local.put("jobmanager.rpc.port", Integer.toString(StackSupport.freePort()));
    local.put("rest.address", "127.0.0.1");
    local.put("rest.bind-address", "127.0.0.1");
    local.put("rest.port", Integer.toString(restPort));
    local.put("taskmanager.host", "127.0.0.1");
    local.put("taskmanager.bind-host", "127.0.0.1");
    local.put("taskmanager.numberOfTaskSlots", Integer.toString(settings.slotsPerTaskManager()));
    local.put("parallelism.default", Integer.toString(settings.slotsPerTaskManager() * settings.taskManagers()));
    local.put("jobmanager.memory.process.size", settings.jobManagerMemory());
    local.put("taskmanager.memory.process.size", settings.taskManagerMemory());
    local.put("state.checkpoints.dir", checkpointsDir().toUri().toString());
    local.put("state.savepoints.dir", savepointsDir().toUri().toString());
    local.put("state.backend.rocksdb.localdir", workDir.resolve("rocksdb").toString());
    local.put("io.tmp.dirs", workDir.resolve("tmp").toString());
    local.put("web.tmpdir", workDir.resolve("tmp").toString());
    local.put("execution.checkpointing.interval", settings.checkpointInterval().toMillis() + "ms");
    // A demo checkpoints every few seconds; production's 30 s pause would space them out.
    local.put("execution.checkpointing.min-pause", Math.max(500, settings.checkpointInterval().toMillis() / 2) + "ms");
    // One loopback cluster per run: lost heartbeats mean a dead process, so notice it sooner.
    local.put("heartbeat.timeout", "20000");
    local.putAll(settings.extraConfig());

    List<String> out = new ArrayList<>();
    out.add("# Derived by " + LocalFlinkCluster.class.getName() + " from " + productionConfig.toAbsolutePath());
    out.add("# on " + Instant.now() + ": lines marked 'local' replace the production value.");
    Map<String, String> pending = new LinkedHashMap<>(local);
    for (String line : Files.readAllLines(productionConfig, StandardCharsets.UTF_8)) {
      Matcher m = YAML_KEY.matcher(line);
      if (m.matches() && pending.containsKey(m.group(1))) {
        String key = m.group(1);
        out.add(key + ": " + pending.remove(key) + "  # local (production:" + m.group(2).replaceAll("\\s+#.*$", "") + ")");
      } else {
        out.add(line);
      }
    }
    if (!pending.isEmpty()) {
      out.add("");
      out.add("# --- local only ---");
      pending.forEach((key, value) -> out.add(key + ": " + value));
    }
    Files.write(confDir().resolve("flink-conf.yaml"), out, StandardCharsets.UTF_8);
  }

  private synchronized void launch() throws IOException {
    // Memory flags as bin/jobmanager.sh and bin/taskmanager.sh compute them, in parallel.
    CompletableFuture<List<List<String>>> jmParams =
        CompletableFuture.supplyAsync(() -> resourceParams("GET_JM_RESOURCE_PARAMS"));
    CompletableFuture<List<List<String>>> tmParams =
        CompletableFuture.supplyAsync(() -> resourceParams("GET_TM_RESOURCE_PARAMS"));
    shutdownHook = StackSupport.addShutdownHook("local-flink-" + restPort + "-stopper", this::close);
    List<List<String>> jm = join(jmParams);
    jobManager = startProcess("jobmanager", jm.get(0), JOB_MANAGER_MAIN, jm.get(1));
    List<List<String>> tm = join(tmParams);
    for (int i = 1; i <= settings.taskManagers(); i++) {
      taskManagers.add(startProcess("taskmanager-" + i, tm.get(0), TASK_MANAGER_MAIN, tm.get(1)));
    }
  }

  private static <T> T join(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /**
   * Runs {@code BashJavaUtils <command> --configDir conf}: its two result lines are the JVM
   * memory flags (-Xmx, -Xms, -XX:MaxDirectMemorySize, -XX:MaxMetaspaceSize) and the dynamic
   * properties (-D key=value) that pin the derived memory sizes for the process.
   */
  private List<List<String>> resourceParams(String command) {
    List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-Xmx128m", "-cp", classpath,
        BASH_JAVA_UTILS, command, "--configDir", confDir().toString()));
    Path log = logsDir().resolve(command.toLowerCase() + ".out");
    try {
      Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(command + " failed:\n" + StackSupport.tail(log, LOG_TAIL_LINES));
      }
      List<List<String>> results = new ArrayList<>();
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        if (line.startsWith(BASH_JAVA_UTILS_RESULT)) {
          String value = line.substring(BASH_JAVA_UTILS_RESULT.length()).trim();
          results.add(value.isEmpty() ? List.of() : Arrays.asList(value.split("\\s+")));
        }
      }
      if (results.size() < 2) {
        throw new IllegalStateException(command + " printed no results:\n" + StackSupport.tail(log, LOG_TAIL_LINES));
      }
      return results.subList(results.size() - 2, results.size());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private Process startProcess(String name, List<String> jvmParams, String main, List<String> dynamicProperties)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBinary());
    cmd.addAll(FlinkCli.JVM_OPENS);
    cmd.addAll(jvmParams);
    cmd.add("-XX:+UseG1GC");
    cmd.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
    cmd.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS");
    // The REST API serves this as the process's log (web UI "Logs" tab).
    cmd.add("-Dlog.file=" + logsDir().resolve(name + ".log"));
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(ParentWatchingMain.class.getName());
    cmd.add(Long.toString(ProcessHandle.current().pid()));
    cmd.add(main);
    cmd.add("--configDir");
    cmd.add(confDir().toString());
    cmd.addAll(dynamicProperties);
    Path log = logsDir().resolve(name + ".log");
    Files.writeString(log, String.format("===== %s: %s%n", Instant.now(), String.join(" ", cmd)),
        StandardCharsets.UTF_8);
    return new ProcessBuilder(cmd)
        .directory(workDir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }

  private void awaitSlots() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    int wantSlots = settings.taskManagers() * settings.slotsPerTaskManager();
    String last = "REST API not answering";
    while (true) {
      checkProcesses();
      if (StackSupport.acceptsConnections(restPort)) {
        try {
          JsonNode overview = rest("/overview");
          int tms = overview.path("taskmanagers").asInt();
          int slots = overview.path("slots-total").asInt();
          last = tms + " taskmanagers, " + slots + " slots";
          if (tms == settings.taskManagers() && slots == wantSlots) {
            return;
          }
        } catch (RuntimeException e) {
          last = e.getMessage();
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Flink cluster not ready after " + START_TIMEOUT + " (" + last
            + "); " + logsDir().resolve("jobmanager.log") + " ends with:\n"
            + StackSupport.tail(logsDir().resolve("jobmanager.log"), LOG_TAIL_LINES));
      }
      StackSupport.pause();
    }
  }

  /** Fails if a cluster process has exited (with its log's tail). */
  private synchronized void checkProcesses() {
    List<Process> all = new ArrayList<>();
    if (jobManager != null) {
      all.add(jobManager);
    }
    all.addAll(taskManagers);
    for (int i = 0; i < all.size(); i++) {
      Process p = all.get(i);
      if (!p.isAlive()) {
        String name = p == jobManager ? "jobmanager" : "taskmanager-" + (p == jobManager ? 0 : taskManagers.indexOf(p) + 1);
        Path log = logsDir().resolve(name + ".log");
        throw new IllegalStateException(name + " exited with code " + p.exitValue() + "; " + log
            + " ends with:\n" + StackSupport.tail(log, LOG_TAIL_LINES));
      }
    }
  }

  static String readClasspath(Path classpathFile) {
    try {
      String cp = Files.readString(classpathFile, StandardCharsets.UTF_8).trim();
      if (cp.isEmpty()) {
        throw new IllegalStateException(classpathFile + " is empty");
      }
      return cp;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the Flink cluster classpath " + classpathFile
              + " (build the flink-cluster module: mvn -pl flink-cluster package)", e);
    }
  }

  /** This module's classes (ParentWatchingMain) for the cluster processes' classpath. */
  private static String ownCodeSource() {
    try {
      return Paths.get(LocalFlinkCluster.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static String javaBinary() {
    Path fromJavaHome = Paths.get(System.getProperty("java.home"), "bin", "java");
    return Files.isExecutable(fromJavaHome) ? fromJavaHome.toString() : "java";
  }

  // --- command line ----------------------------------------------------------------------------

  /**
   * {@code LocalFlinkCluster --work-dir DIR --classpath-file FILE [--config FILE] [--rest-port N]
   * [--task-managers N] [--checkpoint-interval PT10S]}: starts the cluster, writes {@code
   * DIR/cluster.properties} (rest.url, rest.port, conf.dir, savepoints.dir) once it is ready,
   * prints one "ready" line and runs until asked to stop (SIGTERM, Ctrl-C), then stops it.
   */
  public static void main(String[] args) throws Exception {
    Path workDir = Paths.get(".local/flink");
    Path classpathFile = Paths.get("flink-cluster/target/classpath.txt");
    Path config = Paths.get("flink-conf/cluster/flink-conf.yaml");
    Settings settings = Settings.defaults();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 0) {
        System.err.println("usage: LocalFlinkCluster --work-dir=DIR --classpath-file=FILE [--config=FILE]"
            + " [--rest-port=N] [--task-managers=N] [--checkpoint-interval=PT10S]");
        System.exit(2);
      }
      String value = arg.substring(eq + 1);
      switch (arg.substring(0, eq)) {
        case "--work-dir" -> workDir = Paths.get(value);
        case "--classpath-file" -> classpathFile = Paths.get(value);
        case "--config" -> config = Paths.get(value);
        case "--rest-port" -> settings = settings.withRestPort(Integer.parseInt(value));
        case "--task-managers" -> settings = new Settings(settings.restPort(), Integer.parseInt(value),
            settings.slotsPerTaskManager(), settings.jobManagerMemory(), settings.taskManagerMemory(),
            settings.checkpointInterval(), settings.extraConfig());
        case "--checkpoint-interval" -> settings = settings.withCheckpointInterval(Duration.parse(value));
        default -> {
          System.err.println("unknown option: " + arg);
          System.exit(2);
        }
      }
    }
    Path dir = workDir.toAbsolutePath().normalize();
    Files.createDirectories(dir);
    Path properties = dir.resolve("cluster.properties");
    Files.deleteIfExists(properties);
    long started = System.nanoTime();
    LocalFlinkCluster cluster;
    try {
      cluster = start(dir, classpathFile, config, settings);
    } catch (RuntimeException e) {
      System.err.println("Flink cluster failed to start: " + e.getMessage());
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("Stopping the Flink cluster (" + cluster.restUrl() + ")");
      cluster.close();
      try {
        Files.deleteIfExists(properties);
      } catch (IOException e) {
        // best effort
      }
    }, "local-flink-cluster-stopper"));
    String text = "# Local Flink cluster; removed when it stops\n"
        + "rest.url=" + cluster.restUrl() + "\n"
        + "rest.port=" + cluster.restPort() + "\n"
        + "conf.dir=" + cluster.confDir() + "\n"
        + "savepoints.dir=" + cluster.savepointsDir() + "\n";
    Path tmp = dir.resolve("cluster.properties.tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, properties, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    System.out.printf("Flink session cluster ready in %.1f s: %s, %d taskmanagers x %d slots, logs in %s%n",
        (System.nanoTime() - started) / 1e9, cluster.restUrl(), settings.taskManagers(),
        settings.slotsPerTaskManager(), cluster.logsDir());
    new CountDownLatch(1).await();
  }
}
