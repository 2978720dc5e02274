package com.mobilitycorp.fleet.testing.readmodel;

import com.mobilitycorp.fleet.io.jdbc.AvailableVehiclesQueries;
import com.mobilitycorp.fleet.io.jdbc.AvailableVehiclesSink;
import com.mobilitycorp.fleet.io.jdbc.DatabaseSchema;
import com.mobilitycorp.fleet.io.json.EventJson;
import com.mobilitycorp.fleet.model.InventoryUpdate;
import com.mobilitycorp.fleet.model.InventoryUpdateReason;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.model.VehicleStatus;
import com.mobilitycorp.fleet.model.VehicleType;
import com.mobilitycorp.fleet.testing.simulator.FleetSimulator;
import com.mobilitycorp.fleet.testing.simulator.ReferenceDataWriter;
import com.mobilitycorp.fleet.testing.simulator.SimulatorConfig;
import com.mobilitycorp.fleet.testing.stack.LocalPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Measures the latency of the Booking Service's two read-model queries ({@link
 * AvailableVehiclesQueries}) as one JDBC client sees them: prepared statements, every row read.
 *
 * <p>Starts a local PostgreSQL 17 (or uses {@code --jdbc-url}), applies the schema, writes the
 * simulator's reference data for a fleet of {@code --rows} vehicles in three cities and one {@code
 * available_vehicles} row per vehicle through the sink's own upsert (~60% available, parked around
 * zones, on-trip vehicles anywhere in the city), runs ANALYZE, warms up, then times each query
 * {@code --iterations} times with random realistic parameters. Prints the result as Markdown and
 * writes it to {@code --out}. Not a test: numbers depend on the machine.
 *
 * <pre>
 * java -cp ... com.mobilitycorp.fleet.testing.readmodel.ReadModelQueryBench --rows=100000
 * </pre>
 */
public final class ReadModelQueryBench {

  private static final Map<String, String> OPTIONS = new LinkedHashMap<>();

  static {
    OPTIONS.put("jdbc-url", "use this PostgreSQL instead of starting one (its read model is replaced)");
    OPTIONS.put("jdbc-user", "PostgreSQL user (default postgres)");
    OPTIONS.put("jdbc-password", "PostgreSQL password (default postgres)");
    OPTIONS.put("work-dir", "data directory of the local PostgreSQL (default target/bench/postgres)");
    OPTIONS.put("rows", "vehicles, one available_vehicles row each (default 100000)");
    OPTIONS.put("locations", "zones over the three cities (default 300)");
    OPTIONS.put("iterations", "timed runs of each query (default 5000)");
    OPTIONS.put("warmup", "untimed runs of each query first (default 1000)");
    OPTIONS.put("radius-m", "radius of the proximity query, metres (default 500)");
    OPTIONS.put("seed", "random seed for data and parameters (default 42)");
    OPTIONS.put("out", "Markdown report file (default target/bench/read-model-queries.md)");
    OPTIONS.put("help", "this text");
  }

  /** Share of each status among the rows; the rest is non_operational. */
  private static final double AVAILABLE_SHARE = 0.60;
  private static final double RESERVED_SHARE = 0.08;
  private static final double ON_TRIP_SHARE = 0.20;
  /** Vehicles booked before they ever reported: no position, no battery. */
  private static final double NEVER_REPORTED_SHARE = 0.01;
  /** On-trip vehicles and free-floating searches spread this far from a city's centre. */
  private static final double CITY_RADIUS_M = 5_000;

  private static final int FILL_BATCH = 1_000;

  /** Timings of one query. */
  record QueryStats(String name, int runs, double meanRows, double p50Ms, double p95Ms, double p99Ms, double maxMs) {}

  /** Everything the report shows. */
  record Report(
      String postgresVersion,
      int rows,
      long availableRows,
      int locations,
      double fillSeconds,
      double radiusM,
      int warmup,
      List<QueryStats> queries,
      String locationPlan,
      String radiusPlan,
      String commandLine) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = parse(args);
    if (o.containsKey("help")) {
      OPTIONS.forEach((name, help) -> System.out.printf("  --%-14s %s%n", name, help));
      return;
    }
    String user = o.getOrDefault("jdbc-user", "postgres");
    String password = o.getOrDefault("jdbc-password", "postgres");
    Path out = Paths.get(o.getOrDefault("out", "target/bench/read-model-queries.md"));
    LocalPostgres postgres = null;
    String jdbcUrl = o.get("jdbc-url");
    try {
      if (jdbcUrl == null) {
        postgres =
            LocalPostgres.start(
                Paths.get(o.getOrDefault("work-dir", "target/bench/postgres")), 0, true);
        jdbcUrl = postgres.jdbcUrl();
      }
      int rows = intOption(o, "rows", 100_000);
      int locations = intOption(o, "locations", 300);
      int iterations = intOption(o, "iterations", 5_000);
      int warmup = intOption(o, "warmup", 1_000);
      double radiusM = Double.parseDouble(o.getOrDefault("radius-m", "500"));
      long seed = Long.parseLong(o.getOrDefault("seed", "42"));
      // The effective settings, so the report says how to get the same data and parameters.
      String commandLine =
          String.format(
              Locale.ROOT,
              "java -cp target/classes:$(cat target/bench-classpath.txt) %s --rows=%d"
                  + " --locations=%d --iterations=%d --warmup=%d --radius-m=%s --seed=%d",
              ReadModelQueryBench.class.getName(), rows, locations, iterations, warmup,
              radiusM, seed);
      Report report =
          run(jdbcUrl, user, password, rows, locations, iterations, warmup, radiusM, seed, commandLine);
      String markdown = markdown(report);
      Path parent = out.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(out, markdown, StandardCharsets.UTF_8);
      System.out.println(markdown);
      System.out.println("Written to " + out.toAbsolutePath());
    } finally {
      if (postgres != null) {
        postgres.stop();
      }
    }
  }

  /** Fills the database at {@code jdbcUrl} and measures both queries. */
  static Report run(
      String jdbcUrl,
      String user,
      String password,
      int rows,
      int locationCount,
      int iterations,
      int warmup,
      double radiusM,
      long seed,
      String commandLine)
      throws SQLException {
    DatabaseSchema.apply(jdbcUrl, user, password);
    FleetSimulator fleet =
        new FleetSimulator(
            SimulatorConfig.builder()
                .seed(seed)
                .vehicleCount(rows)
                .locationCount(locationCount)
                .cityCount(3)
                .build());
    List<LocationMetadata> locations = fleet.locations();
    List<VehicleMetadata> vehicles = fleet.vehicles();
    SplittableRandom rnd = new SplittableRandom(seed);

    try (Connection c = DriverManager.getConnection(jdbcUrl, user, password)) {
      ReferenceDataWriter.upsert(c, locations, vehicles);
      execute(c, "TRUNCATE available_vehicles");
      long start = System.nanoTime();
      fill(c, readModelRows(locations, vehicles, rnd));
      double fillSeconds = (System.nanoTime() - start) / 1e9;
      execute(c, "ANALYZE available_vehicles");
      long available = count(c, "SELECT count(*) FROM available_vehicles WHERE status = 'available'");

      Map<String, List<LocationMetadata>> byCity = new LinkedHashMap<>();
      locations.forEach(l -> byCity.computeIfAbsent(l.getCity(), k -> new ArrayList<>()).add(l));
      List<double[]> cityCentres = new ArrayList<>();
      byCity.values().forEach(zones -> cityCentres.add(centreOf(zones)));

      List<QueryStats> stats = new ArrayList<>();
      try (PreparedStatement byLocation =
              c.prepareStatement(AvailableVehiclesQueries.AVAILABLE_BY_LOCATION_AND_TYPE);
          PreparedStatement withinRadius =
              c.prepareStatement(AvailableVehiclesQueries.AVAILABLE_WITHIN_RADIUS)) {
        Binder location =
            ps -> {
              LocationMetadata l = locations.get(rnd.nextInt(locations.size()));
              AvailableVehiclesQueries.bindByLocationAndType(ps, l.getLocationId(), randomType(rnd));
            };
        Binder radius =
            ps -> {
              double[] p = searchPoint(locations, cityCentres, rnd);
              AvailableVehiclesQueries.bindWithinRadius(ps, p[0], p[1], radiusM);
            };
        // Warm both before timing either, so neither profits from the other's warm cache.
        time(byLocation, location, warmup);
        time(withinRadius, radius, warmup);
        stats.add(summarise("Available of type T at location L", time(byLocation, location, iterations)));
        stats.add(
            summarise(
                "Available within " + (long) radiusM + " m of a point",
                time(withinRadius, radius, iterations)));
      }
      LocationMetadata sampleZone = locations.get(0);
      String locationPlan =
          explainAnalyze(
              c,
              AvailableVehiclesQueries.AVAILABLE_BY_LOCATION_AND_TYPE,
              ps -> AvailableVehiclesQueries.bindByLocationAndType(ps, sampleZone.getLocationId(), "e_scooter"));
      String radiusPlan =
          explainAnalyze(
              c,
              AvailableVehiclesQueries.AVAILABLE_WITHIN_RADIUS,
              ps ->
                  AvailableVehiclesQueries.bindWithinRadius(
                      ps, sampleZone.getCentreLat(), sampleZone.getCentreLon(), radiusM));
      return new Report(
          version(c),
          rows,
          available,
          locations.size(),
          fillSeconds,
          radiusM,
          warmup,
          stats,
          locationPlan,
          radiusPlan,
          commandLine);
    }
  }

  // ------------------------------------------------------------------ data

  /**
   * One update per vehicle. Parked vehicles (available, reserved, non-operational) stand in or near
   * a zone, mostly their home zone; on-trip vehicles anywhere within the city.
   */
  static List<InventoryUpdate> readModelRows(
      List<LocationMetadata> locations, List<VehicleMetadata> vehicles, SplittableRandom rnd) {
    Map<String, LocationMetadata> zoneById = new LinkedHashMap<>();
    Map<String, List<LocationMetadata>> zonesOfCity = new LinkedHashMap<>();
    for (LocationMetadata l : locations) {
      zoneById.put(l.getLocationId(), l);
      zonesOfCity.computeIfAbsent(l.getCity(), k -> new ArrayList<>()).add(l);
    }
    Map<String, double[]> cityCentre = new LinkedHashMap<>();
    zonesOfCity.forEach((city, zones) -> cityCentre.put(city, centreOf(zones)));

    Instant now = Instant.now();
    List<InventoryUpdate> updates = new ArrayList<>(vehicles.size());
    for (VehicleMetadata v : vehicles) {
      LocationMetadata home = zoneById.get(v.getHomeLocationId());
      List<LocationMetadata> cityZones = zonesOfCity.get(home.getCity());
      VehicleStatus status = randomStatus(rnd);
      Instant asOf = now.minus(rnd.nextLong(3_600_000));
      InventoryUpdate.Builder u =
          InventoryUpdate.builder()
              .setVehicleId(v.getVehicleId())
              .setStatus(status)
              .setAsOf(asOf)
              .setRevision(1 + rnd.nextInt(500))
              .setReason(InventoryUpdateReason.STATUS_CHANGE)
              .setBookingId(status.isReserved() ? "bkg-" + v.getVehicleId() : null);
      if (rnd.nextDouble() < NEVER_REPORTED_SHARE) {
        updates.add(u.build()); // location falls back to the home zone in the upsert
        continue;
      }
      LocationMetadata zone =
          rnd.nextDouble() < 0.55 ? home : cityZones.get(rnd.nextInt(cityZones.size()));
      double[] position;
      if (status == VehicleStatus.ON_TRIP) {
        position = randomPointWithin(cityCentre.get(home.getCity()), CITY_RADIUS_M, rnd);
      } else if (rnd.nextDouble() < 0.7) {
        position = randomPointWithin(new double[] {zone.getCentreLat(), zone.getCentreLon()}, zone.getRadiusM(), rnd);
      } else { // free-floating: parked near, not in, the zone
        position = randomPointWithin(new double[] {zone.getCentreLat(), zone.getCentreLon()}, 1_500, rnd);
      }
      double minBattery = v.getVehicleType() == VehicleType.CAR ? 10 : 5; // ops recharge earlier
      double battery = Math.round((minBattery + rnd.nextDouble() * (100 - minBattery)) * 10) / 10.0;
      updates.add(
          u.setLocationId(zone.getLocationId())
              .setLat(position[0])
              .setLon(position[1])
              .setBatteryPct(battery)
              .setEstimatedRangeM(battery / 100 * fullRangeM(v.getVehicleType()))
              .setOperationalStatus(
                  status.isDisabled()
                      ? new OperationalStatus[] {
                          OperationalStatus.MAINTENANCE,
                          OperationalStatus.CHARGING,
                          OperationalStatus.OUT_OF_SERVICE
                        }[rnd.nextInt(3)]
                      : OperationalStatus.OPERATIONAL)
              .setLastReported(asOf.minus(rnd.nextInt(60_000)))
              .build());
    }
    return updates;
  }

  private static VehicleStatus randomStatus(SplittableRandom rnd) {
    double r = rnd.nextDouble();
    if (r < AVAILABLE_SHARE) {
      return VehicleStatus.AVAILABLE;
    } else if (r < AVAILABLE_SHARE + RESERVED_SHARE) {
      return VehicleStatus.RESERVED;
    } else if (r < AVAILABLE_SHARE + RESERVED_SHARE + ON_TRIP_SHARE) {
      return VehicleStatus.ON_TRIP;
    }
    return VehicleStatus.NON_OPERATIONAL;
  }

  private static double fullRangeM(VehicleType type) {
    switch (type) {
      case E_SCOOTER:
        return 40_000;
      case E_BIKE:
        return 70_000;
      default:
        return 400_000;
    }
  }

  /** A type as customers ask for them: in proportion to the fleet mix (simulator default). */
  private static String randomType(SplittableRandom rnd) {
    double r = rnd.nextDouble();
    VehicleType type = r < 0.60 ? VehicleType.E_SCOOTER : r < 0.85 ? VehicleType.E_BIKE : VehicleType.CAR;
    return EventJson.wire(type);
  }

  /** Where customers search: mostly near a zone (a hub, a station), otherwise anywhere in town. */
  private static double[] searchPoint(
      List<LocationMetadata> locations, List<double[]> cityCentres, SplittableRandom rnd) {
    if (rnd.nextDouble() < 0.6) {
      LocationMetadata l = locations.get(rnd.nextInt(locations.size()));
      return randomPointWithin(new double[] {l.getCentreLat(), l.getCentreLon()}, 300, rnd);
    }
    return randomPointWithin(cityCentres.get(rnd.nextInt(cityCentres.size())), CITY_RADIUS_M * 0.8, rnd);
  }

  /** Area-uniform in a disc (flat-earth offsets: metres to degrees, fine at city scale). */
  private static double[] randomPointWithin(double[] centre, double radiusM, SplittableRandom rnd) {
    double r = radiusM * Math.sqrt(rnd.nextDouble());
    double angle = rnd.nextDouble() * 2 * Math.PI;
    double north = r * Math.cos(angle);
    double east = r * Math.sin(angle);
    double lat = centre[0] + Math.toDegrees(north / AvailableVehiclesQueries.EARTH_RADIUS_M);
    double lon =
        centre[1]
            + Math.toDegrees(
                east / (AvailableVehiclesQueries.EARTH_RADIUS_M * Math.cos(Math.toRadians(centre[0]))));
    return new double[] {lat, lon};
  }

  private static double[] centreOf(List<LocationMetadata> zones) {
    double lat = 0;
    double lon = 0;
    for (LocationMetadata z : zones) {
      lat += z.getCentreLat();
      lon += z.getCentreLon();
    }
    return new double[] {lat / zones.size(), lon / zones.size()};
  }

  /** Writes the rows with the sink's own statement and binding, in committed batches. */
  private static void fill(Connection c, List<InventoryUpdate> updates) throws SQLException {
    AvailableVehiclesSink.UpsertParameters binder = new AvailableVehiclesSink.UpsertParameters();
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try (PreparedStatement upsert = c.prepareStatement(AvailableVehiclesSink.UPSERT)) {
      int pending = 0;
      for (InventoryUpdate u : updates) {
        binder.setParameters(u, upsert);
        upsert.addBatch();
        if (++pending == FILL_BATCH) {
          upsert.executeBatch();
          c.commit();
          pending = 0;
        }
      }
      upsert.executeBatch();
      c.commit();
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  // ------------------------------------------------------------------ timing

  private interface Binder {
    void bind(PreparedStatement statement) throws SQLException;
  }

  /** Runs the query {@code n} times; returns per run {elapsed nanos, rows}. */
  private static long[][] time(PreparedStatement query, Binder binder, int n) throws SQLException {
    long[][] runs = new long[n][];
    for (int i = 0; i < n; i++) {
      binder.bind(query);
      long start = System.nanoTime();
      long rows = 0;
      try (ResultSet rs = query.executeQuery()) {
        int columns = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          for (int col = 1; col <= columns; col++) {
            rs.getObject(col); // read every value, as the Booking Service would
          }
          rows++;
        }
      }
      runs[i] = new long[] {System.nanoTime() - start, rows};
    }
    return runs;
  }

  static QueryStats summarise(String name, long[][] runs) {
    long[] nanos = new long[runs.length];
    long rows = 0;
    for (int i = 0; i < runs.length; i++) {
      nanos[i] = runs[i][0];
      rows += runs[i][1];
    }
    Arrays.sort(nanos);
    return new QueryStats(
        name,
        runs.length,
        (double) rows / runs.length,
        percentileMs(nanos, 0.50),
        percentileMs(nanos, 0.95),
        percentileMs(nanos, 0.99),
        nanos[nanos.length - 1] / 1e6);
  }

  /** Nearest-rank percentile of sorted values, in milliseconds. */
  static double percentileMs(long[] sortedNanos, double p) {
    int rank = (int) Math.ceil(p * sortedNanos.length);
    return sortedNanos[Math.max(0, rank - 1)] / 1e6;
  }

  // ------------------------------------------------------------------ report

  static String markdown(Report r) {
    StringBuilder md = new StringBuilder();
    md.append("# Read-model query latency\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "`available_vehicles` with %,d rows (%,d available, %.1f%%) for %,d zones in 3 cities;"
                + " filled through the sink's upsert in %.1f s (%,.0f rows/s, batches of %,d)."
                + " One JDBC client, prepared statements, every row read; %,d warm-up runs per"
                + " query, then timed runs with random parameters.%n%n",
            r.rows(),
            r.availableRows(),
            100.0 * r.availableRows() / r.rows(),
            r.locations(),
            r.fillSeconds(),
            r.rows() / r.fillSeconds(),
            FILL_BATCH,
            r.warmup()));
    md.append("| Query | Runs | Rows (mean) | p50 ms | p95 ms | p99 ms | max ms |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|\n");
    for (QueryStats q : r.queries()) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %.1f | %.3f | %.3f | %.3f | %.3f |%n",
              q.name(), q.runs(), q.meanRows(), q.p50Ms(), q.p95Ms(), q.p99Ms(), q.maxMs()));
    }
    md.append("\nEnvironment: ")
        .append(r.postgresVersion())
        .append("; Java ")
        .append(System.getProperty("java.version"))
        .append(", ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" CPUs.\n\n");
    md.append("Reproduce (from `testing/`, after `mvn -B -o -q -pl io,testing compile")
        .append(" dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt` in the")
        .append(" project root):\n\n```\n")
        .append(r.commandLine())
        .append("\n```\n\n");
    md.append("## Queries (AvailableVehiclesQueries)\n\n```sql\n")
        .append(AvailableVehiclesQueries.AVAILABLE_BY_LOCATION_AND_TYPE)
        .append("\n\n")
        .append(AvailableVehiclesQueries.AVAILABLE_WITHIN_RADIUS)
        .append("\n```\n\n");
    md.append("## Plans (EXPLAIN ANALYZE of one sample each)\n\n```\n")
        .append(r.locationPlan())
        .append("```\n\n```\n")
        .append(r.radiusPlan())
        .append("```\n");
    return md.toString();
  }

  // ------------------------------------------------------------------ plumbing

  private static String explainAnalyze(Connection c, String query, Binder binder) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("EXPLAIN ANALYZE " + query)) {
      binder.bind(ps);
      StringBuilder plan = new StringBuilder();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          plan.append(rs.getString(1)).append('\n');
        }
      }
      return plan.toString();
    }
  }

  private static String version(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW server_version")) {
      rs.next();
      return "PostgreSQL " + rs.getString(1);
    }
  }

  private static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "' (options are --name=value)");
      }
      int eq = arg.indexOf('=');
      String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
      if (!OPTIONS.containsKey(name)) {
        throw new IllegalArgumentException("unknown option --" + name + " (see --help)");
      }
      values.put(name, eq < 0 ? "true" : arg.substring(eq + 1));
    }
    return values;
  }

  private static int intOption(Map<String, String> o, String name, int dflt) {
    @Nullable String v = o.get(name);
    try {
      return v == null ? dflt : Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " needs an integer, got '" + v + "'");
    }
  }

  private ReadModelQueryBench() {}
}
