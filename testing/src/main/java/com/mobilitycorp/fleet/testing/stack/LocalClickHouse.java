package com.mobilitycorp.fleet.testing.stack;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real ClickHouse server (the {@code clickhouse-server} binary of Debian's package, 18.16 on
 * bookworm) on loopback, for integration tests of the ClickHouse sink. Unlike Kafka and
 * PostgreSQL it does not come from Maven: install it with {@code apt-get install
 * clickhouse-server}; {@link #isInstalled()} tells whether it is there.
 *
 * <p>The server runs with a generated configuration in {@code workDir}: HTTP (the JDBC driver's
 * protocol) on the given port, native TCP and interserver HTTP on free ports, all on 127.0.0.1
 * only; user {@code default} without password; server time zone UTC. Files: {@code config.xml},
 * {@code users.xml}, {@code data/} (kept across starts), {@code tmp/}, {@code user_files/}, {@code
 * format_schemas/}, {@code log/clickhouse-server.log} and {@code .err.log} (the server's own
 * logs), {@code server.out} (its stdout and stderr, appended) and {@code server.pid}.
 *
 * <p>The server dies with this JVM: it runs under a small {@code /bin/sh} watchdog that polls this
 * JVM's pid every half second and stops the server when the JVM is gone (also after SIGKILL, when
 * no shutdown hook runs), and a shutdown hook stops it on a normal exit. Should both die at once,
 * the next start on the same directory stops the orphan (it would hold the data directory's
 * lock).
 */
public final class LocalClickHouse implements AutoCloseable {

  /** How long {@link #start} waits for the server to answer {@code /ping}. */
  public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  static final String BINARY = "clickhouse-server";

  /** System property naming the server binary, for installs outside PATH and /usr. */
  public static final String BINARY_PROPERTY = "localClickHouse.binary";

  /** Searched after PATH: Debian installs the server in /usr/sbin, often not on a user's PATH. */
  private static final List<String> FALLBACK_DIRS =
      List.of("/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin");

  static final String USER = "default";
  static final String PASSWORD = "";
  static final String DATABASE = "default";

  private static final int LOG_TAIL_LINES = 40;
  private static final File NULL_FILE = new File("/dev/null");

  /**
   * {@code sh -c WATCHDOG name <parentPid> <server command...>}: starts the server, records its
   * pid, and stops it (SIGTERM) once the parent is gone; forwards SIGTERM/SIGINT/SIGHUP; exits
   * with the server. Polling is the portable way: a native child cannot use Java's {@link
   * ProcessHandle#onExit} like {@link ParentWatchingMain} does, and Linux's PR_SET_PDEATHSIG is not
   * reachable from Java.
   */
  private static final String WATCHDOG =
      String.join(
          "\n",
          "parent=$1; shift",
          "\"$@\" & server=$!",
          "echo \"$server\" > server.pid",
          "trap 'kill -TERM \"$server\" 2>/dev/null' TERM INT HUP",
          "while kill -0 \"$parent\" 2>/dev/null && kill -0 \"$server\" 2>/dev/null; do",
          "  sleep 0.5",
          "done",
          "kill -TERM \"$server\" 2>/dev/null",
          "wait \"$server\"");

  private final Path workDir;
  private final Path binary;
  private final int httpPort;
  private final int tcpPort;
  private final int interserverPort;

  private Process watchdog;
  private ProcessHandle server;
  private Thread shutdownHook;
  private Duration startupTime;

  private LocalClickHouse(
      Path workDir, Path binary, int httpPort, int tcpPort, int interserverPort) {
    this.workDir = workDir;
    this.binary = binary;
    this.httpPort = httpPort;
    this.tcpPort = tcpPort;
    this.interserverPort = interserverPort;
  }

  /** True if {@code clickhouse-server} is on PATH or in one of the usual system directories. */
  public static boolean isInstalled() {
    return binary().isPresent();
  }

  /**
   * Where {@code clickhouse-server} is: the file named by the system property {@value
   * #BINARY_PROPERTY} if it is set (and then only there), else the first executable on PATH, else
   * in /usr/(s)bin or /usr/local/(s)bin.
   */
  public static Optional<Path> binary() {
    String configured = System.getProperty(BINARY_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      Path path = Paths.get(configured);
      return Files.isRegularFile(path) && Files.isExecutable(path)
          ? Optional.of(path.toAbsolutePath())
          : Optional.empty();
    }
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(Arrays.asList(path.split(File.pathSeparator)));
    }
    dirs.addAll(FALLBACK_DIRS);
    for (String dir : dirs) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Paths.get(dir, BINARY);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate.toAbsolutePath());
      }
    }
    return Optional.empty();
  }

  /**
   * Starts a server whose data lives in {@code workDir/data} (created if absent; data already
   * there is kept) and waits until it answers HTTP requests.
   *
   * @param httpPort the HTTP port on 127.0.0.1 (the one {@link #jdbcUrl()} names), or 0 for a
   *     free port; the native TCP and interserver ports take other free loopback ports
   * @throws IllegalStateException if clickhouse-server is not installed or does not start
   */
  public static LocalClickHouse start(Path workDir, int httpPort) {
    return start(workDir, httpPort, ProcessHandle.current().pid());
  }

  /** Like {@link #start(Path, int)}, the server dying with process {@code watchedPid}. */
  static LocalClickHouse start(Path workDir, int httpPort, long watchedPid) {
    String configured = System.getProperty(BINARY_PROPERTY);
    String searched =
        configured != null ? "at -D" + BINARY_PROPERTY + "=" + configured
            : "on PATH and in " + FALLBACK_DIRS;
    Path binary =
        binary()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        BINARY + " is not installed (looked " + searched + "): install it, e.g."
                            + " `apt-get install -y clickhouse-server clickhouse-client`"
                            + " (Debian/Ubuntu)"));
    Path dir = workDir.toAbsolutePath().normalize();
    int http = StackSupport.portOrFree(httpPort);
    int tcp = otherFreePort(http);
    int interserver = otherFreePort(http, tcp);
    LocalClickHouse clickHouse = new LocalClickHouse(dir, binary, http, tcp, interserver);
    try {
      for (String sub : List.of("data", "tmp", "user_files", "format_schemas", "log")) {
        Files.createDirectories(dir.resolve(sub));
      }
      stopOrphanedServer(dir);
      clickHouse.writeConfig();
      clickHouse.launchAndAwaitReady(watchedPid);
      return clickHouse;
    } catch (IOException e) {
      clickHouse.stop();
      throw new UncheckedIOException("cannot start ClickHouse in " + dir, e);
    } catch (RuntimeException e) {
      clickHouse.stop();
      throw e;
    }
  }

  /**
   * {@code jdbc:clickhouse://127.0.0.1:<httpPort>/default?compress=0}, for {@code
   * ru.yandex.clickhouse:clickhouse-jdbc} (compressed responses break on 18.16).
   */
  public String jdbcUrl() {
    return "jdbc:clickhouse://127.0.0.1:" + httpPort + "/" + DATABASE + "?compress=0";
  }

  /** {@code default}. */
  public String user() {
    return USER;
  }

  /** The empty string: user {@code default} has no password (loopback only). */
  public String password() {
    return PASSWORD;
  }

  public int httpPort() {
    return httpPort;
  }

  /** The native protocol port, e.g. for {@code clickhouse-client --port}. */
  public int tcpPort() {
    return tcpPort;
  }

  public Path workDir() {
    return workDir;
  }

  /** The server's log (errors are also in {@code log/clickhouse-server.err.log}). */
  public Path serverLog() {
    return workDir.resolve("log").resolve("clickhouse-server.log");
  }

  /** From launching the process to the first successful {@code /ping}. */
  public Duration startupTime() {
    return startupTime;
  }

  /** True while the server process is alive. */
  public synchronized boolean isRunning() {
    return server != null && server.isAlive();
  }

  /**
   * Stops the server (SIGTERM; SIGKILL if it has not exited within 30 s) and its watchdog, and
   * waits until both are gone. The data is kept. Does nothing if it is not running.
   */
  public synchronized void stop() {
    try {
      if (server == null && watchdog != null) {
        watchdog.destroy(); // start failed before the server's pid was known: the trap stops it
      }
      if (server != null) {
        server.destroy();
        if (!awaitExit(server, STOP_TIMEOUT)) {
          server.destroyForcibly();
          awaitExit(server, STOP_TIMEOUT);
        }
      }
      if (watchdog != null) {
        if (server != null && !server.isAlive()) {
          // Nothing left to guard; don't wait for its next poll (up to 0.5 s).
          watchdog.destroyForcibly();
        }
        if (!watchdog.waitFor(5, TimeUnit.SECONDS)) {
          watchdog.destroyForcibly().waitFor();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (server != null) {
        server.destroyForcibly();
      }
      if (watchdog != null) {
        watchdog.destroyForcibly();
      }
    } finally {
      server = null;
      watchdog = null;
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
    return "LocalClickHouse{http=127.0.0.1:" + httpPort + ", tcp=127.0.0.1:" + tcpPort
        + ", workDir=" + workDir + "}";
  }

  // ---------------------------------------------------------------------------------------------

  private Path configFile() {
    return workDir.resolve("config.xml");
  }

  private Path stdoutFile() {
    return workDir.resolve("server.out");
  }

  /** Rewritten on every start (the ports may differ); {@code data/} is untouched. */
  private void writeConfig() throws IOException {
    String config =
        String.join(
            "\n",
            "<?xml version=\"1.0\"?>",
            "<!-- Written by " + LocalClickHouse.class.getName() + "; rewritten on every start -->",
            "<yandex>",
            "    <logger>",
            "        <level>information</level>",
            "        <log>" + xml(serverLog()) + "</log>",
            "        <errorlog>" + xml(workDir.resolve("log").resolve("clickhouse-server.err.log"))
                + "</errorlog>",
            "        <size>100M</size>",
            "        <count>2</count>",
            "    </logger>",
            "    <listen_host>127.0.0.1</listen_host>",
            "    <http_port>" + httpPort + "</http_port>",
            "    <tcp_port>" + tcpPort + "</tcp_port>",
            "    <interserver_http_host>127.0.0.1</interserver_http_host>",
            "    <interserver_http_port>" + interserverPort + "</interserver_http_port>",
            "    <max_connections>256</max_connections>",
            "    <keep_alive_timeout>3</keep_alive_timeout>",
            "    <max_concurrent_queries>100</max_concurrent_queries>",
            // Upper bounds, not allocations; small, as this shares the machine with the tests.
            "    <uncompressed_cache_size>67108864</uncompressed_cache_size>",
            "    <mark_cache_size>67108864</mark_cache_size>",
            "    <path>" + xml(workDir.resolve("data")) + "/</path>",
            "    <tmp_path>" + xml(workDir.resolve("tmp")) + "/</tmp_path>",
            "    <user_files_path>" + xml(workDir.resolve("user_files")) + "/</user_files_path>",
            "    <format_schema_path>" + xml(workDir.resolve("format_schemas"))
                + "/</format_schema_path>",
            "    <users_config>" + xml(workDir.resolve("users.xml")) + "</users_config>",
            "    <default_profile>default</default_profile>",
            "    <default_database>" + DATABASE + "</default_database>",
            "    <timezone>UTC</timezone>",
            "    <mlock_executable>false</mlock_executable>",
            "    <max_session_timeout>3600</max_session_timeout>",
            "    <default_session_timeout>60</default_session_timeout>",
            "</yandex>",
            "");
    String users =
        String.join(
            "\n",
            "<?xml version=\"1.0\"?>",
            "<yandex>",
            "    <profiles>",
            "        <default>",
            "            <max_memory_usage>2000000000</max_memory_usage>",
            "            <use_uncompressed_cache>0</use_uncompressed_cache>",
            "            <load_balancing>random</load_balancing>",
            "        </default>",
            "    </profiles>",
            "    <users>",
            "        <" + USER + ">",
            "            <password>" + PASSWORD + "</password>",
            "            <networks>",
            "                <ip>::1</ip>",
            "                <ip>127.0.0.1</ip>",
            "            </networks>",
            "            <profile>default</profile>",
            "            <quota>default</quota>",
            "        </" + USER + ">",
            "    </users>",
            "    <quotas>",
            "        <default>",
            "            <interval>",
            "                <duration>3600</duration>",
            "                <queries>0</queries>",
            "                <errors>0</errors>",
            "                <result_rows>0</result_rows>",
            "                <read_rows>0</read_rows>",
            "                <execution_time>0</execution_time>",
            "            </interval>",
            "        </default>",
            "    </quotas>",
            "</yandex>",
            "");
    Files.writeString(configFile(), config, StandardCharsets.UTF_8);
    Files.writeString(workDir.resolve("users.xml"), users, StandardCharsets.UTF_8);
  }

  private void launchAndAwaitReady(long watchedPid) throws IOException {
    long started = System.nanoTime();
    Process launched = launch(watchedPid);
    long deadline = started + START_TIMEOUT.toNanos();
    ProcessHandle serverProcess = null;
    while (serverProcess == null) {
      serverProcess = readServerPid().flatMap(ProcessHandle::of).orElse(null);
      if (serverProcess == null) {
        checkAlive(launched, null);
        checkDeadline(deadline);
        StackSupport.pause();
      }
    }
    synchronized (this) {
      server = serverProcess;
    }
    while (!answersPing()) {
      checkAlive(launched, serverProcess);
      checkDeadline(deadline);
      try {
        Thread.sleep(20); // it usually starts in well under a second
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for ClickHouse", e);
      }
    }
    startupTime = Duration.ofNanos(System.nanoTime() - started);
  }

  /** Starts the watchdog and the server without waiting, so {@link #stop} is not blocked. */
  private synchronized Process launch(long watchedPid) throws IOException {
    if (StackSupport.acceptsConnections(httpPort) || StackSupport.acceptsConnections(tcpPort)) {
      throw new IllegalStateException(
          "port " + httpPort + " or " + tcpPort + " is already in use (another server?)");
    }
    Files.deleteIfExists(workDir.resolve("server.pid"));
    Files.writeString(
        stdoutFile(),
        String.format("%n===== %s: starting %s on %s%n", Instant.now(), binary, this),
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    watchdog =
        new ProcessBuilder(
                "/bin/sh",
                "-c",
                WATCHDOG,
                "local-clickhouse-watchdog",
                Long.toString(watchedPid),
                binary.toString(),
                "--config-file=" + configFile())
            .directory(workDir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(NULL_FILE))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(stdoutFile().toFile()))
            .start();
    shutdownHook =
        StackSupport.addShutdownHook("local-clickhouse-" + httpPort + "-stopper", this::stop);
    return watchdog;
  }

  private Optional<Long> readServerPid() {
    try {
      String text = Files.readString(workDir.resolve("server.pid")).trim();
      return text.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(text));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** {@code GET /ping} answers {@code Ok.} once the server serves queries. */
  private boolean answersPing() {
    HttpURLConnection connection = null;
    try {
      connection =
          (HttpURLConnection) new URL("http://127.0.0.1:" + httpPort + "/ping").openConnection();
      connection.setConnectTimeout(250);
      connection.setReadTimeout(2000);
      // Else the JDK keeps the socket for reuse, and the server's shutdown waits for it.
      connection.setRequestProperty("Connection", "close");
      if (connection.getResponseCode() != 200) {
        return false;
      }
      try (InputStream in = connection.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim().equals("Ok.");
      }
    } catch (IOException e) {
      return false;
    } finally {
      if (connection != null) {
        connection.disconnect();
      }
    }
  }

  private void checkAlive(Process launched, ProcessHandle serverProcess) {
    if (!launched.isAlive() || (serverProcess != null && !serverProcess.isAlive())) {
      throw new IllegalStateException(
          "clickhouse-server exited while starting; " + stdoutFile() + " ends with:\n"
              + StackSupport.tail(stdoutFile(), LOG_TAIL_LINES) + "\n"
              + workDir.resolve("log").resolve("clickhouse-server.err.log") + " ends with:\n"
              + StackSupport.tail(
                  workDir.resolve("log").resolve("clickhouse-server.err.log"), LOG_TAIL_LINES));
    }
  }

  private void checkDeadline(long deadline) {
    if (System.nanoTime() > deadline) {
      throw new IllegalStateException(
          "ClickHouse not ready on 127.0.0.1:" + httpPort + " after " + START_TIMEOUT + "; "
              + serverLog() + " ends with:\n" + StackSupport.tail(serverLog(), LOG_TAIL_LINES));
    }
  }

  /**
   * Stops a server still running on this directory because the JVM and the watchdog that started
   * it were both killed; it would hold {@code data/}'s lock. Only a process whose command line
   * names this directory's config.xml is touched.
   */
  static void stopOrphanedServer(Path workDir) {
    Path pidFile = workDir.resolve("server.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readString(pidFile).trim());
    } catch (IOException | RuntimeException e) {
      return;
    }
    String config = workDir.resolve("config.xml").toString();
    Optional<ProcessHandle> orphan =
        ProcessHandle.of(pid)
            .filter(ProcessHandle::isAlive)
            .filter(p -> p.info().commandLine().map(cmd -> cmd.contains(config)).orElse(false));
    if (orphan.isEmpty()) {
      return;
    }
    ProcessHandle process = orphan.get();
    process.destroy();
    if (!awaitExit(process, STOP_TIMEOUT)) {
      process.destroyForcibly();
      if (!awaitExit(process, STOP_TIMEOUT)) {
        throw new IllegalStateException("orphaned clickhouse-server " + pid + " does not exit");
      }
    }
  }

  private static boolean awaitExit(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
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

  private static int otherFreePort(int... taken) {
    while (true) {
      int port = StackSupport.freePort();
      if (Arrays.stream(taken).noneMatch(t -> t == port)) {
        return port;
      }
    }
  }

  private static String xml(Path path) {
    return path.toString().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
