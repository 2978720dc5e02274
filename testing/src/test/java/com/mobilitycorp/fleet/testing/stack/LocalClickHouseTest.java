package com.mobilitycorp.fleet.testing.stack;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real clickhouse-server per test (a start takes well under a second). Fails, on purpose, where
 * clickhouse-server is not installed: CI installs it.
 */
class LocalClickHouseTest {

  @TempDir Path workDir;

  @BeforeAll
  static void requireClickHouse() {
    assertTrue(
        LocalClickHouse.isInstalled(),
        "clickhouse-server is not installed: install it with `apt-get install -y"
            + " clickhouse-server clickhouse-client` (CI does so in .ci/run)");
  }

  @Test
  void answersQueriesOnItsJdbcUrlAndCloseStopsTheServer() throws Exception {
    LocalClickHouse ch = LocalClickHouse.start(workDir, 0);
    ProcessHandle server;
    try {
      assertThat(ch.jdbcUrl(), startsWith("jdbc:clickhouse://127.0.0.1:" + ch.httpPort() + "/"));
      assertThat(ch.isRunning(), is(true));
      assertThat(query(ch, "SELECT timezone()"), anyOf(is("UTC"), is("Etc/UTC")));
      assertThat(query(ch, "SELECT toString(1 + 1)"), is("2"));
      server = serverProcess(ch);
    } finally {
      long stopping = System.nanoTime();
      ch.close();
      System.out.printf(
          "clickhouse-server: /ping after %d ms, stopped in %d ms%n",
          ch.startupTime().toMillis(), (System.nanoTime() - stopping) / 1_000_000);
    }
    assertThat(ch.isRunning(), is(false));
    assertThat(server.isAlive(), is(false));
    assertThat("HTTP port closed", StackSupport.acceptsConnections(ch.httpPort()), is(false));
    assertThat("TCP port closed", StackSupport.acceptsConnections(ch.tcpPort()), is(false));
    assertThrows(SQLException.class, () -> query(ch, "SELECT 1"));
  }

  @Test
  void dataSurvivesARestartOnTheSameDirectory() throws Exception {
    try (LocalClickHouse ch = LocalClickHouse.start(workDir, 0)) {
      execute(ch, "CREATE TABLE kept (id UInt64) ENGINE = MergeTree ORDER BY id");
      execute(ch, "INSERT INTO kept VALUES (1), (2), (3)");
    }
    try (LocalClickHouse ch = LocalClickHouse.start(workDir, 0)) {
      assertThat(query(ch, "SELECT toString(sum(id)) FROM kept"), is("6"));
    }
  }

  /** The watchdog stops the server once the process it watches is gone (here a stand-in). */
  @Test
  void theServerDiesWithTheWatchedProcess() throws Exception {
    Process parent = new ProcessBuilder("sleep", "600").start();
    LocalClickHouse ch = LocalClickHouse.start(workDir, 0, parent.pid());
    try {
      ProcessHandle server = serverProcess(ch);
      assertThat(server.isAlive(), is(true));
      parent.destroyForcibly().waitFor();
      server.onExit().get(30, TimeUnit.SECONDS);
      assertThat(server.isAlive(), is(false));
      assertThat(ch.isRunning(), is(false));
    } finally {
      parent.destroyForcibly();
      ch.close();
    }
  }

  /** A server left running on the directory (its JVM and watchdog killed) is stopped by start. */
  @Test
  void startStopsAnOrphanedServerOnTheSameDirectory() throws Exception {
    LocalClickHouse first = LocalClickHouse.start(workDir, 0);
    ProcessHandle orphan = serverProcess(first);
    // Kill only the watchdog, as if it and its JVM had been SIGKILLed together.
    orphan.parent().orElseThrow().destroyForcibly();
    Thread.sleep(200);
    assertThat("the server outlives its watchdog", orphan.isAlive(), is(true));
    try (LocalClickHouse second = LocalClickHouse.start(workDir, 0)) {
      assertThat(orphan.isAlive(), is(false));
      assertThat(query(second, "SELECT toString(1)"), is("1"));
    } finally {
      first.close();
      orphan.destroyForcibly();
    }
  }

  private static ProcessHandle serverProcess(LocalClickHouse ch) throws Exception {
    long pid = Long.parseLong(Files.readString(ch.workDir().resolve("server.pid")).trim());
    return ProcessHandle.of(pid).orElseThrow();
  }

  private static String query(LocalClickHouse ch, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(ch.jdbcUrl(), ch.user(), ch.password());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      assertThat(rs.next(), is(true));
      return rs.getString(1);
    }
  }

  private static void execute(LocalClickHouse ch, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(ch.jdbcUrl(), ch.user(), ch.password());
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
