package com.mobilitycorp.fleet.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mobilitycorp.fleet.io.json.EventJson;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.testing.simulator.FleetSimulator;
import com.mobilitycorp.fleet.testing.simulator.VehicleTruth;
import com.mobilitycorp.fleet.testing.stack.LocalPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.joda.time.Instant;

/**
 * What the integration tests on Flink expect and how they read it back: the simulator's true
 * fleet as {@code available_vehicles} rows, the table itself, event ids of an output topic, and
 * the fixed simulated hour.
 */
final class FleetExpectations {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The simulator's ground truth as available_vehicles rows, for every vehicle that reported. */
  static Map<String, String> expectedAvailableVehicles(FleetSimulator simulator) {
    Map<String, String> rows = new TreeMap<>();
    for (VehicleTruth truth : simulator.finalFleetState().values()) {
      if (truth.lastEventTime() != null) {
        rows.put(
            truth.vehicleId(),
            row(truth.status().mdsName(), truth.bookingId(), truth.lat(), truth.lon(),
                truth.batteryPct(), typeOf(truth.vehicleId(), simulator)));
      }
    }
    return rows;
  }

  static String typeOf(String vehicleId, FleetSimulator simulator) {
    for (VehicleMetadata v : simulator.vehicles()) {
      if (v.getVehicleId().equals(vehicleId)) {
        return EventJson.wire(v.getVehicleType());
      }
    }
    throw new AssertionError("unknown vehicle " + vehicleId);
  }

  static String row(
      String status, String bookingId, double lat, double lon, double battery, String type) {
    return String.format(
        java.util.Locale.ROOT, "%s booking=%s at %.6f,%.6f battery=%.1f type=%s",
        status, bookingId, lat, lon, battery, type);
  }

  static String text(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }

  static boolean newer(JsonNode a, JsonNode b) {
    int byAsOf =
        Instant.parse(a.get("as_of").asText()).compareTo(Instant.parse(b.get("as_of").asText()));
    return byAsOf != 0 ? byAsOf > 0 : a.get("revision").asLong() > b.get("revision").asLong();
  }

  static Map<String, String> availableVehiclesTable(LocalPostgres postgres) throws Exception {
    Map<String, String> rows = new TreeMap<>();
    try (Connection c =
            DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT vehicle_id, status, booking_id, lat, lon, battery_pct, vehicle_type"
                    + " FROM available_vehicles")) {
      while (rs.next()) {
        rows.put(
            rs.getString(1),
            row(rs.getString(2), rs.getString(3), rs.getDouble(4), rs.getDouble(5),
                rs.getDouble(6), rs.getString(7)));
      }
    }
    return rows;
  }

  /** Polls the table (every 0.5 s) until it equals {@code expected} or the timeout passes. */
  static void awaitTableEquals(
      LocalPostgres postgres, Map<String, String> expected, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!availableVehiclesTable(postgres).equals(expected) && System.nanoTime() < deadline) {
      Thread.sleep(500);
    }
  }

  /**
   * 07:00 UTC yesterday: demand follows the clock (Berlin's morning peak), so a fixed hour keeps
   * the stream's make-up independent of when the test runs; within two days of now, so the
   * simulator's future-dated records (2-3 days ahead of event time) are in the future.
   */
  static Instant yesterdayMorningRush() {
    java.time.Instant today = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS);
    return new Instant(today.minus(java.time.Duration.ofHours(17)).toEpochMilli());
  }

  /** Event ids in output order, sorted: equal to the sorted expected set iff each is there once. */
  static List<String> eventIds(List<ConsumerRecord<String, String>> records) throws Exception {
    List<String> ids = new ArrayList<>();
    for (ConsumerRecord<String, String> record : records) {
      JsonNode event = JSON.readTree(record.value());
      assertThat("keyed by vehicle", record.key(), is(event.get("vehicle_id").asText()));
      ids.add(event.get("event_id").asText());
    }
    ids.sort(null);
    return ids;
  }

  static List<String> sorted(Set<String> ids) {
    List<String> list = new ArrayList<>(ids);
    list.sort(null);
    return list;
  }

  private FleetExpectations() {}
}
