package com.mobilitycorp.fleet.transforms;

import static com.mobilitycorp.fleet.transforms.Events.T0;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.WeatherObservation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Checks {@link JoinWeather} against {@link JoinWeatherModel} on seeded random weather and
 * readings in four zones, both delivered out of order (as the simulator does: weather 0.5-30 s
 * after it was observed, 5% 1-4 minutes late; readings up to 4 minutes late), with the watermark
 * 5 minutes behind delivery as the Kafka source sets it. Every reading must get the model's
 * observation.
 */
@ExtendWith(TestPipelineExtension.class)
class JoinWeatherModelCheckTest {

  private record Delivery(long at, TimestampedValue<RawUnionValue> signal) {}

  @Test
  void testEveryReadingGetsTheModelsObservationUnderDisorder(TestPipeline p) {
    Random random = new Random(1125);
    JoinWeatherModel model = new JoinWeatherModel(JoinWeather.DEFAULT_MAX_OBSERVATION_AGE);
    List<Delivery> deliveries = new ArrayList<>();
    List<EnrichedTelemetry> readings = new ArrayList<>();
    long hour = 3_600_000;
    for (int z = 0; z < 4; z++) {
      String zone = "z" + z;
      long phase = random.nextInt(60_000);
      // Zone z3 stops reporting for 40 minutes: stale weather.
      for (long t = phase; t < 2 * hour; t += 300_000) {
        if (z == 3 && t > 30 * 60_000 && t < 70 * 60_000) {
          continue;
        }
        WeatherObservation o =
            EnrichmentInput.weather(zone + "@" + t, zone, T0.plus(t), random.nextInt(10));
        model.onObservation(o);
        long delay = random.nextInt(20) == 0 ? 60_000 + random.nextInt(180_000) : 500 + random.nextInt(29_500);
        deliveries.add(new Delivery(t + delay, WeatherInput.signal(o)));
      }
    }
    for (int i = 0; i < 600; i++) {
      long t = random.nextInt((int) (2 * hour));
      String zone = random.nextInt(10) == 0 ? null : "z" + random.nextInt(4);
      EnrichedTelemetry r = WeatherInput.reading("r" + i, zone, T0.plus(t));
      readings.add(r);
      long delay = random.nextInt(4) == 0 ? random.nextInt(240_000) : 50 + random.nextInt(2_000);
      deliveries.add(new Delivery(t + delay, WeatherInput.signal(r)));
    }
    deliveries.sort((a, b) -> Long.compare(a.at(), b.at()));

    TestStream.Builder<RawUnionValue> stream = WeatherInput.stream(p).advanceWatermarkTo(T0);
    Instant watermark = T0;
    for (int i = 0; i < deliveries.size(); i++) {
      stream = stream.addElements(deliveries.get(i).signal());
      Instant next = T0.plus(deliveries.get(i).at()).minus(Duration.standardMinutes(5));
      if (i % 7 == 0 && next.isAfter(watermark)) {
        watermark = next;
        stream = stream.advanceWatermarkTo(watermark);
      }
    }
    Map<String, String> expected = new HashMap<>();
    for (EnrichedTelemetry r : readings) {
      WeatherObservation valid = model.validFor(r);
      expected.put(r.getTelemetry().getEventId(), valid == null ? "none" : valid.getObservationId());
    }
    long joined = expected.values().stream().filter(id -> !id.equals("none")).count();
    assertThat("most readings must find weather", joined, greaterThan(450L));
    assertThat("some must not", (long) expected.size() - joined, greaterThan(40L));

    PAssert.that(WeatherInput.join(p, stream.advanceWatermarkToInfinity(), JoinWeather.create()))
        .satisfies(
            all -> {
              assertThat(WeatherInput.observationIds(all), is(expected));
              return null;
            });
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat("no reading left waiting",
        PipelineMetrics.counter(result, JoinWeather.class, "weather_readings_waiting"), is(0L));
  }
}
