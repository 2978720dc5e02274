package com.mobilitycorp.fleet.testing.simulator;

import static com.mobilitycorp.fleet.testing.simulator.SimulatorTestSupport.assertRate;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.notNullValue;

import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.joda.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The network layer on ~50k messages with the default injection rates. */
class DeliveryInjectionTest {
  private static SimulatorConfig config;
  private static SimulatorTestSupport.Run run;

  @BeforeAll
  static void generate() {
    config = SimulatorTestSupport.standard().build(); // default rates
    run = SimulatorTestSupport.run(config);
  }

  @Test
  void enoughMessages() {
    assertThat(run.messages().size(), allOf(greaterThan(40_000), lessThan(80_000)));
    assertThat(run.simulator().stats().bookingEventsGenerated(), greaterThan(300L));
  }

  @Test
  void deliveryOrderIsSortedByDeliveryTime() {
    List<SimulatedMessage> ms = run.messages();
    for (int i = 1; i < ms.size(); i++) {
      assertThat(
          "message " + i,
          ms.get(i).deliveryTime().getMillis(),
          greaterThanOrEqualTo(ms.get(i - 1).deliveryTime().getMillis()));
    }
  }

  @Test
  void injectionFractionsMatchTheConfig() {
    long telemetryEvents = 0;
    long bookingEvents = 0;
    long telemetryDuplicates = 0;
    long bookingDuplicates = 0;
    long outOfOrder = 0;
    long late = 0;
    long malformed = 0;
    for (SimulatedMessage m : run.messages()) {
      boolean telemetry = m.topic().equals(FleetTopics.VEHICLE_EVENTS_RAW);
      switch (m.kind()) {
        case ORIGINAL:
          if (telemetry) {
            telemetryEvents++;
          } else {
            bookingEvents++;
          }
          if (m.delay() == SimulatedMessage.Delay.OUT_OF_ORDER) {
            outOfOrder++;
          } else if (m.delay() == SimulatedMessage.Delay.LATE) {
            late++;
          }
          break;
        case DUPLICATE:
          if (telemetry) {
            telemetryDuplicates++;
          } else {
            bookingDuplicates++;
          }
          break;
        case MALFORMED:
          malformed++;
          break;
      }
    }
    long events = telemetryEvents + bookingEvents;
    SimulationStats stats = run.simulator().stats();
    assertThat(telemetryEvents, equalTo(stats.telemetryEventsGenerated()));
    assertThat(bookingEvents, equalTo(stats.bookingEventsGenerated()));
    assertThat(stats.duplicates(), equalTo(telemetryDuplicates + bookingDuplicates));
    assertThat(stats.outOfOrder(), equalTo(outOfOrder));
    assertThat(stats.late(), equalTo(late));
    assertThat(stats.malformed(), equalTo(malformed));

    assertRate("telemetry duplicates", telemetryDuplicates, telemetryEvents, config.duplicateRate());
    assertRate("booking duplicates", bookingDuplicates, bookingEvents, config.bookingDuplicateRate());
    assertRate("out of order", outOfOrder, events, config.outOfOrderRate());
    assertRate("late", late, events, config.lateRate());
    assertRate("malformed", malformed, events, config.malformedRate());
    assertThat(late, greaterThan(0L));
    assertThat(malformed, greaterThan(0L));
  }

  @Test
  void delaysAreWithinTheirClassRanges() {
    Map<String, SimulatedMessage> originals = new HashMap<>();
    for (SimulatedMessage m : run.messages()) {
      long delay = m.delayMillis();
      switch (m.kind()) {
        case ORIGINAL:
          originals.put(m.eventId(), m);
          switch (m.delay()) {
            case ON_TIME:
              assertThat(delay, allOf(greaterThanOrEqualTo(50L), lessThanOrEqualTo(2_000L)));
              break;
            case OUT_OF_ORDER:
              assertThat(
                  delay,
                  allOf(greaterThanOrEqualTo(5_000L), lessThanOrEqualTo(config.maxDisorder().getMillis())));
              break;
            case LATE:
              assertThat(
                  delay,
                  allOf(
                      greaterThanOrEqualTo(config.minLateDelay().getMillis()),
                      lessThanOrEqualTo(config.maxLateDelay().getMillis())));
              break;
          }
          break;
        case DUPLICATE:
          {
            SimulatedMessage original = originals.get(m.eventId());
            assertThat("a duplicate follows its original", original, notNullValue());
            long gap = m.deliveryTime().getMillis() - original.deliveryTime().getMillis();
            assertThat(gap, allOf(greaterThanOrEqualTo(1_000L), lessThanOrEqualTo(60_000L)));
            assertThat(m.delay(), equalTo(original.delay()));
            break;
          }
        case MALFORMED:
          assertThat(m.delay(), equalTo(SimulatedMessage.Delay.ON_TIME));
          assertThat(delay, allOf(greaterThanOrEqualTo(50L), lessThanOrEqualTo(2_000L)));
          break;
      }
    }
  }

  @Test
  void everyDuplicateRepeatsAnEarlierOriginalExactly() {
    Map<String, SimulatedMessage> originals = new HashMap<>();
    int duplicates = 0;
    for (SimulatedMessage m : run.messages()) {
      if (m.kind() == SimulatedMessage.Kind.ORIGINAL) {
        assertThat("event ids are unique", originals.put(m.eventId(), m) == null, equalTo(true));
      } else if (m.kind() == SimulatedMessage.Kind.DUPLICATE) {
        duplicates++;
        SimulatedMessage original = originals.get(m.eventId());
        assertThat(original, notNullValue());
        assertThat(m.payload(), equalTo(original.payload()));
        assertThat(m.key(), equalTo(original.key()));
        assertThat(m.topic(), equalTo(original.topic()));
        assertThat(m.event(), equalTo(original.event()));
      }
    }
    assertThat(duplicates, greaterThan(500));
  }

  @Test
  void malformedMessagesHaveUniqueIdsAndAreNeverDuplicated() {
    Set<String> ids = new HashSet<>();
    Set<String> malformedIds = new HashSet<>();
    for (SimulatedMessage m : run.messages()) {
      if (m.kind() == SimulatedMessage.Kind.MALFORMED) {
        assertThat(ids.add(m.eventId()), equalTo(true));
        malformedIds.add(m.eventId());
      } else if (m.kind() == SimulatedMessage.Kind.ORIGINAL) {
        assertThat(ids.add(m.eventId()), equalTo(true));
      }
    }
    for (SimulatedMessage m : run.messages()) {
      if (m.kind() == SimulatedMessage.Kind.DUPLICATE) {
        assertThat(malformedIds.contains(m.eventId()), equalTo(false));
      }
    }
    // Every original payload occurs once, apart from its duplicates.
    Map<String, Integer> payloads = new HashMap<>();
    for (SimulatedMessage m : run.messages()) {
      if (m.kind() == SimulatedMessage.Kind.ORIGINAL) {
        assertThat(payloads.merge(m.payload(), 1, Integer::sum), equalTo(1));
      }
    }
  }

  @Test
  void outOfOrderMessagesAreOvertakenByLaterEventsOfTheSameVehicle() {
    // Per vehicle: the latest telemetry event time delivered so far, by delivery order.
    Map<String, Long> latestDelivered = new HashMap<>();
    int outOfOrder = 0;
    int overtaken = 0;
    for (SimulatedMessage m : run.messages()) {
      if (m.kind() != SimulatedMessage.Kind.ORIGINAL || !(m.event() instanceof TelemetryEvent)) {
        continue;
      }
      long t = m.eventTime().getMillis();
      Long latest = latestDelivered.get(m.key());
      if (m.delay() != SimulatedMessage.Delay.ON_TIME) {
        outOfOrder++;
        if (latest != null && latest > t) {
          overtaken++;
        }
      }
      latestDelivered.merge(m.key(), t, Math::max);
    }
    // Delays of 5 s .. 5 min against reports every 10 s (trip) or 60 s (parked): most are overtaken.
    assertThat(outOfOrder, greaterThan(1_000));
    assertThat((double) overtaken / outOfOrder, greaterThan(0.6));
  }

  @Test
  void messagesInFlightStayBounded() {
    FleetSimulator sim =
        new FleetSimulator(
            SimulatorTestSupport.standard()
                .vehicleCount(1000)
                .duration(Duration.standardHours(2))
                .build());
    var it = sim.messages();
    int maxInFlight = 0;
    long count = 0;
    while (it.hasNext()) {
      it.next();
      count++;
      maxInFlight = Math.max(maxInFlight, sim.messagesInFlight());
    }
    assertThat(count, greaterThan(150_000L));
    // ~25 msg/s; the in-flight set is about rate x delay (5% wait up to 5 min, 0.2% up to 15).
    assertThat(maxInFlight, lessThan(3_000));
  }
}
