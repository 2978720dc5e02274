package com.mobilitycorp.fleet.testing.simulator;

import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.WeatherCondition;
import com.mobilitycorp.fleet.model.WeatherObservation;
import java.time.zone.ZoneRules;
import java.util.ArrayDeque;
import java.util.PriorityQueue;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Late-November weather at the fleet's zones: every zone is a station that reports every {@code
 * weatherInterval}, on a grid aligned to the epoch plus its own phase of 0-59 s (so stations do not
 * all report in the same second).
 *
 * <p>The zones of a city lie within about 5 km of each other, so they share the city's weather:
 *
 * <ul>
 *   <li>Temperature: a daily curve by local time (coldest at 07:30, warmest at 14:30; the range
 *       shrinks under cloud) between the city's typical late-November minimum and maximum, a slowly
 *       drifting anomaly (sigma 2.5 °C over days), up to 0.6 °C urban warmth near the centre,
 *       cooling in rain and 0.2 °C sensor noise.
 *   <li>Precipitation: wet episodes of 20-90 min separated by dry spells of 30 min plus about 3
 *       hours (about a fifth of the time wet, as in a German November), peaking at ~1 mm/h
 *       (lognormal; 6% are storm cells with twice the rain and 30-45 km/h more wind). Each episode
 *       is a front crossing the city west to east at 40 km/h, so western zones get wet first.
 *   <li>Wind: the city's mean (Hamburg windiest, Munich calmest) drifting over hours within 0..2x,
 *       a per-zone exposure factor and gusts of +-30%.
 *   <li>Cloud: alternating overcast (~5 h) and broken (~2 h) spells, overcast around rain.
 * </ul>
 *
 * The condition follows from the rounded values (see {@link #condition}), so a consumer can check
 * it against the numbers on the wire.
 *
 * <p>One seeded random stream of its own drives it, consumed in observation order (time, then
 * zone): the weather never depends on the fleet, and replaying a fresh model gives the same
 * observations, which is how {@link FleetSimulator#weatherHistory()} works without keeping them.
 */
final class WeatherModel {
  private static final long SALT = 0x5EED_0004L;
  private static final long MINUTE = 60_000L;
  private static final double HOUR_MS = 3_600_000.0;
  private static final ZoneRules LOCAL_TIME = DemandCurve.ZONE.getRules();

  /** Precipitation falls as snow at or below this temperature. */
  static final double SNOW_MAX_TEMPERATURE_C = 1.0;

  /** From this wind speed on (Beaufort 8, gale) the condition is a storm, whatever else. */
  static final double STORM_MIN_WIND_KMH = 62.0;

  private static final double COLDEST_HOUR = 7.5;
  private static final double WARMEST_HOUR = 14.5;
  private static final double ANOMALY_SIGMA_C = 2.5;
  private static final double ANOMALY_TAU_MS = 48 * HOUR_MS;
  private static final double WIND_TAU_MS = 8 * HOUR_MS;
  private static final double CLOUD_TAU_MS = 0.5 * HOUR_MS;
  private static final double MEAN_OVERCAST_SPELL_MS = 5 * HOUR_MS;
  private static final double MEAN_BROKEN_SPELL_MS = 2 * HOUR_MS;
  private static final double RAIN_COOLING_C = 1.5;
  private static final double SENSOR_NOISE_C = 0.2;

  private static final long MIN_DRY_SPELL = 30 * MINUTE;
  private static final double MEAN_EXTRA_DRY_MS = 200 * MINUTE;
  private static final long MIN_EPISODE = 20 * MINUTE;
  private static final long MAX_EPISODE = 90 * MINUTE;
  private static final double MEDIAN_PEAK_MM_H = 1.2;
  private static final double STORM_CELL_RATE = 0.06;

  /** A front moves at 40 km/h, in metres per millisecond. */
  private static final double FRONT_SPEED_M_PER_MS = 40_000 / HOUR_MS;

  /** Overcast this long before and after rain reaches a zone. */
  private static final long OVERCAST_AROUND_RAIN = 30 * MINUTE;

  /** Episodes are kept (and generated) this far around the current time: covers front delays. */
  private static final long EPISODE_HORIZON = 60 * MINUTE;

  /** A city's typical late-November day. */
  private record Climate(double dailyMinC, double dailyMaxC, double meanWindKmh) {
    static Climate of(City city) {
      return switch (city) {
        case BERLIN -> new Climate(1.0, 5.0, 15.0);
        case MUNICH -> new Climate(-1.5, 4.5, 10.0);
        case HAMBURG -> new Climate(2.0, 6.5, 20.0);
      };
    }
  }

  /** A wet spell as it passes the city centre; a zone sees it shifted by its front delay. */
  private record Episode(long start, long end, double peakMmH, double windBoostKmh) {
    boolean covers(long t) {
      return t >= start && t < end;
    }

    /** 0 at the edges, 1 in the middle; steep flanks, like a shower's. */
    double envelope(long t) {
      double x = (t - start) / (double) (end - start);
      return StrictMath.sqrt(StrictMath.sin(Math.PI * x));
    }
  }

  /** The weather one city's zones share, advanced lazily to each observation time. */
  private final class CityWeather {
    final Climate climate;
    double anomalyC;
    double baseWindKmh;

    /** 0 = clear .. 1 = overcast; relaxes towards the current spell's target. */
    double cloudCover;

    boolean overcastSpell;
    long spellEnd;
    long updatedAt;
    final ArrayDeque<Episode> episodes = new ArrayDeque<>();

    /** End of the last generated episode. */
    long episodesUntil;

    CityWeather(City city, long start) {
      climate = Climate.of(city);
      anomalyC = ANOMALY_SIGMA_C * rnd.gaussian();
      baseWindKmh = windWithinClimate(climate.meanWindKmh() * (1 + 0.35 * rnd.gaussian()));
      overcastSpell =
          rnd.chance(MEAN_OVERCAST_SPELL_MS / (MEAN_OVERCAST_SPELL_MS + MEAN_BROKEN_SPELL_MS));
      cloudCover = overcastSpell ? 1.0 : 0.0;
      spellEnd = start + spellLength(overcastSpell);
      updatedAt = start;
      // Start the episode process in the past so a run may begin in the middle of rain.
      episodesUntil = start - 2 * EPISODE_HORIZON;
    }

    /** The calm and the windy tail of the drift are cut off: storms come from storm cells. */
    double windWithinClimate(double kmh) {
      return Math.min(2 * climate.meanWindKmh(), Math.max(1.0, kmh));
    }

    void advanceTo(long t) {
      if (t > updatedAt) {
        double dt = t - updatedAt;
        anomalyC = drift(anomalyC, 0.0, ANOMALY_SIGMA_C, ANOMALY_TAU_MS, dt);
        double mean = climate.meanWindKmh();
        baseWindKmh = windWithinClimate(drift(baseWindKmh, mean, 0.35 * mean, WIND_TAU_MS, dt));
        for (long from = updatedAt; from < t; ) {
          long to = Math.min(t, spellEnd);
          double target = overcastSpell ? 1.0 : 0.0;
          cloudCover = target + (cloudCover - target) * StrictMath.exp(-(to - from) / CLOUD_TAU_MS);
          from = to;
          if (to == spellEnd) {
            overcastSpell = !overcastSpell;
            spellEnd += spellLength(overcastSpell);
          }
        }
        updatedAt = t;
      }
      while (episodesUntil <= t + EPISODE_HORIZON) {
        Episode next = nextEpisode(episodesUntil);
        episodes.addLast(next);
        episodesUntil = next.end();
      }
      while (episodes.peekFirst().end() < t - EPISODE_HORIZON) {
        episodes.pollFirst();
      }
    }

    @Nullable Episode episodeAt(long t) {
      for (Episode e : episodes) {
        if (e.covers(t)) {
          return e;
        }
      }
      return null;
    }

    boolean wetWithin(long t, long margin) {
      for (Episode e : episodes) {
        if (t >= e.start() - margin && t < e.end() + margin) {
          return true;
        }
      }
      return false;
    }
  }

  /** One zone's station. */
  private static final class Station {
    final int zone;
    final String locationId;
    final CityWeather city;

    /** How much later than the city centre a front reaches this zone (negative: earlier). */
    final long frontDelayMs;

    final double urbanWarmthC;
    final double windExposure;
    long next;

    Station(
        int zone,
        String locationId,
        CityWeather city,
        long frontDelayMs,
        double urbanWarmthC,
        double windExposure,
        long first) {
      this.zone = zone;
      this.locationId = locationId;
      this.city = city;
      this.frontDelayMs = frontDelayMs;
      this.urbanWarmthC = urbanWarmthC;
      this.windExposure = windExposure;
      this.next = first;
    }
  }

  private final SimRandom rnd;
  private final long interval;
  private final long end;
  private final PriorityQueue<Station> stations =
      new PriorityQueue<>(
          (a, b) ->
              a.next != b.next ? Long.compare(a.next, b.next) : Integer.compare(a.zone, b.zone));

  WeatherModel(SimulatorConfig config, ReferenceData ref) {
    this.rnd = SimRandom.forStream(config.seed(), SALT);
    this.interval = config.weatherInterval().getMillis();
    this.end = config.end() == null ? Long.MAX_VALUE : config.end().getMillis();
    long start = config.start().getMillis();
    long grid = start - Math.floorMod(start, interval);
    int maxPhaseSeconds = (int) (SimulatorConfig.MAX_WEATHER_PHASE.getMillis() / 1000);

    CityWeather[] cities = new CityWeather[City.values().length];
    for (int z = 0; z < ref.locations.size(); z++) {
      City city = ref.zoneCity[z];
      if (cities[city.ordinal()] == null) {
        cities[city.ordinal()] = new CityWeather(city, start);
      }
      LocationMetadata loc = ref.locations.get(z);
      long first = grid + rnd.nextInt(maxPhaseSeconds) * 1000L;
      if (first < start) {
        first += interval;
      }
      double eastM = Geo.eastM(city.centreLat, city.centreLon, loc.getCentreLon());
      double fromCentreM =
          Geo.distanceM(city.centreLat, city.centreLon, loc.getCentreLat(), loc.getCentreLon());
      stations.add(
          new Station(
              z,
              loc.getLocationId(),
              cities[city.ordinal()],
              Math.round(eastM / FRONT_SPEED_M_PER_MS),
              0.6 * (1.0 - Math.min(1.0, fromCentreM / 5_000.0)),
              rnd.uniform(0.85, 1.15),
              first));
    }
  }

  /** Time of the next observation, or {@link Long#MAX_VALUE} when there are no more. */
  long nextObservationTime() {
    Station head = stations.peek();
    return head == null || head.next >= end ? Long.MAX_VALUE : head.next;
  }

  /** Takes the next observation; only call when {@link #nextObservationTime()} is not MAX_VALUE. */
  WeatherObservation step() {
    Station s = stations.poll();
    WeatherObservation observation = observe(s, s.next);
    s.next += interval;
    stations.add(s);
    return observation;
  }

  private WeatherObservation observe(Station s, long t) {
    CityWeather city = s.city;
    city.advanceTo(t);
    long frontTime = t - s.frontDelayMs;
    Episode wet = city.episodeAt(frontTime);
    double envelope = wet == null ? 0.0 : wet.envelope(frontTime);

    double precipitation = 0.0;
    if (wet != null) {
      double local = wet.peakMmH() * envelope * Math.max(0.3, 1 + 0.2 * rnd.gaussian());
      precipitation = Math.max(0.1, Geo.round(local, 1)); // wet for the whole episode
    }
    double temperature =
        dailyCurve(city.climate, t, city.cloudCover)
            + city.anomalyC
            + s.urbanWarmthC
            - RAIN_COOLING_C * envelope
            + SENSOR_NOISE_C * rnd.gaussian();
    temperature = Geo.round(Math.min(40.0, Math.max(-40.0, temperature)), 1);
    double wind =
        (city.baseWindKmh + (wet == null ? 0.0 : wet.windBoostKmh() * envelope))
            * s.windExposure
            * Math.min(1.3, Math.max(0.7, 1 + 0.12 * rnd.gaussian()));
    wind = Geo.round(wind, 1);
    boolean overcast = city.cloudCover >= 0.5 || city.wetWithin(frontTime, OVERCAST_AROUND_RAIN);
    return WeatherObservation.create(
        rnd.uuid(),
        s.locationId,
        new Instant(t),
        temperature,
        precipitation,
        wind,
        condition(temperature, precipitation, wind, overcast));
  }

  /**
   * The condition the numbers imply: storm by wind; else snow or rain by temperature; else cloud.
   */
  static WeatherCondition condition(
      double temperatureC, double precipitationMmH, double windSpeedKmh, boolean overcast) {
    if (windSpeedKmh >= STORM_MIN_WIND_KMH) {
      return WeatherCondition.STORM;
    }
    if (precipitationMmH > 0) {
      return temperatureC <= SNOW_MAX_TEMPERATURE_C ? WeatherCondition.SNOW : WeatherCondition.RAIN;
    }
    return overcast ? WeatherCondition.CLOUDY : WeatherCondition.CLEAR;
  }

  /** Hour of the day (fractional) in the cities' local time. */
  static double localHour(long t) {
    int offsetSeconds = LOCAL_TIME.getOffset(java.time.Instant.ofEpochMilli(t)).getTotalSeconds();
    return Math.floorMod(t + offsetSeconds * 1000L, 86_400_000L) / HOUR_MS;
  }

  /**
   * The city's temperature by local time without anomaly: -1..+1 between the coldest and the
   * warmest hour (cosine flanks), scaled by a range that clouds halve.
   */
  private static double dailyCurve(Climate climate, long t, double cloudCover) {
    double h = localHour(t);
    double shape;
    if (h >= COLDEST_HOUR && h < WARMEST_HOUR) {
      shape = -StrictMath.cos(Math.PI * (h - COLDEST_HOUR) / (WARMEST_HOUR - COLDEST_HOUR));
    } else {
      double sinceWarmest = (h - WARMEST_HOUR + 24.0) % 24.0;
      double cooling = 24.0 - (WARMEST_HOUR - COLDEST_HOUR);
      shape = StrictMath.cos(Math.PI * sinceWarmest / cooling);
    }
    double mean = (climate.dailyMinC() + climate.dailyMaxC()) / 2;
    double halfRange = (climate.dailyMaxC() - climate.dailyMinC()) / 2;
    return mean + halfRange * (0.6 + 0.6 * (1.0 - cloudCover)) * shape;
  }

  /** Ornstein-Uhlenbeck step over dt: mean-reverting with time constant tau, stationary sigma. */
  private double drift(double x, double mean, double sigma, double tauMs, double dtMs) {
    double decay = StrictMath.exp(-dtMs / tauMs);
    return mean + (x - mean) * decay + sigma * StrictMath.sqrt(1 - decay * decay) * rnd.gaussian();
  }

  private long spellLength(boolean overcast) {
    double mean = overcast ? MEAN_OVERCAST_SPELL_MS : MEAN_BROKEN_SPELL_MS;
    return Math.max(MINUTE, Math.round(rnd.exponential(mean)));
  }

  private Episode nextEpisode(long after) {
    long start = after + MIN_DRY_SPELL + Math.round(rnd.exponential(MEAN_EXTRA_DRY_MS));
    long length = rnd.uniformLong(MIN_EPISODE, MAX_EPISODE);
    boolean stormCell = rnd.chance(STORM_CELL_RATE);
    double peak = MEDIAN_PEAK_MM_H * StrictMath.exp(0.7 * rnd.gaussian());
    peak = Math.min(25.0, Math.max(0.3, peak)) * (stormCell ? 2 : 1);
    double windBoost = stormCell ? rnd.uniform(30.0, 45.0) : rnd.uniform(3.0, 12.0);
    return new Episode(start, start + length, peak, windBoost);
  }
}
