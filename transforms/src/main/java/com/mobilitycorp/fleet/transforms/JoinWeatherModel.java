package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.WeatherObservation;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Plain-Java reference model of {@link JoinWeather}: the as-of join over every observation, with
 * no waiting, buckets, timers or pruning. The transform must give each reading exactly this
 * answer whenever the observations of its time arrived before the watermark passed it.
 */
public final class JoinWeatherModel {
  private final Duration maxAge;
  private final Map<String, TreeMap<Instant, WeatherObservation>> byZone = new HashMap<>();

  public JoinWeatherModel(Duration maxAge) {
    this.maxAge = maxAge;
  }

  public void onObservation(WeatherObservation observation) {
    byZone
        .computeIfAbsent(observation.getLocationId(), z -> new TreeMap<>())
        .put(observation.getObservedAt(), observation);
  }

  /** The observation valid at the reading's event time for its weather zone, or null. */
  public @Nullable WeatherObservation validFor(EnrichedTelemetry reading) {
    String zone = reading.getWeatherLocationId();
    TreeMap<Instant, WeatherObservation> observations = zone == null ? null : byZone.get(zone);
    if (observations == null) {
      return null;
    }
    Instant at = reading.getTelemetry().getEventTime();
    Map.Entry<Instant, WeatherObservation> valid = observations.floorEntry(at);
    return valid == null || valid.getKey().isBefore(at.minus(maxAge)) ? null : valid.getValue();
  }
}
