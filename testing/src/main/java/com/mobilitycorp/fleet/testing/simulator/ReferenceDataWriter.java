package com.mobilitycorp.fleet.testing.simulator;

import com.mobilitycorp.fleet.io.jdbc.DatabaseSchema;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Upserts the simulator's reference data into PostgreSQL tables {@code locations} and {@code
 * vehicles} (schema: {@code db/V001__reference_data.sql} in the io module), idempotently: {@code
 * INSERT ... ON CONFLICT DO UPDATE}, one transaction, locations first (vehicles reference them).
 */
public final class ReferenceDataWriter {
  static final String UPSERT_LOCATION =
      "INSERT INTO locations (location_id, name, city, centre_lat, centre_lon, radius_m, updated_at)"
          + " VALUES (?, ?, ?, ?, ?, ?, now())"
          + " ON CONFLICT (location_id) DO UPDATE SET name = EXCLUDED.name, city = EXCLUDED.city,"
          + " centre_lat = EXCLUDED.centre_lat, centre_lon = EXCLUDED.centre_lon,"
          + " radius_m = EXCLUDED.radius_m, updated_at = now()";

  static final String UPSERT_VEHICLE =
      "INSERT INTO vehicles (vehicle_id, vehicle_type, model, home_location_id, last_service_date,"
          + " updated_at) VALUES (?, ?, ?, ?, ?, now())"
          + " ON CONFLICT (vehicle_id) DO UPDATE SET vehicle_type = EXCLUDED.vehicle_type,"
          + " model = EXCLUDED.model, home_location_id = EXCLUDED.home_location_id,"
          + " last_service_date = EXCLUDED.last_service_date, updated_at = now()";

  private static final int BATCH = 500;

  /** Applies the schema (idempotent) and upserts everything; returns the number of rows written. */
  public static int apply(
      String jdbcUrl,
      @Nullable String user,
      @Nullable String password,
      List<LocationMetadata> locations,
      List<VehicleMetadata> vehicles)
      throws SQLException {
    DatabaseSchema.apply(jdbcUrl, user, password);
    try (Connection connection = DriverManager.getConnection(jdbcUrl, user, password)) {
      return upsert(connection, locations, vehicles);
    }
  }

  /**
   * Applies the schema and upserts the simulator's reference data: its locations and its {@link
   * FleetSimulator#registeredVehicles()} (unregistered vehicles are left out, as they would be
   * from a real metadata table).
   */
  public static int apply(
      String jdbcUrl, @Nullable String user, @Nullable String password, FleetSimulator simulator)
      throws SQLException {
    return apply(jdbcUrl, user, password, simulator.locations(), simulator.registeredVehicles());
  }

  /** Upserts in one transaction on the given connection (restores its auto-commit setting). */
  public static int upsert(
      Connection connection, List<LocationMetadata> locations, List<VehicleMetadata> vehicles)
      throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try {
      int rows = 0;
      rows += upsertInBatches(connection, UPSERT_LOCATION, locations, (ps, l) -> {
        ps.setString(1, l.getLocationId());
        ps.setString(2, l.getName());
        ps.setString(3, l.getCity());
        ps.setDouble(4, l.getCentreLat());
        ps.setDouble(5, l.getCentreLon());
        ps.setDouble(6, l.getRadiusM());
      });
      rows += upsertInBatches(connection, UPSERT_VEHICLE, vehicles, (ps, v) -> {
        ps.setString(1, v.getVehicleId());
        ps.setString(2, v.getVehicleType().name().toLowerCase(Locale.ROOT));
        ps.setString(3, v.getModel());
        ps.setString(4, v.getHomeLocationId());
        ps.setObject(5, serviceDay(v), java.sql.Types.DATE);
      });
      connection.commit();
      return rows;
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  /** The last service date as the DATE stored (UTC day). */
  static LocalDate serviceDay(VehicleMetadata v) {
    return java.time.Instant.ofEpochMilli(v.getLastServiceDate().getMillis())
        .atZone(ZoneOffset.UTC)
        .toLocalDate();
  }

  private ReferenceDataWriter() {}

  /** Binds one row's parameters. */
  private interface RowBinder<T> {
    void bind(PreparedStatement statement, T row) throws SQLException;
  }

  /** Runs {@code sql} once per row, sent in batches of {@link #BATCH}; returns the row count. */
  private static <T> int upsertInBatches(
      Connection connection, String sql, Iterable<T> rows, RowBinder<T> binder) throws SQLException {
    int count = 0;
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      int pending = 0;
      for (T row : rows) {
        binder.bind(ps, row);
        ps.addBatch();
        count++;
        if (++pending == BATCH) {
          ps.executeBatch();
          pending = 0;
        }
      }
      if (pending > 0) {
        ps.executeBatch();
      }
    }
    return count;
  }
}
