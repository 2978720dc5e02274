package com.mobilitycorp.fleet.testing.stack;

import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * The project's local stack: a Kafka broker ({@link LocalKafka}) with every {@link FleetTopics}
 * topic and a PostgreSQL server ({@link LocalPostgres}) with the schema applied.
 *
 * <p>Why: pipelines and integration tests run against the same real services as production (no
 * mocks, no docker). {@link #main} is {@code make run}'s entry point; {@link #start} is the API
 * for integration tests.
 *
 * <p>Layout of {@code workDir}: {@code kafka/} (see {@link LocalKafka}), {@code postgres/} (see
 * {@link LocalPostgres}) and, while the stack is up, {@code stack.properties} with {@code
 * bootstrap.servers}, {@code jdbc.url}, {@code jdbc.user} and {@code jdbc.password}.
 */
public final class LocalStack implements AutoCloseable {

  /** Name of the connection file written into the work directory once the stack is ready. */
  public static final String PROPERTIES_FILE = "stack.properties";

  /** The only entries {@code --fresh} agrees to delete, so a mistyped path cannot wipe a tree. */
  private static final Set<String> OWN_ENTRIES =
      Set.of("kafka", "postgres", PROPERTIES_FILE, PROPERTIES_FILE + ".tmp");

  private final Path workDir;
  private final LocalKafka kafka;
  private final LocalPostgres postgres;

  private LocalStack(Path workDir, LocalKafka kafka, LocalPostgres postgres) {
    this.workDir = workDir;
    this.kafka = kafka;
    this.postgres = postgres;
  }

  /**
   * Starts Kafka and PostgreSQL (in parallel), creates the fleet topics, applies the schema and
   * writes {@code stack.properties}. Data already in {@code workDir} is kept.
   *
   * @param kafkaPort Kafka's PLAINTEXT port, or 0 for a free port
   * @param postgresPort PostgreSQL's port, or 0 for a free port
   */
  public static LocalStack start(Path workDir, int kafkaPort, int postgresPort) {
    Path dir = workDir.toAbsolutePath().normalize();
    CompletableFuture<LocalPostgres> postgresFuture =
        CompletableFuture.supplyAsync(
            () -> {
              LocalPostgres pg = LocalPostgres.start(dir.resolve("postgres"), postgresPort);
              try {
                pg.applySchema();
                return pg;
              } catch (RuntimeException e) {
                pg.stop();
                throw e;
              }
            },
            runnable -> {
              Thread thread = new Thread(runnable, "local-postgres-starter");
              thread.setDaemon(true);
              thread.start();
            });

    LocalKafka kafka = null;
    try {
      kafka = LocalKafka.start(dir.resolve("kafka"), kafkaPort);
      kafka.createTopics(FleetTopics.all());
    } catch (RuntimeException kafkaFailure) {
      if (kafka != null) {
        kafka.stop();
      }
      postgresFuture.thenAccept(LocalPostgres::stop);
      throw kafkaFailure;
    }

    LocalPostgres postgres;
    try {
      postgres = postgresFuture.join();
    } catch (CompletionException e) {
      kafka.stop();
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }

    LocalStack stack = new LocalStack(dir, kafka, postgres);
    try {
      stack.writeProperties();
    } catch (RuntimeException e) {
      stack.close();
      throw e;
    }
    return stack;
  }

  public LocalKafka kafka() {
    return kafka;
  }

  public LocalPostgres postgres() {
    return postgres;
  }

  public Path workDir() {
    return workDir;
  }

  /** {@code workDir/stack.properties}; it exists while the stack is up. */
  public Path propertiesFile() {
    return workDir.resolve(PROPERTIES_FILE);
  }

  /** Stops Kafka, then PostgreSQL, and removes {@code stack.properties}; data is kept. */
  @Override
  public void close() {
    RuntimeException failure = null;
    try {
      Files.deleteIfExists(propertiesFile());
    } catch (IOException e) {
      failure = new UncheckedIOException(e);
    }
    try {
      kafka.stop();
    } catch (RuntimeException e) {
      failure = addSuppressed(failure, e);
    }
    try {
      postgres.stop();
    } catch (RuntimeException e) {
      failure = addSuppressed(failure, e);
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Written as plain {@code key=value} lines (valid for {@link java.util.Properties#load} and easy
   * for shell scripts), to a temporary file moved into place so readers never see half a file.
   */
  private void writeProperties() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("bootstrap.servers", kafka.bootstrapServers());
    settings.put("jdbc.url", postgres.jdbcUrl());
    settings.put("jdbc.user", postgres.user());
    settings.put("jdbc.password", postgres.password());
    StringBuilder text =
        new StringBuilder("# Local stack connection settings; removed when the stack stops\n");
    settings.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
    Path tmp = workDir.resolve(PROPERTIES_FILE + ".tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(
          tmp,
          propertiesFile(),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + propertiesFile(), e);
    }
  }

  private static RuntimeException addSuppressed(RuntimeException first, RuntimeException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }

  /**
   * Deletes {@code workDir} for {@code --fresh}, but only if it holds nothing except what the
   * stack itself creates.
   */
  static void wipe(Path workDir) throws IOException {
    if (!Files.isDirectory(workDir)) {
      return;
    }
    List<String> foreign = new ArrayList<>();
    try (Stream<Path> entries = Files.list(workDir)) {
      entries
          .map(entry -> entry.getFileName().toString())
          .filter(name -> !OWN_ENTRIES.contains(name))
          .forEach(foreign::add);
    }
    if (!foreign.isEmpty()) {
      throw new IllegalArgumentException(
          "refusing to wipe " + workDir + ": it holds files the local stack did not create "
              + foreign);
    }
    LocalPostgres.stopOrphanedServer(workDir.resolve("postgres")); // a killed run's postmaster
    StackSupport.deleteRecursively(workDir);
  }

  // --- command line ----------------------------------------------------------------------------

  /**
   * {@code LocalStack [--work-dir DIR] [--kafka-port N] [--postgres-port N] [--fresh]}: starts the
   * stack, prints one "Local stack ready" line and runs until the JVM is asked to stop (Ctrl-C,
   * SIGTERM), then stops both services.
   */
  public static void main(String[] args) throws Exception {
    // Keep the console to our own lines; the broker logs to kafka/broker.log, PostgreSQL to
    // postgres/postgres.log. An explicit -D setting wins.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    Path workDir = Paths.get(".local/stack");
    int kafkaPort = 19092;
    int postgresPort = 15432;
    boolean fresh = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        value = arg.substring(eq + 1);
        arg = arg.substring(0, eq);
      }
      switch (arg) {
        case "--work-dir" -> workDir = Paths.get(value != null ? value : next(args, ++i, arg));
        case "--kafka-port" ->
            kafkaPort = Integer.parseInt(value != null ? value : next(args, ++i, arg));
        case "--postgres-port" ->
            postgresPort = Integer.parseInt(value != null ? value : next(args, ++i, arg));
        case "--fresh" -> fresh = true;
        case "--help", "-h" -> {
          System.out.println(
              "usage: LocalStack [--work-dir DIR (.local/stack)] [--kafka-port N (19092)]"
                  + " [--postgres-port N (15432)] [--fresh]   (port 0 = any free port)");
          return;
        }
        default -> {
          System.err.println("unknown option: " + args[i] + " (try --help)");
          System.exit(2);
        }
      }
    }
    workDir = workDir.toAbsolutePath().normalize();
    if (fresh) {
      wipe(workDir);
    }

    LocalStack stack;
    try {
      stack = start(workDir, kafkaPort, postgresPort);
    } catch (RuntimeException e) {
      System.err.println("Local stack failed to start: " + e.getMessage());
      e.printStackTrace();
      System.exit(1);
      return;
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("Stopping Kafka (" + stack.kafka().bootstrapServers() + ")");
                  stack.kafka().stop();
                  System.out.println("Stopping PostgreSQL (" + stack.postgres().jdbcUrl() + ")");
                  stack.postgres().stop();
                  stack.close(); // removes stack.properties; both services are already stopped
                  System.out.println("Local stack stopped; data kept in " + stack.workDir());
                },
                "local-stack-stopper"));
    System.out.println(
        "Local stack ready: kafka=" + stack.kafka().bootstrapServers() + " postgres="
            + stack.postgres().jdbcUrl());
    new CountDownLatch(1).await(); // until the JVM shuts down
  }

  private static String next(String[] args, int i, String option) {
    if (i >= args.length) {
      System.err.println("missing value for " + option);
      System.exit(2);
    }
    return args[i];
  }
}
