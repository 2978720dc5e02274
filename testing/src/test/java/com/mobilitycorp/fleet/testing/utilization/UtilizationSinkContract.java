package com.mobilitycorp.fleet.testing.utilization;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.fail;

import com.mobilitycorp.fleet.io.jdbc.UtilizationSink;
import com.mobilitycorp.fleet.model.UtilizationHourly;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TimeZone;
import java.util.TreeMap;
import java.util.TreeSet;
import com.mobilitycorp.fleet.testing.PipelineCounters;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link UtilizationSink} must do in every store, run by {@link UtilizationSinkPostgresTest}
 * and {@link UtilizationSinkClickHouseTest} against a real server: the table ends up holding, per
 * (window_start, location_id, vehicle_type), exactly the row with the highest version written,
 * whatever the order, and however often rows are replayed. Each write is one TestPipeline on the
 * DirectRunner, run to completion.
 */
abstract class UtilizationSinkContract {

  static final Instant T0 = Instant.parse("2026-11-25T06:00:00Z");
  static final long HOUR_MS = 3_600_000L;

  static final List<String> LOCATIONS = List.of("loc-alex", "loc-hbf", "loc-marienplatz");
  static final List<String> TYPES = List.of("e_scooter", "e_bike", "car", "unknown");

  abstract String jdbcUrl();

  abstract String user();

  abstract String password();

  /** Every row of the table as the store's readers see it (ClickHouse: FINAL), by {@link #key}. */
  abstract Map<String, UtilizationHourly> readTable() throws Exception;

  abstract void emptyTable() throws Exception;

  /**
   * How many units in the last place a stored double may differ from the written one: 0 (exact)
   * unless the store's text parsing is not correctly rounded (ClickHouse 18.16).
   */
  long doubleUlpTolerance() {
    return 0;
  }

  @BeforeEach
  void startEmpty() throws Exception {
    emptyTable();
  }

  // ------------------------------------------------------------------ tests

  @Test
  void replaysReEmissionsAndStaleVersionsLeaveExactlyTheNewestVersionPerHour() throws Exception {
    Scenario s = Scenario.generate(new Random(42));
    assertThat("keys re-emitted at a higher version later", s.reEmittedKeys, greaterThan(10));
    assertThat("keys that also get stale lower versions", s.staleKeys, greaterThan(10));

    writeThroughPipeline(s.firstWrite);
    assertTable("a set of rows", byKey(s.firstWrite), readTable());

    writeThroughPipeline(s.firstWrite);
    assertTable("the same rows again", byKey(s.firstWrite), readTable());

    List<UtilizationHourly> shuffled = new ArrayList<>(s.history);
    shuffled.addAll(s.firstWrite);
    Collections.shuffle(shuffled, new Random(7));
    writeThroughPipeline(shuffled);
    assertTable("on top: every version, shuffled", s.newest, readTable());

    emptyTable();
    List<UtilizationHourly> twice = new ArrayList<>(s.history);
    twice.addAll(s.history);
    Collections.shuffle(twice, new Random(11));
    writeThroughPipeline(twice);
    assertTable("every version twice, shuffled, from empty", s.newest, readTable());
  }

  @Test
  void unboundedInputIsWrittenThroughAutoShardedBatches() throws Exception {
    Scenario s = Scenario.generate(new Random(5));
    List<UtilizationHourly> shuffled = new ArrayList<>(s.history);
    Collections.shuffle(shuffled, new Random(3));

    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(true);
    TestStream.Builder<UtilizationHourly> stream = TestStream.create(coder(p));
    for (int i = 0; i < shuffled.size(); i += 25) {
      List<UtilizationHourly> chunk = shuffled.subList(i, Math.min(i + 25, shuffled.size()));
      stream =
          stream
              .addElements(
                  chunk.get(0), chunk.subList(1, chunk.size()).toArray(new UtilizationHourly[0]))
              .advanceProcessingTime(Duration.millis(2_000));
    }
    PCollection<UtilizationHourly> rows = p.apply(stream.advanceWatermarkToInfinity());
    assertThat(rows.isBounded(), is(PCollection.IsBounded.UNBOUNDED));
    rows.apply(sink());
    p.run().waitUntilFinish();

    assertTable("streamed, shuffled", s.newest, readTable());
  }

  @Test
  void everySubmittedRowIsCountedReplaysIncluded() throws Exception {
    Scenario s = Scenario.generate(new Random(9));
    List<UtilizationHourly> twice = new ArrayList<>(s.history);
    twice.addAll(s.history);
    PipelineResult result = writeThroughPipeline(twice);
    assertThat(PipelineCounters.counter(result, UtilizationSink.class, "utilization_rows_submitted"),
        is((long) twice.size()));
  }

  /** The stores hold instants: the JVM's zone (here UTC-5, with DST) must not shift the hours. */
  @Test
  void theJvmTimeZoneDoesNotShiftTheStoredHours() throws Exception {
    Scenario s = Scenario.generate(new Random(13));
    TimeZone original = TimeZone.getDefault();
    try {
      TimeZone.setDefault(TimeZone.getTimeZone("America/New_York"));
      writeThroughPipeline(s.history);
    } finally {
      TimeZone.setDefault(original);
    }
    assertTable("written in America/New_York", s.newest, readTable());
  }

  @Test
  void applyingTheSchemaAgainKeepsTheRows() throws Exception {
    Scenario s = Scenario.generate(new Random(17));
    writeThroughPipeline(s.history);
    UtilizationSink.applySchema(jdbcUrl(), user(), password());
    UtilizationSink.applySchema(jdbcUrl(), user(), password());
    assertTable("after applying the schema twice", s.newest, readTable());
  }

  // ------------------------------------------------------------------ helpers

  UtilizationSink sink() {
    return UtilizationSink.to(jdbcUrl(), user(), password());
  }

  PipelineResult writeThroughPipeline(List<UtilizationHourly> rows) throws NoSuchSchemaException {
    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(true);
    p.apply(Create.of(rows).withCoder(coder(p))).apply(sink());
    PipelineResult result = p.run();
    result.waitUntilFinish();
    return result;
  }

  static Coder<UtilizationHourly> coder(TestPipeline p) throws NoSuchSchemaException {
    return p.getSchemaRegistry().getSchemaCoder(UtilizationHourly.class);
  }

  static String key(Instant windowStart, String locationId, String vehicleType) {
    return windowStart + "|" + locationId + "|" + vehicleType;
  }

  static String key(UtilizationHourly row) {
    return key(row.getWindowStart(), row.getLocationId(), row.getVehicleType());
  }

  static Map<String, UtilizationHourly> byKey(List<UtilizationHourly> rows) {
    Map<String, UtilizationHourly> map = new TreeMap<>();
    for (UtilizationHourly row : rows) {
      UtilizationHourly previous = map.put(key(row), row);
      if (previous != null) {
        throw new IllegalArgumentException("two rows for " + key(row));
      }
    }
    return map;
  }

  /** Puts {@code row} under its key, failing if the table returned that key twice. */
  static void putUnique(Map<String, UtilizationHourly> table, UtilizationHourly row) {
    UtilizationHourly previous = table.put(key(row), row);
    if (previous != null) {
      throw new AssertionError(
          "the table holds " + key(row) + " twice: " + previous + " and " + row);
    }
  }

  /**
   * Whole-table equality (doubles within {@link #doubleUlpTolerance()}), with the first differing
   * keys spelled out when it fails.
   */
  void assertTable(
      String step, Map<String, UtilizationHourly> expected, Map<String, UtilizationHourly> actual) {
    TreeSet<String> keys = new TreeSet<>(expected.keySet());
    keys.addAll(actual.keySet());
    StringBuilder diff = new StringBuilder();
    int differing = 0;
    for (String k : keys) {
      UtilizationHourly e = expected.get(k);
      UtilizationHourly a = actual.get(k);
      if (e == null || a == null || !sameRow(e, a, doubleUlpTolerance())) {
        if (++differing <= 5) {
          diff.append("\n  ").append(k);
          diff.append("\n    expected ").append(e).append("\n    actual   ").append(a);
        }
      }
    }
    if (differing > 0) {
      fail(
          step + ": " + expected.size() + " rows expected, " + actual.size() + " in the table, "
              + differing + " keys differ; the first:" + diff);
    }
  }

  static boolean sameRow(UtilizationHourly e, UtilizationHourly a, long ulps) {
    if (ulps == 0) {
      return e.equals(a);
    }
    Double eTw = e.getTimeWeightedUtilizationPct();
    Double aTw = a.getTimeWeightedUtilizationPct();
    return e.getWindowStart().equals(a.getWindowStart())
        && e.getWindowEnd().equals(a.getWindowEnd())
        && e.getLocationId().equals(a.getLocationId())
        && e.getVehicleType().equals(a.getVehicleType())
        && e.getRentedSamples() == a.getRentedSamples()
        && e.getTotalSamples() == a.getTotalSamples()
        && e.getDistinctVehicles() == a.getDistinctVehicles()
        && e.getVersion() == a.getVersion()
        && close(e.getUtilizationPct(), a.getUtilizationPct(), ulps)
        && close(e.getAvgBatteryPct(), a.getAvgBatteryPct(), ulps)
        && close(e.getObservedVehicleSeconds(), a.getObservedVehicleSeconds(), ulps)
        && close(e.getRentedVehicleSeconds(), a.getRentedVehicleSeconds(), ulps)
        && (eTw == null ? aTw == null : aTw != null && close(eTw, aTw, ulps));
  }

  private static boolean close(double expected, double actual, long ulps) {
    return Math.abs(expected - actual) <= ulps * Math.ulp(expected);
  }

  /**
   * Per (hour, location, type): versions 0..max with different contents each; {@link
   * #firstWrite} holds one version per key (some below the key's max, some above 0), {@link
   * #newest} the highest version per key.
   */
  static final class Scenario {
    final List<UtilizationHourly> history = new ArrayList<>();
    final List<UtilizationHourly> firstWrite = new ArrayList<>();
    final Map<String, UtilizationHourly> newest = new TreeMap<>();
    int reEmittedKeys;
    int staleKeys;

    static Scenario generate(Random rnd) {
      Scenario s = new Scenario();
      for (int hour = 0; hour < 6; hour++) {
        Instant start = T0.plus(hour * HOUR_MS);
        for (String location : LOCATIONS) {
          for (String type : TYPES) {
            int maxVersion = rnd.nextInt(4);
            int firstVersion = rnd.nextInt(maxVersion + 1);
            List<UtilizationHourly> versions = new ArrayList<>();
            for (int v = 0; v <= maxVersion; v++) {
              versions.add(row(rnd, start, location, type, v));
            }
            s.history.addAll(versions);
            s.firstWrite.add(versions.get(firstVersion));
            s.newest.put(key(start, location, type), versions.get(maxVersion));
            if (firstVersion < maxVersion) {
              s.reEmittedKeys++;
            }
            if (firstVersion > 0) {
              s.staleKeys++;
            }
          }
        }
      }
      return s;
    }

    /** Plausible, arbitrary (not round) values, as the rollup computes them. */
    static UtilizationHourly row(Random rnd, Instant start, String location, String type, long v) {
      long total = 1 + rnd.nextInt(2_000);
      long rented = rnd.nextInt((int) total + 1);
      long distinct = 1 + rnd.nextInt(120);
      boolean observed = rnd.nextInt(8) != 0;
      double observedSeconds = observed ? rnd.nextDouble() * 3_600.0 * distinct : 0.0;
      double rentedSeconds = observedSeconds * rnd.nextDouble();
      return UtilizationHourly.builder()
          .setWindowStart(start)
          .setWindowEnd(start.plus(HOUR_MS))
          .setLocationId(location)
          .setVehicleType(type)
          .setRentedSamples(rented)
          .setTotalSamples(total)
          .setUtilizationPct(100.0 * rented / total)
          .setDistinctVehicles(distinct)
          .setAvgBatteryPct(rnd.nextDouble() * 100.0)
          .setObservedVehicleSeconds(observedSeconds)
          .setRentedVehicleSeconds(rentedSeconds)
          .setTimeWeightedUtilizationPct(observed ? 100.0 * rentedSeconds / observedSeconds : null)
          .setVersion(v)
          .build();
    }
  }
}
