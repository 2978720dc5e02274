package com.mobilitycorp.fleet.pipelines;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.StreamingOptions;

/**
 * Options of the fleet stream processor. Durations are ISO-8601 (PT5M = 5 minutes). Runner
 * options (--runner, and for Flink --flinkMaster, --parallelism, --checkpointingInterval, ...)
 * come from the runners' own option interfaces.
 */
public interface FleetPipelineOptions extends StreamingOptions {
  @Description("Kafka bootstrap servers.")
  @Default.String("127.0.0.1:19092")
  String getBootstrapServers();

  void setBootstrapServers(String value);

  @Description("Kafka consumer group of the job (offsets are also kept in Beam checkpoints).")
  @Default.String("fleet-stream-processor")
  String getConsumerGroup();

  void setConsumerGroup(String value);

  @Description(
      "Outputs written to Kafka in transactions that commit with the runner's checkpoints"
          + " (KafkaIO's exactly-once sink): visible to read_committed consumers once the"
          + " checkpoint after them completes, and never twice. Comma-separated, from: "
          + "alerts, demandWindows, locationMetrics, inventory, deadLetters, deduplicatedTelemetry,"
          + " deduplicatedBookings, enrichedTelemetry"
          + "; empty for none. Needs --checkpointingInterval on Flink. Beam 2.70's sink commits"
          + " one transaction per record on Flink, so keep high-volume outputs out of it: the"
          + " others are at-least-once (a failure can replay records) and carry what identifies"
          + " or orders them (event_id, revision).")
  @Default.String("alerts,demandWindows,locationMetrics")
  String getExactlyOnceOutputs();

  void setExactlyOnceOutputs(String value);

  @Description(
      "Transactional producers per output topic with --kafkaExactlyOnce; at most the partition"
          + " count of every output topic.")
  @Default.Integer(4)
  int getKafkaSinkShards();

  void setKafkaSinkShards(int value);

  @Description(
      "Identity of the exactly-once sinks' transactional state in Kafka (sink group"
          + " <sinkGroupId>.<topic>, transactional ids producer_<shard>_for_<group>). Keep it when"
          + " restarting from a checkpoint or savepoint; use a new one when starting from scratch.")
  @Default.String("fleet-stream-processor")
  String getSinkGroupId();

  void setSinkGroupId(String value);

  @Description("Input topic: vehicle telemetry.")
  @Default.String("veh.events.raw")
  String getTelemetryTopic();

  void setTelemetryTopic(String value);

  @Description("Input topic: booking lifecycle events.")
  @Default.String("domain.events")
  String getBookingTopic();

  void setBookingTopic(String value);

  @Description("Output topic: rejected records with reason and origin.")
  @Default.String("dead.letter")
  String getDeadLetterTopic();

  void setDeadLetterTopic(String value);

  @Description("Output topic: validated, de-duplicated telemetry.")
  @Default.String("veh.events.deduplicated")
  String getDeduplicatedTelemetryTopic();

  void setDeduplicatedTelemetryTopic(String value);

  @Description("Output topic: validated, de-duplicated booking events.")
  @Default.String("domain.events.deduplicated")
  String getDeduplicatedBookingTopic();

  void setDeduplicatedBookingTopic(String value);

  @Description(
      "How far out of order events may arrive: the watermark trails the newest event time by this.")
  @Default.String("PT5M")
  String getMaxDisorder();

  void setMaxDisorder(String value);

  @Description(
      "Event times further ahead than this of the wall clock, or of the record's Kafka timestamp"
          + " if earlier, are dead-lettered (device clocks).")
  @Default.String("PT5M")
  String getMaxFutureSkew();

  void setMaxFutureSkew(String value);

  @Description(
      "How long (event time) an event id is remembered to drop re-sent copies; keep it above"
          + " maxDisorder plus the modems' resend delay.")
  @Default.String("PT10M")
  String getDedupHorizon();

  void setDedupHorizon(String value);

  @Description(
      "How late (event time) an event may arrive and still count as in time; older events are"
          + " counted as beyond the lateness (the inventory still applies them if newer).")
  @Default.String("PT5M")
  String getAllowedLateness();

  void setAllowedLateness(String value);

  @Description("Use case 1: track vehicle availability (telemetry x bookings) and publish it.")
  @Default.Boolean(true)
  boolean getInventoryEnabled();

  void setInventoryEnabled(boolean value);

  @Description("Output topic: per-vehicle availability updates (keyed by vehicle_id).")
  @Default.String("veh.inventory.updates")
  String getInventoryTopic();

  void setInventoryTopic(String value);

  @Description(
      "Position/battery-only inventory changes are published at most once per vehicle per this"
          + " interval (processing time); status changes are published at once.")
  @Default.String("PT30S")
  String getInventoryRefreshInterval();

  void setInventoryRefreshInterval(String value);

  @Description("A vehicle silent for this long (event time) is dropped from the job's state.")
  @Default.String("P7D")
  String getVehicleIdleExpiry();

  void setVehicleIdleExpiry(String value);

  @Description(
      "Use case 4: upsert the inventory into PostgreSQL table available_vehicles (needs"
          + " --inventoryEnabled).")
  @Default.Boolean(true)
  boolean getAvailableVehiclesEnabled();

  void setAvailableVehiclesEnabled(boolean value);

  @Description("Use case 2: LOW_BATTERY alerts (one per low-battery episode) to the alerts topic.")
  @Default.Boolean(true)
  boolean getLowBatteryAlertsEnabled();

  void setLowBatteryAlertsEnabled(boolean value);

  @Description("Battery readings strictly below this (percent) are low.")
  @Default.Double(20.0)
  double getLowBatteryThresholdPct();

  void setLowBatteryThresholdPct(double value);

  @Description(
      "GEOFENCE_VIOLATION alerts: one per excursion of a vehicle out of its home city's operating"
          + " area.")
  @Default.Boolean(true)
  boolean getGeofenceAlertsEnabled();

  void setGeofenceAlertsEnabled(boolean value);

  @Description(
      "Operating area of a city: the circle around its zones' centres reaching the outermost"
          + " zone's edge plus this margin (metres).")
  @Default.Double(1000.0)
  double getOperatingAreaMarginM();

  void setOperatingAreaMarginM(double value);

  @Description("An excursion ends at a reading at least this far (metres) back inside the area.")
  @Default.Double(100.0)
  double getGeofenceReentryMarginM();

  void setGeofenceReentryMarginM(double value);

  @Description(
      "BATTERY_DRAIN alerts: idle drain above --batteryDrainFactor x its type's median over"
          + " sliding 30-minute windows.")
  @Default.Boolean(true)
  boolean getBatteryDrainAlertsEnabled();

  void setBatteryDrainAlertsEnabled(boolean value);

  @Description("A vehicle drains abnormally above this multiple of its type's median idle drain.")
  @Default.Double(3.0)
  double getBatteryDrainFactor();

  void setBatteryDrainFactor(double value);

  @Description("...and at or above this idle drain (percent per hour), whatever the median.")
  @Default.Double(2.0)
  double getBatteryDrainFloorPctPerHour();

  void setBatteryDrainFloorPctPerHour(double value);

  @Description(
      "How often the vehicles and locations tables are re-read for enrichment (ISO-8601); a"
          + " change reaches the job within this.")
  @Default.String("PT5M")
  String getReferenceDataRefresh();

  void setReferenceDataRefresh(String value);

  @Description(
      "Join every reading with the weather valid at its event time and publish it to"
          + " --enrichedTelemetryTopic (adds the watermark's delay, ~--maxDisorder).")
  @Default.Boolean(true)
  boolean getWeatherJoinEnabled();

  void setWeatherJoinEnabled(boolean value);

  @Description("Input topic: weather observations per location (key = location_id).")
  @Default.String("weather.observations")
  String getWeatherTopic();

  void setWeatherTopic(String value);

  @Description("A weather observation older than this (ISO-8601) at a reading's time is unknown.")
  @Default.String("PT30M")
  String getWeatherMaxAge();

  void setWeatherMaxAge(String value);

  @Description("Output topic: readings with vehicle, zone, area and weather, keyed by vehicle_id.")
  @Default.String("veh.telemetry.enriched")
  String getEnrichedTelemetryTopic();

  void setEnrichedTelemetryTopic(String value);

  @Description("Output topic: alerts of every type (one JSON schema), keyed by vehicle or location.")
  @Default.String("alerts")
  String getAlertsTopic();

  void setAlertsTopic(String value);

  @Description(
      "Use case 3: DEMAND_SPIKE alerts from booking_created counts per location and window, and"
          + " the counts on --demandWindowsTopic.")
  @Default.Boolean(true)
  boolean getDemandSpikesEnabled();

  void setDemandSpikesEnabled(boolean value);

  @Description(
      "Output topic: every decided demand window (count, baseline, spike) and its corrections,"
          + " keyed by location_id; keep the highest revision per (location_id, window_start).")
  @Default.String("demand.windows")
  String getDemandWindowsTopic();

  void setDemandWindowsTopic(String value);

  @Description("Demand windows: tumbling, aligned to the epoch (ISO-8601).")
  @Default.String("PT15M")
  String getDemandWindowSize();

  void setDemandWindowSize(String value);

  @Description("A window's baseline is the mean count of this many windows before it (empty = 0).")
  @Default.Integer(4)
  int getDemandHistoryWindows();

  void setDemandHistoryWindows(int value);

  @Description("A spike is a count strictly above this multiple of the baseline...")
  @Default.Double(1.5)
  double getDemandSpikeFactor();

  void setDemandSpikeFactor(double value);

  @Description("...and at least this many bookings in the window.")
  @Default.Long(5)
  long getDemandMinBookings();

  void setDemandMinBookings(long value);

  @Description(
      "A location without bookings for this long (ISO-8601, event time) is forgotten; its next"
          + " booking starts a new history.")
  @Default.String("P1D")
  String getDemandLocationExpiry();

  void setDemandLocationExpiry(String value);

  @Description(
      "Use case 5: hourly utilization per location and vehicle type into"
          + " vehicle_utilization_hourly, and per-location metrics every minute on"
          + " --locationMetricsTopic.")
  @Default.Boolean(true)
  boolean getUtilizationEnabled();

  void setUtilizationEnabled(boolean value);

  @Description(
      "JDBC URL of the analytics store for vehicle_utilization_hourly: jdbc:clickhouse://... in"
          + " production, jdbc:postgresql://...; empty = the --jdbcUrl database.")
  @Default.String("")
  String getUtilizationJdbcUrl();

  void setUtilizationJdbcUrl(String value);

  @Description("Analytics store user (empty = --jdbcUser; ClickHouse's is usually 'default').")
  @Default.String("")
  String getUtilizationJdbcUser();

  void setUtilizationJdbcUser(String value);

  @Description("Analytics store password (empty = --jdbcPassword when the URL is --jdbcUrl's).")
  @Default.String("")
  String getUtilizationJdbcPassword();

  void setUtilizationJdbcPassword(String value);

  @Description(
      "A reading's status stands for the vehicle-time until its next reading, at most this long"
          + " (ISO-8601; time-weighted utilization).")
  @Default.String("PT10M")
  String getUtilizationMaxSpan();

  void setUtilizationMaxSpan(String value);

  @Description("Output topic: per-location metrics every minute, keyed by location_id.")
  @Default.String("metrics.location.1m")
  String getLocationMetricsTopic();

  void setLocationMetricsTopic(String value);

  @Description("JDBC URL of the read-model / reference-data database (PostgreSQL).")
  @Default.String("jdbc:postgresql://127.0.0.1:15432/postgres")
  String getJdbcUrl();

  void setJdbcUrl(String value);

  @Description("Database user.")
  @Default.String("postgres")
  String getJdbcUser();

  void setJdbcUser(String value);

  @Description("Database password (prefer the PGPASSWORD-style secret of your deployment).")
  @Default.String("postgres")
  String getJdbcPassword();

  void setJdbcPassword(String value);

  @Description(
      "Seconds between progress lines while the job runs (0 = none). Needs a non-blocking run:"
          + " --attachedMode=false on FlinkRunner.")
  @Default.Integer(5)
  int getProgressIntervalSeconds();

  void setProgressIntervalSeconds(int value);
}
