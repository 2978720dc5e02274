package com.mobilitycorp.fleet.io.json;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.model.LocationMetrics;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** The {@code metrics.location.1m} wire format: {@link EventJson#locationMetricsToJson}. */
class LocationMetricsJsonTest {
  @Test
  void testMinuteIsWrittenVerbatim() {
    LocationMetrics m = LocationMetrics.create("loc-ber-01", Instant.parse("2026-11-25T08:10:00Z"),
        Instant.parse("2026-11-25T08:11:00Z"), 4, 25.0, 65.0, 3, 2, 1);
    assertThat(EventJson.locationMetricsToJson(m),
        is("{\"location_id\":\"loc-ber-01\",\"window_start\":\"2026-11-25T08:10:00Z\","
            + "\"window_end\":\"2026-11-25T08:11:00Z\",\"readings\":4,\"utilization_pct\":25.0,"
            + "\"avg_battery_pct\":65.0,\"vehicles\":3,\"vehicles_available\":2,\"revision\":1}"));
  }
}
