package com.mobilitycorp.fleet.testing.utilization;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mobilitycorp.fleet.io.jdbc.UtilizationSink;
import com.mobilitycorp.fleet.model.UtilizationHourly;
import com.mobilitycorp.fleet.testing.stack.LocalClickHouse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.joda.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link UtilizationSink} against a real ClickHouse server ({@link LocalClickHouse}, Debian's
 * clickhouse-server 18.16), read back with {@code SELECT ... FINAL} as the store's readers must.
 *
 * <p>Fails, on purpose, where clickhouse-server is not installed: CI installs it ({@code
 * .ci/run}), and a silently skipped test would hide a broken production sink.
 */
class UtilizationSinkClickHouseTest extends UtilizationSinkContract {

  @TempDir static Path workDir;
  private static LocalClickHouse clickHouse;

  /** Timestamps as epoch seconds: unambiguous whatever the driver's and the JVM's zones. */
  private static final String SELECT =
      "SELECT toUnixTimestamp(window_start), toUnixTimestamp(window_end), location_id,"
          + " vehicle_type, rented_samples, total_samples, utilization_pct, distinct_vehicles,"
          + " avg_battery_pct, observed_vehicle_seconds, rented_vehicle_seconds,"
          + " time_weighted_utilization_pct, version FROM vehicle_utilization_hourly";

  @BeforeAll
  static void startClickHouse() throws SQLException {
    assertTrue(
        LocalClickHouse.isInstalled(),
        "clickhouse-server is not installed (not on PATH, nor in /usr/bin or /usr/sbin); this test"
            + " needs a real server: install it with `apt-get install -y clickhouse-server"
            + " clickhouse-client` (CI does so in .ci/run)");
    clickHouse = LocalClickHouse.start(workDir, 0);
    System.out.println(
        "LocalClickHouse " + clickHouse + " answered /ping after "
            + clickHouse.startupTime().toMillis() + " ms");
    UtilizationSink.applySchema(clickHouse.jdbcUrl(), clickHouse.user(), clickHouse.password());
  }

  @AfterAll
  static void stopClickHouse() {
    if (clickHouse != null) {
      clickHouse.close();
    }
  }

  @Override
  String jdbcUrl() {
    return clickHouse.jdbcUrl();
  }

  @Override
  String user() {
    return clickHouse.user();
  }

  @Override
  String password() {
    return clickHouse.password();
  }

  /**
   * ClickHouse 18.16 parses decimal text into Float64 without correct rounding: about 1 value in
   * 300 lands one unit in the last place off (e.g. 85.8288770053476 is stored as
   * 85.82887700534761). The driver sends doubles as text, so that is what a store of 18.16 holds.
   */
  @Override
  long doubleUlpTolerance() {
    return 1;
  }

  @Override
  void emptyTable() throws SQLException {
    execute("TRUNCATE TABLE vehicle_utilization_hourly");
  }

  @Override
  Map<String, UtilizationHourly> readTable() throws SQLException {
    return read(SELECT + " FINAL");
  }

  /**
   * FINAL is what makes the reads exact: without it a reader sees every version still in unmerged
   * parts (how many depends on background merges, so only bounded here). OPTIMIZE ... FINAL
   * merges them, after which the raw table equals the FINAL view.
   */
  @Test
  void optimizeFinalMergesTheRawRowsIntoExactlyTheFinalView() throws Exception {
    Scenario s = Scenario.generate(new Random(21));
    List<UtilizationHourly> shuffled = new ArrayList<>(s.history);
    Collections.shuffle(shuffled, new Random(2));
    // One pipeline per half: two inserts, so at least two parts to merge.
    writeThroughPipeline(shuffled.subList(0, shuffled.size() / 2));
    writeThroughPipeline(shuffled.subList(shuffled.size() / 2, shuffled.size()));

    assertThat(
        count("SELECT count() FROM vehicle_utilization_hourly"),
        greaterThanOrEqualTo((long) s.newest.size()));
    assertTable("FINAL", s.newest, readTable());

    execute("OPTIMIZE TABLE vehicle_utilization_hourly FINAL");
    assertThat(count("SELECT count() FROM vehicle_utilization_hourly"), is((long) s.newest.size()));
    assertTable("raw, after OPTIMIZE FINAL", s.newest, read(SELECT));
  }

  // ------------------------------------------------------------------ helpers

  private static Map<String, UtilizationHourly> read(String sql) throws SQLException {
    Map<String, UtilizationHourly> table = new TreeMap<>();
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        double timeWeighted = rs.getDouble(12);
        boolean timeWeightedNull = rs.wasNull();
        putUnique(
            table,
            UtilizationHourly.builder()
                .setWindowStart(new Instant(rs.getLong(1) * 1000))
                .setWindowEnd(new Instant(rs.getLong(2) * 1000))
                .setLocationId(rs.getString(3))
                .setVehicleType(rs.getString(4))
                .setRentedSamples(rs.getLong(5))
                .setTotalSamples(rs.getLong(6))
                .setUtilizationPct(rs.getDouble(7))
                .setDistinctVehicles(rs.getLong(8))
                .setAvgBatteryPct(rs.getDouble(9))
                .setObservedVehicleSeconds(rs.getDouble(10))
                .setRentedVehicleSeconds(rs.getDouble(11))
                .setTimeWeightedUtilizationPct(timeWeightedNull ? null : timeWeighted)
                .setVersion(rs.getLong(13))
                .build());
      }
    }
    return table;
  }

  private static long count(String sql) throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void execute(String sql) throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection(
        clickHouse.jdbcUrl(), clickHouse.user(), clickHouse.password());
  }
}
