package com.mobilitycorp.fleet.pipelines;

import com.mobilitycorp.fleet.io.jdbc.AvailableVehiclesSink;
import com.mobilitycorp.fleet.io.jdbc.ReferenceData;
import com.mobilitycorp.fleet.io.jdbc.UtilizationSink;
import com.mobilitycorp.fleet.io.json.EventJson;
import com.mobilitycorp.fleet.io.kafka.DecodeEvents;
import com.mobilitycorp.fleet.io.kafka.KafkaEventSource;
import com.mobilitycorp.fleet.io.kafka.KafkaJsonSink;
import com.mobilitycorp.fleet.io.kafka.LateEventDeadLetters;
import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.DeadLetter;
import com.mobilitycorp.fleet.model.DemandWindow;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.InventoryUpdate;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.LocationMetrics;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.model.WeatherObservation;
import com.mobilitycorp.fleet.transforms.DeduplicateEvents;
import com.mobilitycorp.fleet.transforms.DetectBatteryDrain;
import com.mobilitycorp.fleet.transforms.DetectDemandSpikes;
import com.mobilitycorp.fleet.transforms.DetectGeofenceViolations;
import com.mobilitycorp.fleet.transforms.DetectLowBattery;
import com.mobilitycorp.fleet.transforms.EnrichTelemetry;
import com.mobilitycorp.fleet.transforms.JoinWeather;
import com.mobilitycorp.fleet.transforms.RollUpUtilization;
import com.mobilitycorp.fleet.transforms.SampleVehicleStatus;
import com.mobilitycorp.fleet.transforms.SummariseLocationsPerMinute;
import com.mobilitycorp.fleet.transforms.TrackVehicleInventory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.joda.time.Duration;

/**
 * The fleet stream processor: reads telemetry and booking events from Kafka, validates them
 * (invalid records to the dead-letter topic), drops re-sent duplicates and publishes the clean
 * streams; joins them into each vehicle's availability (use case 1, {@code veh.inventory.updates})
 * and upserts that into PostgreSQL's {@code available_vehicles} (use case 4); enriches readings
 * with the vehicles and locations tables (side inputs refreshed while running) and raises
 * LOW_BATTERY, GEOFENCE_VIOLATION and BATTERY_DRAIN alerts (use case 2); joins readings with the
 * weather valid at their event time ({@code veh.telemetry.enriched}); counts booking_created per
 * location in 15-minute windows and raises DEMAND_SPIKE alerts (use case 3, {@code
 * demand.windows}); rolls readings with their status up into hourly utilization per location and
 * vehicle type ({@code vehicle_utilization_hourly}, PostgreSQL or ClickHouse) and per-location
 * metrics every minute ({@code metrics.location.1m}) (use case 5).
 *
 * <p>Only wiring lives here: decoding and Kafka are in {@code io}, domain logic in {@code
 * transforms}. Every apply is named; the names are the state's identity in Flink savepoints, so
 * do not rename them casually.
 */
public final class FleetStreamProcessor {

  /** Adds the whole topology to {@code pipeline}. */
  public static void build(Pipeline pipeline, FleetPipelineOptions options) {
    requireCheckpointsForExactlyOnce(options);
    Duration maxDisorder = duration(options.getMaxDisorder());
    Duration maxFutureSkew = duration(options.getMaxFutureSkew());
    Duration dedupHorizon = duration(options.getDedupHorizon());
    String kafka = options.getBootstrapServers();

    WithFailures.Result<PCollection<TelemetryEvent>, DeadLetter> telemetry =
        pipeline
            .apply(
                "ReadTelemetry",
                KafkaEventSource.of(
                    kafka, options.getTelemetryTopic(), options.getConsumerGroup(),
                    maxDisorder, maxFutureSkew))
            .apply("DecodeTelemetry", DecodeEvents.telemetry(maxFutureSkew));
    WithFailures.Result<PCollection<BookingEvent>, DeadLetter> bookings =
        pipeline
            .apply(
                "ReadBookings",
                KafkaEventSource.of(
                    kafka, options.getBookingTopic(), options.getConsumerGroup(),
                    maxDisorder, maxFutureSkew))
            .apply("DecodeBookings", DecodeEvents.bookings(maxFutureSkew));

    PCollection<TelemetryEvent> uniqueTelemetry =
        telemetry.output().apply("DeduplicateTelemetry", DeduplicateEvents.within(dedupHorizon));
    PCollection<BookingEvent> uniqueBookings =
        bookings.output().apply("DeduplicateBookings", DeduplicateEvents.within(dedupHorizon));

    uniqueTelemetry.apply(
        "PublishDeduplicatedTelemetry",
        publish(
            options, "deduplicatedTelemetry", options.getDeduplicatedTelemetryTopic(),
            TelemetryEvent::getVehicleId, EventJson::telemetryToJson));
    uniqueBookings.apply(
        "PublishDeduplicatedBookings",
        publish(
            options, "deduplicatedBookings", options.getDeduplicatedBookingTopic(),
            BookingEvent::getVehicleId, EventJson::bookingToJson));

    if (options.getInventoryEnabled()) {
      PCollection<InventoryUpdate> inventory =
          PCollectionTuple.of(TrackVehicleInventory.TELEMETRY, uniqueTelemetry)
              .and(TrackVehicleInventory.BOOKINGS, uniqueBookings)
              .apply(
                  "TrackInventory",
                  TrackVehicleInventory.create()
                      .withRefreshInterval(duration(options.getInventoryRefreshInterval()))
                      .withAllowedLateness(duration(options.getAllowedLateness()))
                      .withIdleExpiry(duration(options.getVehicleIdleExpiry())));
      inventory.apply(
          "PublishInventoryUpdates",
          publish(
              options, "inventory", options.getInventoryTopic(),
              InventoryUpdate::getVehicleId, EventJson::inventoryUpdateToJson));
      if (options.getAvailableVehiclesEnabled()) {
        // In-process rather than a projection job reading the topic: one hop less towards the
        // 2-second return-to-available goal; the upsert's as_of guard makes replays harmless.
        inventory.apply(
            "UpsertAvailableVehicles",
            AvailableVehiclesSink.to(
                options.getJdbcUrl(), options.getJdbcUser(), options.getJdbcPassword()));
      }
    }

    boolean anyAlerts =
        options.getLowBatteryAlertsEnabled()
            || options.getGeofenceAlertsEnabled()
            || options.getBatteryDrainAlertsEnabled();
    List<PCollection<DeadLetter>> deadLetters = new ArrayList<>();
    List<PCollection<Alert>> alerts = new ArrayList<>();
    deadLetters.add(telemetry.failures());
    deadLetters.add(bookings.failures());
    if (anyAlerts || options.getWeatherJoinEnabled() || options.getUtilizationEnabled()) {
      Duration refresh = duration(options.getReferenceDataRefresh());
      PCollectionView<Map<String, VehicleMetadata>> vehicles =
          pipeline.apply(
              "VehicleMetadata",
              ReferenceData.vehicles(
                  options.getJdbcUrl(), options.getJdbcUser(), options.getJdbcPassword(), refresh));
      PCollectionView<Map<String, LocationMetadata>> locations =
          pipeline.apply(
              "LocationMetadata",
              ReferenceData.locations(
                  options.getJdbcUrl(), options.getJdbcUser(), options.getJdbcPassword(), refresh));
      // At once, no waiting: the alerts need the reading's context, not its weather.
      PCollection<EnrichedTelemetry> enriched =
          uniqueTelemetry.apply(
              "EnrichTelemetry",
              EnrichTelemetry.withReferenceData(vehicles, locations)
                  .withOperatingAreaMarginM(options.getOperatingAreaMarginM()));

      Duration lateness = duration(options.getAllowedLateness());
      if (options.getLowBatteryAlertsEnabled()) {
        alerts.add(
            enriched.apply(
                "DetectLowBattery",
                DetectLowBattery.create()
                    .withThresholdPct(options.getLowBatteryThresholdPct())
                    .withAllowedLateness(lateness)));
      }
      if (options.getGeofenceAlertsEnabled()) {
        alerts.add(
            enriched.apply(
                "DetectGeofenceViolations",
                DetectGeofenceViolations.create()
                    .withReentryMarginM(options.getGeofenceReentryMarginM())
                    .withAllowedLateness(lateness)));
      }
      if (options.getBatteryDrainAlertsEnabled()) {
        alerts.add(
            enriched.apply(
                "DetectBatteryDrain",
                DetectBatteryDrain.create()
                    .withFactor(options.getBatteryDrainFactor())
                    .withFloorPctPerHour(options.getBatteryDrainFloorPctPerHour())));
      }
      if (options.getUtilizationEnabled()) {
        Duration maxSpan = duration(options.getUtilizationMaxSpan());
        PCollectionTuple samples =
            PCollectionTuple.of(SampleVehicleStatus.READINGS, enriched)
                .and(SampleVehicleStatus.BOOKINGS, uniqueBookings)
                .apply(
                    "SampleVehicleStatus",
                    SampleVehicleStatus.create()
                        .withMaxSpan(maxSpan)
                        .withAllowedLateness(lateness)
                        .withIdleExpiry(duration(options.getVehicleIdleExpiry())));
        deadLetters.add(
            samples
                .get(SampleVehicleStatus.BEYOND_LATENESS)
                .apply(
                    "DeadLetterLateReadings",
                    LateEventDeadLetters.ofReadings(options.getTelemetryTopic(), "utilization hours")));
        samples
            .get(SampleVehicleStatus.SAMPLES)
            .apply("RollUpUtilization", RollUpUtilization.create(lateness, maxSpan))
            .apply(
                "WriteUtilizationHourly",
                UtilizationSink.to(
                    utilizationJdbcUrl(options), utilizationUser(options),
                    utilizationPassword(options)));
        samples
            .get(SampleVehicleStatus.LABELLED_READINGS)
            .apply("SummariseLocationsPerMinute", SummariseLocationsPerMinute.create(lateness))
            .apply(
                "PublishLocationMetrics",
                publish(
                    options, "locationMetrics", options.getLocationMetricsTopic(),
                    LocationMetrics::getLocationId, EventJson::locationMetricsToJson));
      }

      if (options.getWeatherJoinEnabled()) {
        WithFailures.Result<PCollection<WeatherObservation>, DeadLetter> weather =
            pipeline
                .apply(
                    "ReadWeather",
                    KafkaEventSource.of(
                            kafka, options.getWeatherTopic(), options.getConsumerGroup(),
                            maxDisorder, maxFutureSkew)
                        .withTimestampField(EventJson.OBSERVED_AT_FIELD))
                .apply("DecodeWeather", DecodeEvents.weather(maxFutureSkew));
        deadLetters.add(weather.failures());
        PCollectionTuple.of(JoinWeather.READINGS, enriched)
            .and(JoinWeather.OBSERVATIONS, weather.output())
            .apply(
                "JoinWeather",
                JoinWeather.create()
                    .withMaxObservationAge(duration(options.getWeatherMaxAge()))
                    .withAllowedLateness(lateness))
            .apply(
                "PublishEnrichedTelemetry",
                publish(
                    options, "enrichedTelemetry", options.getEnrichedTelemetryTopic(),
                    EnrichedTelemetry::vehicleId, EventJson::enrichedTelemetryToJson));
      }
    }

    if (options.getDemandSpikesEnabled()) {
      PCollectionTuple demand =
          uniqueBookings.apply(
              "DetectDemandSpikes",
              DetectDemandSpikes.create()
                  .withWindowSize(duration(options.getDemandWindowSize()))
                  .withHistoryWindows(options.getDemandHistoryWindows())
                  .withFactor(options.getDemandSpikeFactor())
                  .withMinBookings(options.getDemandMinBookings())
                  .withAllowedLateness(duration(options.getAllowedLateness()))
                  .withLocationExpiry(duration(options.getDemandLocationExpiry())));
      demand
          .get(DetectDemandSpikes.WINDOWS)
          .apply(
              "PublishDemandWindows",
              publish(
                  options, "demandWindows", options.getDemandWindowsTopic(),
                  DemandWindow::getLocationId, EventJson::demandWindowToJson));
      alerts.add(demand.get(DetectDemandSpikes.ALERTS));
      deadLetters.add(
          demand
              .get(DetectDemandSpikes.BEYOND_LATENESS)
              .apply(
                  "DeadLetterLateBookings",
                  LateEventDeadLetters.ofBookings(options.getBookingTopic(), "demand windows")));
    }
    if (!alerts.isEmpty()) {
      PCollectionList.of(alerts)
          .apply("CollectAlerts", Flatten.pCollections())
          .apply(
              "PublishAlerts",
              publish(
                  options, "alerts", options.getAlertsTopic(),
                  FleetStreamProcessor::alertKey, EventJson::alertToJson));
    }

    PCollectionList.of(deadLetters)
        .apply("CollectDeadLetters", Flatten.pCollections())
        .apply(
            "PublishDeadLetters",
            publish(
                options, "deadLetters", options.getDeadLetterTopic(),
                DeadLetter::getSourceTopic, EventJson::deadLetterToJson));
  }

  /** The outputs --exactlyOnceOutputs can name. */
  static final List<String> OUTPUTS =
      List.of(
          "alerts", "demandWindows", "locationMetrics", "inventory", "deadLetters",
          "deduplicatedTelemetry", "deduplicatedBookings", "enrichedTelemetry");

  /** For the option's help text. */
  static final String OUTPUT_NAMES = String.join(", ", OUTPUTS);

  /**
   * The sink of one output: in Kafka transactions when --exactlyOnceOutputs names it, each topic
   * in a sink group of its own so each topic's transactional state stands alone.
   */
  static <T> KafkaJsonSink<T> publish(
      FleetPipelineOptions options,
      String output,
      String topic,
      SerializableFunction<T, String> key,
      SerializableFunction<T, String> json) {
    KafkaJsonSink<T> sink = KafkaJsonSink.of(options.getBootstrapServers(), topic, key, json);
    return exactlyOnceOutputs(options).contains(output)
        ? sink.withExactlyOnce(options.getKafkaSinkShards(), options.getSinkGroupId() + "." + topic)
        : sink;
  }

  /** The outputs named by --exactlyOnceOutputs; an unknown name is an error, not ignored. */
  static Set<String> exactlyOnceOutputs(FleetPipelineOptions options) {
    Set<String> names = new TreeSet<>();
    for (String name : options.getExactlyOnceOutputs().split(",")) {
      String trimmed = name.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      if (!OUTPUTS.contains(trimmed)) {
        throw new IllegalArgumentException(
            "--exactlyOnceOutputs: unknown output '" + trimmed + "'; known: " + OUTPUT_NAMES);
      }
      names.add(trimmed);
    }
    return names;
  }

  /**
   * On Flink the exactly-once sink commits with checkpoints; without them it would fail deep in
   * translation, so say what is missing up front.
   */
  static void requireCheckpointsForExactlyOnce(FleetPipelineOptions options) {
    if (!exactlyOnceOutputs(options).isEmpty()
        && options.getRunner().getSimpleName().equals("FlinkRunner")
        && options.as(FlinkPipelineOptions.class).getCheckpointingInterval() <= 0) {
      throw new IllegalArgumentException(
          "--exactlyOnceOutputs (default alerts,demandWindows,locationMetrics) commit with"
              + " Flink's checkpoints: set --checkpointingInterval (milliseconds), or pass"
              + " --exactlyOnceOutputs= for plain at-least-once writes");
    }
  }

  /** Alerts are keyed by their vehicle (so a vehicle's alerts stay in order), else location. */
  static String alertKey(Alert alert) {
    return alert.getVehicleId() != null ? alert.getVehicleId() : alert.getLocationId();
  }

  /** The analytics store: --utilizationJdbcUrl, or the read model's database when empty. */
  static String utilizationJdbcUrl(FleetPipelineOptions options) {
    return options.getUtilizationJdbcUrl().isEmpty()
        ? options.getJdbcUrl() : options.getUtilizationJdbcUrl();
  }

  static String utilizationUser(FleetPipelineOptions options) {
    return options.getUtilizationJdbcUser().isEmpty()
        ? options.getJdbcUser() : options.getUtilizationJdbcUser();
  }

  /** The read model's password only goes to the read model's database. */
  static String utilizationPassword(FleetPipelineOptions options) {
    if (!options.getUtilizationJdbcPassword().isEmpty()) {
      return options.getUtilizationJdbcPassword();
    }
    return options.getUtilizationJdbcUrl().isEmpty() ? options.getJdbcPassword() : "";
  }

  /** ISO-8601 duration (PT5M); Joda's own parser only takes seconds (PT300S). */
  static Duration duration(String iso) {
    return Duration.millis(java.time.Duration.parse(iso).toMillis());
  }

  public static void main(String[] args) throws Exception {
    PipelineOptionsFactory.register(FleetPipelineOptions.class);
    FleetPipelineOptions options =
        PipelineOptionsFactory.fromArgs(args).withValidation().as(FleetPipelineOptions.class);
    options.setStreaming(true);
    if (options.getProgressIntervalSeconds() > 0) {
      // The DirectRunner would otherwise block in run() and leave nothing to report progress on.
      options.as(DirectOptions.class).setBlockOnRun(false);
    }
    Pipeline pipeline = Pipeline.create(options);
    build(pipeline, options);
    PipelineResult result = pipeline.run();
    JobProgress.reportUntilDone(result, options.getProgressIntervalSeconds());
  }

  private FleetStreamProcessor() {}
}
