package com.mobilitycorp.fleet.io.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Applies the project's PostgreSQL schema. Every migration file is idempotent (CREATE ... IF NOT
 * EXISTS), so applying them again on every start is safe and needs no bookkeeping table.
 */
public final class DatabaseSchema {
  /** Migration files under {@code db/} on the classpath, in the order they must run. */
  static final List<String> MIGRATIONS =
      List.of(
          "db/V001__reference_data.sql",
          "db/V002__available_vehicles.sql",
          "db/V003__vehicle_utilization_hourly.sql");

  /** Runs every migration against the database at {@code jdbcUrl}, in one transaction. */
  public static void apply(String jdbcUrl, String user, String password) throws SQLException {
    try (Connection connection = DriverManager.getConnection(jdbcUrl, user, password)) {
      connection.setAutoCommit(false);
      try (Statement statement = connection.createStatement()) {
        for (String migration : MIGRATIONS) {
          statement.execute(readResource(migration));
        }
      }
      connection.commit();
    }
  }

  private static String readResource(String name) {
    try (InputStream in = DatabaseSchema.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("migration not on the classpath: " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read migration " + name, e);
    }
  }

  private DatabaseSchema() {}
}
