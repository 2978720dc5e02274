package com.mobilitycorp.fleet.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The two queries in Flink SQL (flink-table 1.19, Kafka SQL connector, JSON format), as the Beam
 * job's stages would be written without Beam. Pure strings, so they can be read and tested
 * without a cluster.
 *
 * <p>De-duplication keeps the first copy of each event_id in arrival order: {@code ROW_NUMBER()
 * OVER (PARTITION BY event_id ORDER BY arrival)} on a processing-time attribute. That is Beam's
 * rule ({@code DeduplicateEvents}: the first copy seen passes), and Flink plans it as an
 * append-only stream a plain Kafka sink can take. Ordering by the event-time attribute instead
 * would make a later copy with a smaller event_time replace the first, an updating stream that
 * needs upsert-kafka. The ids are forgotten after {@code table.exec.state.ttl} = 10 minutes of
 * processing time (Flink SQL has no event-time state TTL); Beam forgets them 10 minutes of event
 * time after the event, so on a backlog Beam holds fewer ids than Flink.
 *
 * <p>The demand count is a TUMBLE window TVF over event_time with the watermark 5 minutes behind
 * (Beam's --maxDisorder), {@code COUNT(DISTINCT event_id)}: the count of unique booking_created
 * events, which is what Beam's DetectDemandSpikes counts after its de-duplication. Bookings later
 * than the watermark are dropped (Beam accepts them for another 5 minutes of allowed lateness and
 * republishes the window).
 */
final class NativeFlinkSqlQueries {

  /** Where a run reads and writes. */
  record Wiring(
      String bootstrapServers, String inputTopic, String consumerGroup, RunTopics outputs) {}

  /** The table options and DDL every query needs (sources and sinks). */
  static List<String> ddl(Query query, Wiring wiring) {
    List<String> statements = new ArrayList<>();
    if (query == Query.DEDUP) {
      statements.add(
          "CREATE TABLE telemetry_in (\n"
              + TELEMETRY_COLUMNS
              + ",\n  arrival AS PROCTIME()\n) WITH (\n"
              + source(wiring)
              + "\n)");
      statements.add(
          "CREATE TABLE telemetry_out (\n"
              + TELEMETRY_COLUMNS
              + "\n) WITH (\n"
              + sink(wiring.bootstrapServers(), wiring.outputs().telemetry(), "vehicle_id")
              + "\n)");
    } else {
      statements.add(
          "CREATE TABLE bookings_in (\n"
              + BOOKING_COLUMNS
              + ",\n  arrival AS PROCTIME(),\n"
              + "  WATERMARK FOR event_time AS event_time - INTERVAL '5' MINUTE\n) WITH (\n"
              + source(wiring)
              + "\n)");
      statements.add(
          "CREATE TABLE bookings_out (\n"
              + BOOKING_COLUMNS
              + "\n) WITH (\n"
              + sink(wiring.bootstrapServers(), wiring.outputs().bookings(), "vehicle_id")
              + "\n)");
      statements.add(
          "CREATE TABLE demand_windows_out (\n"
              + "  location_id STRING,\n"
              + "  window_start TIMESTAMP(3),\n"
              + "  window_end TIMESTAMP(3),\n"
              + "  booking_count BIGINT\n"
              + ") WITH (\n"
              + sink(wiring.bootstrapServers(), wiring.outputs().windows(), "location_id")
              + "\n)");
    }
    return statements;
  }

  /** The INSERTs of the query, run together as one job (one statement set). */
  static List<String> inserts(Query query) {
    if (query == Query.DEDUP) {
      return List.of(firstCopies("telemetry_in", "telemetry_out", TELEMETRY_FIELDS));
    }
    return List.of(
        firstCopies("bookings_in", "bookings_out", BOOKING_FIELDS),
        "INSERT INTO demand_windows_out\n"
            + "SELECT location_id, window_start, window_end, COUNT(DISTINCT event_id)\n"
            + "FROM TABLE(TUMBLE(TABLE bookings_in, DESCRIPTOR(event_time), INTERVAL '15' MINUTES))\n"
            + "WHERE event_type = 'booking_created'\n"
            + "GROUP BY location_id, window_start, window_end");
  }

  private static String firstCopies(String from, String to, String fields) {
    return "INSERT INTO " + to + "\n"
        + "SELECT " + fields + "\n"
        + "FROM (\n"
        + "  SELECT *, ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY arrival ASC) AS copy\n"
        + "  FROM " + from + ")\n"
        + "WHERE copy = 1";
  }

  /**
   * Reads the topic from the start to the end offsets it has when the job starts, then the source
   * finishes: the backlog is the whole input, and the job ends by itself once it is processed.
   * read_committed as the Beam job's KafkaEventSource.
   */
  private static String source(Wiring wiring) {
    return options(
        "connector", "kafka",
        "topic", wiring.inputTopic(),
        "properties.bootstrap.servers", wiring.bootstrapServers(),
        "properties.group.id", wiring.consumerGroup(),
        "properties.isolation.level", "read_committed",
        "scan.startup.mode", "earliest-offset",
        "scan.bounded.mode", "latest-offset",
        "value.format", "json",
        "value.json.timestamp-format.standard", "ISO-8601",
        // Optional wire fields may be absent (they read as NULL); a broken record fails the job.
        "value.json.fail-on-missing-field", "false",
        "value.json.ignore-parse-errors", "false");
  }

  /**
   * Keyed like the Beam job's sinks (vehicle_id, location_id for windows), at-least-once as the
   * Beam job's plain (non-transactional) outputs. Absent optional fields are written as null:
   * flink-json 1.19 has no option to leave them out as the Beam job's JSON does.
   */
  private static String sink(String bootstrapServers, String topic, String keyField) {
    return options(
        "connector", "kafka",
        "topic", topic,
        "properties.bootstrap.servers", bootstrapServers,
        "key.format", "raw",
        "key.fields", keyField,
        "value.format", "json",
        "value.fields-include", "ALL",
        "value.json.timestamp-format.standard", "ISO-8601",
        "sink.delivery-guarantee", "at-least-once");
  }

  static String options(String... keysAndValues) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      lines.add(String.format(Locale.ROOT, "  '%s' = '%s'",
          keysAndValues[i], keysAndValues[i + 1].replace("'", "''")));
    }
    return String.join(",\n", lines);
  }

  /** veh.events.raw as in the README's wire format. */
  static final String TELEMETRY_COLUMNS =
      "  event_id STRING,\n"
          + "  vehicle_id STRING,\n"
          + "  event_time TIMESTAMP_LTZ(3),\n"
          + "  lat DOUBLE,\n"
          + "  lon DOUBLE,\n"
          + "  battery_pct DOUBLE,\n"
          + "  operational_status STRING,\n"
          + "  speed_kmh DOUBLE,\n"
          + "  heading_deg DOUBLE,\n"
          + "  odometer_km DOUBLE,\n"
          + "  gps_accuracy_m DOUBLE,\n"
          + "  estimated_range_m DOUBLE,\n"
          + "  locked BOOLEAN";

  static final String TELEMETRY_FIELDS =
      "event_id, vehicle_id, event_time, lat, lon, battery_pct, operational_status, speed_kmh,"
          + " heading_deg, odometer_km, gps_accuracy_m, estimated_range_m, locked";

  /** domain.events as in the README's wire format. */
  static final String BOOKING_COLUMNS =
      "  event_id STRING,\n"
          + "  event_type STRING,\n"
          + "  booking_id STRING,\n"
          + "  vehicle_id STRING,\n"
          + "  location_id STRING,\n"
          + "  event_time TIMESTAMP_LTZ(3),\n"
          + "  booking_start TIMESTAMP_LTZ(3),\n"
          + "  booking_end TIMESTAMP_LTZ(3)";

  static final String BOOKING_FIELDS =
      "event_id, event_type, booking_id, vehicle_id, location_id, event_time, booking_start,"
          + " booking_end";

  private NativeFlinkSqlQueries() {}
}
