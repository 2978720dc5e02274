package com.mobilitycorp.fleet.transforms;

import static com.mobilitycorp.fleet.transforms.Events.T0;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.model.VehicleType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Checks {@link DetectBatteryDrain} against {@link DetectBatteryDrainModel} on a seeded random
 * fleet: 30 vehicles (20 e-scooters, 8 e-bikes, 2 of unknown type) over 3 hours, parking, riding
 * and charging, with 0.1 % battery resolution, GPS noise, radio silences and injected faults.
 * Readings are delivered up to 4 minutes late, a few up to 15 (behind the watermark for some of
 * their windows); the watermark trails the newest delivered event time by 5 minutes. Deliveries
 * are batched per 2 minutes (arrival order within a step does not matter to windows), and the
 * model sees the same steps. Alert ids and the rule's counters must agree.
 */
@ExtendWith(TestPipelineExtension.class)
class DetectBatteryDrainModelCheckTest {
  private static final long MINUTE = 60_000;
  private static final long HORIZON = 180 * MINUTE;
  private static final long STEP = 4 * MINUTE;

  private enum Activity { PARKED, TRIP, CHARGING }

  @Test
  void testAlertIdsMatchModelOnRandomFleetWithFaultsAndDisorder(TestPipeline p) {
    Random random = new Random(20261125);
    List<EnrichedTelemetry> readings = new ArrayList<>();
    for (int v = 0; v < 30; v++) {
      readings.addAll(vehicle(v, random));
    }

    // Delivery: mostly within 4 minutes, 2 % beyond the watermark's 5 minutes.
    TreeMap<Long, List<EnrichedTelemetry>> byStep = new TreeMap<>();
    for (EnrichedTelemetry r : readings) {
      long t = r.getTelemetry().getEventTime().getMillis() - T0.getMillis();
      long delay = random.nextInt(100) < 2 ? 6 * MINUTE + random.nextInt((int) (9 * MINUTE)) : random.nextInt((int) (4 * MINUTE));
      byStep.computeIfAbsent((t + delay) / STEP, s -> new ArrayList<>()).add(r);
    }

    DetectBatteryDrain transform = DetectBatteryDrain.create();
    DetectBatteryDrainModel model = transform.model();
    TestStream.Builder<EnrichedTelemetry> stream =
        TestStream.create(Events.enrichedCoder(p)).advanceWatermarkTo(T0.minus(Duration.standardHours(1)));
    Instant newest = T0.minus(Duration.standardHours(1));
    Instant watermark = newest;
    for (List<EnrichedTelemetry> batch : byStep.values()) {
      List<TimestampedValue<EnrichedTelemetry>> values = new ArrayList<>();
      for (EnrichedTelemetry r : batch) {
        Instant at = r.getTelemetry().getEventTime();
        values.add(TimestampedValue.of(r, at));
        model.onReading(r);
        newest = at.isAfter(newest) ? at : newest;
      }
      stream = stream.addElements(values.get(0), values.subList(1, values.size()).toArray(TimestampedValue[]::new));
      Instant next = newest.minus(Duration.standardMinutes(5));
      if (next.isAfter(watermark)) {
        watermark = next;
        stream = stream.advanceWatermarkTo(watermark);
        model.onWatermark(watermark);
      }
    }

    PAssert.that(
            p.apply(stream.advanceWatermarkToInfinity())
                .apply(transform)
                .apply(MapElements.into(TypeDescriptors.strings()).via(Alert::getAlertId)))
        .containsInAnyOrder(model.alertIds());
    PipelineResult result = p.run();
    result.waitUntilFinish();

    assertThat("the faults must produce alerts", model.alertIds().size(), greaterThan(6));
    assertThat("some windows must flag a vehicle again", model.flaggedVehicleWindows(),
        greaterThan(2L * model.alertIds().size()));
    assertThat("the input must exercise late readings", model.droppedReadingWindows(), greaterThan(10L));
    assertThat("the input must exercise thin types", model.tooFewPeerWindows(), greaterThan(0L));
    assertThat(counter(result, "battery_drain_vehicle_windows_judged"), is(model.judgedVehicleWindows()));
    assertThat(counter(result, "battery_drain_vehicle_windows_flagged"), is(model.flaggedVehicleWindows()));
    assertThat(counter(result, "battery_drain_vehicle_windows_unknown_type"), is(model.unknownTypeVehicleWindows()));
    assertThat(counter(result, "battery_drain_windows_too_few_peers"), is(model.tooFewPeerWindows()));
    assertThat(counter(result, "battery_drain_alerts_raised"), is((long) model.alertIds().size()));
    assertThat(counter(result, "battery_drain_vehicles_with_state"), is(0L));
    assertThat(droppedDueToLateness(result), is(model.droppedReadingWindows()));
  }

  /** One vehicle's readings over the horizon. */
  private static List<EnrichedTelemetry> vehicle(int v, Random random) {
    String id = String.format("v%02d", v);
    VehicleType type = v < 20 ? VehicleType.E_SCOOTER : VehicleType.E_BIKE;
    VehicleMetadata meta =
        v >= 28 ? null : VehicleMetadata.create(id, type, "Model", "loc-1", Instant.parse("2026-11-01T00:00:00Z"));
    LocationMetadata zone =
        v % 3 == 0 ? LocationMetadata.create("zone-" + v, "Zone " + v, "Berlin", 52.5, 13.4, 300) : null;
    boolean reportsSpeed = random.nextInt(10) < 7;
    boolean reportsOdometer = type == VehicleType.E_BIKE || random.nextBoolean();
    double idleDrain = 0.1 + 0.3 * random.nextDouble();
    // Faults on about a third of the vehicles, some twice.
    List<long[]> faults = new ArrayList<>();
    if (v % 3 == 1) {
      for (int f = 0; f < 1 + random.nextInt(2); f++) {
        long start = random.nextInt((int) (HORIZON - 40 * MINUTE));
        faults.add(new long[] {start, start + (25 + random.nextInt(45)) * MINUTE});
      }
    }
    double faultRate = 6 + random.nextInt(15);

    List<EnrichedTelemetry> out = new ArrayList<>();
    double battery = 40 + random.nextInt(55);
    double lat = 52.45 + random.nextDouble() * 0.1;
    double lon = 13.35 + random.nextDouble() * 0.1;
    double odometer = 1000 + random.nextInt(500);
    Activity activity = Activity.PARKED;
    long activityEnds = (10 + random.nextInt(60)) * MINUTE;
    long t = random.nextInt((int) (3 * MINUTE));
    long previous = t;
    int n = 0;
    while (t < HORIZON) {
      double hours = (t - previous) / 3_600_000.0;
      boolean faulty = false;
      for (long[] f : faults) {
        faulty |= t >= f[0] && t < f[1];
      }
      double speed = 0;
      switch (activity) {
        case PARKED:
          battery -= (faulty ? faultRate : idleDrain) * hours;
          break;
        case TRIP:
          speed = 10 + random.nextInt(15);
          battery -= (8 + (faulty ? faultRate : 0)) * hours;
          lat += speed * hours / 111.0; // north, ~111 km per degree
          odometer += speed * hours;
          break;
        case CHARGING:
          battery += 40 * hours;
          break;
      }
      battery = Math.max(0, Math.min(100, battery));
      // GPS noise of a few metres while standing.
      double noiseLat = (random.nextDouble() - 0.5) * 0.00008;
      double noiseLon = (random.nextDouble() - 0.5) * 0.00012;
      TelemetryEvent e =
          TelemetryEvent.builder()
              .setEventId(id + "-" + n++)
              .setVehicleId(id)
              .setEventTime(T0.plus(t))
              .setLat(lat + noiseLat)
              .setLon(lon + noiseLon)
              .setBatteryPct(Math.round(battery * 10) / 10.0)
              .setOperationalStatus(activity == Activity.CHARGING ? OperationalStatus.CHARGING : OperationalStatus.OPERATIONAL)
              .setSpeedKmh(reportsSpeed ? speed : null)
              .setOdometerKm(reportsOdometer ? Math.round(odometer * 100) / 100.0 : null)
              .build();
      out.add(EnrichedTelemetry.builder().setTelemetry(e).setVehicle(meta).setZone(zone).build());

      previous = t;
      // Every 2-4 minutes; now and then a radio silence longer than an idle pair may span.
      t += random.nextInt(100) < 3 ? (11 + random.nextInt(4)) * MINUTE : 120_000 + random.nextInt(120_000);
      if (t >= activityEnds) {
        int roll = random.nextInt(10);
        activity = activity != Activity.PARKED ? Activity.PARKED : roll < 8 ? Activity.TRIP : Activity.CHARGING;
        activityEnds = t + switch (activity) {
          case PARKED -> (30 + random.nextInt(60)) * MINUTE;
          case TRIP -> (5 + random.nextInt(15)) * MINUTE;
          case CHARGING -> (10 + random.nextInt(15)) * MINUTE;
        };
      }
    }
    return out;
  }

  private static long counter(PipelineResult result, String name) {
    return PipelineMetrics.counter(result, DetectBatteryDrain.class, name);
  }

  /** Beam's own late-data counter (the DirectRunner counts it under its GroupAlsoByWindow). */
  private static long droppedDueToLateness(PipelineResult result) {
    long total = 0;
    for (MetricResult<Long> c : result.metrics().queryMetrics(MetricsFilter.builder().build()).getCounters()) {
      if (c.getName().getName().equals("DroppedDueToLateness")) {
        total += c.getAttempted();
      }
    }
    return total;
  }
}
