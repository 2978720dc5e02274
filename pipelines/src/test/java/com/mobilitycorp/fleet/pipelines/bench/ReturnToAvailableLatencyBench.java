package com.mobilitycorp.fleet.pipelines.bench;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.testing.simulator.SimulatedMessage;
import com.mobilitycorp.fleet.testing.stack.LocalPostgres;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.joda.time.Instant;

/**
 * Benchmark (not a test): how long from a {@code return_completed} reaching Kafka until the
 * vehicle shows as freed in PostgreSQL's {@code available_vehicles}, at 1,000 events/s (see
 * {@link LiveFleetBench} for the set-up and options). A return "reaches Kafka" when the broker
 * acknowledges it (acks=all); it "is available" when a poll of the table (every 10 ms) first sees
 * the row with that return's event time or newer and without its booking.
 */
public final class ReturnToAvailableLatencyBench {
  private static final int POLL_MILLIS = 10;

  public static void main(String[] args) throws Exception {
    try (LiveFleetBench bench =
        new LiveFleetBench(args, Path.of("bench/results/return-to-available-latency.md"))) {
      bench.startJob("return-latency-bench");
      Map<String, PendingReturn> pending = new ConcurrentHashMap<>();
      List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
      Thread poller =
          new Thread(() -> pollTable(bench.postgres, pending, latencies), "table-poller");
      poller.setDaemon(true);
      poller.start();
      bench.sendPaced(
          (m, measured) -> {
            if (!measured || m.kind() != SimulatedMessage.Kind.ORIGINAL
                || m.isTelemetry() || m.isWeather()
                || m.booking().getEventType() != BookingEventType.RETURN_COMPLETED) {
              return null;
            }
            BookingEvent returned = m.booking();
            return () ->
                pending.put(
                    returned.getVehicleId(),
                    new PendingReturn(
                        returned.getBookingId(), returned.getEventTime(),
                        System.currentTimeMillis()));
          });
      // Let the returns still in flight land (bounded wait), then stop.
      long deadline = System.currentTimeMillis() + 30_000;
      while (!pending.isEmpty() && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      bench.write(
          bench.report(
              "Return -> available in PostgreSQL: latency", latencies, "returns", pending.size(),
              "from the broker's ack of the return (acks=all) to the first poll (every "
                  + POLL_MILLIS + " ms) that sees the row freed."));
    }
    System.exit(0); // embedded Flink leaves non-daemon threads behind
  }

  /** A return sent to Kafka and not yet seen in the table. */
  private record PendingReturn(String bookingId, Instant eventTime, long ackedAtMillis) {}

  private static void pollTable(
      LocalPostgres postgres, Map<String, PendingReturn> pending, List<Long> latencies) {
    try (Connection c =
            DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
        PreparedStatement query =
            c.prepareStatement(
                "SELECT vehicle_id, booking_id, as_of FROM available_vehicles"
                    + " WHERE vehicle_id = ANY (?)")) {
      while (true) {
        if (!pending.isEmpty()) {
          Array ids = c.createArrayOf("text", pending.keySet().toArray());
          query.setArray(1, ids);
          try (ResultSet rs = query.executeQuery()) {
            long now = System.currentTimeMillis();
            while (rs.next()) {
              String vehicle = rs.getString(1);
              PendingReturn p = pending.get(vehicle);
              Timestamp asOf = rs.getTimestamp(3);
              if (p != null
                  && !p.bookingId().equals(rs.getString(2))
                  && asOf.getTime() >= p.eventTime().getMillis()) {
                latencies.add(now - p.ackedAtMillis());
                pending.remove(vehicle, p);
              }
            }
          }
        }
        Thread.sleep(POLL_MILLIS);
      }
    } catch (Exception e) {
      throw new IllegalStateException("poller failed", e);
    }
  }

  private ReturnToAvailableLatencyBench() {}
}
