package com.mobilitycorp.fleet.io.jdbc;

import static com.mobilitycorp.fleet.io.json.EventJson.wire;

import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.model.VehicleType;
import java.io.Serializable;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.KV;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference tables {@link ReferenceData} reads (schema {@code db/V001__reference_data.sql}):
 * their queries and how a row becomes a model object.
 */
final class ReferenceTables {
  private static final Logger LOG = LoggerFactory.getLogger(ReferenceTables.class);

  /** Every query ends with this column: the rows in its result, so a reader knows it has all. */
  static final String ROWS_IN_READ = "rows_in_read";

  static final Table<VehicleMetadata> VEHICLES =
      new Table<>(
          "vehicles",
          "SELECT vehicle_id, vehicle_type, model, home_location_id, last_service_date,"
              + " count(*) OVER () AS " + ROWS_IN_READ
              + " FROM vehicles",
          VehicleMetadata.class,
          VehicleMetadata::getVehicleId,
          ReferenceTables::vehicle);

  static final Table<LocationMetadata> LOCATIONS =
      new Table<>(
          "locations",
          "SELECT location_id, name, city, centre_lat, centre_lon, radius_m,"
              + " count(*) OVER () AS " + ROWS_IN_READ
              + " FROM locations",
          LocationMetadata.class,
          LocationMetadata::getLocationId,
          ReferenceTables::location);

  /** Maps the current row to a model object; throws if it cannot. */
  @FunctionalInterface
  interface RowReader<T> extends Serializable {
    T read(ResultSet row) throws SQLException;
  }

  /** One reference table. */
  static final class Table<T> implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final String query;
    private final Class<T> type;
    private final SerializableFunction<T, String> idFn;
    private final RowReader<T> reader;

    Table(
        String name,
        String query,
        Class<T> type,
        SerializableFunction<T, String> idFn,
        RowReader<T> reader) {
      this.name = name;
      this.query = query;
      this.type = type;
      this.idFn = idFn;
      this.reader = reader;
    }

    String name() {
      return name;
    }

    String query() {
      return query;
    }

    Class<T> type() {
      return type;
    }

    SerializableFunction<T, String> idFn() {
      return idFn;
    }

    RowReader<T> reader() {
      return reader;
    }

    String unreadableRowsCounterName() {
      return name + "_unreadable_rows";
    }
  }

  /**
   * JdbcIO's row mapper for a {@link Table}: (rows in this read, the model object), or (rows in
   * this read, null) for a row that cannot be mapped, which is counted and logged. Unreadable rows
   * are still emitted so that the reader can tell when it has seen every row of a read.
   */
  static final class ReadRowMapper<T> implements JdbcIO.RowMapper<KV<Long, @Nullable T>> {
    private static final long serialVersionUID = 1L;

    private final Table<T> table;
    private final Counter unreadableRows;

    ReadRowMapper(Table<T> table) {
      this.table = table;
      this.unreadableRows = Metrics.counter(ReferenceData.class, table.unreadableRowsCounterName());
    }

    @Override
    public KV<Long, @Nullable T> mapRow(ResultSet row) throws SQLException {
      long rowsInRead = row.getLong(ROWS_IN_READ);
      try {
        return KV.of(rowsInRead, table.reader().read(row));
      } catch (SQLException | RuntimeException e) {
        // Mapping only looks at the fetched row (no I/O), so these are the row's values, not a
        // lost connection: a value the driver cannot convert, a NULL, an unknown enum value.
        unreadableRows.inc();
        LOG.warn(
            "Skipping unreadable {} row {}: {}", table.name(), row.getString(1), e.toString());
        return KV.of(rowsInRead, null);
      }
    }
  }

  static VehicleMetadata vehicle(ResultSet row) throws SQLException {
    return VehicleMetadata.create(
        row.getString("vehicle_id"),
        vehicleType(row.getString("vehicle_type")),
        row.getString("model"),
        row.getString("home_location_id"),
        startOfUtcDay(row.getObject("last_service_date", LocalDate.class)));
  }

  static LocationMetadata location(ResultSet row) throws SQLException {
    double lat = finite(row, "centre_lat");
    double lon = finite(row, "centre_lon");
    double radiusM = finite(row, "radius_m");
    if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
      throw new IllegalArgumentException("centre (" + lat + ", " + lon + ") is not on Earth");
    }
    if (radiusM <= 0) {
      throw new IllegalArgumentException("radius_m must be > 0, was " + radiusM);
    }
    return LocationMetadata.create(
        row.getString("location_id"), row.getString("name"), row.getString("city"), lat, lon,
        radiusM);
  }

  /** Exactly the wire names ({@code e_scooter}, ...), as the table's CHECK allows them. */
  private static VehicleType vehicleType(@Nullable String wireName) {
    for (VehicleType type : VehicleType.values()) {
      if (wire(type).equals(wireName)) {
        return type;
      }
    }
    throw new IllegalArgumentException("unknown vehicle_type '" + wireName + "'");
  }

  /** The DATE column as the start of that day in UTC, as the simulator writes it. */
  private static Instant startOfUtcDay(@Nullable LocalDate day) {
    if (day == null) {
      throw new IllegalArgumentException("last_service_date is NULL");
    }
    return new Instant(day.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli());
  }

  /** A DOUBLE PRECISION column that is neither NULL nor NaN nor infinite (PostgreSQL has all). */
  private static double finite(ResultSet row, String column) throws SQLException {
    double value = row.getDouble(column);
    if (row.wasNull() || !Double.isFinite(value)) {
      throw new IllegalArgumentException(column + " is " + (row.wasNull() ? "NULL" : value));
    }
    return value;
  }

  private ReferenceTables() {}
}
