package com.mobilitycorp.fleet.testing.stack;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One real PostgreSQL for the whole class (a start costs ~1-3 s). */
class LocalPostgresTest {

  @TempDir static Path workDir;
  private static LocalPostgres postgres;

  @BeforeAll
  static void startPostgres() {
    postgres = LocalPostgres.start(workDir, 0);
  }

  @AfterAll
  static void stopPostgres() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void schemaIsIdempotentAndLocationsCanBeWrittenAndRead() throws Exception {
    postgres.applySchema();
    postgres.applySchema(); // second application must not fail

    insertLocation("loc-berlin-mitte", "Mitte");
    assertThat(locationName("loc-berlin-mitte"), is("Mitte"));
  }

  @Test
  void stopThenRestartKeepsDataAndPort() throws Exception {
    postgres.applySchema();
    insertLocation("loc-outage", "Outage");
    String url = postgres.jdbcUrl();

    postgres.stop();
    assertThat(postgres.isRunning(), is(false));
    assertThrows(SQLException.class, () -> locationName("loc-outage"));

    postgres.restart();
    assertThat(postgres.jdbcUrl(), is(url));
    assertThat(locationName("loc-outage"), is("Outage"));
  }

  private static void insertLocation(String id, String name) throws SQLException {
    try (Connection c = connect();
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO locations (location_id, name, city, centre_lat, centre_lon, radius_m)"
                    + " VALUES (?, ?, 'Berlin', 52.52, 13.405, 500)")) {
      insert.setString(1, id);
      insert.setString(2, name);
      assertThat(insert.executeUpdate(), is(1));
    }
  }

  private static String locationName(String id) throws SQLException {
    try (Connection c = connect();
        PreparedStatement select =
            c.prepareStatement("SELECT name FROM locations WHERE location_id = ?")) {
      select.setString(1, id);
      try (ResultSet rs = select.executeQuery()) {
        assertThat(rs.next(), is(true));
        return rs.getString(1);
      }
    }
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
  }
}
