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
