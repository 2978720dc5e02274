package com.mobilitycorp.fleet.testing.simulator;

import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.WeatherObservation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Ground truth of the weather: every observation taken so far, per location in observed_at order.
 * An observation is valid from its observed_at until the location's next one, which is what {@link
 * #validAt} answers, whatever order (or lateness) the observations arrived in.
 */
public final class WeatherHistory {
  private final Map<String, List<WeatherObservation>> byLocation;
  private final int size;

  /**
   * @param observations in observation-time order, as the weather model takes them
   */
  WeatherHistory(List<LocationMetadata> locations, List<WeatherObservation> observations) {
    Map<String, List<WeatherObservation>> lists = new LinkedHashMap<>();
    for (LocationMetadata location : locations) {
      lists.put(location.getLocationId(), new ArrayList<>());
    }
    for (WeatherObservation o : observations) {
      lists.get(o.getLocationId()).add(o);
    }
    Map<String, List<WeatherObservation>> frozen = new LinkedHashMap<>();
    lists.forEach((id, list) -> frozen.put(id, Collections.unmodifiableList(list)));
    this.byLocation = Collections.unmodifiableMap(frozen);
    this.size = observations.size();
  }

  /** Every location (in reference-data order) with its observations in observed_at order. */
  public Map<String, List<WeatherObservation>> byLocation() {
    return byLocation;
  }

  /** One location's observations in observed_at order; throws for an unknown location. */
  public List<WeatherObservation> observations(String locationId) {
    List<WeatherObservation> list = byLocation.get(locationId);
    if (list == null) {
      throw new IllegalArgumentException("unknown location " + locationId);
    }
    return list;
  }

  /**
   * The observation valid at {@code time} for the location: the latest one with observed_at <=
   * time; null before its first observation.
   */
  public @Nullable WeatherObservation validAt(String locationId, Instant time) {
    List<WeatherObservation> list = observations(locationId);
    int lo = 0;
    int hi = list.size(); // first index observed after time
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (list.get(mid).getObservedAt().isAfter(time)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo == 0 ? null : list.get(lo - 1);
  }

  /** Number of observations over all locations. */
  public int size() {
    return size;
  }
}
