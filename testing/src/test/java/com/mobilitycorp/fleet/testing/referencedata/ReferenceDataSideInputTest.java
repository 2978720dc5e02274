package com.mobilitycorp.fleet.testing.referencedata;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.fail;

import com.mobilitycorp.fleet.io.jdbc.DatabaseSchema;
import com.mobilitycorp.fleet.io.jdbc.ReferenceData;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.model.VehicleType;
import com.mobilitycorp.fleet.testing.simulator.ReferenceDataWriter;
import com.mobilitycorp.fleet.testing.stack.LocalPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import com.mobilitycorp.fleet.testing.PipelineCounters;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.PeriodicImpulse;
import org.apache.beam.sdk.values.PCollectionView;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ReferenceData} against a real PostgreSQL: a streaming DirectRunner pipeline whose main
 * input (a {@link PeriodicImpulse}, every 50 ms) reads both views and reports what it saw.
 */
class ReferenceDataSideInputTest {

  @TempDir static Path workDir;
  private static LocalPostgres postgres;

  /** How long a test waits for something the pipeline should show within a second or two. */
  private static final java.time.Duration DEADLINE = java.time.Duration.ofSeconds(30);

  private static final Duration POLL_INTERVAL = Duration.millis(20);

  private static final Instant SERVICED = Instant.parse("2026-10-01T00:00:00Z");

  private static final List<LocationMetadata> LOCATIONS =
      List.of(
          LocationMetadata.create("loc-alex", "Alexanderplatz", "Berlin", 52.5219, 13.4132, 300),
          LocationMetadata.create("loc-hbf", "Hauptbahnhof", "Berlin", 52.5251, 13.3694, 250));

  private static final List<VehicleMetadata> VEHICLES =
      List.of(
          vehicle("veh-001", VehicleType.E_SCOOTER, "loc-alex"),
          vehicle("veh-002", VehicleType.E_BIKE, "loc-alex"),
          vehicle("veh-003", VehicleType.CAR, "loc-hbf"));

  /** What each run's main input saw, by run; static because the DoFn is a serialized copy. */
  private static final Map<String, Deque<Seen>> SEEN_BY_RUN = new ConcurrentHashMap<>();

  /** One main-input element's view of the reference data. */
  record Seen(Map<String, VehicleMetadata> vehicles, Map<String, LocationMetadata> locations) {}

  /** Each test has a database of its own, so a cancelled job's open reads never block the next. */
  private String jdbcUrl;

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

  @BeforeEach
  void freshDatabaseWithReferenceData() throws SQLException {
    String database = "refdata_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = connect(postgres.jdbcUrl());
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + database);
    }
    jdbcUrl = "jdbc:postgresql://127.0.0.1:" + postgres.port() + "/" + database;
    DatabaseSchema.apply(jdbcUrl, postgres.user(), postgres.password());
    try (Connection c = connect(jdbcUrl)) {
      ReferenceDataWriter.upsert(c, LOCATIONS, VEHICLES);
    }
  }

  @Test
  void theFirstReadHappensAtStartAndConsumersSeeBothWholeTables() throws Exception {
    // An hour between reads: whatever the consumer sees must come from the read at start.
    try (Consumer consumer = startConsumer(Duration.standardHours(1))) {
      Seen first = consumer.awaitSeen(seen -> true);

      assertThat(first.vehicles(), equalTo(byId(VEHICLES, VehicleMetadata::getVehicleId)));
      assertThat(first.locations(), equalTo(byId(LOCATIONS, LocationMetadata::getLocationId)));
    }
  }

  @Test
  void anUpdatedVehicleTypeAndAnInsertedLocationAreSeenAfterARefreshWithoutARestart()
      throws Exception {
    VehicleMetadata veh002AsCar =
        VehicleMetadata.create("veh-002", VehicleType.CAR, "Model veh-002", "loc-alex", SERVICED);
    LocationMetadata ostkreuz =
        LocationMetadata.create("loc-ostkreuz", "Ostkreuz", "Berlin", 52.5031, 13.4690, 200);
    Map<String, VehicleMetadata> vehiclesAfter =
        byId(List.of(VEHICLES.get(0), veh002AsCar, VEHICLES.get(2)), VehicleMetadata::getVehicleId);
    Map<String, LocationMetadata> locationsAfter =
        byId(
            List.of(LOCATIONS.get(0), LOCATIONS.get(1), ostkreuz), LocationMetadata::getLocationId);

    try (Consumer consumer = startConsumer(Duration.standardSeconds(1))) {
      Seen before = consumer.awaitSeen(seen -> true);
      assertThat(before.vehicles(), equalTo(byId(VEHICLES, VehicleMetadata::getVehicleId)));
      assertThat(before.locations(), equalTo(byId(LOCATIONS, LocationMetadata::getLocationId)));

      execute(
          "UPDATE vehicles SET vehicle_type = 'car' WHERE vehicle_id = 'veh-002'",
          "INSERT INTO locations (location_id, name, city, centre_lat, centre_lon, radius_m)"
              + " VALUES ('loc-ostkreuz', 'Ostkreuz', 'Berlin', 52.5031, 13.4690, 200)");

      Seen after =
          consumer.awaitSeen(
              seen ->
                  veh002AsCar.equals(seen.vehicles().get("veh-002"))
                      && seen.locations().containsKey("loc-ostkreuz"));
      assertThat(after.vehicles(), equalTo(vehiclesAfter));
      assertThat(after.locations(), equalTo(locationsAfter));
    }
  }

  @Test
  void unreadableRowsAreSkippedAndCountedAndTheRestOfTheTableIsPublished() throws Exception {
    // The table's CHECK keeps unknown types out; a migration adding a type before this code knows
    // it is how one gets in. PostgreSQL accepts 'NaN' for DOUBLE PRECISION (and NaN > 0 is true).
    execute(
        "ALTER TABLE vehicles DROP CONSTRAINT vehicles_vehicle_type_check",
        "INSERT INTO vehicles"
            + " (vehicle_id, vehicle_type, model, home_location_id, last_service_date)"
            + " VALUES ('veh-moped', 'e_moped', 'Niu N1', 'loc-alex', '2026-10-01')",
        "INSERT INTO locations (location_id, name, city, centre_lat, centre_lon, radius_m)"
            + " VALUES ('loc-nowhere', 'Nowhere', 'Berlin', 'NaN', 13.4, 100)");

    try (Consumer consumer = startConsumer(Duration.standardSeconds(1))) {
      Seen seen = consumer.awaitSeen(s -> true);
      assertThat(seen.vehicles(), equalTo(byId(VEHICLES, VehicleMetadata::getVehicleId)));
      assertThat(seen.locations(), equalTo(byId(LOCATIONS, LocationMetadata::getLocationId)));

      consumer.awaitCounterAtLeast(ReferenceData.VEHICLES_UNREADABLE_ROWS, 1);
      consumer.awaitCounterAtLeast(ReferenceData.LOCATIONS_UNREADABLE_ROWS, 1);
    }
  }

  @Test
  void everyMapAConsumerSeesIsOneWholeReadOfTheTableWhileTheTableChanges() throws Exception {
    // On the DirectRunner the rows of one read reach the assembling step together, so this guards
    // the counting: a miscount publishes short maps, or none.
    int fleetSize = 2_000;
    List<VehicleMetadata> fleet = new ArrayList<>();
    for (int i = 0; i < fleetSize; i++) {
      fleet.add(vehicle(String.format("veh-%05d", i), VehicleType.E_SCOOTER, "loc-alex"));
    }
    try (Connection c = connect(jdbcUrl)) {
      ReferenceDataWriter.upsert(c, LOCATIONS, fleet);
    }
    execute("UPDATE vehicles SET model = 'generation-0'");
    int tableSize = fleetSize + VEHICLES.size();

    try (Consumer consumer = startConsumer(Duration.millis(200))) {
      // Each generation renames every model in one transaction; a map with fewer rows or mixing
      // generations would be a partial or torn read.
      for (int generation = 1; generation <= 3; generation++) {
        String model = "generation-" + generation;
        execute("UPDATE vehicles SET model = '" + model + "'");
        consumer.awaitSeen(seen -> modelsIn(seen).equals(Set.of(model)));
      }
      List<Seen> seen = consumer.allSeen();
      assertThat(
          seen.stream().map(s -> s.vehicles().size()).toList(), everyItem(equalTo(tableSize)));
      assertThat(seen.stream().map(s -> modelsIn(s).size()).toList(), everyItem(equalTo(1)));
    }
  }

  // ------------------------------------------------------------------ the consumer pipeline

  /** A running consumer pipeline; closing it cancels the job. */
  private record Consumer(String run, PipelineResult job) implements AutoCloseable {

    /**
     * Polls until the main input has seen something matching {@code condition}, the job fails, or
     * {@link #DEADLINE} passes; returns the first match.
     */
    Seen awaitSeen(Predicate<Seen> condition) throws Exception {
      long deadline = System.nanoTime() + DEADLINE.toNanos();
      while (true) {
        for (Seen s : SEEN_BY_RUN.get(run)) {
          if (condition.test(s)) {
            return s;
          }
        }
        if (System.nanoTime() > deadline) {
          fail("not seen within " + DEADLINE + "; last seen: " + SEEN_BY_RUN.get(run).peekLast());
        }
        waitWhileRunning();
      }
    }

    List<Seen> allSeen() {
      return new ArrayList<>(SEEN_BY_RUN.get(run));
    }

    /** Polls the counter {@code ReferenceData / name} until it reaches {@code atLeast}. */
    void awaitCounterAtLeast(String name, long atLeast) throws Exception {
      long deadline = System.nanoTime() + DEADLINE.toNanos();
      long value = counter(name);
      while (value < atLeast && System.nanoTime() < deadline) {
        waitWhileRunning();
        value = counter(name);
      }
      assertThat(name, value, greaterThanOrEqualTo(atLeast));
    }

    private long counter(String name) {
      return PipelineCounters.counter(job, ReferenceData.class, name);
    }

    /** Waits a poll interval; throws the pipeline's exception if it fails, fails if it ends. */
    private void waitWhileRunning() {
      PipelineResult.State state = job.waitUntilFinish(POLL_INTERVAL);
      if (state != null && state.isTerminal()) {
        fail("the job ended: " + state);
      }
    }

    @Override
    public void close() throws Exception {
      job.cancel();
      SEEN_BY_RUN.remove(run);
    }
  }

  /** Starts the streaming consumer pipeline. */
  private Consumer startConsumer(Duration refreshInterval) {
    String run = UUID.randomUUID().toString();
    SEEN_BY_RUN.put(run, new ConcurrentLinkedDeque<>());

    DirectOptions options = PipelineOptionsFactory.as(DirectOptions.class);
    options.setRunner(DirectRunner.class);
    options.setBlockOnRun(false);
    options.as(StreamingOptions.class).setStreaming(true);
    Pipeline pipeline = Pipeline.create(options);

    String user = postgres.user();
    String password = postgres.password();
    PCollectionView<Map<String, VehicleMetadata>> vehicles =
        pipeline.apply(
            "VehicleMetadata", ReferenceData.vehicles(jdbcUrl, user, password, refreshInterval));
    PCollectionView<Map<String, LocationMetadata>> locations =
        pipeline.apply(
            "LocationMetadata", ReferenceData.locations(jdbcUrl, user, password, refreshInterval));
    pipeline
        .apply("Events", PeriodicImpulse.create().withInterval(Duration.millis(50)))
        .apply(
            "LookUpReferenceData",
            ParDo.of(new ReportWhatIsSeenFn(run, vehicles, locations))
                .withSideInputs(vehicles, locations));

    return new Consumer(run, pipeline.run());
  }

  /** Records both side inputs as this element sees them. */
  private static final class ReportWhatIsSeenFn extends DoFn<Instant, Void> {
    private final String run;
    private final PCollectionView<Map<String, VehicleMetadata>> vehicles;
    private final PCollectionView<Map<String, LocationMetadata>> locations;

    ReportWhatIsSeenFn(
        String run,
        PCollectionView<Map<String, VehicleMetadata>> vehicles,
        PCollectionView<Map<String, LocationMetadata>> locations) {
      this.run = run;
      this.vehicles = vehicles;
      this.locations = locations;
    }

    @ProcessElement
    public void processElement(ProcessContext context) {
      Deque<Seen> seen = SEEN_BY_RUN.get(run);
      if (seen != null) { // null once the test is over and the cancelled job still runs a bundle
        seen.add(
            new Seen(
                Map.copyOf(context.sideInput(vehicles)), Map.copyOf(context.sideInput(locations))));
      }
    }
  }

  // ------------------------------------------------------------------ data

  private static VehicleMetadata vehicle(String id, VehicleType type, String homeLocationId) {
    return VehicleMetadata.create(id, type, "Model " + id, homeLocationId, SERVICED);
  }

  private static Set<String> modelsIn(Seen seen) {
    return seen.vehicles().values().stream()
        .map(VehicleMetadata::getModel)
        .collect(Collectors.toSet());
  }

  private static <T> Map<String, T> byId(List<T> rows, Function<T, String> id) {
    return rows.stream().collect(Collectors.toMap(id, r -> r));
  }

  /** Runs the statements in one transaction. */
  private void execute(String... statements) throws SQLException {
    try (Connection c = connect(jdbcUrl)) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        for (String sql : statements) {
          s.execute(sql);
        }
      }
      c.commit();
    }
  }

  private static Connection connect(String url) throws SQLException {
    return DriverManager.getConnection(url, postgres.user(), postgres.password());
  }
}
