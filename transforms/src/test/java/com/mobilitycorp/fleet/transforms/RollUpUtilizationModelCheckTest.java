package com.mobilitycorp.fleet.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.UtilizationHourly;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Checks {@link SampleVehicleStatus} + {@link RollUpUtilization} against {@link
 * RollUpUtilizationModel} on seeded random vehicles (reporting every 20 s to 2 min, with silences
 * longer than a span; booked, started, returned or cancelled at random locations; some without
 * metadata) over three hours, delivered out of order within the watermark's 5 minutes, and 5 % of
 * the readings behind the watermark within the allowed lateness. The newest version of every row
 * must equal the model's row.
 */
@ExtendWith(TestPipelineExtension.class)
class RollUpUtilizationModelCheckTest {
  private static final Duration MAX_DISORDER = Duration.standardMinutes(5);

  @Test
  void testNewestRowsMatchModelOnRandomFleetWithDisorder(TestPipeline p) {
    Random random = new Random(20261201);
    List<TimestampedValue<RawUnionValue>> signals = new ArrayList<>();
    List<Long> delivery = new ArrayList<>();
    RollUpUtilizationModel model = new RollUpUtilizationModel(SampleVehicleStatus.DEFAULT_MAX_SPAN);
    long horizon = Duration.standardHours(3).getMillis();
    for (int v = 0; v < 8; v++) {
      String vehicle = "v" + v;
      String home = v == 7 ? null : "L" + (v % 3);
      long t = random.nextInt(60_000);
      long nextBooking = random.nextInt(1_200_000);
      String booking = null;
      int phase = 0; // 0 parked, 1 reserved, 2 on trip
      while (t < horizon) {
        if (t >= nextBooking) {
          String location = "L" + random.nextInt(4);
          BookingEventType type;
          if (phase == 0) {
            booking = vehicle + "-B" + t;
            type = BookingEventType.BOOKING_CREATED;
            phase = 1;
          } else if (phase == 1) {
            type = random.nextInt(4) == 0 ? BookingEventType.BOOKING_CANCELLED : BookingEventType.RENTAL_STARTED;
            phase = type == BookingEventType.RENTAL_STARTED ? 2 : 0;
          } else {
            type = BookingEventType.RETURN_COMPLETED;
            phase = 0;
          }
          BookingEvent e = UtilizationInput.booking(vehicle, type, booking, location,
              UtilizationInput.H0.plus(Duration.millis(nextBooking)), UtilizationInput.H0);
          model.onBooking(e);
          signals.add(UtilizationInput.signal(e));
          delivery.add(nextBooking + delay(random));
          nextBooking += phase == 0 ? 300_000 + random.nextInt(1_800_000) : 60_000 + random.nextInt(900_000);
        }
        EnrichedTelemetry r = UtilizationInput.reading(vehicle,
            UtilizationInput.H0.plus(Duration.millis(t)), 20 + random.nextInt(800) / 10.0, home);
        model.onReading(r);
        signals.add(UtilizationInput.signal(r));
        delivery.add(t + readingDelay(random));
        t += random.nextInt(30) == 0 ? 900_000 : 20_000 + random.nextInt(100_000);
      }
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < signals.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparing(delivery::get));
    TestStream.Builder<RawUnionValue> stream = UtilizationInput.stream(p);
    Instant watermark = UtilizationInput.H0.minus(Duration.standardMinutes(1));
    long newest = Long.MIN_VALUE;
    int sinceAdvance = 0;
    for (int i : order) {
      stream = stream.addElements(signals.get(i));
      newest = Math.max(newest, signals.get(i).getTimestamp().getMillis());
      Instant next = new Instant(newest).minus(MAX_DISORDER);
      if (++sinceAdvance >= 5 && next.isAfter(watermark)) {
        stream = stream.advanceWatermarkTo(next);
        watermark = next;
        sinceAdvance = 0;
      }
    }
    Map<String, String> expected = new TreeMap<>();
    model.rows().forEach((key, row) -> expected.put(key, describe(row)));
    assertThat("the fleet must produce rows", expected.size(), greaterThan(20));
    assertThat("some vehicles must be rented",
        model.rows().values().stream().anyMatch(r -> r.getRentedSamples() > 0), is(true));

    PCollection<UtilizationHourly> rows = UtilizationInput.split(p, stream.advanceWatermarkToInfinity())
        .apply(SampleVehicleStatus.create())
        .get(SampleVehicleStatus.SAMPLES)
        .apply(RollUpUtilization.create());
    PAssert.that(rows).satisfies(all -> {
      Map<String, UtilizationHourly> newestRows = new TreeMap<>();
      for (UtilizationHourly r : all) {
        String key = RollUpUtilizationModel.key(r.getWindowStart(), r.getLocationId(), r.getVehicleType());
        newestRows.merge(key, r, (a, b) -> a.getVersion() >= b.getVersion() ? a : b);
      }
      Map<String, String> actual = new TreeMap<>();
      newestRows.forEach((key, row) -> actual.put(key, describe(row)));
      assertThat(actual, is(expected));
      return null;
    });
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat("no reading left waiting", PipelineMetrics.counter(result, SampleVehicleStatus.class,
        "utilization_readings_waiting"), is(0L));
    assertThat("no reading left unsettled", PipelineMetrics.counter(result,
        SampleVehicleStatus.class, "utilization_readings_unsettled"), is(0L));
    assertThat("no span left open", PipelineMetrics.counter(result, SampleVehicleStatus.class,
        "utilization_open_spans"), is(0L));
    assertThat("every reading within the lateness", PipelineMetrics.counter(result,
        SampleVehicleStatus.class, "utilization_readings_beyond_lateness"), is(0L));
  }

  /**
   * Like {@link #delay}, but 5 % of readings come 5 to 9 minutes late: behind the watermark (the
   * newest event time - 5 minutes), within the 5-minute allowed lateness.
   */
  private static long readingDelay(Random random) {
    return random.nextInt(20) == 0 ? 300_000 + random.nextInt(240_000) : delay(random);
  }

  /** Within the watermark's delay: 70 % near-instant, the rest up to 4 minutes. */
  private static long delay(Random random) {
    return random.nextInt(10) < 7 ? random.nextInt(2_000) : random.nextInt(240_000);
  }

  /** Everything a row says but its version; the mean battery to 6 decimals (summing order). */
  private static String describe(UtilizationHourly r) {
    return String.format(Locale.ROOT, "%d/%d %.6f%% vehicles %d battery %.6f time %.3f/%.3f %s",
        r.getRentedSamples(), r.getTotalSamples(), r.getUtilizationPct(), r.getDistinctVehicles(),
        r.getAvgBatteryPct(), r.getRentedVehicleSeconds(), r.getObservedVehicleSeconds(),
        r.getTimeWeightedUtilizationPct() == null ? "-"
            : String.format(Locale.ROOT, "%.6f", r.getTimeWeightedUtilizationPct()));
  }
}
