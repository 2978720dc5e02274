package com.mobilitycorp.fleet.testing.simulator;

import com.mobilitycorp.fleet.model.VehicleType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Everything that determines a simulation run. Immutable; two simulators built from equal configs
 * produce exactly the same messages. Build with {@link #builder()}; every setting has a default.
 *
 * <p>Defaults: seed 42, 1000 vehicles, 30 locations over 3 cities (Berlin, Munich, Hamburg), start
 * 2026-11-25T06:00:00Z, unbounded, mix 60% e-scooters / 25% e-bikes / 15% cars, telemetry every 10
 * s on trip and 60 s parked, 6 booking requests per vehicle per day, 10% cancellations, 0.5%
 * maintenance incidents per vehicle per day; on the wire 2% telemetry duplicates (0.5% for booking
 * events), 5% out of order (5 s .. 5 min), 0.2% late (6 .. 15 min), 0.1% extra malformed messages.
 * Weather is off (so runs configured before it existed keep their exact message streams); when on,
 * every zone reports every 5 minutes and 5% of the observations arrive 1 .. 4 minutes late.
 *
 * <p>Anomalies and reference-data gaps are off too (same reason): no battery faults, no geofence
 * excursions, trips unconfined (as before; see {@link #confineTripsToOperatingArea()}), every
 * vehicle registered. No demand surges ({@link #demandSurges()}) either.
 */
public final class SimulatorConfig {
  /** Normal network delay between event time and delivery: 50 ms .. 2 s. */
  public static final Duration MIN_NETWORK_DELAY = Duration.millis(50);

  public static final Duration MAX_NETWORK_DELAY = Duration.millis(2_000);
  /** Out-of-order deliveries are delayed by at least this (and at most {@link #maxDisorder()}). */
  public static final Duration MIN_DISORDER = Duration.standardSeconds(5);
  /** A duplicate (modem resend) follows the first copy by 1 .. 60 s. */
  public static final Duration MIN_DUPLICATE_GAP = Duration.standardSeconds(1);

  public static final Duration MAX_DUPLICATE_GAP = Duration.standardSeconds(60);
  /** How far in the future the event_time of a FUTURE_TIMESTAMP malformed message is (at least). */
  public static final Duration FUTURE_SKEW = Duration.standardDays(2);
  /** A weather observation normally reaches the broker 0.5 .. 30 s after it was taken. */
  public static final Duration MIN_WEATHER_DELAY = Duration.millis(500);

  public static final Duration MAX_WEATHER_DELAY = Duration.standardSeconds(30);
  /** A late weather observation arrives 1 .. 4 minutes after it was taken. */
  public static final Duration MIN_WEATHER_LATE_DELAY = Duration.standardMinutes(1);

  public static final Duration MAX_WEATHER_LATE_DELAY = Duration.standardMinutes(4);
  /** Each zone reports this much (whole seconds, drawn per zone) after the interval's grid. */
  public static final Duration MAX_WEATHER_PHASE = Duration.standardSeconds(60);
  /** A battery fault lasts 30 .. 120 minutes (unless something ends it earlier). */
  public static final Duration MIN_BATTERY_FAULT = Duration.standardMinutes(30);

  public static final Duration MAX_BATTERY_FAULT = Duration.standardMinutes(120);
  /** During a battery fault a parked vehicle drains 6 .. 20 % per hour (normally 0.1 .. 0.4). */
  public static final double MIN_BATTERY_FAULT_DRAIN_PCT_PER_HOUR = 6.0;

  public static final double MAX_BATTERY_FAULT_DRAIN_PCT_PER_HOUR = 20.0;
  /** An excursion's waypoint lies 1.5 .. 3 km outside its city's operating area. */
  public static final double MIN_EXCURSION_OUTSIDE_M = 1_500.0;

  public static final double MAX_EXCURSION_OUTSIDE_M = 3_000.0;
  /** Confined trips keep their true path at least this far inside the operating area. */
  public static final double CONFINED_TRIP_BUFFER_M = 300.0;

  private final long seed;
  private final int vehicleCount;
  private final int locationCount;
  private final int cityCount;
  private final Instant start;
  private final @Nullable Instant end;
  private final Map<VehicleType, Double> typeMix;
  private final Duration tripTelemetryInterval;
  private final Duration parkedTelemetryInterval;
  private final double bookingsPerVehiclePerDay;
  private final double cancellationRate;
  private final double maintenanceRatePerVehicleDay;
  private final double duplicateRate;
  private final double bookingDuplicateRate;
  private final double outOfOrderRate;
  private final Duration maxDisorder;
  private final double lateRate;
  private final Duration minLateDelay;
  private final Duration maxLateDelay;
  private final double malformedRate;
  private final boolean weatherEnabled;
  private final Duration weatherInterval;
  private final double weatherLateRate;
  private final double batteryFaultRatePerVehicleDay;
  private final double excursionRate;
  private final boolean confineTripsToOperatingArea;
  private final double unregisteredVehicleRate;
  private final List<DemandSurge> demandSurges;

  private SimulatorConfig(Builder b, @Nullable Instant end) {
    this.seed = b.seed;
    this.vehicleCount = b.vehicleCount;
    this.locationCount = b.locationCount;
    this.cityCount = b.cityCount;
    this.start = b.start;
    this.end = end;
    this.typeMix = Collections.unmodifiableMap(new EnumMap<>(b.typeMix));
    this.tripTelemetryInterval = b.tripTelemetryInterval;
    this.parkedTelemetryInterval = b.parkedTelemetryInterval;
    this.bookingsPerVehiclePerDay = b.bookingsPerVehiclePerDay;
    this.cancellationRate = b.cancellationRate;
    this.maintenanceRatePerVehicleDay = b.maintenanceRatePerVehicleDay;
    this.duplicateRate = b.duplicateRate;
    this.bookingDuplicateRate = b.bookingDuplicateRate;
    this.outOfOrderRate = b.outOfOrderRate;
    this.maxDisorder = b.maxDisorder;
    this.lateRate = b.lateRate;
    this.minLateDelay = b.minLateDelay;
    this.maxLateDelay = b.maxLateDelay;
    this.malformedRate = b.malformedRate;
    this.weatherEnabled = b.weatherEnabled;
    this.weatherInterval = b.weatherInterval;
    this.weatherLateRate = b.weatherLateRate;
    this.batteryFaultRatePerVehicleDay = b.batteryFaultRatePerVehicleDay;
    this.excursionRate = b.excursionRate;
    this.confineTripsToOperatingArea = b.confineTripsToOperatingArea;
    this.unregisteredVehicleRate = b.unregisteredVehicleRate;
    this.demandSurges = List.copyOf(b.demandSurges);
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  public long seed() {
    return seed;
  }

  public int vehicleCount() {
    return vehicleCount;
  }

  public int locationCount() {
    return locationCount;
  }

  /** How many of Berlin, Munich, Hamburg (in that order) the zones are spread over, 1..3. */
  public int cityCount() {
    return cityCount;
  }

  /** Simulated start: the first events happen at or after this instant. */
  public Instant start() {
    return start;
  }

  /** Events happen strictly before this instant; null = unbounded. Late deliveries may follow it. */
  public @Nullable Instant end() {
    return end;
  }

  /** Share of each vehicle type (weights, need not sum to 1). */
  public Map<VehicleType, Double> typeMix() {
    return typeMix;
  }

  public Duration tripTelemetryInterval() {
    return tripTelemetryInterval;
  }

  public Duration parkedTelemetryInterval() {
    return parkedTelemetryInterval;
  }

  /**
   * Booking requests per vehicle per day (the daily mean; shaped by the demand curve). A request
   * only becomes a booking when its zone has an available vehicle.
   */
  public double bookingsPerVehiclePerDay() {
    return bookingsPerVehiclePerDay;
  }

  /** Share of bookings cancelled instead of started. */
  public double cancellationRate() {
    return cancellationRate;
  }

  /** Maintenance incidents per vehicle per day. */
  public double maintenanceRatePerVehicleDay() {
    return maintenanceRatePerVehicleDay;
  }

  /** Probability that a telemetry message is delivered twice. */
  public double duplicateRate() {
    return duplicateRate;
  }

  /** Probability that a booking event is delivered twice (producer retry). */
  public double bookingDuplicateRate() {
    return bookingDuplicateRate;
  }

  /** Probability that an event is delayed by 5 s .. {@link #maxDisorder()} (both topics). */
  public double outOfOrderRate() {
    return outOfOrderRate;
  }

  public Duration maxDisorder() {
    return maxDisorder;
  }

  /** Probability that an event is delayed by {@link #minLateDelay()} .. {@link #maxLateDelay()}. */
  public double lateRate() {
    return lateRate;
  }

  public Duration minLateDelay() {
    return minLateDelay;
  }

  public Duration maxLateDelay() {
    return maxLateDelay;
  }

  /** Per generated event, the probability of one extra malformed message next to it. */
  public double malformedRate() {
    return malformedRate;
  }

  /** Whether the zones publish weather observations on {@code weather.observations}. */
  public boolean weatherEnabled() {
    return weatherEnabled;
  }

  /** Time between two observations of one zone. */
  public Duration weatherInterval() {
    return weatherInterval;
  }

  /** Probability that a weather observation arrives 1 .. 4 minutes late instead of 0.5 .. 30 s. */
  public double weatherLateRate() {
    return weatherLateRate;
  }

  /**
   * Battery faults per vehicle per day of eligible time (parked, operational, not reserved): a
   * Poisson process whose arrivals that find their vehicle ineligible are dropped. A fault makes
   * the parked vehicle drain {@link #MIN_BATTERY_FAULT_DRAIN_PCT_PER_HOUR} ..
   * {@link #MAX_BATTERY_FAULT_DRAIN_PCT_PER_HOUR} per hour for {@link #MIN_BATTERY_FAULT} ..
   * {@link #MAX_BATTERY_FAULT}. Ground truth: {@link FleetSimulator#batteryFaults()}.
   */
  public double batteryFaultRatePerVehicleDay() {
    return batteryFaultRatePerVehicleDay;
  }

  /**
   * Probability that a trip is an excursion out of its city's operating area (via a waypoint
   * {@link #MIN_EXCURSION_OUTSIDE_M} .. {@link #MAX_EXCURSION_OUTSIDE_M} outside it), when the
   * battery affords the longer path (otherwise the trip stays ordinary). A positive rate also
   * confines every other trip to the area ({@link #tripsConfined()}), so that the excursions are
   * the only departures. Ground truth: {@link FleetSimulator#excursions()}.
   */
  public double excursionRate() {
    return excursionRate;
  }

  /**
   * Whether ordinary trips keep their true path at least {@link #CONFINED_TRIP_BUFFER_M} inside
   * their city's operating area (as {@code FleetGeography} in the transforms module defines it).
   * Off by default only to keep the message streams of existing configs: unconfined trips detour
   * freely and about 5% of trip readings lie outside the area, long car trips up to ~20 km. A
   * confined trip keeps its length and timing; only its path (positions and headings) changes.
   */
  public boolean confineTripsToOperatingArea() {
    return confineTripsToOperatingArea;
  }

  /** Whether trips are confined: {@link #confineTripsToOperatingArea()} or excursions on. */
  public boolean tripsConfined() {
    return confineTripsToOperatingArea || excursionRate > 0;
  }

  /**
   * Share of the fleet (rounded to whole vehicles, chosen from the seed) missing from the
   * reference data written to PostgreSQL, as vehicles not registered yet: they still report and
   * get booked. See {@link FleetSimulator#unregisteredVehicles()}.
   */
  public double unregisteredVehicleRate() {
    return unregisteredVehicleRate;
  }

  /**
   * The demand surges to inject, in the order they were added (immutable; empty by default). Each
   * adds {@link DemandSurge#extraRequests()} booking requests at its location over its interval,
   * served like natural requests there. Their times and vehicle picks come from a random stream of
   * their own: without surges every message is exactly as before they existed, and a surge changes
   * nothing before its first served request (from then on the fleet's history differs, as the
   * booked vehicles do other things). Ground truth: {@link FleetSimulator#demandSurges()}.
   */
  public List<DemandSurge> demandSurges() {
    return demandSurges;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof SimulatorConfig)) {
      return false;
    }
    SimulatorConfig c = (SimulatorConfig) o;
    return seed == c.seed
        && vehicleCount == c.vehicleCount
        && locationCount == c.locationCount
        && cityCount == c.cityCount
        && start.equals(c.start)
        && Objects.equals(end, c.end)
        && typeMix.equals(c.typeMix)
        && tripTelemetryInterval.equals(c.tripTelemetryInterval)
        && parkedTelemetryInterval.equals(c.parkedTelemetryInterval)
        && bookingsPerVehiclePerDay == c.bookingsPerVehiclePerDay
        && cancellationRate == c.cancellationRate
        && maintenanceRatePerVehicleDay == c.maintenanceRatePerVehicleDay
        && duplicateRate == c.duplicateRate
        && bookingDuplicateRate == c.bookingDuplicateRate
        && outOfOrderRate == c.outOfOrderRate
        && maxDisorder.equals(c.maxDisorder)
        && lateRate == c.lateRate
        && minLateDelay.equals(c.minLateDelay)
        && maxLateDelay.equals(c.maxLateDelay)
        && malformedRate == c.malformedRate
        && weatherEnabled == c.weatherEnabled
        && weatherInterval.equals(c.weatherInterval)
        && weatherLateRate == c.weatherLateRate
        && batteryFaultRatePerVehicleDay == c.batteryFaultRatePerVehicleDay
        && excursionRate == c.excursionRate
        && confineTripsToOperatingArea == c.confineTripsToOperatingArea
        && unregisteredVehicleRate == c.unregisteredVehicleRate
        && demandSurges.equals(c.demandSurges);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        seed, vehicleCount, locationCount, cityCount, start, end, duplicateRate, demandSurges);
  }

  @Override
  public String toString() {
    return "SimulatorConfig{seed="
        + seed
        + ", vehicles="
        + vehicleCount
        + ", locations="
        + locationCount
        + ", cities="
        + cityCount
        + ", start="
        + start
        + ", end="
        + (end == null ? "unbounded" : end.toString())
        + ", typeMix="
        + typeMix
        + ", tripInterval="
        + tripTelemetryInterval
        + ", parkedInterval="
        + parkedTelemetryInterval
        + ", bookingsPerVehiclePerDay="
        + bookingsPerVehiclePerDay
        + ", cancellationRate="
        + cancellationRate
        + ", maintenanceRate="
        + maintenanceRatePerVehicleDay
        + ", duplicateRate="
        + duplicateRate
        + ", bookingDuplicateRate="
        + bookingDuplicateRate
        + ", outOfOrderRate="
        + outOfOrderRate
        + ", maxDisorder="
        + maxDisorder
        + ", lateRate="
        + lateRate
        + ", late="
        + minLateDelay
        + ".."
        + maxLateDelay
        + ", malformedRate="
        + malformedRate
        + (weatherEnabled
            ? ", weatherInterval=" + weatherInterval + ", weatherLateRate=" + weatherLateRate
            : ", weather=off")
        + ", batteryFaultRate="
        + batteryFaultRatePerVehicleDay
        + ", excursionRate="
        + excursionRate
        + (tripsConfined() ? ", trips=confined" : ", trips=unconfined")
        + ", unregisteredRate="
        + unregisteredVehicleRate
        + (demandSurges.isEmpty() ? "" : ", demandSurges=" + demandSurges)
        + "}";
  }

  /** Builder with the defaults listed on {@link SimulatorConfig}. */
  public static final class Builder {
    private long seed = 42L;
    private int vehicleCount = 1000;
    private int locationCount = 30;
    private int cityCount = 3;
    private Instant start = Instant.parse("2026-11-25T06:00:00Z");
    private @Nullable Instant end = null;
    private @Nullable Duration duration = null;
    private final Map<VehicleType, Double> typeMix = new EnumMap<>(VehicleType.class);
    private Duration tripTelemetryInterval = Duration.standardSeconds(10);
    private Duration parkedTelemetryInterval = Duration.standardSeconds(60);
    private double bookingsPerVehiclePerDay = 6.0;
    private double cancellationRate = 0.10;
    private double maintenanceRatePerVehicleDay = 0.005;
    private double duplicateRate = 0.02;
    private double bookingDuplicateRate = 0.005;
    private double outOfOrderRate = 0.05;
    private Duration maxDisorder = Duration.standardMinutes(5);
    private double lateRate = 0.002;
    private Duration minLateDelay = Duration.standardMinutes(6);
    private Duration maxLateDelay = Duration.standardMinutes(15);
    private double malformedRate = 0.001;
    private boolean weatherEnabled = false;
    private Duration weatherInterval = Duration.standardMinutes(5);
    private double weatherLateRate = 0.05;
    private double batteryFaultRatePerVehicleDay = 0.0;
    private double excursionRate = 0.0;
    private boolean confineTripsToOperatingArea = false;
    private double unregisteredVehicleRate = 0.0;
    private final List<DemandSurge> demandSurges = new ArrayList<>();

    private Builder() {
      typeMix.put(VehicleType.E_SCOOTER, 0.60);
      typeMix.put(VehicleType.E_BIKE, 0.25);
      typeMix.put(VehicleType.CAR, 0.15);
    }

    private Builder(SimulatorConfig c) {
      this.seed = c.seed;
      this.vehicleCount = c.vehicleCount;
      this.locationCount = c.locationCount;
      this.cityCount = c.cityCount;
      this.start = c.start;
      this.end = c.end;
      this.typeMix.putAll(c.typeMix);
      this.tripTelemetryInterval = c.tripTelemetryInterval;
      this.parkedTelemetryInterval = c.parkedTelemetryInterval;
      this.bookingsPerVehiclePerDay = c.bookingsPerVehiclePerDay;
      this.cancellationRate = c.cancellationRate;
      this.maintenanceRatePerVehicleDay = c.maintenanceRatePerVehicleDay;
      this.duplicateRate = c.duplicateRate;
      this.bookingDuplicateRate = c.bookingDuplicateRate;
      this.outOfOrderRate = c.outOfOrderRate;
      this.maxDisorder = c.maxDisorder;
      this.lateRate = c.lateRate;
      this.minLateDelay = c.minLateDelay;
      this.maxLateDelay = c.maxLateDelay;
      this.malformedRate = c.malformedRate;
      this.weatherEnabled = c.weatherEnabled;
      this.weatherInterval = c.weatherInterval;
      this.weatherLateRate = c.weatherLateRate;
      this.batteryFaultRatePerVehicleDay = c.batteryFaultRatePerVehicleDay;
      this.excursionRate = c.excursionRate;
      this.confineTripsToOperatingArea = c.confineTripsToOperatingArea;
      this.unregisteredVehicleRate = c.unregisteredVehicleRate;
      this.demandSurges.addAll(c.demandSurges);
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder vehicleCount(int vehicleCount) {
      this.vehicleCount = vehicleCount;
      return this;
    }

    public Builder locationCount(int locationCount) {
      this.locationCount = locationCount;
      return this;
    }

    public Builder cityCount(int cityCount) {
      this.cityCount = cityCount;
      return this;
    }

    public Builder start(Instant start) {
      this.start = Objects.requireNonNull(start, "start");
      return this;
    }

    /** Bounded run ending at {@code end} (exclusive); clears any duration set before. */
    public Builder end(@Nullable Instant end) {
      this.end = end;
      this.duration = null;
      return this;
    }

    /** Bounded run of this length from {@link #start}; null = unbounded. Clears any end set before. */
    public Builder duration(@Nullable Duration duration) {
      this.duration = duration;
      this.end = null;
      return this;
    }

    /** Unbounded run (the default). */
    public Builder unbounded() {
      this.duration = null;
      this.end = null;
      return this;
    }

    /** Weight of one vehicle type in the fleet mix (0 removes it). */
    public Builder typeShare(VehicleType type, double share) {
      typeMix.put(Objects.requireNonNull(type, "type"), share);
      return this;
    }

    public Builder tripTelemetryInterval(Duration interval) {
      this.tripTelemetryInterval = Objects.requireNonNull(interval, "interval");
      return this;
    }

    public Builder parkedTelemetryInterval(Duration interval) {
      this.parkedTelemetryInterval = Objects.requireNonNull(interval, "interval");
      return this;
    }

    public Builder bookingsPerVehiclePerDay(double bookingsPerVehiclePerDay) {
      this.bookingsPerVehiclePerDay = bookingsPerVehiclePerDay;
      return this;
    }

    public Builder cancellationRate(double cancellationRate) {
      this.cancellationRate = cancellationRate;
      return this;
    }

    public Builder maintenanceRatePerVehicleDay(double rate) {
      this.maintenanceRatePerVehicleDay = rate;
      return this;
    }

    public Builder duplicateRate(double duplicateRate) {
      this.duplicateRate = duplicateRate;
      return this;
    }

    public Builder bookingDuplicateRate(double bookingDuplicateRate) {
      this.bookingDuplicateRate = bookingDuplicateRate;
      return this;
    }

    public Builder outOfOrderRate(double outOfOrderRate) {
      this.outOfOrderRate = outOfOrderRate;
      return this;
    }

    public Builder maxDisorder(Duration maxDisorder) {
      this.maxDisorder = Objects.requireNonNull(maxDisorder, "maxDisorder");
      return this;
    }

    public Builder lateRate(double lateRate) {
      this.lateRate = lateRate;
      return this;
    }

    public Builder lateDelay(Duration min, Duration max) {
      this.minLateDelay = Objects.requireNonNull(min, "min");
      this.maxLateDelay = Objects.requireNonNull(max, "max");
      return this;
    }

    public Builder malformedRate(double malformedRate) {
      this.malformedRate = malformedRate;
      return this;
    }

    public Builder weatherEnabled(boolean weatherEnabled) {
      this.weatherEnabled = weatherEnabled;
      return this;
    }

    public Builder weatherInterval(Duration interval) {
      this.weatherInterval = Objects.requireNonNull(interval, "interval");
      return this;
    }

    public Builder weatherLateRate(double weatherLateRate) {
      this.weatherLateRate = weatherLateRate;
      return this;
    }

    public Builder batteryFaultRatePerVehicleDay(double rate) {
      this.batteryFaultRatePerVehicleDay = rate;
      return this;
    }

    public Builder excursionRate(double excursionRate) {
      this.excursionRate = excursionRate;
      return this;
    }

    public Builder confineTripsToOperatingArea(boolean confine) {
      this.confineTripsToOperatingArea = confine;
      return this;
    }

    public Builder unregisteredVehicleRate(double unregisteredVehicleRate) {
      this.unregisteredVehicleRate = unregisteredVehicleRate;
      return this;
    }

    /**
     * Adds a demand surge (repeatable: surges are injected in the order added; they may overlap,
     * also at one location). {@link #build()} checks that its location is one of this config's
     * location ids (they depend on {@code locationCount} and {@code cityCount} only: {@code
     * loc-ber-01}, {@code loc-muc-01}, {@code loc-ham-01}, {@code loc-ber-02}, ...), that it starts at
     * or after the start and, for a bounded run, before the end. Requests that would fall at or
     * after the end of a bounded run do not happen.
     *
     * <p>A surge can only book vehicles that are parked and bookable in its zone: choose a zone
     * and time with enough of them (see {@link DemandSurge}), and check {@link
     * DemandSurgeOutcome#served()} in {@link FleetSimulator#demandSurges()}.
     */
    public Builder demandSurge(DemandSurge surge) {
      demandSurges.add(Objects.requireNonNull(surge, "surge"));
      return this;
    }

    /** Removes every demand surge added so far (e.g. for the same run without them). */
    public Builder clearDemandSurges() {
      demandSurges.clear();
      return this;
    }

    /** No duplicates, disorder, late or malformed messages: every event once, on time. */
    public Builder cleanDelivery() {
      return duplicateRate(0)
          .bookingDuplicateRate(0)
          .outOfOrderRate(0)
          .lateRate(0)
          .malformedRate(0)
          .weatherLateRate(0);
    }

    public SimulatorConfig build() {
      Instant end = this.end;
      if (duration != null) {
        check(!duration.isShorterThan(Duration.ZERO), "duration must not be negative");
        end = start.plus(duration);
      }
      check(vehicleCount >= 1, "vehicleCount must be >= 1");
      check(locationCount >= 1, "locationCount must be >= 1");
      check(cityCount >= 1 && cityCount <= City.values().length, "cityCount must be 1..3");
      check(end == null || !end.isBefore(start), "end must not be before start");
      double totalShare = 0;
      for (Map.Entry<VehicleType, Double> e : typeMix.entrySet()) {
        check(e.getValue() >= 0 && Double.isFinite(e.getValue()), "type share must be >= 0: " + e);
        totalShare += e.getValue();
      }
      check(totalShare > 0, "the type mix needs at least one type with a positive share");
      check(tripTelemetryInterval.getMillis() >= 1000, "trip telemetry interval must be >= 1 s");
      check(parkedTelemetryInterval.getMillis() >= 1000, "parked telemetry interval must be >= 1 s");
      check(
          bookingsPerVehiclePerDay >= 0 && Double.isFinite(bookingsPerVehiclePerDay),
          "bookingsPerVehiclePerDay must be >= 0");
      checkRate(cancellationRate, "cancellationRate");
      check(
          maintenanceRatePerVehicleDay >= 0 && Double.isFinite(maintenanceRatePerVehicleDay),
          "maintenanceRatePerVehicleDay must be >= 0");
      checkRate(duplicateRate, "duplicateRate");
      checkRate(bookingDuplicateRate, "bookingDuplicateRate");
      checkRate(outOfOrderRate, "outOfOrderRate");
      checkRate(lateRate, "lateRate");
      checkRate(malformedRate, "malformedRate");
      check(outOfOrderRate + lateRate <= 1.0, "outOfOrderRate + lateRate must be <= 1");
      check(
          !maxDisorder.isShorterThan(MIN_DISORDER),
          "maxDisorder must be >= " + MIN_DISORDER + " (out-of-order delays are 5 s .. maxDisorder)");
      check(
          !minLateDelay.isShorterThan(maxDisorder),
          "the late delay range must start at or after maxDisorder, so labels do not overlap");
      check(!maxLateDelay.isShorterThan(minLateDelay), "maxLateDelay must be >= minLateDelay");
      // Stations report at most once a minute; this keeps every zone's phase within one interval.
      check(
          !weatherInterval.isShorterThan(MAX_WEATHER_PHASE),
          "weatherInterval must be >= " + MAX_WEATHER_PHASE);
      checkRate(weatherLateRate, "weatherLateRate");
      check(
          batteryFaultRatePerVehicleDay >= 0 && Double.isFinite(batteryFaultRatePerVehicleDay),
          "batteryFaultRatePerVehicleDay must be >= 0");
      checkRate(excursionRate, "excursionRate");
      checkRate(unregisteredVehicleRate, "unregisteredVehicleRate");
      checkDemandSurges(end);
      return new SimulatorConfig(this, end);
    }

    private void checkDemandSurges(@Nullable Instant end) {
      if (demandSurges.isEmpty()) {
        return;
      }
      List<String> ids = ReferenceData.locationIds(locationCount, cityCount);
      Set<String> known = new HashSet<>(ids);
      for (DemandSurge s : demandSurges) {
        check(
            known.contains(s.locationId()),
            "demand surge "
                + s.toSpec()
                + ": unknown location id '"
                + s.locationId()
                + "'; with "
                + locationCount
                + " locations over "
                + cityCount
                + " cities the location ids are "
                + describeIds(ids));
        check(
            !s.start().isBefore(start),
            "demand surge " + s.toSpec() + " starts before the simulation start " + start);
        check(
            end == null || s.start().isBefore(end),
            "demand surge " + s.toSpec() + " starts at or after the simulation end " + end);
      }
    }

    /** "loc-ber-01..loc-ber-10, loc-muc-01..loc-muc-10, ..." (each city's ids are numbered 1..k). */
    private static String describeIds(List<String> ids) {
      Map<String, String[]> byCity = new LinkedHashMap<>();
      for (String id : ids) {
        String city = id.substring(0, id.lastIndexOf('-'));
        byCity.computeIfAbsent(city, k -> new String[] {id, id})[1] = id;
      }
      List<String> ranges = new ArrayList<>();
      for (String[] r : byCity.values()) {
        ranges.add(r[0].equals(r[1]) ? r[0] : r[0] + ".." + r[1]);
      }
      return String.join(", ", ranges);
    }

    private static void checkRate(double rate, String name) {
      check(rate >= 0 && rate <= 1, name + " must be within 0..1, was " + rate);
    }

    private static void check(boolean condition, String message) {
      if (!condition) {
        throw new IllegalArgumentException(message);
      }
    }
  }
}
