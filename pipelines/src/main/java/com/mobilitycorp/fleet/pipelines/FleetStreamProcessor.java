package com.mobilitycorp.fleet.pipelines;

import com.mobilitycorp.fleet.io.jdbc.AvailableVehiclesSink;
import com.mobilitycorp.fleet.io.json.EventJson;
import com.mobilitycorp.fleet.io.kafka.DecodeEvents;
import com.mobilitycorp.fleet.io.kafka.KafkaEventSource;
import com.mobilitycorp.fleet.io.kafka.KafkaJsonSink;
import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.DeadLetter;
import com.mobilitycorp.fleet.model.InventoryUpdate;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.transforms.DeduplicateEvents;
import com.mobilitycorp.fleet.transforms.DetectLowBattery;
import com.mobilitycorp.fleet.transforms.TrackVehicleInventory;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.joda.time.Duration;

/**
 * The fleet stream processor: reads telemetry and booking events from Kafka, validates them
 * (invalid records to the dead-letter topic), drops re-sent duplicates and publishes the clean
 * streams; joins them into each vehicle's availability (use case 1, {@code veh.inventory.updates})
 * and upserts that into PostgreSQL's {@code available_vehicles} (use case 4); raises LOW_BATTERY
 * alerts (use case 2). Later stages (enrichment, other alerts, demand, utilization) hang off the
 * clean streams.
 *
 * <p>Only wiring lives here: decoding and Kafka are in {@code io}, domain logic in {@code
 * transforms}. Every apply is named; the names are the state's identity in Flink savepoints, so
 * do not rename them casually.
 */
public final class FleetStreamProcessor {

  /** Adds the whole topology to {@code pipeline}. */
  public static void build(Pipeline pipeline, FleetPipelineOptions options) {
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
        KafkaJsonSink.of(
            kafka, options.getDeduplicatedTelemetryTopic(),
            TelemetryEvent::getVehicleId, EventJson::telemetryToJson));
    uniqueBookings.apply(
        "PublishDeduplicatedBookings",
        KafkaJsonSink.of(
            kafka, options.getDeduplicatedBookingTopic(),
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
          KafkaJsonSink.of(
              kafka, options.getInventoryTopic(),
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

    if (options.getLowBatteryAlertsEnabled()) {
      uniqueTelemetry
          .apply(
              "DetectLowBattery",
              DetectLowBattery.create()
                  .withThresholdPct(options.getLowBatteryThresholdPct())
                  .withAllowedLateness(duration(options.getAllowedLateness())))
          .apply(
              "PublishLowBatteryAlerts",
              KafkaJsonSink.of(
                  kafka, options.getAlertsTopic(),
                  FleetStreamProcessor::alertKey, EventJson::alertToJson));
    }

    PCollectionList.of(telemetry.failures())
        .and(bookings.failures())
        .apply("CollectDeadLetters", Flatten.pCollections())
        .apply(
            "PublishDeadLetters",
            KafkaJsonSink.of(
                kafka, options.getDeadLetterTopic(),
                DeadLetter::getSourceTopic, EventJson::deadLetterToJson));
  }

  /** Alerts are keyed by their vehicle (so a vehicle's alerts stay in order), else location. */
  static String alertKey(Alert alert) {
    return alert.getVehicleId() != null ? alert.getVehicleId() : alert.getLocationId();
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
