package com.mobilitycorp.fleet.testing.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.mobilitycorp.fleet.model.VehicleMetadata;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;

/** Vehicles missing from the reference data: the truth keeps them, the metadata table does not. */
class UnregisteredVehiclesTest {

  private static SimulatorConfig config(double rate) {
    return SimulatorTestSupport.standard()
        .vehicleCount(200)
        .duration(Duration.standardHours(2))
        .unregisteredVehicleRate(rate)
        .build();
  }

  private static Set<String> ids(List<VehicleMetadata> vehicles) {
    return vehicles.stream().map(VehicleMetadata::getVehicleId).collect(Collectors.toSet());
  }

  @Test
  void aDeterministicShareIsLeftOutOfTheReferenceData() {
    FleetSimulator sim = new FleetSimulator(config(0.05));
    Set<String> unregistered = sim.unregisteredVehicles();

    assertThat(unregistered, hasSize(10));
    assertThat(sim.vehicles(), hasSize(200)); // the truth: every vehicle
    assertThat(sim.registeredVehicles(), hasSize(190));
    assertThat(ids(sim.vehicles()).containsAll(unregistered), equalTo(true));
    for (VehicleMetadata v : sim.registeredVehicles()) {
      assertThat(unregistered.contains(v.getVehicleId()), equalTo(false));
    }
    // Same seed, same choice; another seed, another choice.
    assertThat(new FleetSimulator(config(0.05)).unregisteredVehicles(), equalTo(unregistered));
    assertThat(
        new FleetSimulator(config(0.05).toBuilder().seed(8).build()).unregisteredVehicles(),
        not(equalTo(unregistered)));
    assertThrows(UnsupportedOperationException.class, () -> unregistered.add("veh-x"));
    assertThrows(
        UnsupportedOperationException.class, () -> sim.registeredVehicles().remove(0));
  }

  @Test
  void byDefaultEveryVehicleIsRegistered() {
    FleetSimulator sim = new FleetSimulator(SimulatorTestSupport.standard().build());
    assertThat(sim.unregisteredVehicles(), empty());
    assertThat(sim.registeredVehicles(), equalTo(sim.vehicles()));
    // Rounded to whole vehicles.
    assertThat(
        new FleetSimulator(SimulatorConfig.builder().unregisteredVehicleRate(0.01).build())
            .unregisteredVehicles(),
        hasSize(10));
    assertThat(
        new FleetSimulator(
                SimulatorConfig.builder().vehicleCount(30).unregisteredVehicleRate(0.01).build())
            .unregisteredVehicles(),
        empty());
  }

  @Test
  void unregisteredVehiclesReportAndGetBookedLikeAnyOther() {
    SimulatorTestSupport.Run run = SimulatorTestSupport.run(config(0.05));
    Set<String> unregistered = run.simulator().unregisteredVehicles();
    Set<String> reporting = run.telemetryByVehicle().keySet();
    assertThat(reporting.containsAll(unregistered), equalTo(true));
    long booked =
        run.bookingsByVehicle().keySet().stream().filter(unregistered::contains).count();
    assertThat(booked, greaterThan(0L));
  }

  @Test
  void leavingVehiclesOutChangesNoMessage() {
    SimulatorConfig none = config(0).toBuilder().duration(Duration.standardMinutes(30)).build();
    SimulatorConfig some = none.toBuilder().unregisteredVehicleRate(0.2).build();
    SimulatorTestSupport.Run a = SimulatorTestSupport.run(none);
    SimulatorTestSupport.Run b = SimulatorTestSupport.run(some);

    assertThat(b.simulator().unregisteredVehicles(), hasSize(40));
    assertThat(b.messages(), equalTo(a.messages()));
    assertThat(b.simulator().vehicles(), equalTo(a.simulator().vehicles()));
  }
}
