package com.mobilitycorp.fleet.transforms;

import static com.mobilitycorp.fleet.transforms.Events.T0;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.AlertSeverity;
import com.mobilitycorp.fleet.model.AlertType;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.model.VehicleType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * TestStream cases for {@link DetectBatteryDrain}, named as in Beam's LeaderBoardTest (on time,
 * observably late, droppably late). Fleets report every 5 minutes from T0; peers idle-drain at
 * 0.4 %/h unless a case says otherwise. Where all readings are on time, the expected ids are also
 * checked against {@link DetectBatteryDrainModel}. Alerts are compared by id (detection time is
 * the wall clock).
 */
@ExtendWith(TestPipelineExtension.class)
class DetectBatteryDrainTest {
  private static final Duration DISORDER = Duration.standardMinutes(5);
  private static final double NORMAL_PCT_PER_HOUR = 0.4;
  private static final double FAULT_PCT_PER_HOUR = 10.0;

  // --- input builders -------------------------------------------------------------------------

  private static Instant min(double minutes) {
    return T0.plus(Math.round(minutes * 60_000));
  }

  private static VehicleMetadata scooter(String vehicle) {
    return VehicleMetadata.create(
        vehicle, VehicleType.E_SCOOTER, "Model", "loc-1", Instant.parse("2026-11-01T00:00:00Z"));
  }

  /** A parked reading (speed 0, fixed position and odometer) of a known e-scooter. */
  private static EnrichedTelemetry parked(String vehicle, double minute, double battery) {
    return reading(vehicle, minute, battery, e -> e);
  }

  private static EnrichedTelemetry reading(
      String vehicle, double minute, double battery, UnaryOperator<TelemetryEvent.Builder> change) {
    TelemetryEvent.Builder e =
        TelemetryEvent.builder()
            .setEventId(vehicle + "@" + minute)
            .setVehicleId(vehicle)
            .setEventTime(min(minute))
            .setLat(52.5)
            .setLon(13.4)
            .setBatteryPct(battery)
            .setOperationalStatus(OperationalStatus.OPERATIONAL)
            .setSpeedKmh(0.0)
            .setOdometerKm(1234.5);
    return EnrichedTelemetry.builder()
        .setTelemetry(change.apply(e).build())
        .setVehicle(scooter(vehicle))
        .build();
  }

  /** Readings every {@code step} minutes over [from, to], battery as a function of the minute. */
  private static List<EnrichedTelemetry> series(
      String vehicle, double from, double to, double step, DoubleUnaryOperator battery) {
    List<EnrichedTelemetry> readings = new ArrayList<>();
    for (double m = from; m <= to; m += step) {
      readings.add(parked(vehicle, m, battery.applyAsDouble(m)));
    }
    return readings;
  }

  /** Battery at minute m of a vehicle idling at {@code pctPerHour} from 80 %. */
  private static DoubleUnaryOperator draining(double pctPerHour) {
    return m -> 80 - pctPerHour * m / 60;
  }

  /** Normal idle drain, plus the fault rate during each [from, to) interval given in pairs. */
  private static DoubleUnaryOperator faulty(double... faultIntervals) {
    return m -> {
      double faultMinutes = 0;
      for (int i = 0; i < faultIntervals.length; i += 2) {
        faultMinutes += Math.max(0, Math.min(m, faultIntervals[i + 1]) - faultIntervals[i]);
      }
      return 80 - (NORMAL_PCT_PER_HOUR * (m - faultMinutes) + FAULT_PCT_PER_HOUR * faultMinutes) / 60;
    };
  }

  /** {@code n} vehicles p1..pn parked over [0, to] at the normal rate. */
  private static List<EnrichedTelemetry> peers(int n, double to, DoubleUnaryOperator battery) {
    List<EnrichedTelemetry> readings = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      readings.addAll(series("p" + i, 0, to, 5, battery));
    }
    return readings;
  }

  @SafeVarargs
  private static List<EnrichedTelemetry> fleet(List<EnrichedTelemetry>... parts) {
    List<EnrichedTelemetry> all = new ArrayList<>();
    Arrays.stream(parts).forEach(all::addAll);
    return all;
  }

  // --- streams --------------------------------------------------------------------------------

  private static TestStream.Builder<EnrichedTelemetry> stream(TestPipeline p) {
    return TestStream.create(Events.enrichedCoder(p)).advanceWatermarkTo(T0.minus(Duration.standardHours(1)));
  }

  private static TimestampedValue<EnrichedTelemetry> timestamped(EnrichedTelemetry r) {
    return TimestampedValue.of(r, r.getTelemetry().getEventTime());
  }

  /** In event-time order, one step per instant, the watermark trailing by the 5-minute disorder. */
  private static TestStream.Builder<EnrichedTelemetry> inOrder(
      TestStream.Builder<EnrichedTelemetry> stream, List<EnrichedTelemetry> readings) {
    TreeMap<Instant, List<TimestampedValue<EnrichedTelemetry>>> byTime = new TreeMap<>();
    for (EnrichedTelemetry r : readings) {
      byTime.computeIfAbsent(r.getTelemetry().getEventTime(), t -> new ArrayList<>()).add(timestamped(r));
    }
    for (Map.Entry<Instant, List<TimestampedValue<EnrichedTelemetry>>> step : byTime.entrySet()) {
      stream = addAll(stream, step.getValue()).advanceWatermarkTo(step.getKey().minus(DISORDER));
    }
    return stream;
  }

  private static TestStream.Builder<EnrichedTelemetry> addAll(
      TestStream.Builder<EnrichedTelemetry> stream, List<TimestampedValue<EnrichedTelemetry>> values) {
    return stream.addElements(values.get(0), values.subList(1, values.size()).toArray(TimestampedValue[]::new));
  }

  private static PCollection<String> ids(PCollection<Alert> alerts, String name) {
    return alerts.apply(name, MapElements.into(TypeDescriptors.strings()).via(Alert::getAlertId));
  }

  private static PCollection<String> alertIds(
      TestPipeline p, TestStream<EnrichedTelemetry> input, DetectBatteryDrain transform) {
    return ids(p.apply(input).apply(transform), "AlertIds");
  }

  private static String id(String vehicle, double windowStartMinute) {
    return DetectBatteryDrain.alertId(vehicle, min(windowStartMinute));
  }

  private static void assertModel(List<EnrichedTelemetry> readings, String... expectedIds) {
    assertThat(DetectBatteryDrainModel.alertIds(readings), is(new TreeSet<>(Arrays.asList(expectedIds))));
  }

  private static long counter(PipelineResult result, String name) {
    return PipelineMetrics.counter(result, DetectBatteryDrain.class, name);
  }

  /** Beam's own late-data counter, whatever runner class counts it. */
  private static long droppedDueToLateness(PipelineResult result) {
    long total = 0;
    for (MetricResult<Long> c : result.metrics().queryMetrics(MetricsFilter.builder().build()).getCounters()) {
      if (c.getName().getName().equals("DroppedDueToLateness")) {
        total += c.getAttempted();
      }
    }
    return total;
  }

  /** Six normal peers and v-drain, which drains at 10 %/h over minutes 20-60. */
  private static List<EnrichedTelemetry> oneFaultAmongSixPeers() {
    return fleet(
        peers(6, 60, draining(NORMAL_PCT_PER_HOUR)), series("v-drain", 0, 60, 5, faulty(20, 60)));
  }

  // --- on time --------------------------------------------------------------------------------

  @Test
  void testOnTimeFastIdleDrainAmongNormalPeersRaisesOneAlertForItsEpisode(TestPipeline p) {
    List<EnrichedTelemetry> readings = oneFaultAmongSixPeers();
    PCollection<Alert> alerts = p.apply(inOrder(stream(p), readings).advanceWatermarkToInfinity())
        .apply(DetectBatteryDrain.create());
    // The first window holding a fault pair is [0, 30): 4 normal pairs and (20, 25).
    PAssert.that(ids(alerts, "Ids")).containsInAnyOrder(id("v-drain", 0));
    PAssert.that(alerts)
        .satisfies(
            all -> {
              Alert alert = all.iterator().next();
              assertThat(alert.getType(), is(AlertType.BATTERY_DRAIN));
              assertThat(alert.getSeverity(), is(AlertSeverity.WARNING));
              assertThat(alert.getVehicleId(), is("v-drain"));
              assertThat(alert.getLocationId(), is(nullValue()));
              assertThat(alert.getEventTime(), is(min(30)));
              Map<String, String> d = alert.getDetails();
              // (4 x 0.4/12 + 10/12) % over 25 minutes
              assertThat(d.get("drain_pct_per_hour"), is("2.32"));
              assertThat(d.get("type_median_pct_per_hour"), is("0.40"));
              assertThat(d.get("ratio"), is("5.80"));
              assertThat(d.get("idle_minutes"), is("25.0"));
              assertThat(d.get("window_start"), is(min(0).toString()));
              assertThat(d.get("window_end"), is(min(30).toString()));
              assertThat(d.get("judged_peers"), is("7"));
              assertThat(d.get("vehicle_type"), is("e_scooter"));
              assertThat(d.get("location_id"), is(ReadingContext.NO_ZONE));
              assertThat(d.get("lat"), is("52.5"));
              return null;
            });
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertModel(readings, id("v-drain", 0));
    // Windows starting at 0..45 hold a fault pair and are judged: 10 flags, one episode.
    assertThat(counter(result, "battery_drain_vehicle_windows_flagged"), is(10L));
    assertThat(counter(result, "battery_drain_alerts_raised"), is(1L));
    assertThat(counter(result, "battery_drain_vehicles_with_state"), is(0L));
  }

  @Test
  void testOnTimeSevereDrainIsCritical(TestPipeline p) {
    List<EnrichedTelemetry> readings =
        fleet(peers(6, 60, draining(NORMAL_PCT_PER_HOUR)), series("v-drain", 0, 60, 5, draining(12)));
    PCollection<Alert> alerts = p.apply(inOrder(stream(p), readings).advanceWatermarkToInfinity())
        .apply(DetectBatteryDrain.create());
    // The first judged window, [-10, 20), holds readings 0..15: 15 idle minutes.
    PAssert.that(ids(alerts, "Ids")).containsInAnyOrder(id("v-drain", -10));
    PAssert.that(alerts)
        .satisfies(
            all -> {
              Alert alert = all.iterator().next();
              assertThat(alert.getSeverity(), is(AlertSeverity.CRITICAL));
              assertThat(alert.getDetails().get("drain_pct_per_hour"), is("12.00"));
              assertThat(alert.getDetails().get("ratio"), is("30.00"));
              assertThat(alert.getDetails().get("idle_minutes"), is("15.0"));
              return null;
            });
    p.run().waitUntilFinish();
    assertModel(readings, id("v-drain", -10));
  }

  @Test
  void testOnTimeExactlyThreeTimesTheMedianIsNotDraining(TestPipeline p) {
    // Every 7.5 minutes, drops in eighths of a percent: every rate below is exact in binary.
    List<EnrichedTelemetry> readings = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      readings.addAll(series("p" + i, 0, 60, 7.5, m -> 80 - 0.125 * (m / 7.5))); // 1 %/h
    }
    readings.addAll(series("v-3x", 0, 60, 7.5, m -> 80 - 0.375 * (m / 7.5))); // 3 %/h
    PCollection<EnrichedTelemetry> input = p.apply(inOrder(stream(p), readings).advanceWatermarkToInfinity());
    PAssert.that(alertIdsOf(input, "Default", DetectBatteryDrain.create())).empty();
    // The control: just below 3x, the same vehicle drains.
    PAssert.that(alertIdsOf(input, "Factor2.9", DetectBatteryDrain.create().withFactor(2.9)))
        .containsInAnyOrder(id("v-3x", -10));
    p.run().waitUntilFinish();
    assertModel(readings);
  }

  @Test
  void testOnTimeDrainBelowTheAbsoluteFloorIsNotDraining(TestPipeline p) {
    List<EnrichedTelemetry> readings =
        fleet(peers(6, 60, m -> 80), series("v-slow", 0, 60, 5, draining(1.0)));
    PCollection<EnrichedTelemetry> input = p.apply(inOrder(stream(p), readings).advanceWatermarkToInfinity());
    PAssert.that(alertIdsOf(input, "Default", DetectBatteryDrain.create())).empty();
    // The control: with a floor of 0.5 %/h, 1 %/h against a median of 0 is flagged.
    PCollection<Alert> control = input.apply("Floor0.5", DetectBatteryDrain.create().withFloorPctPerHour(0.5));
    PAssert.that(ids(control, "ControlIds")).containsInAnyOrder(id("v-slow", -10));
    PAssert.that(control)
        .satisfies(
            all -> {
              assertThat(all.iterator().next().getDetails().get("ratio"), is("Infinity"));
              return null;
            });
    p.run().waitUntilFinish();
    assertModel(readings);
  }

  @Test
  void testOnTimeTooFewPeersGiveNoVerdict(TestPipeline p) {
    List<EnrichedTelemetry> readings =
        fleet(peers(3, 60, draining(NORMAL_PCT_PER_HOUR)), series("v-drain", 0, 60, 5, draining(12)));
    PCollection<EnrichedTelemetry> input = p.apply(inOrder(stream(p), readings).advanceWatermarkToInfinity());
    PAssert.that(alertIdsOf(input, "Default", DetectBatteryDrain.create())).empty();
    PAssert.that(alertIdsOf(input, "MinPeers4", DetectBatteryDrain.create().withMinPeers(4)))
        .containsInAnyOrder(id("v-drain", -10));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertModel(readings);
    // 4 judged scooters in each of the 12 judged windows [-10, 20) .. [45, 75), in the default.
    assertThat(counter(result, "battery_drain_windows_too_few_peers"), is(12L));
  }

  private static PCollection<String> alertIdsOf(
      PCollection<EnrichedTelemetry> readings, String name, DetectBatteryDrain transform) {
    return ids(readings.apply(name, transform), name + "Ids");
  }

  @Test
  void testOnTimeDrainWhileMovingOrChargingIsNotIdle(TestPipeline p) {
    List<EnrichedTelemetry> fast = new ArrayList<>();
    for (double m = 0; m <= 60; m += 5) {
      double battery = 80 - 12 * m / 60;
      double step = m / 5;
      fast.add(reading("v-trip", m, battery, e -> e.setSpeedKmh(18.0).setLat(52.5 + 0.003 * step)));
      fast.add(reading("v-charging", m, battery, e -> e.setOperationalStatus(OperationalStatus.CHARGING)));
      // No speed reported: the position or the odometer gives the trip away.
      fast.add(reading("v-towed", m, battery, e -> e.setSpeedKmh(null).setLat(52.5 + 0.002 * step)));
      fast.add(reading("v-odometer", m, battery, e -> e.setSpeedKmh(null).setOdometerKm(1234.5 + 0.5 * step)));
    }
    List<EnrichedTelemetry> readings = fleet(peers(6, 60, draining(NORMAL_PCT_PER_HOUR)), fast);
    TestStream<EnrichedTelemetry> input = inOrder(stream(p), readings).advanceWatermarkToInfinity();
    PAssert.that(alertIds(p, input, DetectBatteryDrain.create())).empty();
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertModel(readings);
    // Only the 6 peers, in their 12 judged windows each.
    assertThat(counter(result, "battery_drain_vehicle_windows_judged"), is(72L));
  }

  @Test
  void testOnTimeUnknownVehicleTypeIsNotJudgedButCounted(TestPipeline p) {
    List<EnrichedTelemetry> unknown = new ArrayList<>();
    for (EnrichedTelemetry r : series("v-new", 0, 60, 5, draining(12))) {
      unknown.add(Events.bare(r.getTelemetry()));
    }
    List<EnrichedTelemetry> readings = fleet(peers(6, 60, draining(NORMAL_PCT_PER_HOUR)), unknown);
    TestStream<EnrichedTelemetry> input = inOrder(stream(p), readings).advanceWatermarkToInfinity();
    PAssert.that(alertIds(p, input, DetectBatteryDrain.create())).empty();
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertModel(readings);
    // Every window holding one of its readings: starts -25 .. 60.
    assertThat(counter(result, "battery_drain_vehicle_windows_unknown_type"), is(18L));
  }

  @Test
  void testOnTimeTwoFaultsMoreThanAWindowApartRaiseTwoAlertsAndLeaveNoState(TestPipeline p) {
    List<EnrichedTelemetry> readings =
        fleet(peers(6, 180, draining(NORMAL_PCT_PER_HOUR)), series("v-drain", 0, 180, 5, faulty(20, 60, 120, 160)));
    // Fault 2 is flagged up to [155, 185); no window can continue it once the watermark is
    // past 210, well before the end of input.
    TestStream<EnrichedTelemetry> input =
        inOrder(stream(p), readings).advanceWatermarkTo(min(300)).advanceWatermarkToInfinity();
    // Fault 1 is flagged in windows starting 0..55 (reach 85); fault 2 first in [100, 130).
    PAssert.that(alertIds(p, input, DetectBatteryDrain.create()))
        .containsInAnyOrder(id("v-drain", 0), id("v-drain", 100));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertModel(readings, id("v-drain", 0), id("v-drain", 100));
    assertThat(counter(result, "battery_drain_alerts_raised"), is(2L));
    // Per-vehicle episode state and timer are gone once no window can continue an episode.
    assertThat(counter(result, "battery_drain_vehicles_with_state"), is(0L));
  }

  @Test
  void testOnTimeOutOfOrderReadingsWithinTheDisorderGiveTheSameAlert(TestPipeline p) {
    List<EnrichedTelemetry> readings = oneFaultAmongSixPeers();
    // Delivered up to 4 minutes after their event time, the watermark 5 minutes behind the newest.
    Random random = new Random(7);
    List<long[]> order = new ArrayList<>(); // {delivery, index}
    for (int i = 0; i < readings.size(); i++) {
      order.add(new long[] {readings.get(i).getTelemetry().getEventTime().getMillis() + random.nextInt(240_000), i});
    }
    order.sort(Comparator.comparingLong(o -> o[0]));
    TestStream.Builder<EnrichedTelemetry> stream = stream(p);
    Instant newest = T0.minus(Duration.standardHours(1));
    Instant watermark = newest;
    for (long[] o : order) {
      EnrichedTelemetry r = readings.get((int) o[1]);
      stream = stream.addElements(timestamped(r));
      newest = r.getTelemetry().getEventTime().isAfter(newest) ? r.getTelemetry().getEventTime() : newest;
      if (newest.minus(DISORDER).isAfter(watermark)) {
        watermark = newest.minus(DISORDER);
        stream = stream.advanceWatermarkTo(watermark);
      }
    }
    PAssert.that(alertIds(p, stream.advanceWatermarkToInfinity(), DetectBatteryDrain.create()))
        .containsInAnyOrder(id("v-drain", 0));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "battery_drain_vehicle_windows_flagged"), is(10L));
    assertThat(droppedDueToLateness(result), is(0L));
  }

  // --- observably late: behind the watermark, still in the windows not yet closed ---------------

  /** v-x: parked at 80 %, then 78 % from minute 30, silent at 25 and 35: the pair (20, 30) is the evidence. */
  private static List<EnrichedTelemetry> lateEvidence() {
    List<EnrichedTelemetry> x = new ArrayList<>();
    for (double m = 0; m <= 60; m += 5) {
      if (m != 25 && m != 35) {
        x.add(parked("v-x", m, m < 30 ? 80 : 78));
      }
    }
    return x;
  }

  @Test
  void testObservablyLateReadingStillInItsOpenBucketCounts(TestPipeline p) {
    List<EnrichedTelemetry> x = lateEvidence();
    EnrichedTelemetry late = x.stream().filter(r -> r.getTelemetry().getEventTime().equals(min(30))).findFirst().orElseThrow();
    x.remove(late);
    List<EnrichedTelemetry> onTime = fleet(peers(6, 60, m -> 80), x);
    List<EnrichedTelemetry> first = new ArrayList<>();
    List<EnrichedTelemetry> rest = new ArrayList<>();
    onTime.forEach(r -> (r.getTelemetry().getEventTime().isAfter(min(36)) ? rest : first).add(r));
    // Behind newer readings (watermark at 31), but its bucket [30, 35) is still open.
    TestStream<EnrichedTelemetry> input =
        inOrder(inOrder(stream(p), first).addElements(timestamped(late)), rest).advanceWatermarkToInfinity();
    PAssert.that(alertIds(p, input, DetectBatteryDrain.create())).containsInAnyOrder(id("v-x", 5));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    List<EnrichedTelemetry> all = new ArrayList<>(onTime);
    all.add(late);
    assertModel(all, id("v-x", 5));
    assertThat(droppedDueToLateness(result), is(0L));
  }

  @Test
  void testDroppablyLateReadingBehindItsBucketIsLeftOutOfEveryWindow(TestPipeline p) {
    List<EnrichedTelemetry> x = lateEvidence();
    EnrichedTelemetry late = x.stream().filter(r -> r.getTelemetry().getEventTime().equals(min(30))).findFirst().orElseThrow();
    x.remove(late);
    List<EnrichedTelemetry> onTime = fleet(peers(6, 60, m -> 80), x);
    List<EnrichedTelemetry> first = new ArrayList<>();
    List<EnrichedTelemetry> rest = new ArrayList<>();
    onTime.forEach(r -> (r.getTelemetry().getEventTime().isAfter(min(45)) ? rest : first).add(r));
    // The watermark is at 40: the bucket [30, 35) has closed, so the reading counts nowhere and
    // the gap 20..40 is too long to be evidence.
    TestStream<EnrichedTelemetry> input =
        inOrder(inOrder(stream(p), first).addElements(timestamped(late)), rest).advanceWatermarkToInfinity();
    PAssert.that(alertIds(p, input, DetectBatteryDrain.create())).empty();
    PipelineResult result = p.run();
    result.waitUntilFinish();
    DetectBatteryDrainModel model = DetectBatteryDrain.create().model();
    onTime.forEach(model::onReading);
    model.onWatermark(min(40));
    model.onReading(late);
    assertThat(model.alertIds(), is(new TreeSet<String>()));
    assertThat(model.droppedReadingWindows(), is(1L));
    assertThat(droppedDueToLateness(result), is(1L));
  }

  // --- droppably late: behind the watermark for every window it belongs to --------------------

  @Test
  void testDroppablyLateReadingsDoNotChangeTheResult(TestPipeline p) {
    List<EnrichedTelemetry> readings = oneFaultAmongSixPeers();
    // Copies of p1's readings claiming a 12 %/h drain, delivered after all their windows closed.
    List<TimestampedValue<EnrichedTelemetry>> late = new ArrayList<>();
    for (double m = 0; m <= 60; m += 5) {
      late.add(timestamped(reading("p1", m + 1, 80 - 12 * m / 60, e -> e)));
    }
    TestStream<EnrichedTelemetry> input =
        addAll(inOrder(stream(p), readings).advanceWatermarkTo(min(100)), late).advanceWatermarkToInfinity();
    PAssert.that(alertIds(p, input, DetectBatteryDrain.create())).containsInAnyOrder(id("v-drain", 0));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "battery_drain_vehicle_windows_flagged"), is(10L));
    assertThat(droppedDueToLateness(result), is(13L));
  }

  @Test
  void testOptionsRejectNonsense() {
    DetectBatteryDrain t = DetectBatteryDrain.create();
    Duration five = Duration.standardMinutes(5);
    assertThrows(IllegalArgumentException.class, () -> t.withWindow(Duration.ZERO, five));
    assertThrows(IllegalArgumentException.class, () -> t.withWindow(five, Duration.standardMinutes(30)));
    assertThrows(IllegalArgumentException.class, () -> t.withMinIdle(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> t.withMinPeers(0));
    assertThrows(IllegalArgumentException.class, () -> t.withFactor(1.0));
    assertThrows(IllegalArgumentException.class, () -> t.withFloorPctPerHour(0));
  }
}
