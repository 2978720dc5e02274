package com.mobilitycorp.fleet.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure helpers only: the benchmarks themselves are mains, not tests. */
class BenchHelpersTest {

  @Test
  void findsTheEventIdOfCompactJson() {
    assertThat(EventIds.eventId("{\"event_id\":\"7d1c\",\"vehicle_id\":\"SCO-0042\"}"),
        equalTo("7d1c"));
    assertThat(EventIds.eventId("{\"vehicle_id\":\"SCO-0042\",\"event_id\":\"ab-12\"}"),
        equalTo("ab-12"));
    assertThat(EventIds.eventId("{\"location_id\":\"loc-ber-01\"}"), nullValue());
    assertThat(EventIds.eventId(null), nullValue());
  }

  @Test
  void runsAlternateWhichContenderGoesFirst() {
    assertThat(BenchSupport.alternated(List.of("flink", "direct"), 1),
        equalTo(List.of("flink", "direct")));
    assertThat(BenchSupport.alternated(List.of("flink", "direct"), 2),
        equalTo(List.of("direct", "flink")));
  }

  @Test
  void aPrintedCommandKeepsAnOptionWithSpacesAsOneShellWord() {
    assertThat(BenchSupport.shellWord("--runs=3"), equalTo("--runs=3"));
    assertThat(BenchSupport.shellWord("--job-options=--a=1 --b=2"),
        equalTo("--job-options='--a=1 --b=2'"));
    assertThat(BenchSupport.shellWord("--x=it's"), equalTo("--x='it'\\''s'"));
    assertThat(BenchSupport.shellWord("--x=it's so"), equalTo("--x='it'\\''s so'"));
  }

  @Test
  void unknownOptionsAreRefusedNotIgnored() {
    assertThat(BenchSupport.parseOptions(new String[] {"--runs=3"}, List.of("runs")).get("runs"),
        equalTo("3"));
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> BenchSupport.parseOptions(new String[] {"--rnus=3"}, List.of("runs")));
    assertThat(e.getMessage(), containsString("--rnus"));
  }

  @Test
  void localFlinkJobUsesBeamsNameForTheHeapBackend() {
    List<String> heap = BenchSupport.localFlinkJobArgs(java.nio.file.Path.of("flink-conf/local"),
        500, "hashmap", java.nio.file.Path.of("/tmp/ck"));
    assertThat(heap.contains("--stateBackend=filesystem"), equalTo(true));
    assertThat(heap.contains("--checkpointingInterval=500"), equalTo(true));
    assertThat(heap.contains("--stateBackendStoragePath=file:///tmp/ck"), equalTo(true));
    assertThat(BenchSupport.localFlinkJobArgs(java.nio.file.Path.of("flink-conf/local"), 500,
        "rocksdb", java.nio.file.Path.of("/tmp/ck")).contains("--stateBackend=rocksdb"),
        equalTo(true));
  }

  @Test
  void medianOfOddAndEvenCounts() {
    assertThat(Stats.of(List.of(3.0, 1.0, 2.0)), equalTo(new Stats(2.0, 1.0, 3.0, 3)));
    assertThat(Stats.of(List.of(4.0, 1.0, 2.0, 3.0)), equalTo(new Stats(2.5, 1.0, 4.0, 4)));
  }

  @Test
  void sqlOptionsAreQuoted() {
    assertThat(NativeFlinkSqlQueries.options("topic", "it's"), equalTo("  'topic' = 'it''s'"));
  }

  @Test
  void demandQueryCountsUniqueBookingCreatedPerTumblingWindow() {
    String windows = NativeFlinkSqlQueries.inserts(Query.DEMAND).get(1);
    assertThat(windows, containsString("TUMBLE(TABLE bookings_in, DESCRIPTOR(event_time),"
        + " INTERVAL '15' MINUTES)"));
    assertThat(windows, containsString("COUNT(DISTINCT event_id)"));
    assertThat(windows, containsString("event_type = 'booking_created'"));
  }

  @Test
  void beamRunReadsOnlyTheQueryInput() {
    List<String> args = QueryRun.beamArgs(Query.DEDUP, "127.0.0.1:1", "g",
        RunTopics.of(Engine.BEAM, Query.DEDUP, 1), java.nio.file.Path.of("/tmp/w"),
        java.nio.file.Path.of("/tmp/conf"), "hashmap", 2000);
    assertThat(args.contains("--telemetryTopic=veh.events.raw"), equalTo(true));
    assertThat(args.contains("--bookingTopic=" + RunTopics.EMPTY_INPUT), equalTo(true));
    assertThat(args.contains("--stateBackend=filesystem"), equalTo(true));
    assertThat(args.contains("--exactlyOnceOutputs="), equalTo(true));
  }

  @Test
  void deadLettersAreCountedByReasonAndLateOnesByStageAndEventTimeSlot() {
    String late = "{\"source_topic\":\"veh.events.raw\",\"reason\":\"late_beyond_allowed_lateness\","
        + "\"detail\":\"utilization hours: reading at 2026-11-25T07:41:23.021Z arrived after its"
        + " window had closed\"}";
    String lateBooking = "{\"reason\":\"late_beyond_allowed_lateness\",\"detail\":\"demand windows:"
        + " booking_created at 2026-11-25T06:09:59Z (location loc-ber-01) arrived after its window"
        + " had closed\"}";
    String future = "{\"reason\":\"future_timestamp\",\"detail\":\"event_time"
        + " 2026-11-27T10:01:44.306Z is more than PT5M ahead of the clock\"}";

    assertThat(DeadLetterReasons.key(late),
        equalTo("late_beyond_allowed_lateness (utilization hours)"));
    assertThat(DeadLetterReasons.lateSlot(late), equalTo("utilization hours 2026-11-25T07:40"));
    assertThat(DeadLetterReasons.lateSlot(lateBooking), equalTo("demand windows 2026-11-25T06:00"));
    assertThat(DeadLetterReasons.key(future), equalTo("future_timestamp"));
    assertThat(DeadLetterReasons.lateSlot(future), nullValue());
    assertThat(DeadLetterReasons.key("not json"), containsString("not a dead letter"));
    assertThat(DeadLetterReasons.lateSlot("not json"), nullValue());
  }
}
