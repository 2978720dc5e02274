package com.mobilitycorp.fleet.transforms;

import static com.mobilitycorp.fleet.transforms.EnrichmentInput.weather;
import static com.mobilitycorp.fleet.transforms.Events.T0;
import static com.mobilitycorp.fleet.transforms.WeatherInput.reading;
import static com.mobilitycorp.fleet.transforms.WeatherInput.signal;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.WeatherObservation;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * TestStream cases for {@link JoinWeather}, named as in Beam's LeaderBoardTest: on time,
 * observably late (behind the newest data, not behind the watermark) and droppably late
 * (behind the watermark).
 */
@ExtendWith(TestPipelineExtension.class)
class JoinWeatherTest {

  private static Instant min(double minutes) {
    return T0.plus(Duration.millis(Math.round(minutes * 60_000)));
  }

  private static WeatherObservation obs(String id, String zone, double minutes) {
    return weather(id, zone, min(minutes), 10.0);
  }

  private static PCollection<EnrichedTelemetry> join(TestPipeline p, TestStream<RawUnionValue> s) {
    return WeatherInput.join(p, s, JoinWeather.create());
  }

  private static void expect(PCollection<EnrichedTelemetry> joined, Map<String, String> expected) {
    PAssert.that(joined)
        .satisfies(
            all -> {
              assertThat(WeatherInput.observationIds(all), is(expected));
              return null;
            });
  }

  private static long counter(PipelineResult result, String name) {
    return PipelineMetrics.counter(result, JoinWeather.class, name);
  }

  @Test
  void testOnTimeReadingGetsTheObservationValidAtItsEventTime(TestPipeline p) {
    TestStream<RawUnionValue> s =
        WeatherInput.stream(p)
            .advanceWatermarkTo(T0)
            .addElements(signal(obs("w0", "z1", 0)), signal(obs("w5", "z1", 5)))
            .addElements(signal(reading("r3", "z1", min(3))), signal(reading("r6", "z1", min(6))))
            .addElements(signal(reading("r5", "z1", min(5))))
            .advanceWatermarkTo(min(20))
            .advanceWatermarkToInfinity();
    expect(join(p, s), Map.of("r3", "w0", "r5", "w5", "r6", "w5"));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "readings_joined_with_weather"), is(3L));
  }

  @Test
  void testOnTimeWeatherArrivingAfterTheReadingItBelongsToIsStillJoined(TestPipeline p) {
    TestStream<RawUnionValue> s =
        WeatherInput.stream(p)
            .advanceWatermarkTo(T0)
            .addElements(signal(obs("w0", "z1", 0)))
            .addElements(signal(reading("r6", "z1", min(6))))
            .advanceWatermarkTo(min(1))
            // Observed at 5 min, delivered after the reading of 6 min: it is the valid one.
            .addElements(signal(obs("w5", "z1", 5)))
            .advanceWatermarkToInfinity();
    expect(join(p, s), Map.of("r6", "w5"));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "weather_observations_after_join"), is(0L));
  }

  @Test
  void testOnTimeOutOfOrderReadingsEachGetTheirOwnObservation(TestPipeline p) {
    TestStream<RawUnionValue> s =
        WeatherInput.stream(p)
            .advanceWatermarkTo(T0)
            .addElements(signal(reading("r12", "z1", min(12))))
            .addElements(signal(obs("w10", "z1", 10)), signal(obs("w0", "z1", 0)))
            .addElements(signal(reading("r2", "z1", min(2))))
            .addElements(signal(obs("w5", "z1", 5)))
            .addElements(signal(reading("r7", "z1", min(7))), signal(reading("q7", "z2", min(7))))
            .addElements(signal(obs("x6", "z2", 6)))
            .advanceWatermarkToInfinity();
    expect(join(p, s), Map.of("r12", "w10", "r2", "w0", "r7", "w5", "q7", "x6"));
    p.run().waitUntilFinish();
  }

  @Test
  void testObservablyLateReadingWithinTheLatenessStillFindsItsObservation(TestPipeline p) {
    TestStream<RawUnionValue> s =
        WeatherInput.stream(p)
            .advanceWatermarkTo(T0)
            .addElements(signal(obs("w0", "z1", 0)), signal(obs("w5", "z1", 5)), signal(obs("w10", "z1", 10)))
            .advanceWatermarkTo(min(12))
            // 3 minutes behind the watermark: within the 5 minutes of lateness.
            .addElements(signal(reading("r9", "z1", min(9))))
            .advanceWatermarkToInfinity();
    expect(join(p, s), Map.of("r9", "w5"));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "weather_unknown_pruned"), is(0L));
  }

  @Test
  void testDroppablyLateObservationAfterItsReadingsWereJoinedIsCountedAndServesLaterOnes(TestPipeline p) {
    TestStream<RawUnionValue> s =
        WeatherInput.stream(p)
            .advanceWatermarkTo(T0)
            .addElements(signal(obs("w0", "z1", 0)), signal(reading("r6", "z1", min(6))))
            .advanceWatermarkTo(min(7))
            // Behind the watermark: r6 has been joined with w0 already; r8 comes after it.
            .addElements(signal(obs("w5", "z1", 5)))
            .addElements(signal(reading("r8", "z1", min(8))))
            .advanceWatermarkToInfinity();
    expect(join(p, s), Map.of("r6", "w0", "r8", "w5"));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "weather_observations_after_join"), is(1L));
  }

  @Test
  void testDroppablyLateReadingOlderThanTheKeptObservationsIsUnknownAndCounted(TestPipeline p) {
    TestStream<RawUnionValue> s =
        WeatherInput.stream(p)
            .advanceWatermarkTo(T0)
            .addElements(
                signal(obs("w0", "z1", 0)), signal(obs("w5", "z1", 5)),
                signal(obs("w10", "z1", 10)), signal(obs("w15", "z1", 15)))
            .advanceWatermarkTo(min(16))
            // 13 minutes behind the watermark: observations before 10 min are gone.
            .addElements(signal(reading("r3", "z1", min(3))))
            .advanceWatermarkToInfinity();
    expect(join(p, s), Map.of("r3", "none"));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "weather_unknown_pruned"), is(1L));
  }

  @Test
  void testOnTimeReadingsWithStaleNoOrMissingObservationStayUnknownAndCounted(TestPipeline p) {
    TestStream<RawUnionValue> s =
        WeatherInput.stream(p)
            .advanceWatermarkTo(T0)
            .addElements(signal(obs("w0", "z1", 0)))
            .addElements(
                signal(reading("stale", "z1", min(31))),
                signal(reading("fresh", "z1", min(30))),
                signal(reading("no-zone", null, min(1))),
                signal(reading("unobserved", "z9", min(2))))
            .advanceWatermarkToInfinity();
    expect(join(p, s), Map.of("stale", "none", "fresh", "w0", "no-zone", "none", "unobserved", "none"));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "weather_unknown_stale"), is(1L));
    assertThat(counter(result, "weather_unknown_no_zone"), is(1L));
    assertThat(counter(result, "weather_unknown_not_observed"), is(1L));
  }

  @Test
  void testOnTimeJoinedReadingsKeepTheirEventTimeForDownstreamWindows(TestPipeline p) {
    TestStream<RawUnionValue> s =
        WeatherInput.stream(p)
            .advanceWatermarkTo(T0)
            .addElements(signal(obs("w0", "z1", 0)))
            .addElements(signal(reading("r14", "z1", min(14))), signal(reading("r16", "z1", min(16))))
            .addElements(signal(reading("r1", "z1", min(1))))
            .advanceWatermarkToInfinity();
    PCollection<String> inWindows =
        join(p, s)
            .apply(Window.into(FixedWindows.of(Duration.standardMinutes(15))))
            .apply(
                MapElements.into(TypeDescriptors.strings())
                    .via(r -> r.getTelemetry().getEventId()));
    PAssert.that(inWindows)
        .inWindow(new org.apache.beam.sdk.transforms.windowing.IntervalWindow(T0, min(15)))
        .containsInAnyOrder("r1", "r14");
    p.run().waitUntilFinish();
  }

  @Test
  void testOnTimeRepeatedAndSimultaneousReadingsAreEachJoined(TestPipeline p) {
    // The same reading delivered twice (past the dedup horizon, say) and another of the same
    // instant and zone: each waits as its own entry and is joined once, as a bucket's list did.
    EnrichedTelemetry twice = reading("r3", "z1", min(3));
    TestStream<RawUnionValue> s =
        WeatherInput.stream(p)
            .advanceWatermarkTo(T0)
            .addElements(signal(obs("w0", "z1", 0)), signal(twice), signal(reading("q3", "z1", min(3))))
            .addElements(signal(twice))
            .advanceWatermarkToInfinity();
    PCollection<String> joined =
        join(p, s)
            .apply(
                MapElements.into(TypeDescriptors.strings())
                    .via(r -> r.getTelemetry().getEventId() + " " + r.getWeather().getObservationId()));
    PAssert.that(joined).containsInAnyOrder("r3 w0", "r3 w0", "q3 w0");
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "readings_joined_with_weather"), is(3L));
    assertThat("no reading left waiting", counter(result, "weather_readings_waiting"), is(0L));
  }

  @Test
  void testStateKeepsOnlyTheObservationsStillNeededAndNoReadingWaitsAtTheEnd(TestPipeline p) {
    TestStream.Builder<RawUnionValue> s = WeatherInput.stream(p).advanceWatermarkTo(T0);
    for (int m = 0; m <= 60; m += 5) {
      s = s.addElements(
          signal(obs("a" + m, "z1", m)), signal(obs("b" + m, "z2", m + 1)),
          signal(reading("ra" + m, "z1", min(m + 2))), signal(reading("rb" + m, "z2", min(m + 3))));
      s = s.advanceWatermarkTo(min(m));
    }
    join(p, s.advanceWatermarkToInfinity());
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "readings_joined_with_weather"), is(26L));
    assertThat("no reading left waiting", counter(result, "weather_readings_waiting"), is(0L));
    assertThat("one observation kept per zone", counter(result, "weather_observations_held"), is(2L));
  }
}
