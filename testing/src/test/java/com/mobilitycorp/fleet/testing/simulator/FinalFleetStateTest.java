package com.mobilitycorp.fleet.testing.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** The ground truth is what replaying the generated events in event time gives. */
class FinalFleetStateTest {

  @Test
  void finalStateEqualsTheEventReplayInEventTime() {
    SimulatorTestSupport.Run run =
        SimulatorTestSupport.run(
            SimulatorTestSupport.standard()
                .duration(Duration.standardHours(3))
                .bookingsPerVehiclePerDay(20)
                .maintenanceRatePerVehicleDay(0.5)
                .outOfOrderRate(0.2) // plenty of disorder, so delivery order would give other answers
                .build());
    Map<String, VehicleTruth> truth = run.simulator().finalFleetState();
    Map<String, List<TelemetryEvent>> telemetry = run.telemetryByVehicle();
    Map<String, List<BookingEvent>> bookings = run.bookingsByVehicle();

    Map<VehicleTruth.Status, Integer> statuses = new EnumMap<>(VehicleTruth.Status.class);
    for (VehicleMetadata v : run.simulator().vehicles()) {
      String id = v.getVehicleId();
      List<TelemetryEvent> ts = telemetry.get(id);
      List<BookingEvent> bs = bookings.getOrDefault(id, List.of());
      TelemetryEvent lastT = ts.get(ts.size() - 1);
      BookingEvent lastB = bs.isEmpty() ? null : bs.get(bs.size() - 1);
      BookingEventType lastType = lastB == null ? null : lastB.getEventType();
      boolean open =
          lastType == BookingEventType.BOOKING_CREATED || lastType == BookingEventType.RENTAL_STARTED;
      Instant lastTime =
          lastB != null && lastB.getEventTime().isAfter(lastT.getEventTime())
              ? lastB.getEventTime()
              : lastT.getEventTime();
      VehicleTruth expected =
          new VehicleTruth(
              id,
              expectedStatus(lastType, lastT.getOperationalStatus()),
              lastT.getLat(),
              lastT.getLon(),
              lastT.getBatteryPct(),
              lastT.getOperationalStatus(),
              open ? lastB.getBookingId() : null,
              lastTime);
      assertThat(truth.get(id), equalTo(expected));
      statuses.merge(expected.status(), 1, Integer::sum);
    }
    assertThat(truth.size(), equalTo(run.simulator().vehicles().size()));
    assertThat(statuses.get(VehicleTruth.Status.AVAILABLE), greaterThan(100));
    assertThat(statuses.getOrDefault(VehicleTruth.Status.ON_TRIP, 0), greaterThan(0));

    // The test has teeth: replaying in delivery order would disagree for some vehicles.
    Map<String, TelemetryEvent> lastDelivered = new HashMap<>();
    for (SimulatedMessage m : run.originals()) {
      if (m.event() instanceof TelemetryEvent) {
        lastDelivered.put(m.key(), (TelemetryEvent) m.event());
      }
    }
    long differ =
        lastDelivered.entrySet().stream()
            .filter(
                e -> {
                  List<TelemetryEvent> ts = telemetry.get(e.getKey());
                  return !ts.get(ts.size() - 1).getEventId().equals(e.getValue().getEventId());
                })
            .count();
    assertThat(differ, greaterThan(0L));
  }

  /** The MDS rule, written out independently of {@link VehicleTruth#statusOf}. */
  private static VehicleTruth.Status expectedStatus(BookingEventType lastBooking, OperationalStatus op) {
    if (lastBooking == BookingEventType.BOOKING_CREATED) {
      return VehicleTruth.Status.RESERVED;
    }
    if (lastBooking == BookingEventType.RENTAL_STARTED) {
      return VehicleTruth.Status.ON_TRIP;
    }
    switch (op) {
      case OPERATIONAL:
        return VehicleTruth.Status.AVAILABLE;
      case CHARGING:
      case MAINTENANCE:
      case OUT_OF_SERVICE:
        return VehicleTruth.Status.NON_OPERATIONAL;
      default:
        throw new AssertionError(op);
    }
  }

  @Test
  void finalStateNeedsTheWholeStream() {
    FleetSimulator sim =
        new FleetSimulator(
            SimulatorTestSupport.standard().duration(Duration.standardMinutes(10)).build());
    var it = sim.messages();
    it.next();
    assertThrows(IllegalStateException.class, sim::finalFleetState);
    assertThat(sim.currentFleetState().size(), equalTo(300));
    while (it.hasNext()) {
      it.next();
    }
    assertThat(sim.isExhausted(), equalTo(true));
    assertThat(sim.finalFleetState().size(), equalTo(300));
    assertThrows(IllegalStateException.class, sim::messages);
  }
}
