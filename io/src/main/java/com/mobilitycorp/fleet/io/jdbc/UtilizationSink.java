package com.mobilitycorp.fleet.io.jdbc;

import com.mobilitycorp.fleet.model.UtilizationHourly;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Calendar;
import java.util.Locale;
import java.util.TimeZone;
import java.util.stream.Collectors;
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
 * Writes hourly utilization rows into table {@code vehicle_utilization_hourly} with Beam's {@link
 * JdbcIO}, in PostgreSQL or ClickHouse, chosen by the JDBC URL's scheme ({@link Store#forUrl}).
 *
 * <p>An hour is re-emitted with a higher {@code version} when late readings correct it; both
 * stores end up with the highest version per (window_start, location_id, vehicle_type), whatever
 * the order of the writes, and replays of a version already written change nothing but {@code
 * updated_at}:
 *
 * <ul>
 *   <li><b>PostgreSQL</b> ({@code jdbc:postgresql:}, the default; schema {@code
 *       db/V003__vehicle_utilization_hourly.sql} via {@link DatabaseSchema}): {@link
 *       #POSTGRES_UPSERT}, an {@code INSERT ... ON CONFLICT DO UPDATE} that only replaces a row
 *       with one of at least its version.
 *   <li><b>ClickHouse</b> ({@code jdbc:clickhouse:}, production; schema {@code
 *       db/clickhouse/V003__vehicle_utilization_hourly.sql} via {@link ClickHouseSchema}): {@link
 *       #CLICKHOUSE_INSERT}, a plain INSERT; the table is a {@code ReplacingMergeTree(version)},
 *       which collapses rows of one key to the highest version when parts merge. Readers query
 *       with {@code FINAL}. The driver is {@code ru.yandex.clickhouse:clickhouse-jdbc} (the one
 *       that speaks to ClickHouse 18.16; use {@code ?compress=0} with 18.16), through a {@link
 *       NonTransactionalDataSource} because JdbcIO's commit calls would fail on it.
 * </ul>
 *
 * <p>Counts the rows handed to JdbcIO in the counter {@code UtilizationSink /
 * utilization_rows_submitted}.
 */
public final class UtilizationSink extends PTransform<PCollection<UtilizationHourly>, PDone> {

  public static final String TABLE = "vehicle_utilization_hourly";

  /** The bound columns, in parameter order (see {@link Parameters}). */
  static final String COLUMNS =
      "window_start, window_end, location_id, vehicle_type, rented_samples, total_samples,"
          + " utilization_pct, distinct_vehicles, avg_battery_pct, observed_vehicle_seconds,"
          + " rented_vehicle_seconds, time_weighted_utilization_pct, version";

  private static final String PLACEHOLDERS = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";

  /**
   * PostgreSQL: one upsert per row. {@code <=}, not {@code <}: a replay of the stored version
   * rewrites the same values (harmless), and an older version never wins.
   */
  public static final String POSTGRES_UPSERT =
      "INSERT INTO " + TABLE + " (" + COLUMNS + ", updated_at)"
          // clock_timestamp(), not now(): now() is the batch transaction's start.
          + " VALUES (" + PLACEHOLDERS + ", clock_timestamp())"
          + " ON CONFLICT (window_start, location_id, vehicle_type) DO UPDATE SET"
          + " window_end = EXCLUDED.window_end,"
          + " rented_samples = EXCLUDED.rented_samples,"
          + " total_samples = EXCLUDED.total_samples,"
          + " utilization_pct = EXCLUDED.utilization_pct,"
          + " distinct_vehicles = EXCLUDED.distinct_vehicles,"
          + " avg_battery_pct = EXCLUDED.avg_battery_pct,"
          + " observed_vehicle_seconds = EXCLUDED.observed_vehicle_seconds,"
          + " rented_vehicle_seconds = EXCLUDED.rented_vehicle_seconds,"
          + " time_weighted_utilization_pct = EXCLUDED.time_weighted_utilization_pct,"
          + " version = EXCLUDED.version,"
          + " updated_at = EXCLUDED.updated_at"
          + " WHERE " + TABLE + ".version <= EXCLUDED.version";

  /** ClickHouse: append; {@code updated_at} takes its DEFAULT now(). */
  public static final String CLICKHOUSE_INSERT =
      "INSERT INTO " + TABLE + " (" + COLUMNS + ") VALUES (" + PLACEHOLDERS + ")";

  /**
   * Deadlocks (40P01) and serialization failures (40001) are retried by JdbcIO's default strategy
   * (PostgreSQL: auto-sharded batches can lock the same keys in opposite order). Other errors fail
   * the bundle and the runner retries it; both statements are idempotent.
   */
  static final JdbcIO.RetryConfiguration RETRY =
      JdbcIO.RetryConfiguration.create(5, Duration.standardSeconds(10), Duration.millis(100));

  /** The stores the sink writes to, by JDBC URL prefix. */
  public enum Store {
    /**
     * Batches of at most 500 upserts (one transaction each, bounding row locks and what a deadlock
     * retry repeats), written at the latest 1 s after their first row in streaming.
     */
    POSTGRESQL("jdbc:postgresql:", "org.postgresql.Driver", POSTGRES_UPSERT, 500, 1_000),
    /**
     * ClickHouse wants few, large inserts (each one becomes a data part that must be merged), so
     * batches of up to 10,000 rows, buffered up to 5 s; the rows are hourly, so the delay does not
     * matter.
     */
    CLICKHOUSE("jdbc:clickhouse:", ClickHouseSchema.DRIVER, CLICKHOUSE_INSERT, 10_000, 5_000);

    private final String urlPrefix;
    private final String driverClassName;
    private final String statement;
    private final long batchSize;
    private final long maxBatchBufferingMillis;

    Store(
        String urlPrefix,
        String driverClassName,
        String statement,
        long batchSize,
        long maxBatchBufferingMillis) {
      this.urlPrefix = urlPrefix;
      this.driverClassName = driverClassName;
      this.statement = statement;
      this.batchSize = batchSize;
      this.maxBatchBufferingMillis = maxBatchBufferingMillis;
    }

    /**
     * The store a JDBC URL points to.
     *
     * @throws IllegalArgumentException for any other scheme, naming the supported ones
     */
    public static Store forUrl(String jdbcUrl) {
      if (jdbcUrl != null) {
        String lower = jdbcUrl.toLowerCase(Locale.ROOT);
        for (Store store : values()) {
          if (lower.startsWith(store.urlPrefix)) {
            return store;
          }
        }
      }
      throw new IllegalArgumentException(
          "unsupported JDBC URL for " + TABLE + ": " + redact(jdbcUrl) + "; supported: "
              + Arrays.stream(values())
                  .map(s -> s.urlPrefix + "...")
                  .collect(Collectors.joining(", ")));
    }

    /** {@code jdbc:postgresql:} or {@code jdbc:clickhouse:}. */
    public String urlPrefix() {
      return urlPrefix;
    }

    public String driverClassName() {
      return driverClassName;
    }

    /** The statement JdbcIO runs once per row. */
    public String statement() {
      return statement;
    }

    public long batchSize() {
      return batchSize;
    }

    public long maxBatchBufferingMillis() {
      return maxBatchBufferingMillis;
    }
  }

  private final String jdbcUrl;
  private final Store store;
  private final @Nullable String user;
  private final @Nullable String password;

  private UtilizationSink(String jdbcUrl, @Nullable String user, @Nullable String password) {
    this.store = Store.forUrl(jdbcUrl);
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.password = password;
  }

  /**
   * Writes to the database at {@code jdbcUrl}: {@code jdbc:postgresql://...} or {@code
   * jdbc:clickhouse://host:8123/db?compress=0}.
   *
   * @throws IllegalArgumentException if the URL is neither
   */
  public static UtilizationSink to(
      String jdbcUrl, @Nullable String user, @Nullable String password) {
    return new UtilizationSink(jdbcUrl, user, password);
  }

  /** The store this sink writes to. */
  public Store store() {
    return store;
  }

  /**
   * Creates {@code vehicle_utilization_hourly} (idempotent) in the database at {@code jdbcUrl}:
   * PostgreSQL through {@link DatabaseSchema} (all of the project's tables), ClickHouse through
   * {@link ClickHouseSchema}. For the local stack, tests and deploy steps.
   *
   * @throws IllegalArgumentException if the URL is neither PostgreSQL nor ClickHouse
   */
  public static void applySchema(String jdbcUrl, @Nullable String user, @Nullable String password)
      throws SQLException {
    switch (Store.forUrl(jdbcUrl)) {
      case POSTGRESQL -> DatabaseSchema.apply(jdbcUrl, user, password);
      case CLICKHOUSE -> ClickHouseSchema.apply(jdbcUrl, user, password);
    }
  }

  @Override
  public PDone expand(PCollection<UtilizationHourly> rows) {
    JdbcIO.Write<UtilizationHourly> write =
        JdbcIO.<UtilizationHourly>write()
            .withStatement(store.statement())
            .withPreparedStatementSetter(new Parameters(store))
            .withBatchSize(store.batchSize())
            .withMaxBatchBufferingDuration(store.maxBatchBufferingMillis())
            // Streaming only: batch per upstream thread instead of under one constant key (one
            // writer thread for the whole job).
            .withAutoSharding()
            .withRetryConfiguration(RETRY);
    write =
        switch (store) {
          case POSTGRESQL -> write.withDataSourceConfiguration(postgresDataSource());
          case CLICKHOUSE ->
              write.withDataSourceProviderFn(
                  NonTransactionalDataSource.providerFn(
                      store.driverClassName(), jdbcUrl, user, password));
        };
    return rows.apply("CountSubmitted", ParDo.of(new CountSubmittedFn()))
        .apply("Write" + (store == Store.POSTGRESQL ? "PostgreSQL" : "ClickHouse"), write);
  }

  private JdbcIO.DataSourceConfiguration postgresDataSource() {
    JdbcIO.DataSourceConfiguration dataSource =
        JdbcIO.DataSourceConfiguration.create(store.driverClassName(), jdbcUrl)
            // Named in pg_stat_activity. No reWriteBatchedInserts=true: it folds a batch into one
            // multi-row INSERT, and ON CONFLICT rejects a statement touching one key twice.
            .withConnectionProperties("ApplicationName=fleet-utilization-sink");
    if (user != null) {
      dataSource = dataSource.withUsername(user);
    }
    if (password != null) {
      dataSource = dataSource.withPassword(password);
    }
    return dataSource;
  }

  /** Counted before JdbcIO, so batch retries do not count a row twice. */
  private static final class CountSubmittedFn extends DoFn<UtilizationHourly, UtilizationHourly> {
    private final Counter submitted =
        Metrics.counter(UtilizationSink.class, "utilization_rows_submitted");

    @ProcessElement
    public void processElement(
        @Element UtilizationHourly row, OutputReceiver<UtilizationHourly> out) {
      submitted.inc();
      out.output(row);
    }
  }

  /**
   * Binds one row to {@link #POSTGRES_UPSERT} or {@link #CLICKHOUSE_INSERT} (same parameters;
   * only timestamps are bound differently). Public so tools can write exactly the rows the
   * pipeline would.
   */
  public static final class Parameters
      implements JdbcIO.PreparedStatementSetter<UtilizationHourly> {
    private static final long serialVersionUID = 1L;

    private final Store store;

    public Parameters(Store store) {
      this.store = store;
    }

    @Override
    public void setParameters(UtilizationHourly row, PreparedStatement statement)
        throws SQLException {
      setTimestamp(statement, 1, row.getWindowStart());
      setTimestamp(statement, 2, row.getWindowEnd());
      statement.setString(3, row.getLocationId());
      statement.setString(4, row.getVehicleType());
      statement.setLong(5, row.getRentedSamples());
      statement.setLong(6, row.getTotalSamples());
      statement.setDouble(7, row.getUtilizationPct());
      statement.setLong(8, row.getDistinctVehicles());
      statement.setDouble(9, row.getAvgBatteryPct());
      statement.setDouble(10, row.getObservedVehicleSeconds());
      statement.setDouble(11, row.getRentedVehicleSeconds());
      Double timeWeighted = row.getTimeWeightedUtilizationPct();
      if (timeWeighted == null) {
        statement.setNull(12, Types.DOUBLE);
      } else {
        statement.setDouble(12, timeWeighted);
      }
      statement.setLong(13, row.getVersion());
    }

    private void setTimestamp(PreparedStatement s, int index, Instant value) throws SQLException {
      long millis = value.getMillis();
      switch (store) {
          // As OffsetDateTime: pgjdbc then sends a timestamptz, independent of the JVM's zone.
        case POSTGRESQL ->
            s.setObject(
                index,
                OffsetDateTime.ofInstant(java.time.Instant.ofEpochMilli(millis), ZoneOffset.UTC));
          // The driver formats a Timestamp as local date-time text in the calendar's zone, and
          // the DateTime('UTC') column reads that text as UTC: the instant survives whatever the
          // JVM's or the server's zone. (Without the calendar it would use the server's zone.)
        case CLICKHOUSE -> s.setTimestamp(index, new Timestamp(millis), utc());
      }
    }

    private static Calendar utc() {
      return Calendar.getInstance(TimeZone.getTimeZone("UTC"), Locale.ROOT);
    }
  }

  /** The URL without its query string, which can hold a password. */
  private static String redact(@Nullable String jdbcUrl) {
    if (jdbcUrl == null) {
      return "null";
    }
    int query = jdbcUrl.indexOf('?');
    return query < 0 ? jdbcUrl : jdbcUrl.substring(0, query) + "?...";
  }
}
