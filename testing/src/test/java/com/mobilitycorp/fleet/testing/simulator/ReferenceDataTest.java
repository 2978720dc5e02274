package com.mobilitycorp.fleet.testing.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;

import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.model.VehicleType;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

class ReferenceDataTest {
  private static final Instant START = Instant.parse("2026-11-25T06:00:00Z");

  private static FleetSimulator sim(long seed, int vehicles, int locations, int cities) {
    return new FleetSimulator(
        SimulatorConfig.builder()
            .seed(seed)
            .vehicleCount(vehicles)
            .locationCount(locations)
            .cityCount(cities)
            .start(START)
            .build());
  }

  @Test
  void zonesAreRealisticAndDoNotOverlap() {
    List<LocationMetadata> locs = sim(1, 10, 60, 3).locations();
    assertThat(locs.size(), equalTo(60));
    Set<String> ids = new HashSet<>();
    Set<String> cities = new TreeSet<>();
    for (LocationMetadata l : locs) {
      assertThat(ids.add(l.getLocationId()), equalTo(true));
      cities.add(l.getCity());
      City city = City.valueOf(l.getCity().toUpperCase(java.util.Locale.ROOT));
      double fromCentre =
          Geo.distanceM(city.centreLat, city.centreLon, l.getCentreLat(), l.getCentreLon());
      assertThat(l.getName(), fromCentre, lessThanOrEqualTo(5_000.0));
      assertThat(l.getName(), l.getRadiusM(), allOf(greaterThanOrEqualTo(150.0), lessThanOrEqualTo(400.0)));
      for (LocationMetadata o : locs) {
        if (o != l) {
          double d = Geo.distanceM(l.getCentreLat(), l.getCentreLon(), o.getCentreLat(), o.getCentreLon());
          assertThat(l.getName() + " / " + o.getName(), l.getRadiusM() + o.getRadiusM(), lessThan(d));
        }
      }
    }
    assertThat(cities, equalTo(new TreeSet<>(List.of("Berlin", "Hamburg", "Munich"))));
    assertThat(sim(1, 10, 5, 1).locations().stream().allMatch(l -> l.getCity().equals("Berlin")), equalTo(true));
  }

  @Test
  void vehiclesHaveTheConfiguredMixAndPlausibleMetadata() {
    FleetSimulator sim = sim(5, 1000, 30, 3);
    Set<String> zoneIds = new HashSet<>();
    sim.locations().forEach(l -> zoneIds.add(l.getLocationId()));
    Map<VehicleType, Integer> counts = new EnumMap<>(VehicleType.class);
    Set<String> ids = new HashSet<>();
    for (VehicleMetadata v : sim.vehicles()) {
      assertThat(ids.add(v.getVehicleId()), equalTo(true));
      counts.merge(v.getVehicleType(), 1, Integer::sum);
      assertThat(
          VehicleProfile.of(v.getVehicleType()).models.stream().anyMatch(m -> m.name().equals(v.getModel())),
          equalTo(true));
      assertThat(zoneIds.contains(v.getHomeLocationId()), equalTo(true));
      assertThat(v.getLastServiceDate().isBefore(START), equalTo(true));
      assertThat(v.getLastServiceDate().isAfter(START.minus(Duration.standardDays(366))), equalTo(true));
      assertThat(v.getLastServiceDate().getMillis() % 86_400_000L, equalTo(0L));
    }
    assertThat(counts.get(VehicleType.E_SCOOTER), equalTo(600));
    assertThat(counts.get(VehicleType.E_BIKE), equalTo(250));
    assertThat(counts.get(VehicleType.CAR), equalTo(150));
    // Home zones spread over the cities.
    long homes = sim.vehicles().stream().map(VehicleMetadata::getHomeLocationId).distinct().count();
    assertThat(homes, greaterThan(25L));
  }

  @Test
  void referenceDataIsDeterministicPerSeed() {
    assertThat(sim(9, 200, 20, 2).vehicles(), equalTo(sim(9, 200, 20, 2).vehicles()));
    assertThat(sim(9, 200, 20, 2).locations(), equalTo(sim(9, 200, 20, 2).locations()));
    assertThat(sim(9, 200, 20, 2).vehicles(), not(equalTo(sim(10, 200, 20, 2).vehicles())));
  }

  @Test
  void configValidatesItsInput() {
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> SimulatorConfig.builder().duplicateRate(1.5).build());
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> SimulatorConfig.builder().cityCount(4).build());
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> SimulatorConfig.builder().maxDisorder(Duration.standardMinutes(10)).build());
    SimulatorConfig c = SimulatorConfig.builder().duration(Duration.standardHours(1)).build();
    assertThat(c.end(), equalTo(c.start().plus(Duration.standardHours(1))));
    assertThat(c.toBuilder().build(), equalTo(c));
  }
}
