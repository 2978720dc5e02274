package com.mobilitycorp.fleet.testing.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;

import com.mobilitycorp.fleet.model.VehicleEvent;
import java.util.List;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;

class DeterminismTest {

  private static SimulatorConfig config(long seed) {
    return SimulatorTestSupport.standard()
        .seed(seed)
        .vehicleCount(120)
        .duration(Duration.standardMinutes(40))
        .malformedRate(0.01)
        .build();
  }

  @Test
  void sameConfigGivesIdenticalMessages() {
    SimulatorTestSupport.Run a = SimulatorTestSupport.run(config(11));
    SimulatorTestSupport.Run b = SimulatorTestSupport.run(config(11));

    assertThat(a.messages().size(), greaterThan(5_000));
    // Records: topic, key, payload (byte for byte), delivery time, ids, event, labels.
    assertThat(a.messages(), equalTo(b.messages()));
    assertThat(a.simulator().vehicles(), equalTo(b.simulator().vehicles()));
    assertThat(a.simulator().locations(), equalTo(b.simulator().locations()));
    assertThat(a.simulator().finalFleetState(), equalTo(b.simulator().finalFleetState()));
  }

  @Test
  void differentSeedGivesDifferentMessages() {
    List<SimulatedMessage> a = SimulatorTestSupport.run(config(11)).messages();
    List<SimulatedMessage> b = SimulatorTestSupport.run(config(12)).messages();

    assertThat(a, not(equalTo(b)));
    assertThat(a.get(0).payload(), not(equalTo(b.get(0).payload())));
    assertThat(
        new FleetSimulator(config(11)).vehicles(), not(equalTo(new FleetSimulator(config(12)).vehicles())));
  }

  @Test
  void injectionRatesDoNotChangeTheFleetHistory() {
    SimulatorConfig noisy = config(11);
    SimulatorConfig clean = noisy.toBuilder().cleanDelivery().build();

    List<VehicleEvent> noisyEvents = SimulatorTestSupport.run(noisy).eventsInEventTime();
    List<VehicleEvent> cleanEvents = SimulatorTestSupport.run(clean).eventsInEventTime();

    assertThat(noisyEvents, equalTo(cleanEvents));
  }

  @Test
  void sameConfigWithWeatherGivesIdenticalMessagesAndWeather() {
    SimulatorConfig withWeather = config(11).toBuilder().weatherEnabled(true).build();
    SimulatorTestSupport.Run a = SimulatorTestSupport.run(withWeather);
    SimulatorTestSupport.Run b = SimulatorTestSupport.run(withWeather);

    assertThat(a.weather().size(), greaterThan(150)); // 24 zones x 8 in 40 min
    assertThat(a.messages(), equalTo(b.messages()));
    assertThat(
        a.simulator().weatherHistory().byLocation(),
        equalTo(b.simulator().weatherHistory().byLocation()));
  }

  @Test
  void enablingWeatherLeavesEveryVehicleMessageAsItWas() {
    SimulatorConfig withoutWeather = config(11);
    SimulatorConfig withWeather = withoutWeather.toBuilder().weatherEnabled(true).build();

    SimulatorTestSupport.Run off = SimulatorTestSupport.run(withoutWeather);
    SimulatorTestSupport.Run on = SimulatorTestSupport.run(withWeather);

    assertThat(on.weather().size(), greaterThan(150));
    // Same events, ids and times, and the same wire: payloads, delivery times, labels, order.
    assertThat(on.vehicleMessages(), equalTo(off.messages()));
    assertThat(on.eventsInEventTime(), equalTo(off.eventsInEventTime()));
    assertThat(on.simulator().finalFleetState(), equalTo(off.simulator().finalFleetState()));
  }

  private static SimulatorConfig withAnomalies(long seed) {
    return config(seed).toBuilder()
        .duration(Duration.standardHours(2))
        .batteryFaultRatePerVehicleDay(2.0)
        .excursionRate(0.1)
        .unregisteredVehicleRate(0.05)
        .build();
  }

  @Test
  void sameConfigWithAnomaliesGivesIdenticalMessagesAndAnomalies() {
    SimulatorTestSupport.Run a = SimulatorTestSupport.run(withAnomalies(11));
    SimulatorTestSupport.Run b = SimulatorTestSupport.run(withAnomalies(11));

    assertThat(a.simulator().batteryFaults().size(), greaterThan(5));
    assertThat(a.simulator().excursions().size(), greaterThan(3));
    assertThat(a.simulator().unregisteredVehicles().size(), equalTo(6));
    assertThat(a.messages(), equalTo(b.messages()));
    assertThat(a.simulator().batteryFaults(), equalTo(b.simulator().batteryFaults()));
    assertThat(a.simulator().excursions(), equalTo(b.simulator().excursions()));
    assertThat(a.simulator().unregisteredVehicles(), equalTo(b.simulator().unregisteredVehicles()));
    assertThat(a.simulator().finalFleetState(), equalTo(b.simulator().finalFleetState()));

    FleetSimulator other = SimulatorTestSupport.run(withAnomalies(12)).simulator();
    assertThat(other.batteryFaults(), not(equalTo(a.simulator().batteryFaults())));
    assertThat(other.excursions(), not(equalTo(a.simulator().excursions())));
    assertThat(other.unregisteredVehicles(), not(equalTo(a.simulator().unregisteredVehicles())));
  }

  /**
   * With the anomaly settings at their defaults (0, unconfined), the messages are exactly those
   * the simulator produced before they existed: fingerprints taken then. A deliberate change of
   * the fleet model or the wire has to update them.
   */
  @Test
  void anomaliesOffLeaveTheMessagesAsTheyWere() {
    SimulatorConfig a =
        SimulatorTestSupport.standard()
            .vehicleCount(150)
            .duration(Duration.standardHours(3))
            .malformedRate(0.01)
            .weatherEnabled(true)
            .build();
    SimulatorConfig b =
        SimulatorConfig.builder()
            .seed(99)
            .vehicleCount(80)
            .cityCount(2)
            .locationCount(14)
            .duration(Duration.standardHours(6))
            .build();
    assertThat(
        SimulatorTestSupport.fingerprint(a),
        equalTo("40544 0a557c9098f5151783c30cb133cba7e3c0a92e68544fe2174b786089f2f747c4"));
    assertThat(
        SimulatorTestSupport.fingerprint(b),
        equalTo("41418 64da2ea6249f3903201ffed6a151d85adf1ca75e388c4e523e4c8943fb829e51"));
    // Explicit zeros are the defaults.
    assertThat(
        a.toBuilder()
            .batteryFaultRatePerVehicleDay(0)
            .excursionRate(0)
            .confineTripsToOperatingArea(false)
            .unregisteredVehicleRate(0)
            .build(),
        equalTo(a));
  }

  /**
   * Without demand surges (the default) the messages are exactly those from before surges existed:
   * the fingerprint {@link #anomaliesOffLeaveTheMessagesAsTheyWere} pins, also for a config that
   * had surges and dropped them.
   */
  @Test
  void noDemandSurgesLeaveTheMessagesAsTheyWere() {
    SimulatorConfig a =
        SimulatorTestSupport.standard()
            .vehicleCount(150)
            .duration(Duration.standardHours(3))
            .malformedRate(0.01)
            .weatherEnabled(true)
            .build();
    assertThat(a.demandSurges(), equalTo(List.of()));
    SimulatorConfig dropped =
        a.toBuilder()
            .demandSurge(
                new DemandSurge(
                    "loc-ber-01", a.start().plus(Duration.standardHours(1)), Duration.standardMinutes(10), 20))
            .clearDemandSurges()
            .build();
    assertThat(dropped, equalTo(a));
    assertThat(
        SimulatorTestSupport.fingerprint(dropped),
        equalTo("40544 0a557c9098f5151783c30cb133cba7e3c0a92e68544fe2174b786089f2f747c4"));
    FleetSimulator sim = SimulatorTestSupport.run(dropped).simulator();
    assertThat(sim.demandSurges(), equalTo(List.of()));
    assertThat(sim.stats().surgeRequests(), equalTo(0L));
  }

  @Test
  void sameConfigWithSurgesGivesIdenticalMessagesAndOutcomes() {
    SimulatorConfig surged =
        config(11).toBuilder()
            .demandSurge(
                new DemandSurge(
                    "loc-ber-02", config(11).start().plus(Duration.standardMinutes(10)), Duration.standardMinutes(10), 10))
            .demandSurge(
                new DemandSurge(
                    "loc-muc-01", config(11).start().plus(Duration.standardMinutes(15)), Duration.standardMinutes(5), 6))
            .build();
    SimulatorTestSupport.Run a = SimulatorTestSupport.run(surged);
    SimulatorTestSupport.Run b = SimulatorTestSupport.run(surged);

    assertThat(a.simulator().stats().surgeBookingsCreated(), greaterThan(5L));
    assertThat(a.messages(), equalTo(b.messages()));
    assertThat(a.simulator().demandSurges(), equalTo(b.simulator().demandSurges()));
    assertThat(a.simulator().finalFleetState(), equalTo(b.simulator().finalFleetState()));
    // And the surges do change the run.
    assertThat(a.messages(), not(equalTo(SimulatorTestSupport.run(config(11)).messages())));
  }

  @Test
  void cleanDeliveryIsEveryEventOnceOnTime() {
    SimulatorTestSupport.Run run =
        SimulatorTestSupport.run(config(3).toBuilder().cleanDelivery().build());
    for (SimulatedMessage m : run.messages()) {
      assertThat(m.kind(), equalTo(SimulatedMessage.Kind.ORIGINAL));
      assertThat(m.delay(), equalTo(SimulatedMessage.Delay.ON_TIME));
    }
    assertThat(
        (long) run.messages().size(),
        equalTo(
            run.simulator().stats().telemetryEventsGenerated()
                + run.simulator().stats().bookingEventsGenerated()));
  }
}
