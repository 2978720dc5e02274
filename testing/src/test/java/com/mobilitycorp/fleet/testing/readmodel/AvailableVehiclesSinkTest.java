package com.mobilitycorp.fleet.testing.readmodel;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import com.mobilitycorp.fleet.io.jdbc.AvailableVehiclesQueries;
import com.mobilitycorp.fleet.io.jdbc.AvailableVehiclesSink;
import com.mobilitycorp.fleet.model.InventoryUpdate;
import com.mobilitycorp.fleet.model.InventoryUpdateReason;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.model.VehicleStatus;
import com.mobilitycorp.fleet.model.VehicleType;
import com.mobilitycorp.fleet.testing.simulator.ReferenceDataWriter;
import com.mobilitycorp.fleet.testing.stack.LocalPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import com.mobilitycorp.fleet.testing.PipelineCounters;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AvailableVehiclesSink} and {@link AvailableVehiclesQueries} against a real PostgreSQL
 * (one server for the class), the sink running in TestPipelines on the DirectRunner.
 */
class AvailableVehiclesSinkTest {

  @TempDir static Path workDir;
  private static LocalPostgres postgres;

  private static final Instant T0 = Instant.parse("2026-11-25T08:00:00Z");

  /** Alexanderplatz; every position in these tests is placed relative to it. */
  private static final double CENTRE_LAT = 52.5219;
  private static final double CENTRE_LON = 13.4132;

  private static final List<LocationMetadata> LOCATIONS =
      List.of(
          LocationMetadata.create("loc-alex", "Alexanderplatz", "Berlin", CENTRE_LAT, CENTRE_LON, 300),
          LocationMetadata.create("loc-hbf", "Hauptbahnhof", "Berlin", 52.5251, 13.3694, 300));

  /** Reference data; veh-ghost is deliberately missing from it. */
  private static final List<VehicleMetadata> VEHICLES =
      List.of(
          vehicle("veh-001", VehicleType.E_SCOOTER, "loc-alex"),
          vehicle("veh-002", VehicleType.E_SCOOTER, "loc-alex"),
          vehicle("veh-003", VehicleType.E_BIKE, "loc-alex"),
          vehicle("veh-004", VehicleType.CAR, "loc-hbf"),
          vehicle("veh-005", VehicleType.E_SCOOTER, "loc-hbf"),
          vehicle("veh-006", VehicleType.E_BIKE, "loc-hbf"));

  @BeforeAll
  static void startPostgresWithReferenceData() throws SQLException {
    postgres = LocalPostgres.start(workDir, 0);
    postgres.applySchema();
    try (Connection c = connect()) {
      ReferenceDataWriter.upsert(c, LOCATIONS, VEHICLES);
    }
  }

  @AfterAll
  static void stopPostgres() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @BeforeEach
  void emptyReadModel() throws SQLException {
    execute("TRUNCATE available_vehicles");
  }

  // ------------------------------------------------------------------ sink

  @Test
  void replayingTheSameUpdatesTwiceAndShuffledGivesTheSameTable() throws Exception {
    List<InventoryUpdate> history = vehicleHistories(new Random(7));
    // What a consumer keeping the greatest (as_of, revision) per vehicle ends up with.
    writeThroughPipeline(newestPerVehicle(history));
    List<List<Object>> expected = tableContents();
    assertThat(expected, hasSize(7));

    execute("TRUNCATE available_vehicles");
    writeThroughPipeline(history);
    assertThat("history in order", tableContents(), is(expected));

    List<InventoryUpdate> shuffled = new ArrayList<>(history);
    Collections.shuffle(shuffled, new Random(11));
    writeThroughPipeline(shuffled);
    assertThat("history replayed on top, shuffled", tableContents(), is(expected));

    execute("TRUNCATE available_vehicles");
    List<InventoryUpdate> twiceShuffled = new ArrayList<>(history);
    twiceShuffled.addAll(history);
    Collections.shuffle(twiceShuffled, new Random(13));
    writeThroughPipeline(twiceShuffled);
    assertThat("history twice, shuffled, from empty", tableContents(), is(expected));
  }

  @Test
  void anOlderUpdateNeverOverwritesANewerOneButAHigherRevisionAtTheSameAsOfWins()
      throws Exception {
    InventoryUpdate newer =
        update("veh-001", VehicleStatus.ON_TRIP, T0.plus(60_000), 5).toBuilder()
            .setBookingId("bkg-2")
            .build();
    writeThroughPipeline(List.of(newer));
    List<Object> afterNewer = rowWithUpdatedAt("veh-001");

    InventoryUpdate olderAsOf = update("veh-001", VehicleStatus.AVAILABLE, T0, 4);
    InventoryUpdate olderAsOfHigherRevision = update("veh-001", VehicleStatus.AVAILABLE, T0, 9);
    InventoryUpdate sameAsOfLowerRevision =
        update("veh-001", VehicleStatus.AVAILABLE, T0.plus(60_000), 4);
    writeThroughPipeline(List.of(olderAsOf, olderAsOfHigherRevision, sameAsOfLowerRevision));
    assertThat(
        "row untouched, updated_at included", rowWithUpdatedAt("veh-001"), is(afterNewer));

    InventoryUpdate correction =
        update("veh-001", VehicleStatus.AVAILABLE, T0.plus(60_000), 6).toBuilder()
            .setReason(InventoryUpdateReason.LATE_CORRECTION)
            .build();
    writeThroughPipeline(List.of(correction));
    List<Object> row = row("veh-001");
    assertThat(row.get(column("status")), is("available"));
    assertThat(row.get(column("booking_id")), is(nullValue()));
    assertThat(row.get(column("revision")), is(6L));
  }

  @Test
  void vehicleTypeComesFromVehiclesAndLocationFallsBackToTheHomeLocation() throws Exception {
    InventoryUpdate noLocation = update("veh-004", VehicleStatus.AVAILABLE, T0, 1);
    InventoryUpdate withLocation =
        update("veh-003", VehicleStatus.AVAILABLE, T0, 1).toBuilder().setLocationId("loc-hbf").build();
    InventoryUpdate unknownVehicle = update("veh-ghost", VehicleStatus.AVAILABLE, T0, 1);
    writeThroughPipeline(List.of(noLocation, withLocation, unknownVehicle));

    assertThat(row("veh-004").get(column("vehicle_type")), is("car"));
    assertThat("home location of veh-004", row("veh-004").get(column("location_id")), is("loc-hbf"));
    assertThat(row("veh-003").get(column("vehicle_type")), is("e_bike"));
    assertThat("the update's own location", row("veh-003").get(column("location_id")), is("loc-hbf"));
    assertThat(row("veh-ghost").get(column("vehicle_type")), is(nullValue()));
    assertThat(row("veh-ghost").get(column("location_id")), is(nullValue()));
  }

  @Test
  void everySubmittedUpdateIsCountedReplaysIncluded() throws Exception {
    List<InventoryUpdate> history = vehicleHistories(new Random(3));
    List<InventoryUpdate> twice = new ArrayList<>(history);
    twice.addAll(history);
    PipelineResult result = writeThroughPipeline(twice);
    assertThat(PipelineCounters.counter(result, AvailableVehiclesSink.class, "rows_submitted"),
        is((long) twice.size()));
  }

  @Test
  void unboundedInputIsWrittenThroughAutoShardedBatches() throws Exception {
    List<InventoryUpdate> history = vehicleHistories(new Random(5));
    List<InventoryUpdate> newest = newestPerVehicle(history);
    writeThroughPipeline(newest);
    List<List<Object>> expected = tableContents();
    execute("TRUNCATE available_vehicles");

    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(true);
    TestStream.Builder<InventoryUpdate> stream = TestStream.create(inventoryUpdateCoder(p));
    for (int i = 0; i < history.size(); i += 10) {
      stream =
          stream
              .addElements(
                  history.get(i),
                  history.subList(i + 1, Math.min(i + 10, history.size()))
                      .toArray(new InventoryUpdate[0]))
              .advanceProcessingTime(org.joda.time.Duration.millis(250));
    }
    PCollection<InventoryUpdate> updates = p.apply(stream.advanceWatermarkToInfinity());
    assertThat(updates.isBounded(), is(PCollection.IsBounded.UNBOUNDED));
    updates.apply(sink());
    p.run().waitUntilFinish();

    assertThat(tableContents(), is(expected));
  }

  // ------------------------------------------------------------------ queries

  @Test
  void locationAndTypeQueryReturnsExactlyTheAvailableVehiclesOfThatTypeThere() throws Exception {
    writeDirectly(
        List.of(
            parkedAt("veh-001", VehicleStatus.AVAILABLE, "loc-alex", 80.0),
            parkedAt("veh-002", VehicleStatus.AVAILABLE, "loc-alex", 35.0),
            parkedAt("veh-003", VehicleStatus.AVAILABLE, "loc-alex", 90.0), // e_bike
            parkedAt("veh-005", VehicleStatus.AVAILABLE, "loc-hbf", 99.0), // e_scooter elsewhere
            parkedAt("veh-ghost", VehicleStatus.AVAILABLE, "loc-alex", 70.0), // type unknown
            parkedAt("veh-006", VehicleStatus.NON_OPERATIONAL, "loc-alex", 50.0), // e_bike
            parkedAt("veh-004", VehicleStatus.RESERVED, "loc-alex", 50.0))); // car
    // An older reservation arriving late changes nothing: veh-002 stays available.
    writeDirectly(
        List.of(
            parkedAt("veh-002", VehicleStatus.RESERVED, "loc-alex", 35.0).toBuilder()
                .setAsOf(T0.minus(1))
                .build()));

    assertThat(
        byLocationAndType("loc-alex", "e_scooter"), contains("veh-001", "veh-002"));
    assertThat(byLocationAndType("loc-alex", "e_bike"), contains("veh-003"));
    assertThat("veh-004 is reserved", byLocationAndType("loc-alex", "car"), hasSize(0));
    assertThat(byLocationAndType("loc-hbf", "e_scooter"), contains("veh-005"));
  }

  @Test
  void radiusQueryReturnsExactlyTheAvailableVehiclesWithinTheRadiusNearestFirst()
      throws Exception {
    double r = 500;
    List<InventoryUpdate> rows = new ArrayList<>();
    rows.add(availableAt("veh-centre", 0, 0));
    rows.add(availableAt("veh-north-300", 300, 0));
    rows.add(availableAt("veh-east-499.5", 499.5, 90));
    rows.add(availableAt("veh-southwest-499.9", 499.9, 225));
    rows.add(availableAt("veh-west-499", 499, 270));
    rows.add(availableAt("veh-east-500.5", 500.5, 90)); // just outside
    rows.add(availableAt("veh-north-501", 501, 0)); // just outside
    rows.add(availableAt("veh-northeast-700", 700, 45)); // inside the bounding box, not the circle
    rows.add(availableAt("veh-far", 2_000, 10));
    rows.add(withStatus(availableAt("veh-reserved-100", 100, 0), VehicleStatus.RESERVED));
    rows.add(withStatus(availableAt("veh-on-trip-50", 50, 180), VehicleStatus.ON_TRIP));
    rows.add(withStatus(availableAt("veh-broken-50", 50, 90), VehicleStatus.NON_OPERATIONAL));
    rows.add(update("veh-no-position", VehicleStatus.AVAILABLE, T0, 1)); // never reported
    writeDirectly(rows);

    assertThat(
        withinRadius(CENTRE_LAT, CENTRE_LON, r),
        contains(
            "veh-centre",
            "veh-north-300",
            "veh-west-499",
            "veh-east-499.5",
            "veh-southwest-499.9"));
  }

  @Test
  void bothQueriesUseTheirIndexOnALargerTable() throws Exception {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("SELECT setseed(0.42)");
      // 20,000 vehicles over 200 locations in a 20 x 27 km area, ~60% available.
      s.execute(
          "INSERT INTO available_vehicles (vehicle_id, status, is_reserved, is_disabled,"
              + " vehicle_type, location_id, lat, lon, battery_pct, as_of, revision)"
              + " SELECT 'veh-' || g, st, st IN ('reserved', 'on_trip'), st = 'non_operational',"
              + " (ARRAY['e_scooter', 'e_bike', 'car'])[1 + floor(random() * 3)::int],"
              + " 'loc-' || floor(random() * 200)::int,"
              + " 52.42 + random() * 0.18, 13.20 + random() * 0.40, random() * 100,"
              + " now(), 1"
              + " FROM (SELECT g, CASE WHEN r < 0.6 THEN 'available' WHEN r < 0.7 THEN 'reserved'"
              + " WHEN r < 0.9 THEN 'on_trip' ELSE 'non_operational' END AS st"
              + " FROM (SELECT g, random() AS r FROM generate_series(1, 20000) g) AS draws)"
              + " AS vehicles");
      s.execute("ANALYZE available_vehicles");
    }
    assertThat(count("SELECT count(*) FROM available_vehicles"), is(20_000L));

    String locationPlan =
        explain(
            AvailableVehiclesQueries.AVAILABLE_BY_LOCATION_AND_TYPE,
            ps -> AvailableVehiclesQueries.bindByLocationAndType(ps, "loc-17", "e_scooter"));
    assertThat(locationPlan, containsString(AvailableVehiclesQueries.LOCATION_TYPE_INDEX));
    assertThat(locationPlan, not(containsString("Seq Scan")));

    String radiusPlan =
        explain(
            AvailableVehiclesQueries.AVAILABLE_WITHIN_RADIUS,
            ps -> AvailableVehiclesQueries.bindWithinRadius(ps, 52.52, 13.40, 500));
    assertThat(radiusPlan, containsString(AvailableVehiclesQueries.POSITION_INDEX));
    assertThat(radiusPlan, not(containsString("Seq Scan")));
  }

  // ------------------------------------------------------------------ helpers

  private static final Comparator<InventoryUpdate> NEWEST_FIRST =
      Comparator.comparing(InventoryUpdate::getAsOf)
          .thenComparingLong(InventoryUpdate::getRevision)
          .reversed();

  private static final List<String> COLUMNS =
      List.of(
          "vehicle_id", "status", "is_reserved", "is_disabled", "vehicle_type", "location_id",
          "lat", "lon", "battery_pct", "current_range_meters", "operational_status", "booking_id",
          "last_reported", "as_of", "revision");

  private static int column(String name) {
    return COLUMNS.indexOf(name);
  }

  private static VehicleMetadata vehicle(String id, VehicleType type, String home) {
    return VehicleMetadata.create(id, type, "model-x", home, Instant.parse("2026-10-01T00:00:00Z"));
  }

  private static AvailableVehiclesSink sink() {
    return AvailableVehiclesSink.to(postgres.jdbcUrl(), postgres.user(), postgres.password());
  }

  /** One TestPipeline (DirectRunner) per write, run to completion. */
  private static PipelineResult writeThroughPipeline(List<InventoryUpdate> updates)
      throws NoSuchSchemaException {
    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(true);
    p.apply(Create.of(updates).withCoder(inventoryUpdateCoder(p))).apply(sink());
    PipelineResult result = p.run();
    result.waitUntilFinish();
    return result;
  }

  private static org.apache.beam.sdk.coders.Coder<InventoryUpdate> inventoryUpdateCoder(
      TestPipeline p) throws NoSuchSchemaException {
    return p.getSchemaRegistry().getSchemaCoder(InventoryUpdate.class);
  }

  /** The same statement and binding as the sink, without a pipeline (for query fixtures). */
  private static void writeDirectly(List<InventoryUpdate> updates) throws Exception {
    AvailableVehiclesSink.UpsertParameters binder = new AvailableVehiclesSink.UpsertParameters();
    try (Connection c = connect();
        PreparedStatement upsert = c.prepareStatement(AvailableVehiclesSink.UPSERT)) {
      for (InventoryUpdate u : updates) {
        binder.setParameters(u, upsert);
        upsert.addBatch();
      }
      upsert.executeBatch();
    }
  }

  /**
   * Ten updates per vehicle (six known, one missing from the reference data) with rising as_of;
   * every third one a late correction at the same as_of with the next revision; the first has no
   * telemetry yet.
   */
  private static List<InventoryUpdate> vehicleHistories(Random rnd) {
    List<String> ids = new ArrayList<>();
    VEHICLES.forEach(v -> ids.add(v.getVehicleId()));
    ids.add("veh-ghost");
    VehicleStatus[] cycle = {
      VehicleStatus.AVAILABLE, VehicleStatus.RESERVED, VehicleStatus.ON_TRIP,
      VehicleStatus.AVAILABLE, VehicleStatus.NON_OPERATIONAL
    };
    List<InventoryUpdate> history = new ArrayList<>();
    for (String id : ids) {
      Instant asOf = T0.plus(rnd.nextInt(60_000));
      for (int revision = 0; revision < 10; revision++) {
        boolean correction = revision % 3 == 2;
        if (!correction) {
          asOf = asOf.plus(1_000 + rnd.nextInt(30_000));
        }
        VehicleStatus status = cycle[rnd.nextInt(cycle.length)];
        InventoryUpdate.Builder b =
            update(id, status, asOf, revision).toBuilder()
                .setReason(
                    correction
                        ? InventoryUpdateReason.LATE_CORRECTION
                        : InventoryUpdateReason.STATUS_CHANGE)
                .setLocationId(rnd.nextBoolean() ? null : LOCATIONS.get(rnd.nextInt(2)).getLocationId())
                .setBookingId(status.isReserved() ? "bkg-" + id + "-" + revision : null);
        if (revision > 0) {
          b.setLat(CENTRE_LAT + rnd.nextDouble() * 0.01)
              .setLon(CENTRE_LON + rnd.nextDouble() * 0.01)
              .setBatteryPct(Math.round(rnd.nextDouble() * 1000) / 10.0)
              .setEstimatedRangeM(rnd.nextBoolean() ? null : rnd.nextDouble() * 20_000)
              .setOperationalStatus(
                  status.isDisabled() ? OperationalStatus.MAINTENANCE : OperationalStatus.OPERATIONAL)
              .setLastReported(asOf.minus(rnd.nextInt(5_000)));
        }
        history.add(b.build());
      }
    }
    return history;
  }

  private static List<InventoryUpdate> newestPerVehicle(List<InventoryUpdate> history) {
    Map<String, InventoryUpdate> newest = new HashMap<>();
    for (InventoryUpdate u : history) {
      newest.merge(u.getVehicleId(), u, (a, b) -> NEWEST_FIRST.compare(a, b) <= 0 ? a : b);
    }
    return new ArrayList<>(newest.values());
  }

  private static InventoryUpdate update(String id, VehicleStatus status, Instant asOf, long revision) {
    return InventoryUpdate.builder()
        .setVehicleId(id)
        .setStatus(status)
        .setAsOf(asOf)
        .setRevision(revision)
        .setReason(InventoryUpdateReason.STATUS_CHANGE)
        .build();
  }

  private static InventoryUpdate parkedAt(
      String id, VehicleStatus status, String locationId, double batteryPct) {
    return update(id, status, T0, 1).toBuilder()
        .setLocationId(locationId)
        .setLat(CENTRE_LAT)
        .setLon(CENTRE_LON)
        .setBatteryPct(batteryPct)
        .setOperationalStatus(OperationalStatus.OPERATIONAL)
        .setLastReported(T0)
        .build();
  }

  /** An available vehicle {@code distanceM} from the centre in direction {@code bearingDeg}. */
  private static InventoryUpdate availableAt(String id, double distanceM, double bearingDeg) {
    double[] p = destination(CENTRE_LAT, CENTRE_LON, distanceM, bearingDeg);
    return update(id, VehicleStatus.AVAILABLE, T0, 1).toBuilder()
        .setLat(p[0])
        .setLon(p[1])
        .setBatteryPct(50.0)
        .setLastReported(T0)
        .build();
  }

  private static InventoryUpdate withStatus(InventoryUpdate u, VehicleStatus status) {
    return u.toBuilder().setStatus(status).build();
  }

  /** Great-circle destination point on the same sphere the query measures on. */
  private static double[] destination(double lat, double lon, double distanceM, double bearingDeg) {
    double d = distanceM / AvailableVehiclesQueries.EARTH_RADIUS_M;
    double b = Math.toRadians(bearingDeg);
    double p1 = Math.toRadians(lat);
    double p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
    double l2 =
        Math.toRadians(lon)
            + Math.atan2(
                Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
    return new double[] {Math.toDegrees(p2), Math.toDegrees(l2)};
  }

  private static List<String> byLocationAndType(String locationId, String type) throws SQLException {
    try (Connection c = connect();
        PreparedStatement q =
            c.prepareStatement(AvailableVehiclesQueries.AVAILABLE_BY_LOCATION_AND_TYPE)) {
      AvailableVehiclesQueries.bindByLocationAndType(q, locationId, type);
      return vehicleIds(q);
    }
  }

  private static List<String> withinRadius(double lat, double lon, double radiusM)
      throws SQLException {
    try (Connection c = connect();
        PreparedStatement q = c.prepareStatement(AvailableVehiclesQueries.AVAILABLE_WITHIN_RADIUS)) {
      AvailableVehiclesQueries.bindWithinRadius(q, lat, lon, radiusM);
      return vehicleIds(q);
    }
  }

  private static List<String> vehicleIds(PreparedStatement q) throws SQLException {
    List<String> ids = new ArrayList<>();
    try (ResultSet rs = q.executeQuery()) {
      while (rs.next()) {
        ids.add(rs.getString("vehicle_id"));
      }
    }
    return ids;
  }

  private interface Binder {
    void bind(PreparedStatement statement) throws SQLException;
  }

  private static String explain(String query, Binder binder) throws SQLException {
    try (Connection c = connect();
        PreparedStatement q = c.prepareStatement("EXPLAIN " + query)) {
      binder.bind(q);
      StringBuilder plan = new StringBuilder();
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          plan.append(rs.getString(1)).append('\n');
        }
      }
      return plan.toString();
    }
  }

  /** Every row, every column but updated_at, ordered by vehicle. */
  private static List<List<Object>> tableContents() throws SQLException {
    return rows("SELECT " + String.join(", ", COLUMNS) + " FROM available_vehicles ORDER BY vehicle_id");
  }

  private static List<Object> row(String vehicleId) throws SQLException {
    List<List<Object>> rows =
        rows(
            "SELECT " + String.join(", ", COLUMNS) + " FROM available_vehicles"
                + " WHERE vehicle_id = '" + vehicleId + "'");
    assertThat(rows, hasSize(1));
    return rows.get(0);
  }

  private static List<Object> rowWithUpdatedAt(String vehicleId) throws SQLException {
    List<List<Object>> rows =
        rows(
            "SELECT " + String.join(", ", COLUMNS) + ", updated_at FROM available_vehicles"
                + " WHERE vehicle_id = '" + vehicleId + "'");
    assertThat(rows, hasSize(1));
    return rows.get(0);
  }

  private static List<List<Object>> rows(String sql) throws SQLException {
    List<List<Object>> rows = new ArrayList<>();
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<Object> row = new ArrayList<>(columns);
        for (int i = 1; i <= columns; i++) {
          row.add(rs.getObject(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  private static long count(String sql) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
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
