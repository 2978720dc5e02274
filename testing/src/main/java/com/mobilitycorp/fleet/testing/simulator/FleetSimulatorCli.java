package com.mobilitycorp.fleet.testing.simulator;

import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import com.mobilitycorp.fleet.model.VehicleType;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Runs the fleet simulator against a Kafka broker (and optionally PostgreSQL for the reference
 * data). {@code --help} lists the options. Examples:
 *
 * <pre>
 * # real time, forever (Ctrl-C to stop), local stack
 * java -cp ... com.mobilitycorp.fleet.testing.simulator.FleetSimulatorCli --vehicles=2000
 * # benchmark load: the last 6 hours of a 5000-vehicle fleet as fast as possible
 * ... FleetSimulatorCli --speed=0 --duration=PT6H --vehicles=5000
 * </pre>
 *
 * <p>Pacing: with {@code --speed=S > 0} a message is sent when the wall clock reaches {@code
 * wallStart + (deliveryTime - start) / S}, and never before its delivery time itself, so event
 * times are never in the future (a faster-than-real-time run over the past catches up with the
 * present and then continues in real time). {@code --speed=0} sends as fast as possible and needs
 * {@code --duration}; its start defaults to now minus the duration.
 *
 * <p>Unlike the library's default config, the CLI publishes weather unless told {@code
 * --no-weather}: a demo or benchmark stack should see every input topic. For the same reason it
 * injects anomalies by default (0.3 battery faults per vehicle-day, 2% excursion trips, 1% of the
 * vehicles unregistered) and confines ordinary trips to the operating areas (the alerts a stack
 * shows are then the injected ones); {@code --battery-fault-rate=0 --excursion-rate=0
 * --unregistered-rate=0 --unconfined-trips} gives the library's defaults.
 *
 * <p>Demand surges: {@code --surge=<location_id>@<ISO start>/<ISO duration>/<count>}, repeatable,
 * e.g. {@code --surge=loc-ber-03@2026-11-30T07:30:00Z/PT10M/25} adds 25 booking requests in zone
 * loc-ber-03 between 07:30 and 07:40 UTC (see {@link DemandSurge}). The surge must start within the
 * simulated run (with the default {@code --start}, that is from now on). The last lines report
 * what each surge booked.
 */
public final class FleetSimulatorCli {
  /** Printed once, when a run that started in the past has sent its history (scripts wait for it). */
  public static final String CAUGHT_UP = "caught up with the present";


  private static final Map<String, String> OPTIONS = new LinkedHashMap<>();

  static {
    OPTIONS.put("bootstrap-servers", "Kafka bootstrap servers (default 127.0.0.1:19092)");
    OPTIONS.put("telemetry-topic", "topic for telemetry (default " + FleetTopics.VEHICLE_EVENTS_RAW + ")");
    OPTIONS.put("booking-topic", "topic for booking events (default " + FleetTopics.DOMAIN_EVENTS + ")");
    OPTIONS.put(
        "weather-topic",
        "topic for weather observations (default " + FleetTopics.WEATHER_OBSERVATIONS + ")");
    OPTIONS.put("compression", "producer compression.type: lz4 (default) or none");
    OPTIONS.put("jdbc-url", "PostgreSQL URL: upsert vehicles and locations there first (optional)");
    OPTIONS.put("jdbc-user", "PostgreSQL user");
    OPTIONS.put("jdbc-password", "PostgreSQL password");
    OPTIONS.put("reference-data-only", "only upsert the reference data, then exit (flag)");
    OPTIONS.put("dry-run", "generate without Kafka (measures the generator; flag)");
    OPTIONS.put("seed", "random seed (default 42)");
    OPTIONS.put("vehicles", "fleet size (default 1000)");
    OPTIONS.put("locations", "number of zones (default 30)");
    OPTIONS.put("cities", "cities the zones are spread over, 1-3 (default 3)");
    OPTIONS.put("start", "simulated start, ISO instant (default now; now - duration with --speed=0)");
    OPTIONS.put("duration", "ISO-8601 duration, e.g. PT30M (default unbounded; required with --speed=0)");
    OPTIONS.put("speed", "1 = real time (default), 10 = ten times faster, 0 = as fast as possible");
    OPTIONS.put("max-messages", "stop after this many messages (default no limit)");
    OPTIONS.put("stats-every", "seconds between progress lines (default 5)");
    OPTIONS.put("scooter-share", "fleet share of e-scooters (default 0.60)");
    OPTIONS.put("bike-share", "fleet share of e-bikes (default 0.25)");
    OPTIONS.put("car-share", "fleet share of cars (default 0.15)");
    OPTIONS.put("trip-interval", "telemetry interval on trip, ISO duration (default PT10S)");
    OPTIONS.put("parked-interval", "telemetry interval parked, ISO duration (default PT60S)");
    OPTIONS.put("bookings-per-vehicle-day", "booking demand per vehicle per day (default 6)");
    OPTIONS.put("cancellation-rate", "share of bookings cancelled (default 0.10)");
    OPTIONS.put("maintenance-rate", "maintenance incidents per vehicle per day (default 0.005)");
    OPTIONS.put("duplicate-rate", "telemetry duplicates (default 0.02)");
    OPTIONS.put("booking-duplicate-rate", "booking event duplicates (default 0.005)");
    OPTIONS.put("out-of-order-rate", "events delayed 5 s .. max-disorder (default 0.05)");
    OPTIONS.put("max-disorder", "longest out-of-order delay, ISO duration (default PT5M)");
    OPTIONS.put("late-rate", "events delayed beyond the allowed lateness (default 0.002)");
    OPTIONS.put("late-min", "shortest late delay, ISO duration (default PT6M)");
    OPTIONS.put("late-max", "longest late delay, ISO duration (default PT15M)");
    OPTIONS.put("malformed-rate", "extra malformed messages per event (default 0.001)");
    OPTIONS.put("no-weather", "publish no weather observations (flag; weather is on by default)");
    OPTIONS.put("weather-interval", "time between a zone's observations, ISO duration (default PT5M)");
    OPTIONS.put("weather-late-rate", "weather observations arriving 1-4 min late (default 0.05)");
    OPTIONS.put("battery-fault-rate", "battery faults per vehicle per day (default 0.3)");
    OPTIONS.put("excursion-rate", "share of trips leaving the operating area (default 0.02)");
    OPTIONS.put(
        "unconfined-trips",
        "let ordinary trips detour out of the operating area, as the library's default (flag)");
    OPTIONS.put(
        "unregistered-rate", "share of vehicles left out of the PostgreSQL reference data (default 0.01)");
    OPTIONS.put(
        "surge",
        "extra booking requests in a zone, <location_id>@<ISO start>/<ISO duration>/<count>,"
            + " e.g. loc-ber-03@2026-11-30T07:30:00Z/PT10M/25 (repeatable)");
    OPTIONS.put("help", "this text");
  }

  /** Options that may be given more than once: every value is kept, in order. */
  private static final Set<String> REPEATABLE = Set.of("surge");

  /** Parsed command line. */
  static final class Options {
    final Map<String, String> values = new LinkedHashMap<>();
    final Map<String, List<String>> repeated = new LinkedHashMap<>();

    static Options parse(String[] args) {
      Options o = new Options();
      for (String arg : args) {
        if (!arg.startsWith("--")) {
          throw new IllegalArgumentException("unexpected argument '" + arg + "' (options are --name=value)");
        }
        int eq = arg.indexOf('=');
        String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
        String value = eq < 0 ? "true" : arg.substring(eq + 1);
        if (!OPTIONS.containsKey(name)) {
          throw new IllegalArgumentException("unknown option --" + name + " (see --help)");
        }
        if (REPEATABLE.contains(name)) {
          o.repeated.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        o.values.put(name, value);
      }
      return o;
    }

    @Nullable String get(String name) {
      return values.get(name);
    }

    String get(String name, String dflt) {
      return values.getOrDefault(name, dflt);
    }

    /** Every value of a repeatable option, in command-line order (empty if not given). */
    List<String> all(String name) {
      return repeated.getOrDefault(name, List.of());
    }

    boolean flag(String name) {
      return Boolean.parseBoolean(values.getOrDefault(name, "false"));
    }

    double dbl(String name, double dflt) {
      String v = values.get(name);
      try {
        return v == null ? dflt : Double.parseDouble(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--" + name + " needs a number, got '" + v + "'");
      }
    }

    long lng(String name, long dflt) {
      String v = values.get(name);
      try {
        return v == null ? dflt : Long.parseLong(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--" + name + " needs an integer, got '" + v + "'");
      }
    }

    @Nullable Duration duration(String name) {
      String v = values.get(name);
      if (v == null) {
        return null;
      }
      try {
        return Duration.millis(java.time.Duration.parse(v).toMillis());
      } catch (java.time.format.DateTimeParseException e) {
        throw new IllegalArgumentException("--" + name + " needs an ISO-8601 duration like PT30M, got '" + v + "'");
      }
    }

    @Nullable Instant instant(String name) {
      String v = values.get(name);
      if (v == null) {
        return null;
      }
      try {
        return new Instant(java.time.Instant.parse(v).toEpochMilli());
      } catch (java.time.format.DateTimeParseException e) {
        throw new IllegalArgumentException("--" + name + " needs an ISO-8601 instant, got '" + v + "'");
      }
    }
  }

  /**
   * Builds the simulator config from the options; {@code now} is the wall clock (the only place it
   * enters: the library never reads it).
   */
  static SimulatorConfig config(Options o, Instant now) {
    double speed = o.dbl("speed", 1.0);
    if (speed < 0 || !Double.isFinite(speed)) {
      throw new IllegalArgumentException("--speed must be >= 0");
    }
    Duration duration = o.duration("duration");
    if (speed == 0 && duration == null) {
      throw new IllegalArgumentException("--speed=0 (as fast as possible) needs --duration");
    }
    Instant start = o.instant("start");
    if (start == null) {
      start = speed == 0 ? now.minus(duration) : now;
    }
    SimulatorConfig.Builder b =
        SimulatorConfig.builder()
            .seed(o.lng("seed", 42))
            .vehicleCount((int) o.lng("vehicles", 1000))
            .locationCount((int) o.lng("locations", 30))
            .cityCount((int) o.lng("cities", 3))
            .start(start)
            .duration(duration)
            .typeShare(VehicleType.E_SCOOTER, o.dbl("scooter-share", 0.60))
            .typeShare(VehicleType.E_BIKE, o.dbl("bike-share", 0.25))
            .typeShare(VehicleType.CAR, o.dbl("car-share", 0.15))
            .bookingsPerVehiclePerDay(o.dbl("bookings-per-vehicle-day", 6.0))
            .cancellationRate(o.dbl("cancellation-rate", 0.10))
            .maintenanceRatePerVehicleDay(o.dbl("maintenance-rate", 0.005))
            .duplicateRate(o.dbl("duplicate-rate", 0.02))
            .bookingDuplicateRate(o.dbl("booking-duplicate-rate", 0.005))
            .outOfOrderRate(o.dbl("out-of-order-rate", 0.05))
            .lateRate(o.dbl("late-rate", 0.002))
            .malformedRate(o.dbl("malformed-rate", 0.001))
            .weatherEnabled(!o.flag("no-weather"))
            .weatherLateRate(o.dbl("weather-late-rate", 0.05))
            .batteryFaultRatePerVehicleDay(o.dbl("battery-fault-rate", 0.3))
            .excursionRate(o.dbl("excursion-rate", 0.02))
            .confineTripsToOperatingArea(!o.flag("unconfined-trips"))
            .unregisteredVehicleRate(o.dbl("unregistered-rate", 0.01));
    Duration trip = o.duration("trip-interval");
    if (trip != null) {
      b.tripTelemetryInterval(trip);
    }
    Duration parked = o.duration("parked-interval");
    if (parked != null) {
      b.parkedTelemetryInterval(parked);
    }
    Duration weatherInterval = o.duration("weather-interval");
    if (weatherInterval != null) {
      b.weatherInterval(weatherInterval);
    }
    Duration maxDisorder = o.duration("max-disorder");
    if (maxDisorder != null) {
      b.maxDisorder(maxDisorder);
    }
    Duration lateMin = o.duration("late-min");
    Duration lateMax = o.duration("late-max");
    if (lateMin != null || lateMax != null) {
      b.lateDelay(
          lateMin != null ? lateMin : Duration.standardMinutes(6),
          lateMax != null ? lateMax : Duration.standardMinutes(15));
    }
    for (String spec : o.all("surge")) {
      try {
        b.demandSurge(DemandSurge.parse(spec));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--surge: " + e.getMessage(), e);
      }
    }
    return b.build();
  }

  public static void main(String[] args) throws Exception {
    int code = run(args, System.out, System.err);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Runs the CLI; returns the process exit code. */
  static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    Options o;
    SimulatorConfig config;
    try {
      o = Options.parse(args);
      if (o.flag("help")) {
        usage(out);
        return 0;
      }
      config = config(o, new Instant(System.currentTimeMillis()));
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      usage(err);
      return 2;
    }
    double speed = o.dbl("speed", 1.0);
    long maxMessages = o.lng("max-messages", Long.MAX_VALUE);
    long statsEveryMs = Math.max(100L, Math.round(o.dbl("stats-every", 5) * 1000));
    // The simulator's topic of a message -> the topic it is sent to (in progress-line order).
    Map<String, String> topics = new LinkedHashMap<>();
    topics.put(
        FleetTopics.VEHICLE_EVENTS_RAW, o.get("telemetry-topic", FleetTopics.VEHICLE_EVENTS_RAW));
    topics.put(FleetTopics.DOMAIN_EVENTS, o.get("booking-topic", FleetTopics.DOMAIN_EVENTS));
    topics.put(
        FleetTopics.WEATHER_OBSERVATIONS, o.get("weather-topic", FleetTopics.WEATHER_OBSERVATIONS));
    boolean dryRun = o.flag("dry-run");

    FleetSimulator sim = new FleetSimulator(config);
    out.println("[simulator] " + config);

    String jdbcUrl = o.get("jdbc-url");
    if (jdbcUrl != null) {
      int rows = ReferenceDataWriter.apply(jdbcUrl, o.get("jdbc-user"), o.get("jdbc-password"), sim);
      out.println(
          "[simulator] upserted "
              + sim.locations().size()
              + " locations and "
              + sim.registeredVehicles().size()
              + " vehicles ("
              + rows
              + " rows) into "
              + jdbcUrl
              + "; "
              + sim.unregisteredVehicles().size()
              + " vehicles left unregistered");
    }
    if (o.flag("reference-data-only")) {
      return 0;
    }

    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch finished = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stop.set(true);
              try {
                finished.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "fleet-simulator-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);

    KafkaProducer<String, String> producer = dryRun ? null : producer(o);
    AtomicLong sendErrors = new AtomicLong();
    AtomicReference<Exception> firstError = new AtomicReference<>();
    Map<String, Long> sentByTopic = new LinkedHashMap<>();
    topics.keySet().forEach(topic -> sentByTopic.put(topic, 0L));
    long sent = 0;
    long wallStart = System.currentTimeMillis();
    long simStart = config.start().getMillis();
    long nextStats = wallStart + statsEveryMs;
    long lastStatsWall = wallStart;
    long lastStatsSent = 0;
    Instant lastDelivery = config.start();
    boolean caughtUp = false;
    try {
      Iterator<SimulatedMessage> it = sim.messages();
      while (!stop.get() && sent < maxMessages && it.hasNext()) {
        SimulatedMessage m = it.next();
        long d = m.deliveryTime().getMillis();
        if (speed > 0) {
          long paced = wallStart + (long) ((d - simStart) / speed);
          long target = Math.max(paced, d);
          if (!caughtUp && d >= paced && d >= System.currentTimeMillis()) {
            // From here on messages wait for their own delivery time: the history is sent.
            caughtUp = true;
            if (producer != null) {
              producer.flush();
            }
            out.println("[simulator] " + CAUGHT_UP + " after " + sent + " messages of history;"
                + " live from now on");
            out.flush();
          }
          while (!stop.get()) {
            long now = System.currentTimeMillis();
            if (now >= target) {
              break;
            }
            if (now >= nextStats) {
              printStats(out, sim, sent, sentByTopic, now, lastStatsWall, lastStatsSent, wallStart, lastDelivery, sendErrors.get());
              lastStatsWall = now;
              lastStatsSent = sent;
              nextStats = now + statsEveryMs;
            }
            Thread.sleep(Math.min(target - now, Math.max(1, nextStats - now)));
          }
          if (stop.get()) {
            break;
          }
        }
        if (producer != null) {
          producer.send(
              new ProducerRecord<>(topics.get(m.topic()), m.key(), m.payload()),
              (metadata, exception) -> {
                if (exception != null) {
                  sendErrors.incrementAndGet();
                  firstError.compareAndSet(null, exception);
                }
              });
        }
        sent++;
        sentByTopic.merge(m.topic(), 1L, Long::sum);
        lastDelivery = m.deliveryTime();
        if ((sent & 0xFF) == 0 || speed > 0) {
          long now = System.currentTimeMillis();
          if (now >= nextStats) {
            printStats(out, sim, sent, sentByTopic, now, lastStatsWall, lastStatsSent, wallStart, lastDelivery, sendErrors.get());
            lastStatsWall = now;
            lastStatsSent = sent;
            nextStats = now + statsEveryMs;
          }
        }
      }
    } finally {
      if (producer != null) {
        producer.flush();
        producer.close(java.time.Duration.ofSeconds(30));
      }
      long now = System.currentTimeMillis();
      printStats(out, sim, sent, sentByTopic, now, lastStatsWall, lastStatsSent, wallStart, lastDelivery, sendErrors.get());
      out.println(
          "[simulator] "
              + (stop.get() ? "stopped" : "done")
              + ": "
              + sent
              + " messages in "
              + String.format(Locale.ROOT, "%.1f", (now - wallStart) / 1000.0)
              + " s; "
              + sim.stats());
      for (DemandSurgeOutcome s : sim.demandSurges()) {
        out.println(
            "[simulator] surge "
                + s.surge().toSpec()
                + ": "
                + s.requests()
                + " requests, "
                + s.served()
                + " booked, "
                + s.unserved()
                + " unserved");
      }
      if (firstError.get() != null) {
        err.println("[simulator] " + sendErrors.get() + " sends failed, first: " + firstError.get());
      }
      finished.countDown();
      if (!stop.get()) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // already shutting down
        }
      }
    }
    return sendErrors.get() == 0 ? 0 : 1;
  }

  private static KafkaProducer<String, String> producer(Options o) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, o.get("bootstrap-servers", "127.0.0.1:19092"));
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "fleet-simulator");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, o.get("compression", "lz4"));
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  private static void printStats(
      PrintStream out,
      FleetSimulator sim,
      long sent,
      Map<String, Long> sentByTopic,
      long now,
      long lastWall,
      long lastSent,
      long wallStart,
      Instant lastDelivery,
      long errors) {
    SimulationStats s = sim.stats();
    double rate = now > lastWall ? (sent - lastSent) * 1000.0 / (now - lastWall) : 0;
    double avg = now > wallStart ? sent * 1000.0 / (now - wallStart) : 0;
    out.printf(
        Locale.ROOT,
        "[simulator] sim-time=%s sent=%d (%s) duplicates=%d out-of-order=%d late=%d"
            + " malformed=%d bookings=%d battery-faults=%d excursions=%d surge-bookings=%d"
            + " rate=%.0f msg/s"
            + " avg=%.0f msg/s errors=%d%n",
        lastDelivery,
        sent,
        sentByTopic.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(" ")),
        s.duplicates(),
        s.outOfOrder(),
        s.late(),
        s.malformed(),
        s.bookingsCreated(),
        s.batteryFaults(),
        s.excursions(),
        s.surgeBookingsCreated(),
        rate,
        avg,
        errors);
  }

  private static void usage(PrintStream out) {
    out.println("usage: FleetSimulatorCli [--name=value ...]");
    for (Map.Entry<String, String> e : OPTIONS.entrySet()) {
      out.printf(Locale.ROOT, "  --%-24s %s%n", e.getKey(), e.getValue());
    }
  }

  private FleetSimulatorCli() {}
}
