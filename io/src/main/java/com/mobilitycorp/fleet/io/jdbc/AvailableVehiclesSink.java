package com.mobilitycorp.fleet.io.jdbc;

import static com.mobilitycorp.fleet.io.json.EventJson.wire;

import com.mobilitycorp.fleet.model.InventoryUpdate;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Writes inventory updates into the Booking Service's read model, table {@code available_vehicles}
 * ({@code db/V002__available_vehicles.sql}), with Beam's {@link JdbcIO}: one row per vehicle,
 * upserted.
 *
 * <p>The upsert only replaces a row with an update whose {@code (as_of, revision)} is at least the
 * stored one, so replays, duplicates and updates overtaking each other between workers never make
 * a row go back in time; writes can be retried and reordered freely. The vehicle's type is copied
 * from {@code vehicles}, and its home location stands in while no booking event has named one.
 *
 * <p>Counts the updates handed to JdbcIO in the counter {@code AvailableVehiclesSink /
 * rows_submitted}.
 */
public final class AvailableVehiclesSink extends PTransform<PCollection<InventoryUpdate>, PDone> {

  /** The upsert JdbcIO runs once per update; parameters as {@link UpsertParameters} binds them. */
  public static final String UPSERT =
      "INSERT INTO available_vehicles (vehicle_id, status, is_reserved, is_disabled,"
          + " vehicle_type, location_id, lat, lon, battery_pct, current_range_meters,"
          + " operational_status, booking_id, last_reported, as_of, revision, updated_at)"
          + " VALUES (?, ?, ?, ?,"
          + " (SELECT vehicle_type FROM vehicles WHERE vehicle_id = ?),"
          + " COALESCE(?, (SELECT home_location_id FROM vehicles WHERE vehicle_id = ?)),"
          // clock_timestamp(), not now(): now() is the start of the transaction, shared by the
          // whole batch, and would understate how long a row took to land.
          + " ?, ?, ?, ?, ?, ?, ?, ?, ?, clock_timestamp())"
          + " ON CONFLICT (vehicle_id) DO UPDATE SET"
          + " status = EXCLUDED.status,"
          + " is_reserved = EXCLUDED.is_reserved,"
          + " is_disabled = EXCLUDED.is_disabled,"
          + " vehicle_type = EXCLUDED.vehicle_type,"
          + " location_id = EXCLUDED.location_id,"
          + " lat = EXCLUDED.lat,"
          + " lon = EXCLUDED.lon,"
          + " battery_pct = EXCLUDED.battery_pct,"
          + " current_range_meters = EXCLUDED.current_range_meters,"
          + " operational_status = EXCLUDED.operational_status,"
          + " booking_id = EXCLUDED.booking_id,"
          + " last_reported = EXCLUDED.last_reported,"
          + " as_of = EXCLUDED.as_of,"
          + " revision = EXCLUDED.revision,"
          + " updated_at = EXCLUDED.updated_at"
          + " WHERE (available_vehicles.as_of, available_vehicles.revision)"
          + " <= (EXCLUDED.as_of, EXCLUDED.revision)";

  /**
   * At most this many upserts per batch (one transaction). 500 upserts take about 20 ms on the
   * local PostgreSQL (ReadModelQueryBench's fill writes ~29,000 rows/s), so a full batch costs
   * little latency; the cap bounds how many row locks one transaction holds and how much a
   * deadlock retry repeats.
   */
  static final long BATCH_SIZE = 500;

  /**
   * In streaming, a batch is written at the latest this long after its first update arrived
   * (JdbcIO's GroupIntoBatches timer). This, not the batch size, bounds the sink's share of the 2 s
   * event-to-visible budget when traffic is light.
   */
  static final long MAX_BATCH_BUFFERING_MS = 200;

  /**
   * Deadlocks (40P01) and serialization failures (40001) are retried by JdbcIO's default
   * strategy; JdbcIO's default first back-off is 5 s, which alone would break the latency budget.
   */
  static final JdbcIO.RetryConfiguration RETRY =
      JdbcIO.RetryConfiguration.create(
          5, Duration.standardSeconds(10), Duration.millis(100));

  private final String jdbcUrl;
  private final @Nullable String user;
  private final @Nullable String password;

  private AvailableVehiclesSink(String jdbcUrl, @Nullable String user, @Nullable String password) {
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.password = password;
  }

  /** Writes to the PostgreSQL database at {@code jdbcUrl} ({@code jdbc:postgresql://...}). */
  public static AvailableVehiclesSink to(
      String jdbcUrl, @Nullable String user, @Nullable String password) {
    return new AvailableVehiclesSink(jdbcUrl, user, password);
  }

  @Override
  public PDone expand(PCollection<InventoryUpdate> updates) {
    JdbcIO.DataSourceConfiguration dataSource =
        JdbcIO.DataSourceConfiguration.create("org.postgresql.Driver", jdbcUrl)
            // Named in pg_stat_activity. Do not add reWriteBatchedInserts=true: it folds a batch
            // into one multi-row INSERT, and ON CONFLICT rejects a statement that touches the
            // same vehicle twice.
            .withConnectionProperties("ApplicationName=fleet-available-vehicles-sink");
    if (user != null) {
      dataSource = dataSource.withUsername(user);
    }
    if (password != null) {
      dataSource = dataSource.withPassword(password);
    }
    return updates
        .apply("CountSubmitted", ParDo.of(new CountSubmittedFn()))
        .apply(
            "UpsertAvailableVehicles",
            JdbcIO.<InventoryUpdate>write()
                .withDataSourceConfiguration(dataSource)
                .withStatement(UPSERT)
                .withPreparedStatementSetter(new UpsertParameters())
                .withBatchSize(BATCH_SIZE)
                .withMaxBatchBufferingDuration(MAX_BATCH_BUFFERING_MS)
                // Streaming only: without it JdbcIO batches under one constant key, so every
                // write of the job goes through a single worker thread. With it each upstream
                // thread batches on its own shard. Updates come from a stage keyed by vehicle, so
                // a vehicle's rows normally stay on one shard; should two batches still lock rows
                // in opposite order, PostgreSQL aborts one (40P01) and JdbcIO retries it.
                .withAutoSharding()
                .withRetryConfiguration(RETRY));
  }

  /** Counted before JdbcIO, so batch retries do not count a row twice. */
  private static final class CountSubmittedFn extends DoFn<InventoryUpdate, InventoryUpdate> {
    private final Counter submitted = Metrics.counter(AvailableVehiclesSink.class, "rows_submitted");

    @ProcessElement
    public void processElement(@Element InventoryUpdate update, OutputReceiver<InventoryUpdate> out) {
      submitted.inc();
      out.output(update);
    }
  }

  /**
   * Binds one update to {@link #UPSERT}. Public so tools (the query benchmark) can fill the table
   * with exactly the rows the pipeline would write.
   */
  public static final class UpsertParameters
      implements JdbcIO.PreparedStatementSetter<InventoryUpdate> {
    private static final long serialVersionUID = 1L;

    @Override
    public void setParameters(InventoryUpdate u, PreparedStatement statement) throws SQLException {
      statement.setString(1, u.getVehicleId());
      statement.setString(2, wire(u.getStatus()));
      statement.setBoolean(3, u.getStatus().isReserved());
      statement.setBoolean(4, u.getStatus().isDisabled());
      statement.setString(5, u.getVehicleId()); // vehicle_type lookup
      setText(statement, 6, u.getLocationId());
      statement.setString(7, u.getVehicleId()); // home location lookup
      setDouble(statement, 8, u.getLat());
      setDouble(statement, 9, u.getLon());
      setDouble(statement, 10, u.getBatteryPct());
      setDouble(statement, 11, u.getEstimatedRangeM());
      setText(statement, 12, u.getOperationalStatus() == null ? null : wire(u.getOperationalStatus()));
      setText(statement, 13, u.getBookingId());
      setTimestamp(statement, 14, u.getLastReported());
      setTimestamp(statement, 15, u.getAsOf());
      statement.setLong(16, u.getRevision());
    }

    private static void setText(PreparedStatement s, int index, @Nullable String value)
        throws SQLException {
      if (value == null) {
        s.setNull(index, Types.VARCHAR);
      } else {
        s.setString(index, value);
      }
    }

    private static void setDouble(PreparedStatement s, int index, @Nullable Double value)
        throws SQLException {
      if (value == null) {
        s.setNull(index, Types.DOUBLE);
      } else {
        s.setDouble(index, value);
      }
    }

    /** As OffsetDateTime: the driver then sends a timestamptz, independent of the JVM's zone. */
    private static void setTimestamp(PreparedStatement s, int index, @Nullable Instant value)
        throws SQLException {
      if (value == null) {
        s.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
      } else {
        s.setObject(
            index,
            OffsetDateTime.ofInstant(
                java.time.Instant.ofEpochMilli(value.getMillis()), ZoneOffset.UTC));
      }
    }
  }
}
