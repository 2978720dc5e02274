package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.WeatherObservation;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.transforms.join.UnionCoder;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/** Enriched readings and weather observations through ONE TestStream, split for {@link JoinWeather}. */
final class WeatherInput {
  private static final int READING = 0;
  private static final int OBSERVATION = 1;

  static TestStream.Builder<RawUnionValue> stream(Pipeline p) {
    return TestStream.create(
        UnionCoder.of(
            List.<Coder<?>>of(
                EnrichmentInput.schemaCoder(p, EnrichedTelemetry.class),
                EnrichmentInput.schemaCoder(p, WeatherObservation.class))));
  }

  static EnrichedTelemetry reading(String id, @Nullable String zone, Instant at) {
    TelemetryEvent t =
        TelemetryEvent.builder()
            .setEventId(id)
            .setVehicleId("v-" + id)
            .setEventTime(at)
            .setLat(52.52)
            .setLon(13.405)
            .setBatteryPct(60)
            .setOperationalStatus(OperationalStatus.OPERATIONAL)
            .build();
    return EnrichedTelemetry.builder().setTelemetry(t).setWeatherLocationId(zone).build();
  }

  static TimestampedValue<RawUnionValue> signal(EnrichedTelemetry r) {
    return TimestampedValue.of(new RawUnionValue(READING, r), r.getTelemetry().getEventTime());
  }

  static TimestampedValue<RawUnionValue> signal(WeatherObservation o) {
    return TimestampedValue.of(new RawUnionValue(OBSERVATION, o), o.getObservedAt());
  }

  static PCollection<EnrichedTelemetry> join(Pipeline p, TestStream<RawUnionValue> stream, JoinWeather join) {
    PCollection<RawUnionValue> signals = p.apply("Signals", stream);
    PCollection<EnrichedTelemetry> readings =
        signals
            .apply("OnlyReadings", Filter.by(s -> s.getUnionTag() == READING))
            .apply("AsReadings", MapElements.into(TypeDescriptor.of(EnrichedTelemetry.class))
                .via(s -> (EnrichedTelemetry) s.getValue()))
            .setCoder(EnrichmentInput.schemaCoder(p, EnrichedTelemetry.class));
    PCollection<WeatherObservation> observations =
        signals
            .apply("OnlyObservations", Filter.by(s -> s.getUnionTag() == OBSERVATION))
            .apply("AsObservations", MapElements.into(TypeDescriptor.of(WeatherObservation.class))
                .via(s -> (WeatherObservation) s.getValue()))
            .setCoder(EnrichmentInput.schemaCoder(p, WeatherObservation.class));
    return PCollectionTuple.of(JoinWeather.READINGS, readings)
        .and(JoinWeather.OBSERVATIONS, observations)
        .apply(join);
  }

  /** Event id -> observation id ("none" when the weather is unknown). */
  static Map<String, String> observationIds(Iterable<EnrichedTelemetry> joined) {
    Map<String, String> byReading = new HashMap<>();
    for (EnrichedTelemetry r : joined) {
      WeatherObservation w = r.getWeather();
      String previous = byReading.put(r.getTelemetry().getEventId(), w == null ? "none" : w.getObservationId());
      if (previous != null) {
        throw new AssertionError("reading joined twice: " + r.getTelemetry().getEventId());
      }
    }
    return byReading;
  }

  private WeatherInput() {}
}
