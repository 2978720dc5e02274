package com.mobilitycorp.fleet.testing.stack;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A real Kafka 3.9.1 broker in KRaft combined mode (broker and controller in one node), running in
 * a child JVM.
 *
 * <p>Why a child process: the broker's Scala and Jackson jars then never share a JVM with a Beam
 * job, and tests can kill ({@link #kill()}) and restart ({@link #restart()}) the broker like a real
 * outage. Its data lives in {@code workDir}, so a restart on the same directory keeps every
 * committed record. The child exits on its own if this JVM dies ({@link ParentWatchingMain}), and a
 * shutdown hook stops it when this JVM exits normally.
 *
 * <p>Files in {@code workDir}: {@code server.properties}, {@code data/} (log and metadata dirs),
 * {@code broker.log} (the broker's stdout and stderr, appended across restarts).
 */
public final class LocalKafka implements AutoCloseable {

  /** How long {@link #start} and {@link #restart} wait for the broker to serve requests. */
  public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /** How long {@link #stop} waits for a clean shutdown before killing the process. */
  public static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
  private static final int LOG_TAIL_LINES = 40;
  private static final File NULL_FILE = new File("/dev/null");

  private final Path workDir;
  private final int port;
  private final int controllerPort;
  private final Path serverProperties;
  private final Path brokerLog;

  private Process process;
  private Thread shutdownHook;

  private LocalKafka(Path workDir, int port, int controllerPort) {
    this.workDir = workDir;
    this.port = port;
    this.controllerPort = controllerPort;
    this.serverProperties = workDir.resolve("server.properties");
    this.brokerLog = workDir.resolve("broker.log");
  }

  /**
   * Starts a broker whose data lives in {@code workDir} (created if absent; formatted only if it
   * holds no formatted storage yet, so existing data is kept) and waits until it serves requests.
   *
   * @param port the PLAINTEXT port on 127.0.0.1, or 0 for a free port; the controller listener
   *     takes another free loopback port
   */
  public static LocalKafka start(Path workDir, int port) {
    requireBrokerOnClasspath();
    Path dir = workDir.toAbsolutePath().normalize();
    int brokerPort = StackSupport.portOrFree(port);
    int controllerPort = StackSupport.freePort();
    while (controllerPort == brokerPort) {
      controllerPort = StackSupport.freePort();
    }
    LocalKafka kafka = new LocalKafka(dir, brokerPort, controllerPort);
    try {
      Files.createDirectories(dir);
      kafka.writeServerProperties();
      kafka.formatStorageIfNeeded();
      kafka.launchAndAwaitReady();
      return kafka;
    } catch (IOException e) {
      kafka.kill();
      throw new UncheckedIOException("cannot start Kafka in " + dir, e);
    } catch (RuntimeException e) {
      kafka.kill();
      throw e;
    }
  }

  /** {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** The PLAINTEXT port clients use. */
  public int port() {
    return port;
  }

  /** The directory holding the broker's configuration, data and log. */
  public Path workDir() {
    return workDir;
  }

  /** The broker's stdout and stderr, useful when a test fails. */
  public Path brokerLog() {
    return brokerLog;
  }

  /** True while the broker's process is alive (it may still be starting). */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /**
   * Creates every topic (name to partition count, replication factor 1) that does not exist yet;
   * existing topics are left as they are, so calling this again is harmless.
   */
  public void createTopics(Map<String, Integer> partitionsByTopic) {
    if (partitionsByTopic.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    try (Admin admin = Admin.create(adminConfig())) {
      while (true) {
        List<NewTopic> topics = new ArrayList<>();
        partitionsByTopic.forEach(
            (name, partitions) -> topics.add(new NewTopic(name, partitions, (short) 1)));
        Map<String, KafkaFuture<Void>> results = admin.createTopics(topics).values();
        Throwable retriable = null;
        for (Map.Entry<String, KafkaFuture<Void>> result : results.entrySet()) {
          try {
            result.getValue().get(30, TimeUnit.SECONDS);
          } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TopicExistsException) {
              continue;
            }
            // A broker that just started may not be registered with its controller yet.
            if (cause instanceof RetriableException
                || cause instanceof InvalidReplicationFactorException) {
              retriable = cause;
              continue;
            }
            throw new IllegalStateException("cannot create topic " + result.getKey(), cause);
          } catch (TimeoutException e) {
            retriable = e;
          }
        }
        if (retriable == null) {
          awaitLeaders(admin, partitionsByTopic.keySet(), deadline);
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "cannot create topics " + partitionsByTopic.keySet(), retriable);
        }
        StackSupport.pause();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }

  /**
   * Waits until the broker serves every partition of the topics: a listing of each partition's
   * latest offset goes to its leader and succeeds only once the leader hosts it. Describing the
   * topics is not enough: it showed a leader while produce requests still got NOT_LEADER, and the
   * first batch of such a partition then never completed (it expired after the producer's
   * delivery timeout, in tests on an idle machine too).
   */
  private static void awaitLeaders(Admin admin, java.util.Collection<String> topics, long deadline)
      throws InterruptedException {
    while (true) {
      try {
        Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec>
            latest = new HashMap<>();
        admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values()
            .forEach(d -> d.partitions().forEach(p -> latest.put(
                new org.apache.kafka.common.TopicPartition(d.name(), p.partition()),
                org.apache.kafka.clients.admin.OffsetSpec.latest())));
        admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException | TimeoutException e) {
        // Not served yet: try again until the deadline.
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("partitions of " + topics + " not served");
      }
      StackSupport.pause();
    }
  }

  /**
   * Stops the broker cleanly (SIGTERM, then waits for the process to exit; kills it if it has not
   * exited within {@link #STOP_TIMEOUT}). Does nothing if it is not running.
   */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    forgetProcess();
  }

  /**
   * Kills the broker at once (SIGKILL), like a crash, and waits for the process to be gone. Use
   * {@link #restart()} to bring it back with its data.
   */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    forgetProcess();
  }

  /**
   * Starts the broker again on the same directory and ports (stopping it first if it is running)
   * and waits until it serves requests. Committed records survive.
   */
  public void restart() {
    stop();
    try {
      launchAndAwaitReady();
    } catch (IOException e) {
      kill();
      throw new UncheckedIOException("cannot restart Kafka in " + workDir, e);
    } catch (RuntimeException e) {
      kill();
      throw e;
    }
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  @Override
  public String toString() {
    return "LocalKafka{" + bootstrapServers() + ", controller=127.0.0.1:" + controllerPort
        + ", workDir=" + workDir + "}";
  }

  // ---------------------------------------------------------------------------------------------

  private void writeServerProperties() throws IOException {
    Properties p = new Properties();
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", "1");
    p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.setProperty(
        "listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.setProperty("inter.broker.listener.name", "PLAINTEXT");
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.setProperty("log.dirs", dataDir().toString());
    p.setProperty("num.partitions", "4");
    p.setProperty("default.replication.factor", "1");
    p.setProperty("min.insync.replicas", "1");
    p.setProperty("offsets.topic.replication.factor", "1");
    p.setProperty("transaction.state.log.replication.factor", "1");
    p.setProperty("transaction.state.log.min.isr", "1");
    p.setProperty("group.initial.rebalance.delay.ms", "0");
    p.setProperty("auto.create.topics.enable", "false");
    // Local stack: keep a day of data or 1 GiB per partition, whichever comes first.
    p.setProperty("log.retention.hours", "24");
    p.setProperty("log.retention.bytes", Long.toString(1L << 30));
    p.setProperty("log.segment.bytes", Long.toString(128L << 20));
    // After a kill, the restarted controller keeps the dead broker's registration until its
    // session expires and rejects the new one (DUPLICATE_BROKER_REGISTRATION) until then: the
    // default 9 s session made restart() take ~16 s. 3 s still tolerates long GC pauses.
    p.setProperty("broker.heartbeat.interval.ms", "500");
    p.setProperty("broker.session.timeout.ms", "3000");
    // Beam's exactly-once Kafka sink keeps transactions open across checkpoints.
    p.setProperty("transaction.max.timeout.ms", "3600000");
    try (OutputStream out = Files.newOutputStream(serverProperties)) {
      p.store(out, "Written by " + LocalKafka.class.getName() + "; rewritten on every start");
    }
  }

  private Path dataDir() {
    return workDir.resolve("data");
  }

  /** Formats the storage directory unless it already holds a formatted log (meta.properties). */
  private void formatStorageIfNeeded() throws IOException {
    if (Files.exists(dataDir().resolve("meta.properties"))) {
      return;
    }
    String clusterId = Uuid.randomUuid().toString();
    List<String> command = javaCommand("-Xmx256m");
    command.addAll(
        List.of(
            "kafka.tools.StorageTool",
            "format",
            "-t",
            clusterId,
            "-c",
            serverProperties.toString()));
    Path formatLog = workDir.resolve("format.log");
    Process format =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(NULL_FILE))
            .redirectErrorStream(true)
            .redirectOutput(formatLog.toFile())
            .start();
    try {
      if (!format.waitFor(FORMAT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        format.destroyForcibly();
        throw new IllegalStateException(
            "formatting Kafka storage timed out after " + FORMAT_TIMEOUT + ":\n"
                + StackSupport.tail(formatLog, LOG_TAIL_LINES));
      }
    } catch (InterruptedException e) {
      format.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while formatting Kafka storage", e);
    }
    if (format.exitValue() != 0 || !Files.exists(dataDir().resolve("meta.properties"))) {
      throw new IllegalStateException(
          "formatting Kafka storage failed (exit " + format.exitValue() + "):\n"
              + StackSupport.tail(formatLog, LOG_TAIL_LINES));
    }
  }

  private void launchAndAwaitReady() throws IOException {
    awaitReady(launch());
  }

  /** Starts the broker process without waiting, so {@link #stop} is not blocked meanwhile. */
  private synchronized Process launch() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("broker already running: " + this);
    }
    if (StackSupport.acceptsConnections(port) || StackSupport.acceptsConnections(controllerPort)) {
      throw new IllegalStateException(
          "port " + port + " or " + controllerPort + " is already in use (another broker?)");
    }
    List<String> command = javaCommand("-Xmx512m");
    command.addAll(
        List.of(
            ParentWatchingMain.class.getName(),
            Long.toString(ProcessHandle.current().pid()),
            "kafka.Kafka",
            serverProperties.toString()));
    Files.writeString(
        brokerLog,
        String.format("%n===== %s: starting broker on %s%n", Instant.now(), bootstrapServers()),
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    process =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(NULL_FILE))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(brokerLog.toFile()))
            .start();
    shutdownHook = StackSupport.addShutdownHook("local-kafka-" + port + "-stopper", this::stop);
    return process;
  }

  /** Polls until the broker is registered and answers describeCluster; fails fast if it dies. */
  private void awaitReady(Process started) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    // Cheap TCP probe first: an Admin client against a closed port only logs connection warnings.
    while (!StackSupport.acceptsConnections(port)) {
      checkAlive(started);
      checkDeadline(deadline);
      StackSupport.pause();
    }
    Map<String, Object> config = adminConfig();
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000);
    try (Admin admin = Admin.create(config)) {
      while (true) {
        checkAlive(started);
        try {
          if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          // not ready yet
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for Kafka", e);
        }
        checkDeadline(deadline);
        StackSupport.pause();
      }
    }
  }

  private void checkAlive(Process started) {
    if (!started.isAlive()) {
      throw new IllegalStateException(
          "Kafka broker exited with code " + started.exitValue() + " while starting; "
              + brokerLog + " ends with:\n" + StackSupport.tail(brokerLog, LOG_TAIL_LINES));
    }
  }

  private void checkDeadline(long deadline) {
    if (System.nanoTime() > deadline) {
      throw new IllegalStateException(
          "Kafka broker not ready on " + bootstrapServers() + " after " + START_TIMEOUT + "; "
              + brokerLog + " ends with:\n" + StackSupport.tail(brokerLog, LOG_TAIL_LINES));
    }
  }

  private Map<String, Object> adminConfig() {
    Map<String, Object> config = new HashMap<>();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, "local-kafka-admin");
    return config;
  }

  private void forgetProcess() {
    process = null;
    StackSupport.removeShutdownHook(shutdownHook);
    shutdownHook = null;
  }

  /**
   * {@code java <jvmOption> -cp <this JVM's classpath>}: the same Java binary and the same jars,
   * so the broker runs exactly the kafka_2.13 version this module depends on.
   */
  private static List<String> javaCommand(String heap) {
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.add(heap);
    command.add("-XX:+UseG1GC");
    command.add("-XX:MaxGCPauseMillis=20");
    command.add("-Djava.awt.headless=true");
    command.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
    command.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS");
    command.add("-cp");
    command.add(absoluteClassPath());
    return command;
  }

  private static String javaBinary() {
    Path fromJavaHome = Paths.get(System.getProperty("java.home"), "bin", "java");
    if (Files.isExecutable(fromJavaHome)) {
      return fromJavaHome.toString();
    }
    return ProcessHandle.current().info().command().orElse("java");
  }

  private static void requireBrokerOnClasspath() {
    try {
      Class.forName("kafka.Kafka", false, LocalKafka.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "kafka.Kafka is not on the classpath: add org.apache.kafka:kafka_2.13 (runtime scope is"
              + " enough); the broker runs in a child JVM with this JVM's classpath",
          e);
    }
  }

  /** This JVM's class path with every entry made absolute: the child runs in {@code workDir}. */
  private static String absoluteClassPath() {
    return java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .filter(entry -> !entry.isEmpty())
        .map(entry -> java.nio.file.Path.of(entry).toAbsolutePath().toString())
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
  }
}
