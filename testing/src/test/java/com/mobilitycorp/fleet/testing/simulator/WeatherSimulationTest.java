package com.mobilitycorp.fleet.testing.simulator;

import static com.mobilitycorp.fleet.testing.simulator.SimulatorTestSupport.assertRate;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.isOneOf;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.mobilitycorp.fleet.io.json.EventJson;
import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.model.DeadLetterReason;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.VehicleEvent;
import com.mobilitycorp.fleet.model.WeatherCondition;
import com.mobilitycorp.fleet.model.WeatherObservation;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The weather stations: schedule, delivery, plausibility and the ground truth. */
class WeatherSimulationTest {
  private static final long MINUTE = 60_000L;
  private static final ZoneId BERLIN_TIME = ZoneId.of("Europe/Berlin");

  private static SimulatorConfig config;
  private static SimulatorTestSupport.Run run;
  private static WeatherHistory history;

  @BeforeAll
  static void generate() {
    // Three days over 30 zones in 3 cities, starting off the 5-minute grid; a small fleet keeps
    // it fast but still reports every few seconds.
    config =
        SimulatorConfig.builder()
            .seed(5)
            .vehicleCount(20)
            .locationCount(30)
            .start(Instant.parse("2026-11-23T00:02:30Z"))
            .duration(Duration.standardDays(3))
            .weatherEnabled(true)
            .build();
    run = SimulatorTestSupport.run(config);
    history = run.simulator().weatherHistory();
  }

  private static Stream<WeatherObservation> observations() {
    return history.byLocation().values().stream().flatMap(List::stream);
  }

  private static long millis(WeatherObservation o) {
    return o.getObservedAt().getMillis();
  }

  private static int localHour(WeatherObservation o) {
    return java.time.Instant.ofEpochMilli(millis(o)).atZone(BERLIN_TIME).getHour();
  }

  @Test
  void weatherIsOffByDefault() {
    SimulatorConfig defaults =
        SimulatorTestSupport.standard()
            .vehicleCount(20)
            .duration(Duration.standardMinutes(30))
            .build();
    SimulatorTestSupport.Run plain = SimulatorTestSupport.run(defaults);

    assertThat(defaults.weatherEnabled(), equalTo(false));
    assertThat(
        plain.messages().stream()
            .filter(m -> m.topic().equals(FleetTopics.WEATHER_OBSERVATIONS))
            .toList(),
        empty());
    assertThat(plain.weather(), empty());
    assertThat(plain.simulator().stats().weatherMessages(), equalTo(0L));
    assertThat(plain.simulator().weatherHistory().size(), equalTo(0));
  }

  @Test
  void everyZoneReportsEveryIntervalAtItsOwnPhase() {
    long interval = config.weatherInterval().getMillis();
    long start = config.start().getMillis();
    long end = config.end().getMillis();
    Set<String> zones =
        run.simulator().locations().stream()
            .map(LocationMetadata::getLocationId)
            .collect(Collectors.toSet());
    assertThat(history.byLocation().keySet(), equalTo(zones));

    Set<Long> phases = new HashSet<>();
    for (Map.Entry<String, List<WeatherObservation>> e : history.byLocation().entrySet()) {
      List<WeatherObservation> list = e.getValue();
      long first = millis(list.get(0));
      long last = millis(list.get(list.size() - 1));
      assertThat(e.getKey(), first, allOf(greaterThanOrEqualTo(start), lessThan(start + interval)));
      assertThat(e.getKey(), last, allOf(greaterThanOrEqualTo(end - interval), lessThan(end)));
      for (int i = 1; i < list.size(); i++) {
        assertThat(millis(list.get(i)) - millis(list.get(i - 1)), equalTo(interval));
      }
      for (WeatherObservation o : list) {
        assertThat(o.getLocationId(), equalTo(e.getKey()));
      }
      long phase = Math.floorMod(first, interval); // after the wall-clock 5-minute grid
      assertThat(phase, lessThan(MINUTE));
      assertThat("whole seconds", phase % 1000, equalTo(0L));
      phases.add(phase);
    }
    // 30 phases drawn from 60 seconds: most zones report in a second of their own.
    assertThat(phases.size(), greaterThan(15));
  }

  @Test
  void weatherMessagesCarryTheirObservationKeyedByLocation() {
    Set<WeatherObservation> delivered = new HashSet<>();
    for (SimulatedMessage m : run.messages()) {
      assertThat(m.isWeather(), equalTo(m.topic().equals(FleetTopics.WEATHER_OBSERVATIONS)));
      if (!m.isWeather()) {
        continue;
      }
      WeatherObservation o = m.weather();
      assertThat(m.key(), equalTo(o.getLocationId()));
      assertThat(m.eventId(), equalTo(o.getObservationId()));
      assertThat(m.eventTime(), equalTo(o.getObservedAt()));
      assertThat(m.kind(), equalTo(SimulatedMessage.Kind.ORIGINAL));
      assertThat(m.event(), nullValue());
      assertThat(m.isTelemetry() || m.isBooking(), equalTo(false));
      // Processing time = delivery time, as a pipeline consuming in real time would decode it.
      assertThat(
          m.payload(),
          EventJson.decodeWeather(m.payload(), m.deliveryTime(), Duration.standardMinutes(5)),
          equalTo(o));
      assertThat("delivered once", delivered.add(o), equalTo(true));
    }
    assertThat(delivered, equalTo(observations().collect(Collectors.toSet())));

    SimulationStats stats = run.simulator().stats();
    assertThat(stats.weatherMessages(), equalTo((long) delivered.size()));
    assertThat(stats.weatherObservationsGenerated(), equalTo((long) history.size()));
    assertThat(stats.messages(FleetTopics.WEATHER_OBSERVATIONS), equalTo(stats.weatherMessages()));
    assertThat(
        stats.eventsGenerated(FleetTopics.WEATHER_OBSERVATIONS),
        equalTo(stats.weatherObservationsGenerated()));
    assertThat(stats.totalMessages(), equalTo((long) run.messages().size()));
  }

  @Test
  void weatherArrivesWithinSecondsOrLateByMinutesAtTheConfiguredRate() {
    long late = 0;
    for (SimulatedMessage m : run.weather()) {
      if (m.delay() == SimulatedMessage.Delay.LATE) {
        late++;
        assertThat(
            m.delayMillis(), allOf(greaterThanOrEqualTo(MINUTE), lessThanOrEqualTo(4 * MINUTE)));
      } else {
        assertThat(m.delay(), equalTo(SimulatedMessage.Delay.ON_TIME));
        assertThat(m.delayMillis(), allOf(greaterThanOrEqualTo(500L), lessThanOrEqualTo(30_000L)));
      }
    }
    assertRate("late weather", late, run.weather().size(), config.weatherLateRate());
    assertThat(run.simulator().stats().lateWeather(), equalTo(late));
    // The vehicle counters do not mix weather in.
    assertThat(
        run.simulator().stats().late(),
        equalTo(
            run.vehicleMessages().stream()
                .filter(m -> m.kind() == SimulatedMessage.Kind.ORIGINAL)
                .filter(m -> m.delay() == SimulatedMessage.Delay.LATE)
                .count()));
  }

  @Test
  void lateWeatherArrivesAfterTelemetryTakenWhileItWasAlreadyValid() {
    long newestTelemetryDelivered = Long.MIN_VALUE;
    int late = 0;
    int afterNewerTelemetry = 0;
    for (SimulatedMessage m : run.messages()) {
      if (m.isTelemetry()) {
        newestTelemetryDelivered = Math.max(newestTelemetryDelivered, m.eventTime().getMillis());
      } else if (m.isWeather() && m.delay() == SimulatedMessage.Delay.LATE) {
        late++;
        if (newestTelemetryDelivered > m.eventTime().getMillis()) {
          afterNewerTelemetry++;
        }
      }
    }
    assertThat(late, greaterThan(500));
    assertThat(afterNewerTelemetry, equalTo(late));
  }

  @Test
  void temperatureFollowsALateNovemberDailyCurve() {
    double[] sum = new double[24];
    int[] count = new int[24];
    observations()
        .forEach(
            o -> {
              assertThat(
                  o.toString(), o.getTemperatureC(), allOf(greaterThan(-15.0), lessThan(15.0)));
              sum[localHour(o)] += o.getTemperatureC();
              count[localHour(o)]++;
            });
    for (List<WeatherObservation> list : history.byLocation().values()) {
      for (int i = 1; i < list.size(); i++) {
        double step = Math.abs(list.get(i).getTemperatureC() - list.get(i - 1).getTemperatureC());
        assertThat("5 minutes later: " + list.get(i), step, lessThanOrEqualTo(3.0));
      }
    }
    double beforeDawn =
        (sum[4] + sum[5] + sum[6] + sum[7]) / (count[4] + count[5] + count[6] + count[7]);
    double afternoon =
        (sum[13] + sum[14] + sum[15] + sum[16]) / (count[13] + count[14] + count[15] + count[16]);
    double mean =
        observations().mapToDouble(WeatherObservation::getTemperatureC).average().orElseThrow();
    assertThat(afternoon - beforeDawn, greaterThan(2.0));
    assertThat(mean, allOf(greaterThan(-2.0), lessThan(8.0)));
  }

  @Test
  void precipitationComesInEpisodesOfTensOfMinutesAcrossTheCity() {
    Map<String, String> cityOf = new HashMap<>();
    for (LocationMetadata l : run.simulator().locations()) {
      cityOf.put(l.getLocationId(), l.getCity());
    }
    // Per city: when any of its zones reported precipitation, and which zone.
    Map<String, List<WeatherObservation>> wetByCity = new HashMap<>();
    observations()
        .filter(o -> o.getPrecipitationMmH() > 0)
        .forEach(
            o ->
                wetByCity
                    .computeIfAbsent(cityOf.get(o.getLocationId()), c -> new ArrayList<>())
                    .add(o));

    int episodes = 0;
    for (List<WeatherObservation> list : history.byLocation().values()) {
      int i = 0;
      while (i < list.size()) {
        if (list.get(i).getPrecipitationMmH() == 0) {
          i++;
          continue;
        }
        int first = i;
        while (i < list.size() && list.get(i).getPrecipitationMmH() > 0) {
          i++;
        }
        if (first == 0 || i == list.size()) {
          continue; // cut off by the start or end of the run
        }
        episodes++;
        WeatherObservation onset = list.get(first);
        long span = millis(list.get(i - 1)) - millis(onset);
        assertThat(
            onset.toString(),
            span,
            allOf(greaterThanOrEqualTo(10 * MINUTE), lessThanOrEqualTo(90 * MINUTE)));
        // A front crosses the city: another zone is wet within 20 minutes of this onset.
        boolean sharedByAnotherZone =
            wetByCity.get(cityOf.get(onset.getLocationId())).stream()
                .anyMatch(
                    o ->
                        !o.getLocationId().equals(onset.getLocationId())
                            && Math.abs(millis(o) - millis(onset)) <= 20 * MINUTE);
        assertThat(onset.toString(), sharedByAnotherZone, equalTo(true));
      }
    }
    long wet = observations().filter(o -> o.getPrecipitationMmH() > 0).count();
    assertThat(episodes, greaterThan(100));
    // A German November: wet about a fifth of the time.
    assertThat((double) wet / history.size(), allOf(greaterThan(0.05), lessThan(0.4)));
  }

  @Test
  void conditionAgreesWithPrecipitationTemperatureAndWind() {
    Set<WeatherCondition> seen = EnumSet.noneOf(WeatherCondition.class);
    observations()
        .forEach(
            o -> {
              String why = o.toString();
              seen.add(o.getCondition());
              assertThat(
                  why, o.getWindSpeedKmh(), allOf(greaterThanOrEqualTo(0.0), lessThan(120.0)));
              assertThat(
                  why, o.getPrecipitationMmH(), allOf(greaterThanOrEqualTo(0.0), lessThan(60.0)));
              boolean storm = o.getWindSpeedKmh() >= WeatherModel.STORM_MIN_WIND_KMH;
              assertThat(why, o.getCondition() == WeatherCondition.STORM, equalTo(storm));
              if (storm) {
                return;
              }
              if (o.getPrecipitationMmH() > 0) {
                assertThat(
                    why,
                    o.getCondition(),
                    equalTo(
                        o.getTemperatureC() <= WeatherModel.SNOW_MAX_TEMPERATURE_C
                            ? WeatherCondition.SNOW
                            : WeatherCondition.RAIN));
              } else {
                assertThat(
                    why,
                    o.getCondition(),
                    isOneOf(WeatherCondition.CLEAR, WeatherCondition.CLOUDY));
              }
            });
    assertThat(seen, equalTo(EnumSet.allOf(WeatherCondition.class)));
  }

  @Test
  void validAtIsTheLatestObservationAtOrBeforeTheTime() {
    String zone = run.simulator().locations().get(0).getLocationId();
    List<WeatherObservation> list = history.observations(zone);
    WeatherObservation first = list.get(0);
    WeatherObservation second = list.get(1);

    assertThat(history.validAt(zone, first.getObservedAt().minus(1)), nullValue());
    assertThat(history.validAt(zone, first.getObservedAt()), equalTo(first));
    assertThat(history.validAt(zone, second.getObservedAt().minus(1)), equalTo(first));
    assertThat(history.validAt(zone, second.getObservedAt()), equalTo(second));
    assertThat(
        history.validAt(zone, config.end().plus(Duration.standardDays(1))),
        equalTo(list.get(list.size() - 1)));
    assertThrows(
        IllegalArgumentException.class, () -> history.validAt("loc-atlantis-01", config.end()));
  }

  @Test
  void historyMidRunIsWhatHasBeenObservedSoFar() {
    FleetSimulator sim =
        new FleetSimulator(config.toBuilder().duration(Duration.standardHours(2)).build());
    Iterator<SimulatedMessage> it = sim.messages();
    for (int i = 0; i < 2_000; i++) {
      it.next();
    }
    WeatherHistory soFar = sim.weatherHistory();
    long observedSoFar = sim.stats().weatherObservationsGenerated();
    it.forEachRemaining(m -> {});
    WeatherHistory complete = sim.weatherHistory();

    assertThat((long) soFar.size(), equalTo(observedSoFar));
    assertThat(soFar.size(), allOf(greaterThan(0), lessThan(complete.size())));
    for (String zone : complete.byLocation().keySet()) {
      List<WeatherObservation> prefix = soFar.observations(zone);
      assertThat(complete.observations(zone).subList(0, prefix.size()), equalTo(prefix));
    }
  }

  @Test
  void intervalAndLateRateAreConfigurable() {
    SimulatorConfig hourly =
        SimulatorTestSupport.standard()
            .vehicleCount(10)
            .locationCount(12)
            .weatherEnabled(true)
            .weatherInterval(Duration.standardMinutes(10))
            .weatherLateRate(0)
            .build();
    SimulatorTestSupport.Run tenMinutes = SimulatorTestSupport.run(hourly);

    assertThat(tenMinutes.weather().size(), equalTo(12 * 12)); // 12 zones, 2 hours
    for (SimulatedMessage m : tenMinutes.weather()) {
      assertThat(m.delay(), equalTo(SimulatedMessage.Delay.ON_TIME));
    }
    for (List<WeatherObservation> list :
        tenMinutes.simulator().weatherHistory().byLocation().values()) {
      for (int i = 1; i < list.size(); i++) {
        assertThat(millis(list.get(i)) - millis(list.get(i - 1)), equalTo(10 * MINUTE));
      }
    }
  }

  @Test
  void differentSeedsGiveDifferentWeather() {
    SimulatorConfig.Builder shortRun =
        SimulatorTestSupport.standard().vehicleCount(10).weatherEnabled(true);
    WeatherHistory a =
        SimulatorTestSupport.run(shortRun.seed(1).build()).simulator().weatherHistory();
    WeatherHistory b =
        SimulatorTestSupport.run(shortRun.seed(2).build()).simulator().weatherHistory();

    assertThat(a.size(), greaterThan(0));
    assertThat(a.byLocation(), not(equalTo(b.byLocation())));
  }

  @Test
  void weatherSettingsAreValidated() {
    assertThrows(
        IllegalArgumentException.class,
        () -> SimulatorConfig.builder().weatherInterval(Duration.standardSeconds(30)).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> SimulatorConfig.builder().weatherLateRate(1.5).build());
  }

  @Test
  void aMessageCarriesAVehicleEventOrWeatherButNotBoth() {
    SimulatedMessage weather = run.weather().get(0);
    SimulatedMessage telemetry =
        run.originals().stream().filter(SimulatedMessage::isTelemetry).findFirst().orElseThrow();

    assertThrows(
        IllegalArgumentException.class,
        () ->
            weatherMessage(
                weather, telemetry.event(), weather.weather(), SimulatedMessage.Kind.ORIGINAL));
    assertThrows(
        IllegalArgumentException.class,
        () -> weatherMessage(weather, null, null, SimulatedMessage.Kind.ORIGINAL));
    assertThrows(
        IllegalArgumentException.class,
        () -> weatherMessage(weather, null, weather.weather(), SimulatedMessage.Kind.MALFORMED));
    assertThat(
        weatherMessage(weather, null, weather.weather(), SimulatedMessage.Kind.ORIGINAL),
        equalTo(weather));
  }

  /** {@code template} with the given payload models and kind (and a reason iff malformed). */
  private static SimulatedMessage weatherMessage(
      SimulatedMessage template,
      VehicleEvent event,
      WeatherObservation weather,
      SimulatedMessage.Kind kind) {
    return new SimulatedMessage(
        template.topic(),
        template.key(),
        template.payload(),
        template.deliveryTime(),
        template.eventId(),
        template.eventTime(),
        event,
        weather,
        kind,
        template.delay(),
        kind == SimulatedMessage.Kind.MALFORMED ? DeadLetterReason.MALFORMED_JSON : null);
  }
}
