package com.mobilitycorp.fleet.testing.utilization;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import com.mobilitycorp.fleet.io.jdbc.UtilizationSink;
import com.mobilitycorp.fleet.model.UtilizationHourly;
import com.mobilitycorp.fleet.testing.stack.LocalPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
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
 * {@link UtilizationSink} against a real PostgreSQL (one server for the class); the table comes
 * from {@link LocalPostgres#applySchema()}, i.e. the same migrations as the local stack.
 */
class UtilizationSinkPostgresTest extends UtilizationSinkContract {

  @TempDir static Path workDir;
  private static LocalPostgres postgres;

  private static final String COLUMNS =
      "window_start, window_end, location_id, vehicle_type, rented_samples, total_samples,"
          + " utilization_pct, distinct_vehicles, avg_battery_pct, observed_vehicle_seconds,"
          + " rented_vehicle_seconds, time_weighted_utilization_pct, version";

  /** "An hour range for a location", as a dashboard or the pricing service would ask it. */
  private static final String HOURS_FOR_LOCATION =
      "SELECT " + COLUMNS + " FROM vehicle_utilization_hourly"
          + " WHERE location_id = ? AND window_start >= ? AND window_start < ?"
          + " ORDER BY window_start, vehicle_type";

  @BeforeAll
  static void startPostgres() {
    postgres = LocalPostgres.start(workDir, 0);
    postgres.applySchema();
  }

  @AfterAll
  static void stopPostgres() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Override
  String jdbcUrl() {
    return postgres.jdbcUrl();
  }

  @Override
  String user() {
    return postgres.user();
  }

  @Override
  String password() {
    return postgres.password();
  }

  @Override
  void emptyTable() throws SQLException {
    execute("TRUNCATE vehicle_utilization_hourly");
  }

  @Override
  Map<String, UtilizationHourly> readTable() throws SQLException {
    Map<String, UtilizationHourly> table = new TreeMap<>();
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT " + COLUMNS + " FROM vehicle_utilization_hourly")) {
      while (rs.next()) {
        putUnique(table, fromRow(rs));
      }
    }
    return table;
  }

  @Test
  void anOlderVersionLeavesTheRowUntouchedUpdatedAtIncluded() throws Exception {
    Random rnd = new Random(1);
    UtilizationHourly v2 = Scenario.row(rnd, T0, "loc-alex", "e_bike", 2);
    writeThroughPipeline(List.of(v2));
    List<Object> stored = rowWithUpdatedAt();

    writeThroughPipeline(
        List.of(
            Scenario.row(rnd, T0, "loc-alex", "e_bike", 0),
            Scenario.row(rnd, T0, "loc-alex", "e_bike", 1)));
    assertThat(rowWithUpdatedAt(), is(stored));

    UtilizationHourly v3 = Scenario.row(rnd, T0, "loc-alex", "e_bike", 3);
    writeThroughPipeline(List.of(v3));
    assertThat(readTable(), is(Map.of(key(v3), v3)));
  }

  /**
   * A week of one location's hours. For a few hours the primary key serves as well (its range on
   * window_start checks location_id inside the index, and the planner rightly takes it up to
   * about a day); over longer ranges it would read every location's entries.
   */
  @Test
  void anHourRangeForALocationUsesTheLocationIndex() throws Exception {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      // 50 locations x 4 types x 60 days of hours = 288,000 rows.
      s.execute(
          "INSERT INTO vehicle_utilization_hourly (window_start, window_end, location_id,"
              + " vehicle_type, rented_samples, total_samples, utilization_pct, distinct_vehicles,"
              + " avg_battery_pct, observed_vehicle_seconds, rented_vehicle_seconds,"
              + " time_weighted_utilization_pct, version)"
              + " SELECT h, h + interval '1 hour', 'loc-' || l, t, 10, 100, 10.0, 5, 70.0, 18000.0,"
              + " 1800.0, 10.0, 0"
              + " FROM generate_series(timestamptz '2026-09-01 00:00Z',"
              + " timestamptz '2026-10-30 23:00Z', interval '1 hour') AS h,"
              + " generate_series(1, 50) AS l,"
              + " unnest(ARRAY['e_scooter', 'e_bike', 'car', 'unknown']) AS t");
      s.execute("ANALYZE vehicle_utilization_hourly");
    }
    StringBuilder plan = new StringBuilder();
    try (Connection c = connect();
        PreparedStatement q = c.prepareStatement("EXPLAIN " + HOURS_FOR_LOCATION)) {
      q.setString(1, "loc-17");
      q.setObject(2, OffsetDateTime.parse("2026-10-01T00:00:00Z"));
      q.setObject(3, OffsetDateTime.parse("2026-10-08T00:00:00Z"));
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          plan.append(rs.getString(1)).append('\n');
        }
      }
    }
    assertThat(plan.toString(), containsString("vehicle_utilization_hourly_by_location_hour"));
    assertThat(plan.toString(), not(containsString("Seq Scan")));

    try (Connection c = connect();
        PreparedStatement q = c.prepareStatement(HOURS_FOR_LOCATION)) {
      q.setString(1, "loc-17");
      q.setObject(2, OffsetDateTime.parse("2026-10-01T00:00:00Z"));
      q.setObject(3, OffsetDateTime.parse("2026-10-08T00:00:00Z"));
      int rows = 0;
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          rows++;
        }
      }
      assertThat("7 x 24 hours x 4 types", rows, is(672));
    }
  }

  // ------------------------------------------------------------------ helpers

  private static UtilizationHourly fromRow(ResultSet rs) throws SQLException {
    double timeWeighted = rs.getDouble("time_weighted_utilization_pct");
    boolean timeWeightedNull = rs.wasNull();
    return UtilizationHourly.builder()
        .setWindowStart(instant(rs, "window_start"))
        .setWindowEnd(instant(rs, "window_end"))
        .setLocationId(rs.getString("location_id"))
        .setVehicleType(rs.getString("vehicle_type"))
        .setRentedSamples(rs.getLong("rented_samples"))
        .setTotalSamples(rs.getLong("total_samples"))
        .setUtilizationPct(rs.getDouble("utilization_pct"))
        .setDistinctVehicles(rs.getLong("distinct_vehicles"))
        .setAvgBatteryPct(rs.getDouble("avg_battery_pct"))
        .setObservedVehicleSeconds(rs.getDouble("observed_vehicle_seconds"))
        .setRentedVehicleSeconds(rs.getDouble("rented_vehicle_seconds"))
        .setTimeWeightedUtilizationPct(timeWeightedNull ? null : timeWeighted)
        .setVersion(rs.getLong("version"))
        .build();
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    return new Instant(rs.getObject(column, OffsetDateTime.class).toInstant().toEpochMilli());
  }

  private static List<Object> rowWithUpdatedAt() throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT " + COLUMNS + ", updated_at FROM vehicle_utilization_hourly")) {
      assertThat(rs.next(), is(true));
      List<Object> row = new java.util.ArrayList<>();
      for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
        row.add(rs.getObject(i));
      }
      assertThat("one row", rs.next(), is(false));
      return row;
    }
  }

  private static void execute(String sql) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
  }
}
