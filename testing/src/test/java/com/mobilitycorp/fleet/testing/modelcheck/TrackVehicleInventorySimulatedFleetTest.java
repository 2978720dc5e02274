package com.mobilitycorp.fleet.testing.modelcheck;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.InventoryUpdate;
import com.mobilitycorp.fleet.model.InventoryUpdateReason;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.testing.simulator.FleetSimulator;
import com.mobilitycorp.fleet.testing.simulator.SimulatedMessage;
import com.mobilitycorp.fleet.testing.simulator.SimulatorConfig;
import com.mobilitycorp.fleet.testing.simulator.VehicleTruth;
import com.mobilitycorp.fleet.transforms.DeduplicateEvents;
import com.mobilitycorp.fleet.transforms.TrackVehicleInventory;
import com.mobilitycorp.fleet.transforms.TrackVehicleInventoryModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.transforms.join.UnionCoder;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link TrackVehicleInventory} (behind {@link DeduplicateEvents}, as in the pipeline) against
 * {@link TrackVehicleInventoryModel} and the simulator's ground truth, on an hour of simulated
 * fleet traffic delivered as the simulator delivers it (resends, disorder, events beyond the
 * lateness), with the watermark the Kafka source would compute. Three independent answers must
 * agree on every vehicle's final state.
 */
@ExtendWith(TestPipelineExtension.class)
class TrackVehicleInventorySimulatedFleetTest {
  private static final Duration MAX_DISORDER = Duration.standardMinutes(5);
  private static final int BATCH = 100;
  private static final int TELEMETRY = 0;
  private static final int BOOKING = 1;

  @Test
  void testFinalInventoryMatchesModelAndSimulatorTruth(TestPipeline p) throws Exception {
    FleetSimulator simulator =
        new FleetSimulator(
            SimulatorConfig.builder()
                .seed(11)
                .vehicleCount(40)
                .locationCount(8)
                .start(Instant.parse("2026-11-25T07:00:00Z"))
                .duration(Duration.standardMinutes(60))
                .bookingsPerVehiclePerDay(30)
                .duplicateRate(0.05)
                .bookingDuplicateRate(0.05)
                .lateRate(0.02)
                .malformedRate(0)
                .build());
    Coder<TelemetryEvent> telemetryCoder =
        p.getSchemaRegistry().getSchemaCoder(TelemetryEvent.class);
    Coder<BookingEvent> bookingCoder = p.getSchemaRegistry().getSchemaCoder(BookingEvent.class);
    TrackVehicleInventoryModel model = new TrackVehicleInventoryModel();
    TestStream.Builder<RawUnionValue> stream =
        TestStream.create(UnionCoder.of(List.<Coder<?>>of(telemetryCoder, bookingCoder)));
    List<TimestampedValue<RawUnionValue>> batch = new ArrayList<>();
    Instant watermark = new Instant(0);
    Instant newest = new Instant(0);
    int bookingEvents = 0;
    for (SimulatedMessage message : (Iterable<SimulatedMessage>) simulator::messages) {
      if (message.isTelemetry()) {
        batch.add(TimestampedValue.of(
            new RawUnionValue(TELEMETRY, message.telemetry()), message.eventTime()));
        model.onTelemetry(message.telemetry());
      } else {
        batch.add(TimestampedValue.of(
            new RawUnionValue(BOOKING, message.booking()), message.eventTime()));
        model.onBooking(message.booking());
        bookingEvents++;
      }
      newest = message.eventTime().isAfter(newest) ? message.eventTime() : newest;
      if (batch.size() == BATCH) {
        stream = flush(stream, batch);
        Instant next = newest.minus(MAX_DISORDER);
        if (next.isAfter(watermark)) {
          watermark = next;
          stream = stream.advanceWatermarkTo(watermark);
        }
        stream = stream.advanceProcessingTime(Duration.standardSeconds(10));
      }
    }
    stream = flush(stream, batch);
    TestStream<RawUnionValue> input =
        stream.advanceProcessingTime(Duration.standardMinutes(1)).advanceWatermarkToInfinity();

    // The model agrees with the simulator's truth (checked in plain Java first).
    Map<String, String> fromModel = new TreeMap<>();
    Map<String, String> fromTruth = new TreeMap<>();
    List<InventoryUpdate> expected = new ArrayList<>();
    for (VehicleTruth truth : simulator.finalFleetState().values()) {
      if (truth.lastEventTime() == null) {
        continue;
      }
      InventoryUpdate state = model.finalState(truth.vehicleId());
      expected.add(state);
      fromModel.put(truth.vehicleId(), summary(
          state.getStatus().name(), state.getBookingId(), state.getLat(), state.getLon(),
          state.getBatteryPct(), state.getAsOf()));
      fromTruth.put(truth.vehicleId(), summary(
          truth.status().name(), truth.bookingId(), truth.lat(), truth.lon(), truth.batteryPct(),
          truth.lastEventTime()));
    }
    assertThat(fromModel, equalTo(fromTruth));
    assertThat("the fleet must book", bookingEvents, greaterThan(100));

    PCollection<RawUnionValue> signals = p.apply(input);
    PCollection<TelemetryEvent> telemetry =
        signals
            .apply("OnlyTelemetry", Filter.by(s -> s.getUnionTag() == TELEMETRY))
            .apply("AsTelemetry", MapElements.into(TypeDescriptor.of(TelemetryEvent.class))
                .via(s -> (TelemetryEvent) s.getValue()))
            .setCoder(telemetryCoder)
            .apply("DeduplicateTelemetry", DeduplicateEvents.within(DeduplicateEvents.DEFAULT_HORIZON));
    PCollection<BookingEvent> bookings =
        signals
            .apply("OnlyBookings", Filter.by(s -> s.getUnionTag() == BOOKING))
            .apply("AsBookings", MapElements.into(TypeDescriptor.of(BookingEvent.class))
                .via(s -> (BookingEvent) s.getValue()))
            .setCoder(bookingCoder)
            .apply("DeduplicateBookings", DeduplicateEvents.within(DeduplicateEvents.DEFAULT_HORIZON));
    PCollection<InventoryUpdate> finalStates =
        PCollectionTuple.of(TrackVehicleInventory.TELEMETRY, telemetry)
            .and(TrackVehicleInventory.BOOKINGS, bookings)
            .apply("TrackInventory", TrackVehicleInventory.create())
            .apply("ByVehicle", WithKeys.<String, InventoryUpdate>of(InventoryUpdate::getVehicleId)
                .withKeyType(TypeDescriptors.strings()))
            .apply("OnePaneAtTheEnd", Window.<KV<String, InventoryUpdate>>configure()
                .triggering(AfterWatermark.pastEndOfWindow())
                .withAllowedLateness(Duration.ZERO)
                .discardingFiredPanes())
            .apply("LastPerVehicle", Combine.perKey(
                (Iterable<InventoryUpdate> all) -> {
                  InventoryUpdate last = null;
                  for (InventoryUpdate u : all) {
                    last = last == null || u.getRevision() > last.getRevision() ? u : last;
                  }
                  return last;
                }))
            .apply(Values.create())
            .apply("StateOnly", MapElements.into(TypeDescriptor.of(InventoryUpdate.class))
                .via(u -> u.toBuilder().setRevision(0)
                    .setReason(InventoryUpdateReason.STATUS_CHANGE).build()));
    PAssert.that(finalStates).containsInAnyOrder(expected);
    p.run().waitUntilFinish();
  }

  private static String summary(
      String status, String bookingId, Double lat, Double lon, Double battery, Instant asOf) {
    return status + " booking=" + bookingId + " at " + lat + "," + lon + " battery=" + battery
        + " as_of=" + asOf;
  }

  private static TestStream.Builder<RawUnionValue> flush(
      TestStream.Builder<RawUnionValue> stream, List<TimestampedValue<RawUnionValue>> batch) {
    if (batch.isEmpty()) {
      return stream;
    }
    @SuppressWarnings("unchecked")
    TimestampedValue<RawUnionValue>[] rest =
        batch.subList(1, batch.size()).toArray(new TimestampedValue[0]);
    TestStream.Builder<RawUnionValue> next = stream.addElements(batch.get(0), rest);
    batch.clear();
    return next;
  }
}
