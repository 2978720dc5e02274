package com.mobilitycorp.fleet.testing.simulator;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleEvent;
import com.mobilitycorp.fleet.transforms.FleetGeography;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * The fleet model: a discrete-event simulation of vehicles, customers and ops that emits the true
 * event stream in event-time order (every event produced by a step has an event time at or after
 * that step's time, and steps run in time order). It knows nothing about the network; {@link
 * FleetSimulator} turns the events into wire messages.
 *
 * <p>One seeded random stream drives it, and every decision happens in a deterministic order
 * (tasks ordered by time, then by creation sequence), so a seed fixes the whole history. The
 * optional anomalies draw from streams of their own (battery faults, excursions, confined routes)
 * and schedule no task while off, so with them off the main stream, hence the history, is exactly
 * what it was without them. Demand surges too: their request times and vehicle picks come from the
 * surge stream, so a surge leaves the history as it was up to its first served request (the
 * booking it creates then draws from the main stream, as every booking does).
 */
final class FleetWorld {
  /** Receives every generated event, in generation (= event-time) order. */
  interface Sink {
    void emit(VehicleEvent event);
  }

  private static final long SALT = 0x5EED_0002L;
  private static final long BATTERY_FAULT_SALT = 0x5EED_0006L;
  private static final long EXCURSION_SALT = 0x5EED_0007L;
  private static final long ROUTE_SALT = 0x5EED_0008L;
  private static final long SURGE_SALT = 0x5EED_000AL;
  private static final long MINUTE = 60_000L;
  private static final double HOUR_MS = 3_600_000.0;
  private static final double DAY_MS = 86_400_000.0;

  /** Below this battery level a vehicle is not offered to customers. */
  static final double MIN_BOOKABLE_BATTERY = 20.0;
  /** Below this level (while parked) ops schedule a battery swap. */
  static final double SWAP_THRESHOLD = 15.0;
  /** Trips are planned so that the battery stays above this level. */
  private static final double TRIP_RESERVE_BATTERY = 5.0;
  /** Roads are not straight: zones within trip length / this factor are reachable. */
  private static final double DETOUR_FACTOR = 1.25;
  /** Share of GPS fixes that are poor (large accuracy radius, large error). */
  private static final double POOR_FIX_RATE = 0.01;

  private enum Phase {
    PARKED,
    RESERVED,
    ON_TRIP
  }

  private enum TaskType {
    TICK,
    BOOKING_ARRIVAL,
    PICKUP,
    TRIP_END,
    SWAP_START,
    SWAP_END,
    MAINTENANCE_FAULT,
    MAINTENANCE_START,
    MAINTENANCE_END,
    BATTERY_FAULT,
    BATTERY_FAULT_END,
    EXCURSION_LEFT,
    EXCURSION_RETURN,
    SURGE_REQUEST
  }

  private static final class Task {
    final long time;
    final long seq;
    final TaskType type;
    final @Nullable Vehicle vehicle;
    /**
     * TICK: the vehicle's tick generation; PICKUP: 1 = started, 0 = cancelled; BATTERY_FAULT_END:
     * the vehicle's fault generation; SURGE_REQUEST: the surge's index in the config.
     */
    final int arg;

    Task(long time, long seq, TaskType type, @Nullable Vehicle vehicle, int arg) {
      this.time = time;
      this.seq = seq;
      this.type = type;
      this.vehicle = vehicle;
      this.arg = arg;
    }
  }

  /**
   * A trip's path: a polyline from pickup P = (0, 0) via waypoints to drop-off Q, in metres
   * east/north of P, travelled at constant speed. Ordinary trips have one waypoint W (P -> W -> Q);
   * confined trips that W would take out of the operating area zigzag inside it instead; an
   * excursion's waypoint lies outside the area.
   */
  private static final class Trip {
    long start;
    long end;
    double refLat;
    double refLon;
    /** Vertices, P first and Q last. */
    double[] xs;
    double[] ys;
    /** Path distance at each vertex: 0 first, {@link #length} last. */
    double[] cum;
    double length;
    double speedKmh;
    int destZone;
    /** Path distance covered at the last telemetry. */
    double travelled;
    /** Non-null for an excursion trip. */
    @Nullable ExcursionEntry excursion;

    void path(double[] xs, double[] ys, double[] cum) {
      this.xs = xs;
      this.ys = ys;
      this.cum = cum;
      this.length = cum[cum.length - 1];
    }
  }

  /** A battery fault as it happens (end set when the fast drain stops). */
  private static final class FaultEntry {
    final String vehicleId;
    final long start;
    final double drainPctPerHour;
    long end = Long.MIN_VALUE;

    FaultEntry(String vehicleId, long start, double drainPctPerHour) {
      this.vehicleId = vehicleId;
      this.start = start;
      this.drainPctPerHour = drainPctPerHour;
    }

    BatteryFault toRecord() {
      return new BatteryFault(
          vehicleId,
          new Instant(start),
          end == Long.MIN_VALUE ? null : new Instant(end),
          drainPctPerHour);
    }
  }

  /** An excursion planned with its trip; reported once the vehicle has left the area. */
  private static final class ExcursionEntry {
    final String vehicleId;
    final String city;
    final long leftAt;
    final long returnedAt;
    boolean returned;

    ExcursionEntry(String vehicleId, String city, long leftAt, long returnedAt) {
      this.vehicleId = vehicleId;
      this.city = city;
      this.leftAt = leftAt;
      this.returnedAt = returnedAt;
    }

    Excursion toRecord() {
      return new Excursion(
          vehicleId, city, new Instant(leftAt), returned ? new Instant(returnedAt) : null);
    }
  }

  /** A configured demand surge and what its requests did so far. */
  private static final class SurgeEntry {
    final DemandSurge surge;
    final int zone;
    int requests;
    int unserved;
    final List<String> bookingIds = new ArrayList<>();

    SurgeEntry(DemandSurge surge, int zone) {
      this.surge = surge;
      this.zone = zone;
    }

    DemandSurgeOutcome toRecord() {
      return new DemandSurgeOutcome(surge, requests, unserved, bookingIds);
    }
  }

  private static final class Vehicle {
    final int index;
    final String id;
    final VehicleProfile profile;
    final boolean reportsOdometer;
    final boolean hasLock;
    final double drainPctPerKm;
    final double fullRangeM;

    double lat;
    double lon;
    int zone;
    double battery;
    long batteryAt;
    double odometerKm;
    double headingDeg;
    OperationalStatus op = OperationalStatus.OPERATIONAL;
    Phase phase = Phase.PARKED;

    @Nullable String bookingId;
    long bookingStart;
    int pickupZone;
    @Nullable Trip trip;

    int tickGeneration;
    boolean swapScheduled;
    boolean maintenancePending;
    boolean maintenanceStartScheduled;
    long chargeStart;
    long chargeEnd;
    double chargeFrom;
    double chargeTo;
    /** The battery fault in progress, if any. */
    @Nullable FaultEntry fault;
    int faultGeneration;

    // What the generated events say (ground truth).
    long lastTelemetryTime = Long.MIN_VALUE;
    long lastBookingEventTime = Long.MIN_VALUE;
    long lastEventTime = Long.MIN_VALUE;
    @Nullable TelemetryEvent lastTelemetry;
    @Nullable BookingEventType lastBookingType;

    Vehicle(int index, String id, VehicleProfile profile, boolean reportsOdometer, double efficiency) {
      this.index = index;
      this.id = id;
      this.profile = profile;
      this.reportsOdometer = reportsOdometer;
      this.hasLock = profile != VehicleProfile.CAR;
      this.drainPctPerKm = profile.drainPctPerKm() * efficiency;
      this.fullRangeM = profile.fullRangeKm * 1000.0 / efficiency;
    }
  }

  private final SimulatorConfig config;
  private final ReferenceData ref;
  private final SimRandom rnd;
  private final Sink sink;
  private final SimulationStats.Counters stats;
  private final long end;
  private final long tripInterval;
  private final long parkedInterval;
  private final double[] zoneCumulative;
  private final double[] zoneRadius;
  private final double[] zoneLat;
  private final double[] zoneLon;
  private final String[] zoneId;
  private final Vehicle[] vehicles;
  private final List<List<Vehicle>> parkedInZone;
  private final PriorityQueue<Task> tasks =
      new PriorityQueue<>(
          (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
  private long taskSeq;
  private long clock;
  /** Mean time between candidate booking arrivals (thinning envelope), ms; 0 = no demand. */
  private final double arrivalMeanGapMs;

  private final double maintenanceMeanGapMs;

  private final SimRandom faultRnd;
  private final SimRandom excursionRnd;
  private final SimRandom routeRnd;
  private final SimRandom surgeRnd;
  private final double batteryFaultMeanGapMs;
  /** Per zone, its city's operating area; null unless trips are confined (or excursions on). */
  private final FleetGeography.OperatingArea @Nullable [] zoneArea;
  private final List<FaultEntry> faultLog = new ArrayList<>();
  private final List<ExcursionEntry> excursionLog = new ArrayList<>();
  /** One entry per configured surge, in config order. */
  private final List<SurgeEntry> surgeLog = new ArrayList<>();

  FleetWorld(SimulatorConfig config, ReferenceData ref, Sink sink, SimulationStats.Counters stats) {
    this.config = config;
    this.ref = ref;
    this.sink = sink;
    this.stats = stats;
    this.rnd = SimRandom.forStream(config.seed(), SALT);
    this.faultRnd = SimRandom.forStream(config.seed(), BATTERY_FAULT_SALT);
    this.excursionRnd = SimRandom.forStream(config.seed(), EXCURSION_SALT);
    this.routeRnd = SimRandom.forStream(config.seed(), ROUTE_SALT);
    this.surgeRnd = SimRandom.forStream(config.seed(), SURGE_SALT);
    this.end = config.end() == null ? Long.MAX_VALUE : config.end().getMillis();
    this.tripInterval = config.tripTelemetryInterval().getMillis();
    this.parkedInterval = config.parkedTelemetryInterval().getMillis();
    this.clock = config.start().getMillis();

    int m = ref.locations.size();
    zoneCumulative = ReferenceData.cumulative(ref.zoneWeight);
    zoneRadius = new double[m];
    zoneLat = new double[m];
    zoneLon = new double[m];
    zoneId = new String[m];
    parkedInZone = new ArrayList<>(m);
    for (int z = 0; z < m; z++) {
      LocationMetadata loc = ref.locations.get(z);
      zoneRadius[z] = loc.getRadiusM();
      zoneLat[z] = loc.getCentreLat();
      zoneLon[z] = loc.getCentreLon();
      zoneId[z] = loc.getLocationId();
      parkedInZone.add(new ArrayList<>());
    }
    if (config.tripsConfined()) {
      // Exactly the stream processor's definition of the area (transforms module).
      FleetGeography geography =
          FleetGeography.of(ref.locations, FleetGeography.DEFAULT_OPERATING_AREA_MARGIN_M);
      zoneArea = new FleetGeography.OperatingArea[m];
      for (int z = 0; z < m; z++) {
        zoneArea[z] = geography.operatingArea(ref.locations.get(z).getCity());
      }
    } else {
      zoneArea = null;
    }

    long start = config.start().getMillis();
    int n = ref.vehicles.size();
    vehicles = new Vehicle[n];
    for (int i = 0; i < n; i++) {
      VehicleProfile profile = ref.vehicleProfile[i];
      Vehicle v =
          new Vehicle(
              i,
              ref.vehicles.get(i).getVehicleId(),
              profile,
              ref.vehicleModel[i].reportsOdometer(),
              rnd.uniform(0.9, 1.1));
      v.zone = ref.homeZone[i];
      double[] spot = randomPointInZone(v.zone);
      v.lat = spot[0];
      v.lon = spot[1];
      v.battery = rnd.chance(0.08) ? rnd.uniform(8.0, 25.0) : rnd.uniform(25.0, 100.0);
      v.batteryAt = start;
      v.odometerKm = rnd.uniform(profile.minInitialOdometerKm, profile.maxInitialOdometerKm);
      v.headingDeg = rnd.uniform(0, 360);
      vehicles[i] = v;
      parkedInZone.get(v.zone).add(v);
      // Units report on their own timers: spread the first reports over one parked interval.
      v.tickGeneration++;
      schedule(start + rnd.uniformLong(0, parkedInterval - 1), TaskType.TICK, v, v.tickGeneration);
      maybeScheduleSwap(v, start);
    }

    double requestsPerMs = config.bookingsPerVehiclePerDay() * n / DAY_MS;
    arrivalMeanGapMs = requestsPerMs > 0 ? 1.0 / (requestsPerMs * DemandCurve.MAX_FACTOR) : 0;
    if (arrivalMeanGapMs > 0) {
      schedule(start + gap(arrivalMeanGapMs), TaskType.BOOKING_ARRIVAL, null, 0);
    }
    double faultsPerMs = config.maintenanceRatePerVehicleDay() * n / DAY_MS;
    maintenanceMeanGapMs = faultsPerMs > 0 ? 1.0 / faultsPerMs : 0;
    if (maintenanceMeanGapMs > 0) {
      schedule(start + gap(maintenanceMeanGapMs), TaskType.MAINTENANCE_FAULT, null, 0);
    }
    double batteryFaultsPerMs = config.batteryFaultRatePerVehicleDay() * n / DAY_MS;
    batteryFaultMeanGapMs = batteryFaultsPerMs > 0 ? 1.0 / batteryFaultsPerMs : 0;
    if (batteryFaultMeanGapMs > 0) {
      schedule(start + faultGap(), TaskType.BATTERY_FAULT, null, 0);
    }
    scheduleSurges();
  }

  /**
   * Every surge request, scheduled up front: per surge (in config order) its times, uniform over
   * [start, end) from the surge stream. Nothing is scheduled or drawn without surges.
   */
  private void scheduleSurges() {
    List<DemandSurge> surges = config.demandSurges();
    for (int i = 0; i < surges.size(); i++) {
      DemandSurge surge = surges.get(i);
      int zone = Arrays.asList(zoneId).indexOf(surge.locationId());
      if (zone < 0) { // SimulatorConfig.build() checks this already
        throw new IllegalArgumentException(
            "demand surge " + surge + ": unknown location id '" + surge.locationId() + "'");
      }
      surgeLog.add(new SurgeEntry(surge, zone));
      long from = surge.start().getMillis();
      long to = surge.end().getMillis() - 1;
      long[] times = new long[surge.extraRequests()];
      for (int k = 0; k < times.length; k++) {
        times[k] = surgeRnd.uniformLong(from, to);
      }
      Arrays.sort(times);
      for (long t : times) {
        if (t >= end) {
          break; // at or after the end of a bounded run: never happens
        }
        schedule(Math.max(t, clock), TaskType.SURGE_REQUEST, null, i);
      }
    }
  }

  // ------------------------------------------------------------------ driving the simulation

  /** Time of the next step, or {@link Long#MAX_VALUE} when the simulation is over. */
  long nextStepTime() {
    Task head = tasks.peek();
    return head == null || head.time >= end ? Long.MAX_VALUE : head.time;
  }

  /** Simulated time of the last step run (events up to here have been generated). */
  long clock() {
    return clock;
  }

  /** Runs the next step; only call when {@link #nextStepTime()} is not MAX_VALUE. */
  void step() {
    Task task = tasks.poll();
    clock = task.time;
    Vehicle v = task.vehicle;
    switch (task.type) {
      case TICK:
        if (task.arg == v.tickGeneration) {
          onTick(v, task.time);
        }
        break;
      case BOOKING_ARRIVAL:
        onBookingArrival(task.time);
        break;
      case PICKUP:
        if (task.arg == 1) {
          startRental(v, task.time);
        } else {
          cancelBooking(v, task.time);
        }
        break;
      case TRIP_END:
        endTrip(v, task.time);
        break;
      case SWAP_START:
        startSwap(v, task.time);
        break;
      case SWAP_END:
        endSwap(v, task.time);
        break;
      case MAINTENANCE_FAULT:
        onMaintenanceFault(task.time);
        break;
      case MAINTENANCE_START:
        v.maintenanceStartScheduled = false;
        v.maintenancePending = false;
        if (v.phase == Phase.PARKED && v.op == OperationalStatus.OPERATIONAL) {
          startMaintenance(v, task.time);
        } else {
          v.maintenancePending = true;
        }
        break;
      case MAINTENANCE_END:
        endMaintenance(v, task.time);
        break;
      case BATTERY_FAULT:
        onBatteryFault(task.time);
        break;
      case BATTERY_FAULT_END:
        if (task.arg == v.faultGeneration && v.fault != null) {
          endFault(v, task.time);
        }
        break;
      case EXCURSION_LEFT:
        excursionLog.add(v.trip.excursion);
        stats.excursions++;
        break;
      case EXCURSION_RETURN:
        v.trip.excursion.returned = true;
        break;
      case SURGE_REQUEST:
        onSurgeRequest(surgeLog.get(task.arg), task.time);
        break;
    }
  }

  private void schedule(long time, TaskType type, @Nullable Vehicle v, int arg) {
    tasks.add(new Task(time, taskSeq++, type, v, arg));
  }

  private long gap(double meanMs) {
    return Math.max(1L, Math.round(rnd.exponential(meanMs)));
  }

  private long faultGap() {
    return Math.max(1L, Math.round(faultRnd.exponential(batteryFaultMeanGapMs)));
  }

  private void scheduleTick(Vehicle v, long now) {
    long interval = v.phase == Phase.ON_TRIP ? tripInterval : parkedInterval;
    // Device timers drift a little: +-2% of the interval.
    long jitter = interval / 50;
    long next = now + interval + (jitter > 0 ? rnd.uniformLong(-jitter, jitter) : 0);
    v.tickGeneration++;
    schedule(Math.max(now + 1, next), TaskType.TICK, v, v.tickGeneration);
  }

  // ------------------------------------------------------------------ vehicle behaviour

  private void onTick(Vehicle v, long t) {
    if (v.phase == Phase.ON_TRIP) {
      Trip trip = v.trip;
      if (t >= trip.end) {
        return; // the trip end reports (and reschedules) itself
      }
      double[] pos = advanceTrip(v, t);
      double speed = trip.speedKmh * (1.0 + 0.08 * rnd.gaussian());
      speed = Math.min(Math.max(speed, 0.4 * trip.speedKmh), 1.4 * trip.speedKmh);
      v.headingDeg = Geo.normaliseDeg(pos[2] + 3.0 * rnd.gaussian());
      emitTelemetry(v, t, pos[0], pos[1], speed, false, true);
    } else {
      updateBattery(v, t);
      emitTelemetry(v, t, v.lat, v.lon, 0.0, true, false);
      maybeScheduleSwap(v, t);
    }
    scheduleTick(v, t);
  }

  private void onBookingArrival(long t) {
    schedule(t + gap(arrivalMeanGapMs), TaskType.BOOKING_ARRIVAL, null, 0);
    // Thinning: candidates at the peak rate, accepted with the current demand factor.
    if (rnd.nextDouble() * DemandCurve.MAX_FACTOR >= DemandCurve.factorAt(t)) {
      return;
    }
    stats.bookingRequests++;
    int zone = rnd.pickCumulative(zoneCumulative);
    Vehicle v = pickBookable(zone, t, rnd);
    if (v == null) {
      stats.unservedBookingRequests++;
      return;
    }
    createBooking(v, t);
  }

  /**
   * One extra request of a demand surge: the same as a natural request of its zone, except that
   * the vehicle is picked with the surge stream (so an unserved surge request changes nothing).
   */
  private void onSurgeRequest(SurgeEntry surge, long t) {
    surge.requests++;
    stats.bookingRequests++;
    stats.surgeRequests++;
    Vehicle v = pickBookable(surge.zone, t, surgeRnd);
    if (v == null) {
      surge.unserved++;
      stats.unservedBookingRequests++;
      stats.unservedSurgeRequests++;
      return;
    }
    createBooking(v, t);
    surge.bookingIds.add(v.bookingId);
    stats.surgeBookingsCreated++;
  }

  /** A random bookable vehicle parked in the zone (one draw from random), or null if none is. */
  private @Nullable Vehicle pickBookable(int zone, long t, SimRandom random) {
    List<Vehicle> parked = parkedInZone.get(zone);
    int candidates = 0;
    for (Vehicle v : parked) {
      if (bookable(v, t)) {
        candidates++;
      }
    }
    if (candidates == 0) {
      return null;
    }
    int pick = random.nextInt(candidates);
    for (Vehicle v : parked) {
      if (bookable(v, t) && pick-- == 0) {
        return v;
      }
    }
    throw new IllegalStateException("unreachable: " + candidates + " candidates");
  }

  private boolean bookable(Vehicle v, long t) {
    return v.phase == Phase.PARKED
        && v.op == OperationalStatus.OPERATIONAL
        && !v.maintenancePending
        && v.battery >= MIN_BOOKABLE_BATTERY
        && v.lastBookingEventTime < t;
  }

  private void createBooking(Vehicle v, long t) {
    v.phase = Phase.RESERVED;
    v.bookingId = rnd.uuid();
    v.bookingStart = t;
    v.pickupZone = v.zone;
    stats.bookingsCreated++;
    emitBooking(v, t, BookingEventType.BOOKING_CREATED, zoneId[v.zone], null);
    boolean started = !rnd.chance(config.cancellationRate());
    schedule(t + rnd.uniformLong(MINUTE, 10 * MINUTE), TaskType.PICKUP, v, started ? 1 : 0);
  }

  private void cancelBooking(Vehicle v, long t) {
    stats.bookingsCancelled++;
    emitBooking(v, t, BookingEventType.BOOKING_CANCELLED, zoneId[v.pickupZone], t);
    v.phase = Phase.PARKED;
    v.bookingId = null;
    onIdle(v, t);
  }

  private void startRental(Vehicle v, long t) {
    updateBattery(v, t);
    if (v.fault != null) {
      endFault(v, t); // unlocking power-cycles the unit: the stuck drain stops
    }
    stats.rentalsStarted++;
    emitBooking(v, t, BookingEventType.RENTAL_STARTED, zoneId[v.pickupZone], null);
    v.trip = planTrip(v, t);
    if (excursionRnd.chance(config.excursionRate())) {
      Trip excursion = planExcursion(v, v.trip);
      if (excursion != null) {
        v.trip = excursion;
        schedule(excursion.excursion.leftAt, TaskType.EXCURSION_LEFT, v, 0);
        schedule(excursion.excursion.returnedAt, TaskType.EXCURSION_RETURN, v, 0);
      }
    }
    v.phase = Phase.ON_TRIP;
    parkedInZone.get(v.zone).remove(v);
    v.zone = -1;
    // The customer unlocks the vehicle: the unit reports at once.
    emitTelemetry(v, t, v.lat, v.lon, 0.0, false, false);
    scheduleTick(v, t);
    schedule(v.trip.end, TaskType.TRIP_END, v, 0);
  }

  private void endTrip(Vehicle v, long t) {
    Trip trip = v.trip;
    double[] pos = advanceTrip(v, t);
    v.lat = pos[0];
    v.lon = pos[1];
    v.headingDeg = pos[2];
    v.zone = trip.destZone;
    v.phase = Phase.PARKED;
    v.trip = null;
    parkedInZone.get(v.zone).add(v);
    stats.returnsCompleted++;
    emitBooking(v, t, BookingEventType.RETURN_COMPLETED, zoneId[v.zone], t);
    v.bookingId = null;
    // The customer locks the vehicle and ends the trip in the app: the unit reports at once.
    emitTelemetry(v, t, v.lat, v.lon, 0.0, true, false);
    scheduleTick(v, t);
    onIdle(v, t);
  }

  /** After a vehicle becomes free (return, cancellation, swap, repair): pending ops work. */
  private void onIdle(Vehicle v, long t) {
    if (v.maintenancePending) {
      if (!v.maintenanceStartScheduled) {
        v.maintenanceStartScheduled = true;
        schedule(t + rnd.uniformLong(MINUTE, 5 * MINUTE), TaskType.MAINTENANCE_START, v, 0);
      }
    } else {
      maybeScheduleSwap(v, t);
    }
  }

  private void maybeScheduleSwap(Vehicle v, long t) {
    if (v.phase == Phase.PARKED
        && v.op == OperationalStatus.OPERATIONAL
        && !v.swapScheduled
        && !v.maintenancePending
        && v.battery < SWAP_THRESHOLD) {
      v.swapScheduled = true;
      // An ops van gets there after a while.
      schedule(t + rnd.uniformLong(20 * MINUTE, 120 * MINUTE), TaskType.SWAP_START, v, 0);
    }
  }

  private void startSwap(Vehicle v, long t) {
    v.swapScheduled = false;
    updateBattery(v, t);
    if (v.phase != Phase.PARKED
        || v.op != OperationalStatus.OPERATIONAL
        || v.maintenancePending
        || v.battery >= MIN_BOOKABLE_BATTERY) {
      return;
    }
    if (v.fault != null) {
      endFault(v, t); // the faulty battery is taken out
    }
    stats.batterySwaps++;
    v.op = OperationalStatus.CHARGING;
    v.chargeFrom = v.battery;
    v.chargeTo = rnd.uniform(95.0, 100.0);
    v.chargeStart = t;
    v.chargeEnd =
        t
            + Math.round(
                rnd.uniform(v.profile.minChargeMinutes, v.profile.maxChargeMinutes) * MINUTE);
    emitTelemetry(v, t, v.lat, v.lon, 0.0, true, false);
    scheduleTick(v, t);
    schedule(v.chargeEnd, TaskType.SWAP_END, v, 0);
  }

  private void endSwap(Vehicle v, long t) {
    updateBattery(v, t);
    v.battery = v.chargeTo;
    v.op = OperationalStatus.OPERATIONAL;
    emitTelemetry(v, t, v.lat, v.lon, 0.0, true, false);
    scheduleTick(v, t);
    onIdle(v, t);
  }

  private void onMaintenanceFault(long t) {
    schedule(t + gap(maintenanceMeanGapMs), TaskType.MAINTENANCE_FAULT, null, 0);
    Vehicle v = vehicles[rnd.nextInt(vehicles.length)];
    if (v.op == OperationalStatus.MAINTENANCE || v.maintenancePending) {
      return;
    }
    if (v.phase == Phase.PARKED && v.op == OperationalStatus.OPERATIONAL) {
      startMaintenance(v, t);
    } else {
      // Reserved, on a trip or charging: ops take it once it is free.
      v.maintenancePending = true;
    }
  }

  private void startMaintenance(Vehicle v, long t) {
    updateBattery(v, t);
    if (v.fault != null) {
      endFault(v, t); // the workshop finds it
    }
    stats.maintenanceIncidents++;
    v.op = OperationalStatus.MAINTENANCE;
    emitTelemetry(v, t, v.lat, v.lon, 0.0, true, false);
    scheduleTick(v, t);
    schedule(t + rnd.uniformLong(30 * MINUTE, 120 * MINUTE), TaskType.MAINTENANCE_END, v, 0);
  }

  private void endMaintenance(Vehicle v, long t) {
    updateBattery(v, t);
    v.op = OperationalStatus.OPERATIONAL;
    if (v.battery < 50.0) {
      v.battery = rnd.uniform(95.0, 100.0); // charged in the workshop
    }
    emitTelemetry(v, t, v.lat, v.lon, 0.0, true, false);
    scheduleTick(v, t);
    onIdle(v, t);
  }

  /**
   * A battery fault candidate (Poisson over the fleet): it strikes its vehicle if that is parked,
   * operational, not reserved, not waiting for maintenance and not faulty already. The candidate's
   * vehicle, length and drain are drawn first, so the fault stream does not depend on the state.
   */
  private void onBatteryFault(long t) {
    schedule(t + faultGap(), TaskType.BATTERY_FAULT, null, 0);
    Vehicle v = vehicles[faultRnd.nextInt(vehicles.length)];
    long duration =
        faultRnd.uniformLong(
            SimulatorConfig.MIN_BATTERY_FAULT.getMillis(), SimulatorConfig.MAX_BATTERY_FAULT.getMillis());
    double drain =
        faultRnd.uniform(
            SimulatorConfig.MIN_BATTERY_FAULT_DRAIN_PCT_PER_HOUR,
            SimulatorConfig.MAX_BATTERY_FAULT_DRAIN_PCT_PER_HOUR);
    if (v.phase != Phase.PARKED
        || v.op != OperationalStatus.OPERATIONAL
        || v.maintenancePending
        || v.fault != null) {
      return;
    }
    updateBattery(v, t);
    if (v.battery <= 0) {
      return; // nothing left to drain
    }
    FaultEntry fault = new FaultEntry(v.id, t, drain);
    v.fault = fault;
    v.faultGeneration++;
    faultLog.add(fault);
    stats.batteryFaults++;
    // It stops at its planned end, or when the battery is empty, whichever comes first.
    long empty = t + (long) Math.ceil(v.battery / drain * HOUR_MS);
    schedule(Math.min(t + duration, empty), TaskType.BATTERY_FAULT_END, v, v.faultGeneration);
  }

  private void endFault(Vehicle v, long t) {
    updateBattery(v, t);
    v.fault.end = t;
    v.fault = null;
    v.faultGeneration++;
  }

  // ------------------------------------------------------------------ physics

  /** Idle drain (or charging progress) up to t; trips add their per-km drain in advanceTrip. */
  private void updateBattery(Vehicle v, long t) {
    if (t <= v.batteryAt) {
      return;
    }
    if (v.op == OperationalStatus.CHARGING) {
      double span = Math.max(1, v.chargeEnd - v.chargeStart);
      double progress = Math.min(1.0, (t - v.chargeStart) / span);
      v.battery = Math.max(v.battery, v.chargeFrom + (v.chargeTo - v.chargeFrom) * progress);
    } else {
      double drain = v.fault != null ? v.fault.drainPctPerHour : v.profile.idleDrainPctPerHour;
      v.battery -= drain * (t - v.batteryAt) / HOUR_MS;
    }
    v.battery = Math.min(100.0, Math.max(0.0, v.battery));
    v.batteryAt = t;
  }

  private Trip planTrip(Vehicle v, long t) {
    VehicleProfile p = v.profile;
    Trip trip = new Trip();
    trip.speedKmh = rnd.uniform(p.minSpeedKmh, p.maxSpeedKmh);
    double minutes = tripMinutes(p);
    double lengthM = minutes / 60.0 * trip.speedKmh * 1000.0;
    // Customers see the range in the app: the trip leaves a reserve in the battery.
    double affordableM = (v.battery - TRIP_RESERVE_BATTERY) / v.drainPctPerKm * 1000.0;
    double minLengthM = p.minTripMinutes / 60.0 * trip.speedKmh * 1000.0;
    lengthM = Math.max(minLengthM, Math.min(lengthM, affordableM));

    // Destination: a zone of the same city reachable within the trip length, by popularity.
    City city = ref.zoneCity[v.zone];
    double reach = lengthM / DETOUR_FACTOR;
    double total = 0;
    double[] weights = new double[zoneLat.length];
    for (int z = 0; z < zoneLat.length; z++) {
      if (z != v.zone
          && ref.zoneCity[z] == city
          && Geo.distanceM(v.lat, v.lon, zoneLat[z], zoneLon[z]) + zoneRadius[z] <= reach) {
        total += ref.zoneWeight[z];
      }
      weights[z] = total;
    }
    int dest = v.zone; // round trip when nothing else is in reach
    if (total > 0) {
      dest = rnd.pickCumulative(weights);
    }
    double[] q = randomPointInZone(dest);

    trip.start = t;
    trip.refLat = v.lat;
    trip.refLon = v.lon;
    double qx = Geo.eastM(v.lat, v.lon, q[1]);
    double qy = Geo.northM(v.lat, q[0]);
    double d = Math.hypot(qx, qy);
    if (d >= lengthM) { // cannot happen with the reach rule; keep the geometry valid anyway
      lengthM = d * 1.05 + 1;
    }
    // Waypoint on the ellipse with foci P and Q whose distance sum is the trip length, off to
    // one side, so the path P -> W -> Q has exactly that length.
    double a = lengthM / 2;
    double c = d / 2;
    double b = Math.sqrt(Math.max(0, a * a - c * c));
    double ux = d > 1e-6 ? qx / d : 1.0;
    double uy = d > 1e-6 ? qy / d : 0.0;
    double theta = rnd.uniform(Math.PI / 4, 3 * Math.PI / 4) * (rnd.chance(0.5) ? 1 : -1);
    double cos = StrictMath.cos(theta);
    double sin = StrictMath.sin(theta);
    double wx = qx / 2 + a * cos * ux - b * sin * uy;
    double wy = qy / 2 + a * cos * uy + b * sin * ux;
    double len1 = Math.hypot(wx, wy);
    double length = len1 + Math.hypot(qx - wx, qy - wy);
    trip.path(new double[] {0, wx, qx}, new double[] {0, wy, qy}, new double[] {0, len1, length});
    if (zoneArea != null) {
      confine(trip, zoneArea[v.zone]);
    }
    trip.end = t + Math.max(MINUTE, Math.round(trip.length / (trip.speedKmh / 3.6) * 1000.0));
    trip.destZone = dest;
    trip.travelled = 0;
    return trip;
  }

  /**
   * Keeps a trip inside its city's operating area (less {@link
   * SimulatorConfig#CONFINED_TRIP_BUFFER_M}): a trip whose waypoint lies beyond gets a zigzag of
   * random waypoints within the area instead, of the same total length (so the same duration,
   * drain and timing: only positions and headings change). Waypoints come from the route stream.
   * Geometry in the trip's local projection, good to a few tens of metres over a city, well within
   * the buffer.
   */
  private void confine(Trip trip, FleetGeography.OperatingArea area) {
    double cx = Geo.eastM(trip.refLat, trip.refLon, area.centreLon());
    double cy = Geo.northM(trip.refLat, area.centreLat());
    double inner = area.radiusM() - SimulatorConfig.CONFINED_TRIP_BUFFER_M;
    if (Math.hypot(trip.xs[1] - cx, trip.ys[1] - cy) <= inner) {
      return; // P, W and Q inside a disc: so is the whole path
    }
    double qx = trip.xs[trip.xs.length - 1];
    double qy = trip.ys[trip.ys.length - 1];
    double length = trip.length;
    List<double[]> points = new ArrayList<>();
    points.add(new double[] {0, 0, 0}); // x, y, path distance
    double lastX = 0;
    double lastY = 0;
    double done = 0;
    for (int i = 0; i < 10_000; i++) {
      double r = inner * Math.sqrt(routeRnd.nextDouble());
      double angle = routeRnd.uniform(0, 2 * Math.PI);
      double px = cx + r * StrictMath.cos(angle);
      double py = cy + r * StrictMath.sin(angle);
      double leg = Math.hypot(px - lastX, py - lastY);
      if (done + leg + Math.hypot(qx - px, qy - py) < length) {
        points.add(new double[] {px, py, done + leg});
        lastX = px;
        lastY = py;
        done += leg;
        continue;
      }
      // The last waypoint X on the way to this point, so that ... -> X -> Q has the trip's
      // length (f(0) < length <= f(1): bisection).
      double lo = 0;
      double hi = 1;
      for (int k = 0; k < 60; k++) {
        double mid = (lo + hi) / 2;
        double mx = lastX + (px - lastX) * mid;
        double my = lastY + (py - lastY) * mid;
        if (done + Math.hypot(mx - lastX, my - lastY) + Math.hypot(qx - mx, qy - my) < length) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      double xx = lastX + (px - lastX) * hi;
      double xy = lastY + (py - lastY) * hi;
      points.add(new double[] {xx, xy, done + Math.hypot(xx - lastX, xy - lastY)});
      int n = points.size() + 1;
      double[] xs = new double[n];
      double[] ys = new double[n];
      double[] cum = new double[n];
      for (int j = 0; j < n - 1; j++) {
        xs[j] = points.get(j)[0];
        ys[j] = points.get(j)[1];
        cum[j] = Math.min(points.get(j)[2], length);
      }
      xs[n - 1] = qx;
      ys[n - 1] = qy;
      cum[n - 1] = length; // exactly the planned length: the same duration as unconfined
      trip.path(xs, ys, cum);
      return;
    }
    // Unreachable in practice (each waypoint adds ~ the area's radius); keep the planned path.
  }

  /**
   * Turns a planned trip into an excursion: from P out to a waypoint 1.5 .. 3 km outside the
   * city's operating area (roughly away from the centre, through P's side of the city) and then to
   * the planned drop-off Q, at the planned speed. When the battery does not afford that: back to
   * the pickup zone instead, and failing that, straight out 1.5 km beyond the edge and back to the
   * pickup zone; null (the trip stays ordinary) when it affords none of them. Draws from the
   * excursion stream only.
   */
  private @Nullable Trip planExcursion(Vehicle v, Trip planned) {
    FleetGeography.OperatingArea area = zoneArea[v.zone];
    double outside =
        excursionRnd.uniform(
            SimulatorConfig.MIN_EXCURSION_OUTSIDE_M, SimulatorConfig.MAX_EXCURSION_OUTSIDE_M);
    double offset = excursionRnd.uniform(-Math.PI / 3, Math.PI / 3);
    double[] q = randomPointInZone(v.zone, excursionRnd); // drop-off of a round trip
    double[][] candidates = {
      excursionWaypoint(planned, area, outside, offset),
      excursionWaypoint(planned, area, SimulatorConfig.MIN_EXCURSION_OUTSIDE_M, 0.0)
    };
    double[][] dropOffs = {
      {planned.xs[planned.xs.length - 1], planned.ys[planned.ys.length - 1], planned.destZone},
      {Geo.eastM(planned.refLat, planned.refLon, q[1]), Geo.northM(planned.refLat, q[0]), v.zone}
    };
    int[][] options = {{0, 0}, {0, 1}, {1, 1}}; // {waypoint, drop-off}, first affordable wins
    double affordableM = (v.battery - TRIP_RESERVE_BATTERY) / v.drainPctPerKm * 1000.0;
    double xx = 0;
    double xy = 0;
    double qx = 0;
    double qy = 0;
    int dest = -1;
    double len1 = 0;
    double length = Double.MAX_VALUE;
    for (int[] option : options) {
      xx = candidates[option[0]][0];
      xy = candidates[option[0]][1];
      qx = dropOffs[option[1]][0];
      qy = dropOffs[option[1]][1];
      dest = (int) dropOffs[option[1]][2];
      len1 = Math.hypot(xx, xy);
      length = len1 + Math.hypot(qx - xx, qy - xy);
      if (length <= affordableM) {
        break;
      }
    }
    if (length > affordableM) {
      return null;
    }
    Trip trip = new Trip();
    trip.start = planned.start;
    trip.refLat = planned.refLat;
    trip.refLon = planned.refLon;
    trip.speedKmh = planned.speedKmh;
    trip.destZone = dest;
    trip.path(new double[] {0, xx, qx}, new double[] {0, xy, qy}, new double[] {0, len1, length});
    trip.end =
        trip.start + Math.max(MINUTE, Math.round(trip.length / (trip.speedKmh / 3.6) * 1000.0));
    trip.travelled = 0;

    // Crossing times of the true path (one crossing per leg: P and Q inside, X outside).
    long atWaypoint = trip.start + (long) Math.ceil((trip.end - trip.start) * (len1 / length));
    while (atWaypoint < trip.end && !outside(trip, area, atWaypoint)) {
      atWaypoint++; // within a millisecond of the waypoint, ~1.5 km outside: never loops in practice
    }
    if (outside(trip, area, trip.start) || !outside(trip, area, atWaypoint) || outside(trip, area, trip.end)) {
      return null;
    }
    long leftAt = firstChange(trip, area, trip.start, atWaypoint);
    long returnedAt = firstChange(trip, area, atWaypoint, trip.end);
    trip.excursion = new ExcursionEntry(v.id, area.city(), leftAt, returnedAt);
    return trip;
  }

  /**
   * An excursion's waypoint, in metres east/north of the trip's start P: {@code outside} metres
   * beyond the area's edge (by the area's own great-circle measure, after one correction of the
   * local projection), in the direction from the area's centre through P turned by {@code offset}.
   */
  private static double[] excursionWaypoint(
      Trip planned, FleetGeography.OperatingArea area, double outside, double offset) {
    double cx = Geo.eastM(planned.refLat, planned.refLon, area.centreLon());
    double cy = Geo.northM(planned.refLat, area.centreLat());
    double angle = StrictMath.atan2(-cy, -cx) + offset;
    double reach = area.radiusM() + outside;
    double xx = cx + reach * StrictMath.cos(angle);
    double xy = cy + reach * StrictMath.sin(angle);
    double actual =
        -area.metresInside(
            Geo.latAt(planned.refLat, xy), Geo.lonAt(planned.refLat, planned.refLon, xx));
    reach += outside - actual;
    return new double[] {cx + reach * StrictMath.cos(angle), cy + reach * StrictMath.sin(angle)};
  }

  /** Whether the trip's true position at time t is outside the area. */
  private static boolean outside(Trip trip, FleetGeography.OperatingArea area, long t) {
    double[] p = tripPosition(trip, t);
    return area.metresInside(p[0], p[1]) < 0;
  }

  /** The first millisecond in (lo, hi] whose side of the boundary is hi's (lo's differs). */
  private static long firstChange(Trip trip, FleetGeography.OperatingArea area, long lo, long hi) {
    boolean target = outside(trip, area, hi);
    while (hi - lo > 1) {
      long mid = lo + (hi - lo) / 2;
      if (outside(trip, area, mid) == target) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }

  private double tripMinutes(VehicleProfile p) {
    for (int i = 0; i < 10; i++) {
      double m = p.medianTripMinutes * StrictMath.exp(0.55 * rnd.gaussian());
      if (m >= p.minTripMinutes && m <= p.maxTripMinutes) {
        return m;
      }
    }
    return p.medianTripMinutes;
  }

  /**
   * Moves the vehicle along its trip to time t (battery, odometer, idle drain) and returns {lat,
   * lon, heading} of the true position.
   */
  private double[] advanceTrip(Vehicle v, long t) {
    Trip trip = v.trip;
    double s = pathDistance(trip, t);
    double deltaKm = Math.max(0, s - trip.travelled) / 1000.0;
    trip.travelled = s;
    updateBattery(v, t);
    v.battery = Math.max(0.0, v.battery - deltaKm * v.drainPctPerKm);
    v.odometerKm += deltaKm;
    return tripPosition(trip, t);
  }

  /** Path distance covered at time t (constant speed from start to end). */
  private static double pathDistance(Trip trip, long t) {
    double fraction = Math.min(1.0, Math.max(0.0, (t - trip.start) / (double) (trip.end - trip.start)));
    return trip.length * fraction;
  }

  /** {lat, lon, heading} of the true position at time t; a pure function of the trip. */
  private static double[] tripPosition(Trip trip, long t) {
    double s = pathDistance(trip, t);
    int last = trip.xs.length - 2; // index of the last leg
    int i = 0;
    while (i < last && s > trip.cum[i + 1]) {
      i++;
    }
    double legLength = trip.cum[i + 1] - trip.cum[i];
    double f = legLength > 0 ? (s - trip.cum[i]) / legLength : (i == 0 ? 0 : 1);
    double dx = trip.xs[i + 1] - trip.xs[i];
    double dy = trip.ys[i + 1] - trip.ys[i];
    double x = trip.xs[i] + dx * f;
    double y = trip.ys[i] + dy * f;
    double heading = Geo.bearingDeg(dx, dy);
    double lat = Geo.latAt(trip.refLat, y);
    double lon = Geo.lonAt(trip.refLat, trip.refLon, x);
    return new double[] {lat, lon, heading};
  }

  /** Area-uniform point within 85% of the zone's radius (so GPS noise mostly stays inside). */
  private double[] randomPointInZone(int zone) {
    return randomPointInZone(zone, rnd);
  }

  private double[] randomPointInZone(int zone, SimRandom random) {
    double r = zoneRadius[zone] * 0.85 * Math.sqrt(random.nextDouble());
    double angle = random.uniform(0, 2 * Math.PI);
    double north = r * StrictMath.cos(angle);
    double east = r * StrictMath.sin(angle);
    return new double[] {
      Geo.latAt(zoneLat[zone], north), Geo.lonAt(zoneLat[zone], zoneLon[zone], east)
    };
  }

  // ------------------------------------------------------------------ events

  private void emitTelemetry(
      Vehicle v, long t, double trueLat, double trueLon, double speedKmh, boolean locked, boolean moving) {
    // One report per millisecond at most: state changes and timer ticks never share a timestamp.
    long time = Math.max(t, v.lastTelemetryTime + 1);
    boolean poorFix = rnd.chance(POOR_FIX_RATE);
    double accuracy =
        poorFix ? rnd.uniform(25.0, 60.0) : moving ? rnd.uniform(3.0, 8.0) : rnd.uniform(3.0, 12.0);
    double errNorth = rnd.gaussian() * accuracy / 2;
    double errEast = rnd.gaussian() * accuracy / 2;
    double lat = Geo.round(Geo.latAt(trueLat, errNorth), 6);
    double lon = Geo.round(Geo.lonAt(trueLat, trueLon, errEast), 6);
    double battery = Geo.round(v.battery, 1);
    double heading = Geo.round(v.headingDeg, 1);
    if (heading >= 360.0) {
      heading = 0.0;
    }
    TelemetryEvent e =
        TelemetryEvent.builder()
            .setEventId(rnd.uuid())
            .setVehicleId(v.id)
            .setEventTime(new Instant(time))
            .setLat(lat)
            .setLon(lon)
            .setBatteryPct(battery)
            .setOperationalStatus(v.op)
            .setSpeedKmh(Geo.round(speedKmh, 1))
            .setHeadingDeg(heading)
            .setOdometerKm(v.reportsOdometer ? Geo.round(v.odometerKm, 1) : null)
            .setGpsAccuracyM(Geo.round(accuracy, 1))
            .setEstimatedRangeM((double) Math.round(battery / 100.0 * v.fullRangeM / 10.0) * 10.0)
            .setLocked(v.hasLock ? locked : null)
            .build();
    v.lastTelemetryTime = time;
    v.lastTelemetry = e;
    v.lastEventTime = Math.max(v.lastEventTime, time);
    stats.telemetryEventsGenerated++;
    sink.emit(e);
  }

  private void emitBooking(
      Vehicle v, long t, BookingEventType type, String locationId, @Nullable Long bookingEnd) {
    BookingEvent e =
        BookingEvent.builder()
            .setEventId(rnd.uuid())
            .setEventType(type)
            .setBookingId(v.bookingId)
            .setVehicleId(v.id)
            .setLocationId(locationId)
            .setEventTime(new Instant(t))
            .setBookingStart(new Instant(v.bookingStart))
            .setBookingEnd(bookingEnd == null ? null : new Instant(bookingEnd))
            .build();
    v.lastBookingEventTime = t;
    v.lastBookingType = type;
    v.lastEventTime = Math.max(v.lastEventTime, t);
    stats.bookingEventsGenerated++;
    sink.emit(e);
  }

  // ------------------------------------------------------------------ ground truth

  /** Battery faults started so far, in start order. */
  List<BatteryFault> batteryFaults() {
    List<BatteryFault> out = new ArrayList<>(faultLog.size());
    for (FaultEntry f : faultLog) {
      out.add(f.toRecord());
    }
    return List.copyOf(out);
  }

  /** Excursions whose vehicle has left the area so far, in leftAt order. */
  List<Excursion> excursions() {
    List<Excursion> out = new ArrayList<>(excursionLog.size());
    for (ExcursionEntry e : excursionLog) {
      out.add(e.toRecord());
    }
    return List.copyOf(out);
  }

  /** Per configured demand surge (config order), what its requests did so far. */
  List<DemandSurgeOutcome> demandSurges() {
    List<DemandSurgeOutcome> out = new ArrayList<>(surgeLog.size());
    for (SurgeEntry e : surgeLog) {
      out.add(e.toRecord());
    }
    return List.copyOf(out);
  }

  /**
   * Per location id (zone order), how many vehicles parked there a request would find bookable at
   * the model's clock (parked, operational, battery >= 20% as last updated, no pending
   * maintenance).
   */
  Map<String, Integer> bookableVehiclesByLocation() {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (int z = 0; z < zoneId.length; z++) {
      int n = 0;
      for (Vehicle v : parkedInZone.get(z)) {
        if (bookable(v, clock + 1)) {
          n++;
        }
      }
      out.put(zoneId[z], n);
    }
    return out;
  }

  /** Every vehicle's true state according to the events generated so far, by vehicle id. */
  Map<String, VehicleTruth> truth() {
    Map<String, VehicleTruth> out = new LinkedHashMap<>();
    for (Vehicle v : vehicles) {
      TelemetryEvent last = v.lastTelemetry;
      OperationalStatus op = last != null ? last.getOperationalStatus() : v.op;
      boolean open =
          v.lastBookingType == BookingEventType.BOOKING_CREATED
              || v.lastBookingType == BookingEventType.RENTAL_STARTED;
      out.put(
          v.id,
          new VehicleTruth(
              v.id,
              VehicleTruth.statusOf(v.lastBookingType, op),
              last != null ? last.getLat() : Geo.round(v.lat, 6),
              last != null ? last.getLon() : Geo.round(v.lon, 6),
              last != null ? last.getBatteryPct() : Geo.round(v.battery, 1),
              op,
              open ? v.bookingId : null,
              v.lastEventTime == Long.MIN_VALUE ? null : new Instant(v.lastEventTime)));
    }
    return out;
  }
}
