package com.mobilitycorp.fleet.transforms;

import static com.mobilitycorp.fleet.transforms.Events.T0;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.InventoryUpdate;
import com.mobilitycorp.fleet.model.InventoryUpdateReason;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Checks {@link TrackVehicleInventory} against {@link TrackVehicleInventoryModel} on seeded random
 * booking lifecycles and telemetry, delivered out of order (up to 5 minutes) and some far beyond
 * the lateness, with a moving watermark. The final update of every vehicle must equal the model's
 * state; revisions must rise with every update and as_of never go back. The fleet simulator's version of
 * this check lives in the testing module.
 */
@ExtendWith(TestPipelineExtension.class)
class TrackVehicleInventoryModelCheckTest {
  private static final int VEHICLES = 12;

  /** Normalises the order-dependent fields so updates compare on state alone. */
  private static InventoryUpdate stateOnly(InventoryUpdate u) {
    return u.toBuilder().setRevision(0).setReason(InventoryUpdateReason.STATUS_CHANGE).build();
  }

  @Test
  void testFinalInventoryMatchesModelOnRandomLifecyclesWithDisorder(TestPipeline p)
      throws Exception {
    Random random = new Random(20261125);
    List<Object> events = new ArrayList<>();
    for (int v = 0; v < VEHICLES; v++) {
      events.addAll(vehicleHistory("v" + v, random));
    }
    // Delivery: event time + 0.05..2 s, 20% out of order by up to 5 min, 3% 6..15 min late.
    List<Long> deliveryTimes = new ArrayList<>();
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      long eventTime = eventTime(events.get(i)).getMillis();
      int roll = random.nextInt(100);
      long delay =
          roll < 3 ? 360_000 + random.nextInt(540_000)
              : roll < 23 ? random.nextInt(300_000) : 50 + random.nextInt(1950);
      deliveryTimes.add(eventTime + delay);
      order.add(i);
    }
    order.sort(Comparator.comparing(deliveryTimes::get));

    TrackVehicleInventoryModel model = new TrackVehicleInventoryModel();
    TestStream.Builder<RawUnionValue> stream =
        InventoryInput.stream(p).advanceWatermarkTo(T0.minus(Duration.standardMinutes(5)));
    Instant watermark = T0.minus(Duration.standardMinutes(5));
    // Batches of 20 deliveries: the final state does not depend on the order inside a batch.
    List<TimestampedValue<RawUnionValue>> batch = new ArrayList<>();
    int step = 0;
    for (int i : order) {
      Object event = events.get(i);
      if (event instanceof TelemetryEvent) {
        batch.add(InventoryInput.signal((TelemetryEvent) event));
        model.onTelemetry((TelemetryEvent) event);
      } else {
        batch.add(InventoryInput.signal((BookingEvent) event));
        model.onBooking((BookingEvent) event);
      }
      if (++step % 20 != 0) {
        continue;
      }
      stream = addAll(stream, batch);
      // As KafkaIO's policy does: the watermark trails the delivery clock by the max disorder.
      Instant next = new Instant(deliveryTimes.get(i)).minus(Duration.standardMinutes(5));
      if (next.isAfter(watermark)) {
        watermark = next;
        stream = stream.advanceWatermarkTo(watermark);
      }
      if (step % 60 == 0) {
        stream = stream.advanceProcessingTime(Duration.standardSeconds(31));
      }
    }
    stream = addAll(stream, batch);
    TestStream<RawUnionValue> input =
        stream.advanceProcessingTime(Duration.standardSeconds(31)).advanceWatermarkToInfinity();

    PCollection<InventoryUpdate> updates =
        InventoryInput.split(p, input).apply("TrackInventory", TrackVehicleInventory.create());
    PCollection<KV<String, InventoryUpdate>> byVehicle =
        updates.apply(
            "ByVehicle",
            WithKeys.<String, InventoryUpdate>of(InventoryUpdate::getVehicleId)
                .withKeyType(TypeDescriptors.strings()))
        // The global window ends with the input; fire once then, so all updates are grouped.
        .apply(
            "OnePaneAtTheEnd",
            Window.<KV<String, InventoryUpdate>>configure()
                .triggering(AfterWatermark.pastEndOfWindow())
                .withAllowedLateness(Duration.ZERO)
                .discardingFiredPanes());

    List<InventoryUpdate> expected = new ArrayList<>();
    for (String vehicle : model.vehicles()) {
      expected.add(model.finalState(vehicle));
    }
    PAssert.that(
            byVehicle
                .apply("LastPerVehicle", Combine.perKey(
                    (Iterable<InventoryUpdate> all) -> {
                      InventoryUpdate last = null;
                      for (InventoryUpdate u : all) {
                        last = last == null || u.getRevision() > last.getRevision() ? u : last;
                      }
                      return last;
                    }))
                .apply(Values.create())
                .apply("StateOnly",
                    MapElements.into(TypeDescriptor.of(InventoryUpdate.class))
                        .via(TrackVehicleInventoryModelCheckTest::stateOnly)))
        .containsInAnyOrder(expected);
    PAssert.that(byVehicle.apply("AllPerVehicle", GroupByKey.create()))
        .satisfies(
            groups -> {
              for (KV<String, Iterable<InventoryUpdate>> group : groups) {
                List<InventoryUpdate> sorted = new ArrayList<>();
                group.getValue().forEach(sorted::add);
                sorted.sort(Comparator.comparingLong(InventoryUpdate::getRevision));
                for (int r = 0; r < sorted.size(); r++) {
                  if (r > 0) {
                    // Revisions count the inputs taken in, so they rise with every update.
                    assertThat(group.getKey() + " revisions must rise with every update",
                        sorted.get(r).getRevision() > sorted.get(r - 1).getRevision(), is(true));
                    assertThat(group.getKey() + " as_of must never go back",
                        sorted.get(r).getAsOf().isBefore(sorted.get(r - 1).getAsOf()), is(false));
                  }
                }
              }
              return null;
            });
    PipelineResult result = p.run();
    result.waitUntilFinish();

    long corrections =
        PipelineMetrics.counter(result, TrackVehicleInventory.class, "late_corrections");
    long beyond =
        PipelineMetrics.counter(result, TrackVehicleInventory.class, "events_beyond_lateness");
    assertThat("the input must exercise late corrections", corrections, greaterThan(0L));
    assertThat("the input must exercise events beyond the lateness", beyond, greaterThan(0L));
  }

  private static TestStream.Builder<RawUnionValue> addAll(
      TestStream.Builder<RawUnionValue> stream, List<TimestampedValue<RawUnionValue>> batch) {
    if (batch.isEmpty()) {
      return stream;
    }
    TimestampedValue<RawUnionValue> first = batch.get(0);
    @SuppressWarnings("unchecked")
    TimestampedValue<RawUnionValue>[] rest =
        batch.subList(1, batch.size()).toArray(new TimestampedValue[0]);
    batch.clear();
    return stream.addElements(first, rest);
  }

  private static Instant eventTime(Object event) {
    return event instanceof TelemetryEvent
        ? ((TelemetryEvent) event).getEventTime()
        : ((BookingEvent) event).getEventTime();
  }

  /** Two hours of one vehicle: parked heartbeats, bookings (some cancelled), trips, maintenance. */
  private static List<Object> vehicleHistory(String vehicleId, Random random) {
    List<Object> events = new ArrayList<>();
    long t = random.nextInt(60_000);
    long end = Duration.standardHours(2).getMillis();
    double lat = 52.5;
    double battery = 100;
    int ids = 0;
    int bookings = 0;
    while (t < end) {
      int roll = random.nextInt(10);
      if (roll < 4) { // a booking
        String bookingId = vehicleId + "-b" + bookings++;
        Instant start = T0.plus(t);
        events.add(booking(vehicleId, vehicleId + "-e" + ids++, BookingEventType.BOOKING_CREATED,
            bookingId, start, start, null));
        t += 30_000 + random.nextInt(150_000);
        if (random.nextInt(5) == 0) {
          events.add(booking(vehicleId, vehicleId + "-e" + ids++,
              BookingEventType.BOOKING_CANCELLED, bookingId, T0.plus(t), start, T0.plus(t)));
        } else {
          events.add(booking(vehicleId, vehicleId + "-e" + ids++, BookingEventType.RENTAL_STARTED,
              bookingId, T0.plus(t), start, null));
          long tripEnd = t + 120_000 + random.nextInt(900_000);
          while (t < tripEnd) {
            t += 15_000 + random.nextInt(10_000);
            lat += 0.0005;
            battery = Math.max(0, battery - 0.3);
            events.add(telemetry(vehicleId, vehicleId + "-e" + ids++, T0.plus(t), lat, battery,
                OperationalStatus.OPERATIONAL));
          }
          t += 1 + random.nextInt(5_000);
          events.add(booking(vehicleId, vehicleId + "-e" + ids++,
              BookingEventType.RETURN_COMPLETED, bookingId, T0.plus(t), start, T0.plus(t)));
        }
      } else {
        OperationalStatus status =
            roll == 9 ? OperationalStatus.MAINTENANCE : OperationalStatus.OPERATIONAL;
        if (random.nextInt(3) == 0) {
          battery = Math.min(100, battery + 1);
        }
        events.add(telemetry(vehicleId, vehicleId + "-e" + ids++, T0.plus(t), lat, battery,
            status));
      }
      t += 10_000 + random.nextInt(120_000);
    }
    return events;
  }

  private static TelemetryEvent telemetry(
      String vehicleId, String id, Instant at, double lat, double battery,
      OperationalStatus status) {
    return InventoryInput.telemetry(vehicleId, id, at, lat, battery, status);
  }

  private static BookingEvent booking(
      String vehicleId, String id, BookingEventType type, String bookingId, Instant at,
      Instant start, Instant end) {
    return InventoryInput.booking(
        vehicleId, id, type, bookingId, type == BookingEventType.RETURN_COMPLETED
            ? "berlin-kreuzberg" : "berlin-mitte", at, start, end);
  }
}
