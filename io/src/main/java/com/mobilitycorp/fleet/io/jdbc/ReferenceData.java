package com.mobilitycorp.fleet.io.jdbc;

import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.MapCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Latest;
import org.apache.beam.sdk.transforms.Max;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.PeriodicImpulse;
import org.apache.beam.sdk.transforms.Reify;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionView;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * A reference table of PostgreSQL ({@code vehicles} or {@code locations}, schema {@code
 * db/V001__reference_data.sql}) as a slowly changing side input: a {@code Map} from id to model
 * object of the whole table, re-read with {@link JdbcIO} every refresh interval, so a change in
 * the table reaches the consumers without a restart. This is Beam's "slowly updating global window
 * side inputs" pattern:
 *
 * <pre>{@code
 * PCollectionView<Map<String, VehicleMetadata>> vehicles =
 *     pipeline.apply("VehicleMetadata",
 *         ReferenceData.vehicles(jdbcUrl, user, password, Duration.standardMinutes(5)));
 * events.apply("Enrich", ParDo.of(new EnrichFn(vehicles)).withSideInputs(vehicles));
 * // in EnrichFn: VehicleMetadata v = context.sideInput(vehicles).get(vehicleId);
 * }</pre>
 *
 * <p>The shape, every step named:
 *
 * <ol>
 *   <li>{@code Ticks}: {@link PeriodicImpulse}, one tick per interval. Its first tick is due at
 *       pipeline construction, so it fires as soon as the job runs, not one interval later.
 *   <li>{@code FireOnEveryTick}: global window, {@code Repeatedly.forever(AfterProcessingTime
 *       .pastFirstElementInPane())}, discarding panes, pane timestamp = latest tick.
 *   <li>{@code OneReadPerPane}: the newest tick of a pane. PeriodicImpulse catches up on ticks it
 *       missed (a job restored after an hour's stop emits an hour of ticks at once); they collapse
 *       into one or a few reads instead of one full-table read each.
 *   <li>{@code ReadTable}: {@link JdbcIO#readAll()} of the whole table; every row carries the
 *       table's row count at that read ({@code count(*) OVER ()}, same statement, same snapshot).
 *   <li>{@code KeyByTick}, {@code AssembleSnapshots}: a stateful DoFn collects the rows of one read
 *       until it has seen as many as the count, then emits one {@code Map} and clears its state.
 *   <li>{@code FireOnEverySnapshot}, {@code StampWithTick}, {@code NewestSnapshotAsView}: global
 *       window, {@code Repeatedly.forever(AfterPane.elementCountAtLeast(1))}, discarding; {@code
 *       Combine.globally(Latest.combineFn()).asSingletonView()}.
 * </ol>
 *
 * <p>Why not simply {@code Combine.globally(toMap)} and {@code View.asSingleton()} after the read,
 * as in the pattern's textbook form: a triggered GroupByKey fires whenever its trigger says, so on
 * a streaming runner the rows of one read are split over many panes, and with discarding panes the
 * view holds only the rows of the last one. On the FlinkRunner with a 50,000-row table consumers
 * of that form saw maps of 1 to 350 vehicles, never the whole table; counting the rows makes every
 * published map a whole read. And {@link View#asSingleton()} throws "PCollection with more than one
 * element accessed as a singleton view" when two maps land in one pane (apache/beam#21376, #26465;
 * the DirectRunner hit it within seconds); combining each pane to its newest map cannot.
 *
 * <p><b>Before the first read.</b> A side input in the global window is not ready until its first
 * pane has fired, and Beam holds back every main-input element that reads it until then: consumers
 * see no element (rather than an empty map) until the first read has completed. If the table is
 * empty a read yields no rows and so no map: consumers wait at start, and later keep the last map
 * they had.
 *
 * <p><b>A failing read</b> (PostgreSQL down at refresh time) fails like any JdbcIO read: the
 * runner retries the bundle; on Flink that means restarting the job from its last checkpoint, so
 * consumers are stalled rather than served a partial table.
 *
 * <p><b>Memory.</b> The whole table is held as one map, in every worker (on Flink: every subtask)
 * that reads the view, plus transiently in the assembling worker's state while a read is collected;
 * on Flink subtask 0 also checkpoints it. A decoded {@code VehicleMetadata} with its map entry
 * takes about 350 bytes (70 encoded), so 100k vehicles cost about 35 MB per copy (7 MB in a
 * checkpoint) and a few hundred locations next to nothing: fine for this fleet. A table of
 * millions of rows needs a lookup instead (a cache in a DoFn, or Beam's Enrichment transform).
 *
 * <p><b>Unreadable rows</b> (a vehicle type this code does not know, a NaN coordinate, a NULL where
 * the model needs a value) do not fail the job: each is skipped, logged and counted on every read
 * in the counter {@code ReferenceData / <table>_unreadable_rows} ({@link
 * #VEHICLES_UNREADABLE_ROWS}, {@link #LOCATIONS_UNREADABLE_ROWS}); the rest of the table is
 * published.
 *
 * @param <T> the model class of one row
 */
public final class ReferenceData<T> extends PTransform<PBegin, PCollectionView<Map<String, T>>> {

  /** Counter (namespace {@code ReferenceData}) of vehicles rows skipped as unreadable. */
  public static final String VEHICLES_UNREADABLE_ROWS =
      ReferenceTables.VEHICLES.unreadableRowsCounterName();

  /** Counter (namespace {@code ReferenceData}) of locations rows skipped as unreadable. */
  public static final String LOCATIONS_UNREADABLE_ROWS =
      ReferenceTables.LOCATIONS.unreadableRowsCounterName();

  private final ReferenceTables.Table<T> table;
  private final String jdbcUrl;
  private final @Nullable String user;
  private final @Nullable String password;
  private final Duration refreshInterval;

  private ReferenceData(
      ReferenceTables.Table<T> table,
      String jdbcUrl,
      @Nullable String user,
      @Nullable String password,
      Duration refreshInterval) {
    if (!refreshInterval.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("refresh interval must be > 0, was " + refreshInterval);
    }
    this.table = table;
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.password = password;
    this.refreshInterval = refreshInterval;
  }

  /** Table {@code vehicles} by {@code vehicle_id}, re-read every {@code refreshInterval}. */
  public static ReferenceData<VehicleMetadata> vehicles(
      String jdbcUrl, @Nullable String user, @Nullable String password, Duration refreshInterval) {
    return new ReferenceData<>(ReferenceTables.VEHICLES, jdbcUrl, user, password, refreshInterval);
  }

  /** Table {@code locations} by {@code location_id}, re-read every {@code refreshInterval}. */
  public static ReferenceData<LocationMetadata> locations(
      String jdbcUrl, @Nullable String user, @Nullable String password, Duration refreshInterval) {
    return new ReferenceData<>(ReferenceTables.LOCATIONS, jdbcUrl, user, password, refreshInterval);
  }

  @Override
  public PCollectionView<Map<String, T>> expand(PBegin input) {
    Coder<T> rowCoder = schemaCoder(input.getPipeline(), table.type());
    // A row of a read: (rows in that read, the row or null if unreadable).
    Coder<KV<Long, @Nullable T>> readRowCoder =
        KvCoder.of(VarLongCoder.of(), NullableCoder.of(rowCoder));
    return input
        .apply("Ticks", PeriodicImpulse.create().withInterval(refreshInterval))
        .apply(
            "FireOnEveryTick",
            Window.<Instant>into(new GlobalWindows())
                .triggering(Repeatedly.forever(AfterProcessingTime.pastFirstElementInPane()))
                .discardingFiredPanes()
                // The default, END_OF_WINDOW, would stamp every pane with the end of the global
                // window, and the snapshots below could no longer be told apart by their tick.
                .withTimestampCombiner(TimestampCombiner.LATEST))
        .apply("OneReadPerPane", Combine.globally(Max.<Instant>naturalOrder()).withoutDefaults())
        .apply("ReadTable", readAll(readRowCoder))
        .apply("KeyByTick", ParDo.of(new KeyByTickFn<T>()))
        .setCoder(KvCoder.of(VarLongCoder.of(), readRowCoder))
        .apply("AssembleSnapshots", ParDo.of(new AssembleSnapshotFn<>(table.idFn(), rowCoder)))
        .setCoder(MapCoder.of(StringUtf8Coder.of(), rowCoder))
        // Say again when to fire: after OneReadPerPane the trigger is the continuation one, which
        // fires on synchronized processing time, not for each map.
        .apply(
            "FireOnEverySnapshot",
            Window.<Map<String, T>>into(new GlobalWindows())
                .triggering(Repeatedly.forever(AfterPane.elementCountAtLeast(1)))
                .discardingFiredPanes())
        .apply("StampWithTick", Reify.timestamps())
        .apply(
            "NewestSnapshotAsView",
            Combine.globally(Latest.<Map<String, T>>combineFn())
                .withoutDefaults()
                .asSingletonView());
  }

  @SuppressWarnings("deprecation") // withCoder: JdbcIO cannot infer it, T is a type variable here
  private JdbcIO.ReadAll<Instant, KV<Long, @Nullable T>> readAll(
      Coder<KV<Long, @Nullable T>> readRowCoder) {
    JdbcIO.DataSourceConfiguration dataSource =
        JdbcIO.DataSourceConfiguration.create("org.postgresql.Driver", jdbcUrl)
            .withConnectionProperties("ApplicationName=fleet-reference-data-" + table.name());
    if (user != null) {
      dataSource = dataSource.withUsername(user);
    }
    if (password != null) {
      dataSource = dataSource.withPassword(password);
    }
    return JdbcIO.<Instant, KV<Long, @Nullable T>>readAll()
        .withDataSourceConfiguration(dataSource)
        .withQuery(table.query())
        // The query has no parameters: a tick only says "read now".
        .withParameterSetter((tick, statement) -> {})
        .withRowMapper(new ReferenceTables.ReadRowMapper<>(table))
        .withCoder(readRowCoder)
        // All rows of a read go to one map anyway; spreading them over workers first buys nothing.
        .withOutputParallelization(false);
  }

  private static <T> Coder<T> schemaCoder(Pipeline pipeline, Class<T> type) {
    try {
      return pipeline.getSchemaRegistry().getSchemaCoder(type);
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException("no Beam schema for " + type.getName(), e);
    }
  }

  /** Keys each row by its read: JdbcIO stamps a read's rows with the timestamp of its tick. */
  private static final class KeyByTickFn<T>
      extends DoFn<KV<Long, @Nullable T>, KV<Long, KV<Long, @Nullable T>>> {
    @ProcessElement
    public void processElement(
        @Element KV<Long, @Nullable T> row,
        @Timestamp Instant tick,
        OutputReceiver<KV<Long, KV<Long, @Nullable T>>> out) {
      out.output(KV.of(tick.getMillis(), row));
    }
  }

  /**
   * Collects the rows of one read (one key) and emits them as one map once all of them, unreadable
   * ones included, have arrived. The state of a read is cleared when its map is emitted.
   */
  private static final class AssembleSnapshotFn<T>
      extends DoFn<KV<Long, KV<Long, @Nullable T>>, Map<String, T>> {

    @StateId("rows")
    private final StateSpec<BagState<T>> rowsSpec;

    @StateId("rowsSeen")
    private final StateSpec<ValueState<Long>> rowsSeenSpec = StateSpecs.value(VarLongCoder.of());

    private final SerializableFunction<T, String> idFn;

    AssembleSnapshotFn(SerializableFunction<T, String> idFn, Coder<T> rowCoder) {
      this.idFn = idFn;
      this.rowsSpec = StateSpecs.bag(rowCoder);
    }

    @ProcessElement
    public void processElement(
        @Element KV<Long, KV<Long, @Nullable T>> keyedRow,
        @StateId("rows") BagState<T> rows,
        @StateId("rowsSeen") ValueState<Long> rowsSeen,
        OutputReceiver<Map<String, T>> out) {
      long rowsInRead = keyedRow.getValue().getKey();
      T row = keyedRow.getValue().getValue();
      if (row != null) {
        rows.add(row);
      }
      Long seenBefore = rowsSeen.read();
      long seen = (seenBefore == null ? 0 : seenBefore) + 1;
      if (seen < rowsInRead) {
        rowsSeen.write(seen);
        return;
      }
      Map<String, T> snapshot = new HashMap<>();
      for (T r : rows.read()) {
        snapshot.put(idFn.apply(r), r);
      }
      out.output(snapshot);
      rows.clear();
      rowsSeen.clear();
    }
  }
}
