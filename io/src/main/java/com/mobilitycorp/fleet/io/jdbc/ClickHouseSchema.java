package com.mobilitycorp.fleet.io.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Applies the project's ClickHouse schema ({@code db/clickhouse/*.sql}), the production twin of
 * {@link DatabaseSchema}'s PostgreSQL tables that are stored in ClickHouse. Every file is
 * idempotent ({@code CREATE TABLE IF NOT EXISTS}), so applying them on every start or deploy is
 * safe and needs no bookkeeping table.
 *
 * <p>ClickHouse has no transactions and its HTTP interface runs one statement per request, so
 * each file is split into statements (at a {@code ;} that ends a line; lines starting with {@code
 * --} are dropped) and they run one by one.
 */
public final class ClickHouseSchema {

  /** The JDBC driver that speaks to ClickHouse 18.16 (see the parent pom). */
  public static final String DRIVER = "ru.yandex.clickhouse.ClickHouseDriver";

  /** Migration files on the classpath, in the order they must run. */
  static final List<String> MIGRATIONS =
      List.of("db/clickhouse/V003__vehicle_utilization_hourly.sql");

  /** Runs every migration against the ClickHouse database at {@code jdbcUrl}. */
  public static void apply(String jdbcUrl, @Nullable String user, @Nullable String password)
      throws SQLException {
    NonTransactionalDataSource dataSource =
        new NonTransactionalDataSource(DRIVER, jdbcUrl, user, password);
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      for (String migration : MIGRATIONS) {
        for (String sql : statements(readResource(migration))) {
          statement.execute(sql);
        }
      }
    }
  }

  /** The statements of a script: full-line {@code --} comments dropped, split at {@code ;\n}. */
  static List<String> statements(String script) {
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : script.split("\\R")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("--")) {
        continue;
      }
      boolean ends = trimmed.endsWith(";");
      current.append(ends ? line.substring(0, line.lastIndexOf(';')) : line).append('\n');
      if (ends) {
        addIfNotBlank(statements, current);
        current.setLength(0);
      }
    }
    addIfNotBlank(statements, current);
    return statements;
  }

  private static void addIfNotBlank(List<String> statements, StringBuilder sql) {
    String s = sql.toString().strip();
    if (!s.isEmpty()) {
      statements.add(s);
    }
  }

  private static String readResource(String name) {
    try (InputStream in = ClickHouseSchema.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("migration not on the classpath: " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read migration " + name, e);
    }
  }

  private ClickHouseSchema() {}
}
