package com.mobilitycorp.fleet.pipelines;

import static com.mobilitycorp.fleet.pipelines.FleetExpectations.availableVehiclesTable;
import static com.mobilitycorp.fleet.pipelines.FleetExpectations.awaitTableEquals;
import static com.mobilitycorp.fleet.pipelines.FleetExpectations.eventIds;
import static com.mobilitycorp.fleet.pipelines.FleetExpectations.expectedAvailableVehicles;
import static com.mobilitycorp.fleet.pipelines.FleetExpectations.newer;
import static com.mobilitycorp.fleet.pipelines.FleetExpectations.row;
import static com.mobilitycorp.fleet.pipelines.FleetExpectations.sorted;
import static com.mobilitycorp.fleet.pipelines.FleetExpectations.text;
import static com.mobilitycorp.fleet.pipelines.FleetExpectations.typeOf;
import static com.mobilitycorp.fleet.pipelines.FleetExpectations.yesterdayMorningRush;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mobilitycorp.fleet.io.json.EventJson;
import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.AlertType;
import com.mobilitycorp.fleet.model.DemandWindow;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.model.WeatherObservation;
import com.mobilitycorp.fleet.testing.simulator.DemandSurge;
import com.mobilitycorp.fleet.testing.simulator.DemandSurgeOutcome;
import com.mobilitycorp.fleet.testing.simulator.FleetSimulator;
import com.mobilitycorp.fleet.testing.simulator.ReferenceDataWriter;
import com.mobilitycorp.fleet.testing.simulator.SimulatedMessage;
import com.mobilitycorp.fleet.testing.simulator.SimulatorConfig;
import com.mobilitycorp.fleet.testing.stack.LocalKafka;
import com.mobilitycorp.fleet.testing.stack.LocalPostgres;
import com.mobilitycorp.fleet.transforms.DetectBatteryDrainModel;
import com.mobilitycorp.fleet.transforms.DetectDemandSpikes;
import com.mobilitycorp.fleet.transforms.DetectDemandSpikesModel;
import com.mobilitycorp.fleet.transforms.DetectGeofenceViolations;
import com.mobilitycorp.fleet.transforms.DetectGeofenceViolationsModel;
import com.mobilitycorp.fleet.transforms.DetectLowBattery;
import com.mobilitycorp.fleet.transforms.DetectLowBatteryModel;
import com.mobilitycorp.fleet.transforms.EnrichTelemetry;
import com.mobilitycorp.fleet.transforms.FleetGeography;
import com.mobilitycorp.fleet.transforms.JoinWeather;
import com.mobilitycorp.fleet.transforms.JoinWeatherModel;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Future;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.joda.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on real components: the fleet simulator publishes a stream with resends, disorder,
 * late and malformed messages to a real Kafka broker; the pipeline runs on FlinkRunner (embedded
 * Flink); the output topics are read back with read_committed and compared, record by record,
 * with what the simulator knows it sent; PostgreSQL's available_vehicles and the newest update per
 * vehicle on veh.inventory.updates must equal the simulator's true final fleet state.
 */
class FleetStreamProcessorIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration OUTPUT_TIMEOUT = Duration.ofMinutes(5);

  /** The tests after the first write topics of their own, named with these prefixes. */
  private static final List<String> TOPIC_PREFIXES = List.of("alerts.", "demand.", "utilization.");

  @TempDir static Path workDir;
  private static LocalKafka kafka;
  private static LocalPostgres postgres;

  @BeforeAll
  static void startStack() throws Exception {
    kafka = LocalKafka.start(workDir.resolve("kafka"), 0);
    // Every test's topics up front: a topic written right after its creation lost records here
    // under load (the producer's batches for one partition expired after 2 minutes).
    Map<String, Integer> topics = new HashMap<>(FleetTopics.all());
    for (String prefix : TOPIC_PREFIXES) {
      FleetTopics.all().forEach((topic, partitions) -> topics.put(prefix + topic, partitions));
    }
    kafka.createTopics(topics);
    postgres = LocalPostgres.start(workDir.resolve("postgres"), 0);
  }

  @AfterAll
  static void stopStack() {
    if (kafka != null) {
      kafka.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void testPipelineOnFlinkDeduplicatesDeadLettersAndEndsWithTheTrueFleetInventory()
      throws Exception {
    SimulatorConfig config =
        SimulatorConfig.builder()
            .seed(2026_11_25L)
            .vehicleCount(300)
            .locationCount(12)
            .start(yesterdayMorningRush())
            .duration(org.joda.time.Duration.standardHours(1))
            .bookingsPerVehiclePerDay(24)
            .duplicateRate(0.05)
            .bookingDuplicateRate(0.05)
            .outOfOrderRate(0.10)
            .lateRate(0.01)
            .malformedRate(0.005)
            .build();
    FleetSimulator simulator = new FleetSimulator(config);
    ReferenceDataWriter.apply(
        postgres.jdbcUrl(), postgres.user(), postgres.password(),
        simulator.locations(), simulator.vehicles());

    // What the simulator knows it sent: every original once, every malformed record's origin.
    Set<String> expectedTelemetryIds = new HashSet<>();
    Set<String> expectedBookingIds = new HashSet<>();
    Map<Future<RecordMetadata>, SimulatedMessage> malformed = new HashMap<>();
    int duplicatesSent = 0;
    int lateSent = 0;
    try (AcknowledgedProducer producer = producer()) {
      for (SimulatedMessage message : (Iterable<SimulatedMessage>) simulator::messages) {
        Future<RecordMetadata> sent =
            producer.send(new ProducerRecord<>(message.topic(), message.key(), message.payload()));
        switch (message.kind()) {
          case ORIGINAL:
            (message.isTelemetry() ? expectedTelemetryIds : expectedBookingIds).add(message.eventId());
            lateSent += message.delay() == SimulatedMessage.Delay.LATE ? 1 : 0;
            break;
          case DUPLICATE:
            duplicatesSent++;
            break;
          case MALFORMED:
            malformed.put(sent, message);
            break;
        }
      }
      producer.flush();
    }
    Map<String, String> expectedDeadLetters = new HashMap<>();
    for (Map.Entry<Future<RecordMetadata>, SimulatedMessage> m : malformed.entrySet()) {
      RecordMetadata at = m.getKey().get();
      expectedDeadLetters.put(
          at.topic() + "/" + at.partition() + "@" + at.offset(),
          m.getValue().expectedReason().name().toLowerCase() + " " + m.getValue().payload());
    }
    assertThat("the stream must contain resends", duplicatesSent, greaterThan(500));
    assertThat("the stream must contain late events", lateSent, greaterThan(50));
    assertThat("the stream must contain malformed records", expectedDeadLetters.size(), greaterThan(50));
    assertThat("the stream must contain bookings", expectedBookingIds.size(), greaterThan(100));

    FleetPipelineOptions options =
        flinkOptions(
                "--consumerGroup=integration-test",
                "--inventoryRefreshInterval=PT2S",
                // This stream has bookings beyond the lateness, which the demand stage would
                // dead-letter; it is checked on its own below.
                "--demandSpikesEnabled=false",
                "--utilizationEnabled=false",
                "--jdbcUrl=" + postgres.jdbcUrl(),
                "--jdbcUser=" + postgres.user(),
                "--jdbcPassword=" + postgres.password());
    Pipeline pipeline = Pipeline.create(options);
    FleetStreamProcessor.build(pipeline, options);
    PipelineResult job = pipeline.run();

    String telemetryOut = FleetTopics.TELEMETRY_DEDUPLICATED;
    String bookingsOut = FleetTopics.BOOKINGS_DEDUPLICATED;
    String deadLetters = FleetTopics.DEAD_LETTER;
    String inventoryOut = FleetTopics.INVENTORY_UPDATES;
    Map<String, String> expectedRows = expectedAvailableVehicles(simulator);
    assertThat("every vehicle reports in an hour", expectedRows.size(), is(300));
    assertThat(
        "vehicles end in more than one state",
        expectedRows.values().stream().map(r -> r.split(" ")[0]).distinct().count(),
        greaterThan(2L));
    try (KafkaTopicReader reader =
        new KafkaTopicReader(
            kafka.bootstrapServers(),
            List.of(telemetryOut, bookingsOut, deadLetters, inventoryOut))) {
      try {
        reader.pollUntil(
            () ->
                reader.records(telemetryOut).size() >= expectedTelemetryIds.size()
                    && reader.records(bookingsOut).size() >= expectedBookingIds.size()
                    && reader.records(deadLetters).size() >= expectedDeadLetters.size(),
            OUTPUT_TIMEOUT,
            "every expected output");
        // The read model converges once the last throttled position refresh has been flushed.
        awaitTableEquals(postgres, expectedRows, OUTPUT_TIMEOUT);
      } finally {
        job.cancel();
      }
      assertThat(availableVehiclesTable(postgres), equalTo(expectedRows));
      // Whatever the job wrote before it stopped: an extra copy would show up here.
      reader.readToEnd(Duration.ofSeconds(30));

      assertThat(eventIds(reader.records(telemetryOut)), equalTo(sorted(expectedTelemetryIds)));
      assertThat(eventIds(reader.records(bookingsOut)), equalTo(sorted(expectedBookingIds)));
      Map<String, String> actualDeadLetters = new HashMap<>();
      for (ConsumerRecord<String, String> record : reader.records(deadLetters)) {
        JsonNode d = JSON.readTree(record.value());
        String origin =
            d.get("source_topic").asText() + "/" + d.get("source_partition").asInt() + "@"
                + d.get("source_offset").asLong();
        String previous =
            actualDeadLetters.put(origin, d.get("reason").asText() + " " + d.get("payload").asText());
        assertThat("one dead letter per rejected record: " + origin, previous, is((String) null));
      }
      assertThat(actualDeadLetters, equalTo(expectedDeadLetters));

      // The topic's newest update per vehicle (greatest as_of, then revision) says the same.
      Map<String, JsonNode> newestUpdate = new HashMap<>();
      for (ConsumerRecord<String, String> record : reader.records(inventoryOut)) {
        JsonNode update = JSON.readTree(record.value());
        assertThat("keyed by vehicle", record.key(), is(update.get("vehicle_id").asText()));
        newestUpdate.merge(record.key(), update, (a, b) -> newer(a, b) ? a : b);
      }
      Map<String, String> fromTopic = new HashMap<>();
      newestUpdate.forEach(
          (vehicle, u) ->
              fromTopic.put(
                  vehicle,
                  row(u.get("status").asText(), text(u.get("booking_id")),
                      u.get("lat").asDouble(), u.get("lon").asDouble(),
                      u.get("battery_pct").asDouble(), typeOf(vehicle, simulator))));
      assertThat(fromTopic, equalTo(expectedRows));
    }
  }

  @Test
  void testAlertsAndEnrichedTelemetryOnFlinkAreExactlyTheModelsEachOnce() throws Exception {
    // Resends and disorder within the lateness, but nothing beyond it: then which reading raises
    // each episode alert depends only on each vehicle's delivery order, which Kafka keeps per key,
    // so the models fed in delivery order predict the alert ids exactly. The fleet has battery
    // faults, trips out of the operating area, unregistered vehicles and weather.
    SimulatorConfig config =
        SimulatorConfig.builder()
            .seed(2026_11_26L)
            .vehicleCount(400)
            .locationCount(12)
            .start(yesterdayMorningRush())
            .duration(org.joda.time.Duration.standardHours(1))
            .bookingsPerVehiclePerDay(24)
            .duplicateRate(0.05)
            .outOfOrderRate(0.10)
            .lateRate(0)
            .malformedRate(0.005)
            .batteryFaultRatePerVehicleDay(2.0)
            .excursionRate(0.05)
            .unregisteredVehicleRate(0.02)
            .weatherEnabled(true)
            .build();
    FleetSimulator simulator = new FleetSimulator(config);
    // A database of its own: this fleet's vehicle ids clash with the other test's.
    String jdbcUrl = createDatabase("alerts_it");
    ReferenceDataWriter.apply(jdbcUrl, postgres.user(), postgres.password(), simulator);
    String prefix = "alerts.";
    List<String> topicOptions = prefixedTopics(prefix);

    ExpectedEnrichment oracle = new ExpectedEnrichment(simulator);
    DetectLowBatteryModel lowBattery =
        new DetectLowBatteryModel(
            DetectLowBattery.DEFAULT_THRESHOLD_PCT, 0.0, DetectLowBattery.DEFAULT_ALLOWED_LATENESS);
    DetectGeofenceViolationsModel geofence =
        new DetectGeofenceViolationsModel(
            DetectGeofenceViolations.DEFAULT_REENTRY_MARGIN_M,
            DetectGeofenceViolations.DEFAULT_ALLOWED_LATENESS);
    JoinWeatherModel weather = new JoinWeatherModel(JoinWeather.DEFAULT_MAX_OBSERVATION_AGE);
    List<EnrichedTelemetry> readings = new ArrayList<>();
    try (AcknowledgedProducer producer = producer()) {
      for (SimulatedMessage message : (Iterable<SimulatedMessage>) simulator::messages) {
        producer.send(
            new ProducerRecord<>(prefix + message.topic(), message.key(), message.payload()));
        if (message.isWeather()) {
          weather.onObservation(message.weather());
        } else if (message.kind() == SimulatedMessage.Kind.ORIGINAL && message.isTelemetry()) {
          EnrichedTelemetry reading = oracle.enrich(message.telemetry());
          readings.add(reading);
          lowBattery.onReading(message.telemetry());
          geofence.onReading(reading);
        }
      }
      producer.flush();
    }
    List<String> expected = new ArrayList<>(lowBattery.published());
    int lowBatteryAlerts = expected.size();
    expected.addAll(geofence.published());
    int geofenceAlerts = expected.size() - lowBatteryAlerts;
    expected.addAll(DetectBatteryDrainModel.alertIds(readings));
    int drainAlerts = expected.size() - lowBatteryAlerts - geofenceAlerts;
    expected.sort(null);
    assertThat("the fleet must run low somewhere", lowBatteryAlerts, greaterThan(5));
    assertThat("some trips must leave the area", geofenceAlerts, greaterThan(3));
    assertThat("some batteries must fail", drainAlerts, greaterThan(3));
    assertThat("no reading is beyond the lateness here", lowBattery.beyondLateness(), is(0L));
    Map<String, String> expectedWeather = new TreeMap<>();
    for (EnrichedTelemetry r : readings) {
      WeatherObservation valid = weather.validFor(r);
      expectedWeather.put(r.getTelemetry().getEventId(), valid == null ? "none" : valid.getObservationId());
    }
    assertThat(
        "most readings must find their weather",
        expectedWeather.values().stream().filter(id -> !id.equals("none")).count(),
        greaterThan(readings.size() * 9L / 10));

    FleetPipelineOptions options =
        flinkOptions(
                topicOptions,
                "--consumerGroup=integration-test-alerts",
                "--jdbcUrl=" + jdbcUrl,
                "--jdbcUser=" + postgres.user(),
                "--jdbcPassword=" + postgres.password(),
                "--inventoryEnabled=false",
                "--demandSpikesEnabled=false",
                "--utilizationEnabled=false");
    Pipeline pipeline = Pipeline.create(options);
    FleetStreamProcessor.build(pipeline, options);
    PipelineResult job = pipeline.run();

    String alerts = prefix + FleetTopics.ALERTS;
    String enriched = prefix + FleetTopics.TELEMETRY_ENRICHED;
    Map<String, Long> jobCounters = Map.of();
    try (KafkaTopicReader reader =
        new KafkaTopicReader(kafka.bootstrapServers(), List.of(alerts, enriched))) {
      try {
        reader.pollUntil(
            () -> reader.records(alerts).size() >= expected.size()
                && reader.records(enriched).size() >= readings.size(),
            OUTPUT_TIMEOUT, "every expected alert and enriched reading");
      } finally {
        // The join's counters say why a reading got no weather, should the comparison fail.
        jobCounters = JobProgress.counters(job);
        job.cancel();
      }
      reader.readToEnd(Duration.ofSeconds(10)); // a second copy of anything would show here
      List<String> ids = new ArrayList<>();
      for (ConsumerRecord<String, String> record : reader.records(alerts)) {
        JsonNode alert = JSON.readTree(record.value());
        assertThat("keyed by vehicle", record.key(), is(alert.get("vehicle_id").asText()));
        ids.add(alert.get("alert_id").asText());
        if (alert.get("type").asText().equals("low_battery")) {
          // Enriched: the vehicle's type and last service, or an explicit unknown.
          VehicleMetadata v = oracle.registered(alert.get("vehicle_id").asText());
          assertThat(
              alert.at("/details/vehicle_type").asText(),
              is(v == null ? "unknown" : EventJson.wire(v.getVehicleType())));
          assertThat(
              alert.at("/details/last_service_date").asText(),
              is(v == null ? "unknown" : v.getLastServiceDate().toString().substring(0, 10)));
        }
      }
      ids.sort(null);
      assertThat(ids, equalTo(expected));

      Map<String, String> joinedWeather = new TreeMap<>();
      for (ConsumerRecord<String, String> record : reader.records(enriched)) {
        JsonNode reading = JSON.readTree(record.value());
        JsonNode observation = reading.get("weather");
        String previous =
            joinedWeather.put(
                reading.at("/telemetry/event_id").asText(),
                observation.isNull() ? "none" : observation.get("observation_id").asText());
        assertThat("each reading once", previous, is((String) null));
      }
      assertThat("weather per reading; job counters " + jobCounters, joinedWeather,
          equalTo(expectedWeather));
    }
  }

  @Test
  void testDemandSpikesOnFlinkAreExactlyTheInjectedSurgesEachOnce() throws Exception {
    // Natural demand low enough (1 booking per vehicle per day) that no 15-minute window at a
    // location reaches the minimum of 5; three surges injected inside single windows, at least an
    // hour after the start so the locations have history. Resends and disorder within the
    // lateness, nothing beyond it. Only the demand use case runs.
    Instant start = yesterdayMorningRush().minus(org.joda.time.Duration.standardHours(1));
    SimulatorConfig base =
        SimulatorConfig.builder()
            .seed(2026_12_01L)
            .vehicleCount(300)
            .locationCount(12)
            .start(start)
            .duration(org.joda.time.Duration.standardHours(3))
            .bookingsPerVehiclePerDay(1)
            .duplicateRate(0.05)
            .bookingDuplicateRate(0.05)
            .outOfOrderRate(0.10)
            .lateRate(0)
            .malformedRate(0)
            .build();
    List<LocationMetadata> zones = new FleetSimulator(base).locations();
    String zoneA = zones.get(0).getLocationId();
    String zoneB = zones.get(5).getLocationId();
    SimulatorConfig config =
        base.toBuilder()
            .demandSurge(surge(zoneA, start.plus(minutes(92)), 12))
            .demandSurge(surge(zoneB, start.plus(minutes(122)), 10))
            // The window after A's next-but-one: A's history now holds its first surge.
            .demandSurge(surge(zoneA, start.plus(minutes(137)), 12))
            .build();
    FleetSimulator simulator = new FleetSimulator(config);
    String prefix = "demand.";
    List<String> topicOptions = prefixedTopics(prefix);

    DetectDemandSpikesModel model = DetectDemandSpikes.create().model();
    try (AcknowledgedProducer producer = producer()) {
      for (SimulatedMessage message : (Iterable<SimulatedMessage>) simulator::messages) {
        producer.send(
            new ProducerRecord<>(prefix + message.topic(), message.key(), message.payload()));
        if (message.kind() == SimulatedMessage.Kind.ORIGINAL && message.isBooking()) {
          model.offer(message.booking()); // every window complete: the model counts them all
        }
      }
      producer.flush();
    }
    Set<String> surgeWindows = new TreeSet<>();
    for (DemandSurgeOutcome outcome : simulator.demandSurges()) {
      assertThat("each surge must be served: " + outcome, outcome.served(), greaterThan(7));
      Instant at = outcome.surge().start();
      Instant windowStart = new Instant(at.getMillis() - at.getMillis() % minutes(15).getMillis());
      surgeWindows.add(DetectDemandSpikes.alertId(outcome.surge().locationId(), windowStart));
    }
    // The truth behind the expectation: the model over every booking sent flags exactly the
    // surges (natural demand never does), and the job must report exactly what the model says.
    assertThat(model.spikeAlertIds(), equalTo(surgeWindows));
    Map<String, String> expectedWindows = new TreeMap<>();
    model.finalWindows().forEach((key, w) -> expectedWindows.put(key, w.toString()));

    FleetPipelineOptions options =
        flinkOptions(
            topicOptions,
            "--consumerGroup=integration-test-demand",
            "--inventoryEnabled=false",
            "--lowBatteryAlertsEnabled=false",
            "--geofenceAlertsEnabled=false",
            "--batteryDrainAlertsEnabled=false",
            "--weatherJoinEnabled=false",
            "--utilizationEnabled=false");
    Pipeline pipeline = Pipeline.create(options);
    FleetStreamProcessor.build(pipeline, options);
    PipelineResult job = pipeline.run();

    String alerts = prefix + FleetTopics.ALERTS;
    String windows = prefix + FleetTopics.DEMAND_WINDOWS;
    try (KafkaTopicReader reader = new KafkaTopicReader(kafka.bootstrapServers(), List.of(alerts, windows))) {
      try {
        reader.pollUntil(
            () -> reader.records(alerts).size() >= surgeWindows.size()
                && newestDemandWindows(reader.records(windows)).equals(expectedWindows),
            OUTPUT_TIMEOUT, "every surge alert and every window's final count");
      } finally {
        job.cancel();
      }
      reader.readToEnd(Duration.ofSeconds(10)); // a second copy of anything would show here
      List<String> ids = new ArrayList<>();
      for (ConsumerRecord<String, String> record : reader.records(alerts)) {
        Alert alert = EventJson.decodeAlert(record.value());
        assertThat("keyed by location", record.key(), is(alert.getLocationId()));
        assertThat(alert.getType(), is(AlertType.DEMAND_SPIKE));
        ids.add(alert.getAlertId());
      }
      ids.sort(null);
      assertThat(ids, equalTo(new ArrayList<>(surgeWindows)));
      assertThat(newestDemandWindows(reader.records(windows)), equalTo(expectedWindows));
    }
  }

  @Test
  void testUtilizationOnFlinkEqualsTheRollupComputedWithSqlFromTheEventsSent() throws Exception {
    // Resends, disorder within the watermark and malformed records, nothing beyond the lateness;
    // unregistered vehicles (type and location unknown). Only use case 5 runs. The expected
    // rows are computed by PostgreSQL from the events the simulator sent, with plain SQL.
    SimulatorConfig config =
        SimulatorConfig.builder()
            .seed(2026_12_02L)
            .vehicleCount(200)
            .locationCount(12)
            .start(yesterdayMorningRush().minus(minutes(20)))
            .duration(org.joda.time.Duration.standardMinutes(100))
            .bookingsPerVehiclePerDay(24)
            .duplicateRate(0.05)
            .bookingDuplicateRate(0.05)
            .outOfOrderRate(0.10)
            .maxDisorder(org.joda.time.Duration.standardMinutes(4))
            .lateRate(0)
            .malformedRate(0.005)
            .unregisteredVehicleRate(0.02)
            .build();
    FleetSimulator simulator = new FleetSimulator(config);
    String jdbcUrl = createDatabase("utilization_it");
    ReferenceDataWriter.apply(jdbcUrl, postgres.user(), postgres.password(), simulator);
    String prefix = "utilization.";
    List<String> topicOptions = prefixedTopics(prefix);

    try (Connection c = DriverManager.getConnection(jdbcUrl, postgres.user(), postgres.password());
        Statement s = c.createStatement();
        AcknowledgedProducer producer = producer()) {
      s.execute("CREATE TABLE sent_readings (vehicle_id TEXT, event_id TEXT, event_time TIMESTAMPTZ,"
          + " battery_pct DOUBLE PRECISION, operational_status TEXT)");
      s.execute("CREATE TABLE sent_bookings (vehicle_id TEXT, event_id TEXT, event_type TEXT,"
          + " location_id TEXT, event_time TIMESTAMPTZ, booking_start TIMESTAMPTZ)");
      try (java.sql.PreparedStatement readings =
              c.prepareStatement("INSERT INTO sent_readings VALUES (?, ?, ?, ?, ?)");
          java.sql.PreparedStatement bookings =
              c.prepareStatement("INSERT INTO sent_bookings VALUES (?, ?, ?, ?, ?, ?)")) {
        for (SimulatedMessage message : (Iterable<SimulatedMessage>) simulator::messages) {
          producer.send(
              new ProducerRecord<>(prefix + message.topic(), message.key(), message.payload()));
          if (message.kind() != SimulatedMessage.Kind.ORIGINAL) {
            continue;
          }
          if (message.isTelemetry()) {
            TelemetryEvent t = message.telemetry();
            readings.setString(1, t.getVehicleId());
            readings.setString(2, t.getEventId());
            readings.setObject(3, timestamptz(t.getEventTime()));
            readings.setDouble(4, t.getBatteryPct());
            readings.setString(5, EventJson.wire(t.getOperationalStatus()));
            readings.addBatch();
          } else if (message.isBooking()) {
            com.mobilitycorp.fleet.model.BookingEvent b = message.booking();
            bookings.setString(1, b.getVehicleId());
            bookings.setString(2, b.getEventId());
            bookings.setString(3, EventJson.wire(b.getEventType()));
            bookings.setString(4, b.getLocationId());
            bookings.setObject(5, timestamptz(b.getEventTime()));
            bookings.setObject(6, timestamptz(b.getBookingStart()));
            bookings.addBatch();
          }
        }
        readings.executeBatch();
        bookings.executeBatch();
      }
      producer.flush();
    }
    Map<String, String> expected = utilizationRows(jdbcUrl, EXPECTED_UTILIZATION_SQL);
    assertThat("the fleet must fill rows", expected.size(), greaterThan(40));
    assertThat("some vehicles must be rented",
        expected.values().stream().anyMatch(r -> !r.startsWith("0/")), is(true));
    assertThat("unregistered vehicles must show up",
        expected.keySet().stream().anyMatch(k -> k.endsWith("|unknown")), is(true));

    FleetPipelineOptions options =
        flinkOptions(
            topicOptions,
            "--consumerGroup=integration-test-utilization",
            "--jdbcUrl=" + jdbcUrl,
            "--jdbcUser=" + postgres.user(),
            "--jdbcPassword=" + postgres.password(),
            "--inventoryEnabled=false",
            "--lowBatteryAlertsEnabled=false",
            "--geofenceAlertsEnabled=false",
            "--batteryDrainAlertsEnabled=false",
            "--weatherJoinEnabled=false",
            "--demandSpikesEnabled=false");
    Pipeline pipeline = Pipeline.create(options);
    FleetStreamProcessor.build(pipeline, options);
    PipelineResult job = pipeline.run();
    String metrics = prefix + FleetTopics.LOCATION_METRICS_1M;
    try (KafkaTopicReader reader = new KafkaTopicReader(kafka.bootstrapServers(), List.of(metrics))) {
      long deadline = System.nanoTime() + OUTPUT_TIMEOUT.toNanos();
      Map<String, String> actual = utilizationRows(jdbcUrl, ACTUAL_UTILIZATION_SQL);
      try {
        // The metrics topic is transactional: its records appear with each completed checkpoint,
        // which can be after the table (written directly) is complete.
        while ((!actual.equals(expected) || reader.records(metrics).size() <= 100)
            && System.nanoTime() < deadline) {
          reader.readToEnd(Duration.ofSeconds(2)); // also paces the polling of the table
          actual = utilizationRows(jdbcUrl, ACTUAL_UTILIZATION_SQL);
        }
      } finally {
        job.cancel();
      }
      assertThat(actual, equalTo(expected));
      assertSameBattery(utilizationValues(jdbcUrl, EXPECTED_UTILIZATION_SQL),
          utilizationValues(jdbcUrl, ACTUAL_UTILIZATION_SQL));
      // The live metrics: every minute with readings, for the locations that had them.
      assertThat(reader.records(metrics).size(), greaterThan(100));
    }
  }

  /**
   * The rollup from the events sent, in SQL: each reading's status is the newest booking event at
   * or before it (ties: booking start, lifecycle, event id), else its operational status; its
   * location that event's zone, else the vehicle's home, else unknown; its span runs to the
   * vehicle's next reading, at most 10 minutes, split at hour boundaries.
   */
  private static final String EXPECTED_UTILIZATION_SQL =
      "WITH labelled AS ("
          + " SELECT r.vehicle_id, r.event_time, r.battery_pct,"
          + "  COALESCE(v.vehicle_type, 'unknown') AS vehicle_type,"
          + "  CASE b.event_type WHEN 'booking_created' THEN 'reserved' WHEN 'rental_started' THEN 'on_trip'"
          + "   ELSE CASE WHEN r.operational_status = 'operational' THEN 'available' ELSE 'non_operational' END"
          + "  END AS status,"
          + "  COALESCE(b.location_id, v.home_location_id, 'unknown') AS location_id,"
          + "  LEAST(r.event_time + interval '10 minutes', COALESCE(LEAD(r.event_time) OVER"
          + "   (PARTITION BY r.vehicle_id ORDER BY r.event_time, r.event_id), 'infinity')) AS span_end"
          + " FROM sent_readings r"
          + " LEFT JOIN vehicles v ON v.vehicle_id = r.vehicle_id"
          + " LEFT JOIN LATERAL (SELECT * FROM sent_bookings b WHERE b.vehicle_id = r.vehicle_id"
          + "   AND b.event_time <= r.event_time ORDER BY b.event_time DESC, b.booking_start DESC,"
          + "   CASE b.event_type WHEN 'booking_created' THEN 0 WHEN 'rental_started' THEN 1 ELSE 2 END DESC,"
          + "   b.event_id DESC LIMIT 1) b ON true),"
          + " counted AS (SELECT date_trunc('hour', event_time) AS hour, location_id, vehicle_type,"
          + "  count(*) FILTER (WHERE status = 'on_trip') AS rented, count(*) AS total,"
          + "  count(DISTINCT vehicle_id) AS vehicles, avg(battery_pct) AS battery"
          + "  FROM labelled GROUP BY 1, 2, 3),"
          + " spans AS (SELECT h AS hour, location_id, vehicle_type,"
          + "  sum(extract(epoch FROM LEAST(span_end, h + interval '1 hour') - GREATEST(event_time, h))) AS observed,"
          + "  COALESCE(sum(extract(epoch FROM LEAST(span_end, h + interval '1 hour') - GREATEST(event_time, h)))"
          + "   FILTER (WHERE status = 'on_trip'), 0) AS rented_seconds"
          + "  FROM labelled CROSS JOIN LATERAL generate_series(date_trunc('hour', event_time),"
          + "   date_trunc('hour', span_end - interval '1 millisecond'), interval '1 hour') AS g(h)"
          + "  WHERE span_end > event_time GROUP BY 1, 2, 3)"
          + " SELECT c.hour, c.location_id, c.vehicle_type, c.rented, c.total, c.vehicles, c.battery,"
          + "  COALESCE(s.observed, 0), COALESCE(s.rented_seconds, 0)"
          + " FROM counted c LEFT JOIN spans s USING (hour, location_id, vehicle_type)";

  private static final String ACTUAL_UTILIZATION_SQL =
      "SELECT window_start, location_id, vehicle_type, rented_samples, total_samples,"
          + " distinct_vehicles, avg_battery_pct, observed_vehicle_seconds, rented_vehicle_seconds"
          + " FROM vehicle_utilization_hourly";

  /**
   * "hour|location|type" -> "rented/total vehicles battery time rented/observed". The mean battery
   * is compared apart, with a tolerance ({@link #assertSameBattery}): sums in a different order
   * differ in the last bits, and any rounding boundary could split them.
   */
  private static Map<String, String> utilizationRows(String jdbcUrl, String sql) throws Exception {
    Map<String, String> rows = new TreeMap<>();
    for (Map.Entry<String, double[]> e : utilizationValues(jdbcUrl, sql).entrySet()) {
      double[] v = e.getValue();
      rows.put(e.getKey(), String.format(java.util.Locale.ROOT,
          "%d/%d vehicles %d time %.3f/%.3f", (long) v[0], (long) v[1], (long) v[2], v[5], v[4]));
    }
    return rows;
  }

  private static Map<String, double[]> utilizationValues(String jdbcUrl, String sql)
      throws Exception {
    Map<String, double[]> rows = new TreeMap<>();
    try (Connection c = DriverManager.getConnection(jdbcUrl, postgres.user(), postgres.password());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        rows.put(
            rs.getObject(1, java.time.OffsetDateTime.class).toInstant() + "|" + rs.getString(2) + "|"
                + rs.getString(3),
            new double[] {rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getDouble(7),
                rs.getDouble(8), rs.getDouble(9)});
      }
    }
    return rows;
  }

  /** Mean battery per row, equal to within 1e-9 (sums in a different order). */
  private static void assertSameBattery(Map<String, double[]> expected, Map<String, double[]> actual) {
    assertThat(actual.keySet(), equalTo(expected.keySet()));
    expected.forEach((key, v) -> assertThat(key, actual.get(key)[3],
        org.hamcrest.Matchers.closeTo(v[3], 1e-9)));
  }

  private static java.time.OffsetDateTime timestamptz(Instant t) {
    return java.time.OffsetDateTime.ofInstant(
        java.time.Instant.ofEpochMilli(t.getMillis()), java.time.ZoneOffset.UTC);
  }

  private static org.joda.time.Duration minutes(long n) {
    return org.joda.time.Duration.standardMinutes(n);
  }

  /** A surge of {@code requests} extra booking requests over 8 minutes from {@code at}. */
  private static DemandSurge surge(String location, Instant at, int requests) {
    return new DemandSurge(location, at, minutes(8), requests);
  }

  /** Per (location, window), the highest revision on demand.windows, without its revision. */
  private static Map<String, String> newestDemandWindows(List<ConsumerRecord<String, String>> records) {
    Map<String, DemandWindow> newest = new TreeMap<>();
    for (ConsumerRecord<String, String> record : records) {
      DemandWindow w = EventJson.decodeDemandWindow(record.value());
      newest.merge(DetectDemandSpikesModel.key(w.getLocationId(), w.getWindowStart()), w,
          (a, b) -> a.getRevision() >= b.getRevision() ? a : b);
    }
    Map<String, String> out = new TreeMap<>();
    newest.forEach((key, w) -> out.put(key, w.toBuilder().setRevision(0).build().toString()));
    return out;
  }

  /** Creates a database (once) beside the default one and returns its JDBC URL. */
  private static String createDatabase(String name) throws Exception {
    try (Connection c =
            DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name);
      s.execute("CREATE DATABASE " + name);
    }
    return postgres.jdbcUrl().substring(0, postgres.jdbcUrl().lastIndexOf('/') + 1) + name;
  }

  /**
   * The enrichment the job should compute, restated from the simulator's reference data: the
   * registered vehicles, the zone containing the reading or the nearest one for weather, and the
   * home city's operating area.
   */
  private static final class ExpectedEnrichment {
    private final Map<String, VehicleMetadata> vehicles = new HashMap<>();
    private final Map<String, LocationMetadata> locations = new HashMap<>();
    private final FleetGeography geography;

    ExpectedEnrichment(FleetSimulator simulator) {
      simulator.registeredVehicles().forEach(v -> vehicles.put(v.getVehicleId(), v));
      simulator.locations().forEach(l -> locations.put(l.getLocationId(), l));
      geography = FleetGeography.of(locations.values(), FleetGeography.DEFAULT_OPERATING_AREA_MARGIN_M);
    }

    VehicleMetadata registered(String vehicleId) {
      return vehicles.get(vehicleId);
    }

    EnrichedTelemetry enrich(TelemetryEvent t) {
      VehicleMetadata v = vehicles.get(t.getVehicleId());
      String city = v == null ? null : locations.get(v.getHomeLocationId()).getCity();
      LocationMetadata zone = geography.zoneContaining(t.getLat(), t.getLon());
      LocationMetadata weatherZone =
          zone != null
              ? zone
              : geography.nearestZone(t.getLat(), t.getLon(), EnrichTelemetry.DEFAULT_WEATHER_RADIUS_M);
      return EnrichedTelemetry.builder()
          .setTelemetry(t)
          .setVehicle(v)
          .setZone(zone)
          .setHomeCity(city)
          .setMetresInsideOperatingArea(
              city == null ? null : geography.operatingArea(city).metresInside(t.getLat(), t.getLon()))
          .setWeatherLocationId(weatherZone == null ? null : weatherZone.getLocationId())
          .build();
    }
  }

  /** Streaming options for the job on embedded Flink against the test's broker, plus {@code extra}. */
  /**
   * Creates every topic under {@code prefix} (each test has its own, so their outputs cannot mix)
   * and returns the options that point the job at them.
   */
  private static List<String> prefixedTopics(String prefix) {
    if (!TOPIC_PREFIXES.contains(prefix)) {
      throw new IllegalArgumentException("add " + prefix + " to TOPIC_PREFIXES");
    }
    Map<String, String> options = new TreeMap<>(Map.of(
        "telemetryTopic", FleetTopics.VEHICLE_EVENTS_RAW,
        "bookingTopic", FleetTopics.DOMAIN_EVENTS,
        "weatherTopic", FleetTopics.WEATHER_OBSERVATIONS,
        "deadLetterTopic", FleetTopics.DEAD_LETTER,
        "deduplicatedTelemetryTopic", FleetTopics.TELEMETRY_DEDUPLICATED,
        "deduplicatedBookingTopic", FleetTopics.BOOKINGS_DEDUPLICATED,
        "enrichedTelemetryTopic", FleetTopics.TELEMETRY_ENRICHED,
        "inventoryTopic", FleetTopics.INVENTORY_UPDATES,
        "alertsTopic", FleetTopics.ALERTS,
        "demandWindowsTopic", FleetTopics.DEMAND_WINDOWS));
    options.put("locationMetricsTopic", FleetTopics.LOCATION_METRICS_1M);
    List<String> args = new ArrayList<>();
    options.forEach((option, topic) -> args.add("--" + option + "=" + prefix + topic));
    return args;
  }

  private static FleetPipelineOptions flinkOptions(List<String> topicOptions, String... extra) {
    List<String> args = new ArrayList<>(topicOptions);
    args.addAll(List.of(extra));
    return flinkOptions(args.toArray(new String[0]));
  }

  private static List<String> base() {
    return List.of(
        "--runner=FlinkRunner",
        "--flinkMaster=[local]",
        "--parallelism=2",
        "--attachedMode=false",
        "--flinkConfDir=" + Path.of("../flink-conf/local").toAbsolutePath().normalize(),
        "--bootstrapServers=" + kafka.bootstrapServers());
  }

  private static FleetPipelineOptions parse(List<String> args) {
    FleetPipelineOptions options =
        PipelineOptionsFactory.fromArgs(args.toArray(new String[0])).as(FleetPipelineOptions.class);
    options.setStreaming(true);
    return options;
  }

  private static FleetPipelineOptions flinkOptions(String... extra) {
    List<String> args = new ArrayList<>(base());
    args.addAll(
        List.of(
            // Checkpoints every second and the transactional outputs committing with them (the
            // readers read committed), as make run. State on the heap: these tests check the
            // topology's results; RocksDB runs in make run, FlinkClusterRescaleIT and
            // S3CheckpointIntegrationTest (on two busy cores it made this class's heaviest job
            // crawl past its deadline in one run of three).
            "--checkpointingInterval=1000",
            "--stateBackend=filesystem",
            "--stateBackendStoragePath=" + workDir.resolve("checkpoints").toUri(),
            // Each job here starts from scratch: its transactional state must be its own.
            "--sinkGroupId=it-" + java.util.UUID.randomUUID()));
    args.addAll(List.of(extra));
    return parse(args);
  }

  private static AcknowledgedProducer producer() {
    return new AcknowledgedProducer(kafka.bootstrapServers());
  }
}
