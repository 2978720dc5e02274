package com.mobilitycorp.fleet.io.json;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.mobilitycorp.fleet.model.DeadLetterReason;
import com.mobilitycorp.fleet.model.DemandWindow;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** The {@code demand.windows} wire format: {@link EventJson#demandWindowToJson}. */
class DemandWindowJsonTest {

  static final DemandWindow SPIKE =
      DemandWindow.builder()
          .setLocationId("loc-ber-01")
          .setWindowStart(Instant.parse("2026-11-25T08:00:00Z"))
          .setWindowEnd(Instant.parse("2026-11-25T08:15:00Z"))
          .setBookingCount(7)
          .setBaseline(4.0)
          .setRatio(1.75)
          .setHistoryWindows(4)
          .setSpike(true)
          .setRevision(1)
          .build();

  /** A location's first window: no baseline, no ratio, both written as null. */
  static final DemandWindow FIRST =
      SPIKE.toBuilder().setBaseline(null).setRatio(null).setHistoryWindows(0).setSpike(false)
          .setRevision(0).build();

  @Test
  void testSpikeWindowIsWrittenVerbatim() {
    assertThat(
        EventJson.demandWindowToJson(SPIKE),
        is("{\"location_id\":\"loc-ber-01\",\"window_start\":\"2026-11-25T08:00:00Z\","
            + "\"window_end\":\"2026-11-25T08:15:00Z\",\"booking_count\":7,\"baseline\":4.0,"
            + "\"ratio\":1.75,\"history_windows\":4,\"spike\":true,\"revision\":1}"));
  }

  @Test
  void testFirstWindowWritesNullBaselineAndRatio() {
    String json = EventJson.demandWindowToJson(FIRST);
    assertThat(json.contains("\"baseline\":null,\"ratio\":null"), is(true));
  }

  @Test
  void testDecodingIsTheInverseOfEncoding() {
    assertThat(EventJson.decodeDemandWindow(EventJson.demandWindowToJson(SPIKE)), is(SPIKE));
    assertThat(EventJson.decodeDemandWindow(EventJson.demandWindowToJson(FIRST)), is(FIRST));
  }

  @Test
  void testMissingCountIsRejected() {
    String json = EventJson.demandWindowToJson(SPIKE).replace("\"booking_count\":7,", "");
    InvalidEventException e =
        assertThrows(InvalidEventException.class, () -> EventJson.decodeDemandWindow(json));
    assertThat(e.reason(), is(DeadLetterReason.MISSING_FIELD));
  }
}
