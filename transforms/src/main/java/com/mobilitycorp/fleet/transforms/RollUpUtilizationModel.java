package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.UtilizationHourly;
import com.mobilitycorp.fleet.model.VehicleStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Plain-Java reference model of {@link SampleVehicleStatus} + {@link RollUpUtilization}, after
 * Beam Nexmark's QueryNModel: the hourly rows computed from scratch from every reading and
 * booking event, with nothing late.
 *
 * <p>Per vehicle, readings in event-time order (ties by event id). A reading's status is the
 * inventory rule at its time: the newest booking event at or before it (booking_created: reserved,
 * rental_started: on trip, else the reading's operational status), else the reading's; its
 * location that event's zone, else the vehicle's home location. Its span runs to the vehicle's
 * next reading, at most {@code maxSpan}; the part of a span beyond an hour's end counts in the
 * next hour. A row per (hour, location, type) with at least one reading.
 */
public final class RollUpUtilizationModel {
  private static final long HOUR = Duration.standardHours(1).getMillis();

  private final long maxSpan;
  private final Map<String, List<EnrichedTelemetry>> readings = new HashMap<>();
  private final Map<String, List<BookingEvent>> bookings = new HashMap<>();

  public RollUpUtilizationModel(Duration maxSpan) {
    this.maxSpan = maxSpan.getMillis();
  }

  public void onReading(EnrichedTelemetry r) {
    readings.computeIfAbsent(r.vehicleId(), k -> new ArrayList<>()).add(r);
  }

  public void onBooking(BookingEvent e) {
    bookings.computeIfAbsent(e.getVehicleId(), k -> new ArrayList<>()).add(e);
  }

  /** The rows by "hour start|location|type", version 0. */
  public Map<String, UtilizationHourly> rows() {
    Map<String, Group> groups = new TreeMap<>();
    readings.forEach((vehicle, list) -> {
      List<EnrichedTelemetry> sorted = new ArrayList<>(list);
      sorted.sort((a, b) -> TrackVehicleInventory.TELEMETRY_ORDER.compare(a.getTelemetry(), b.getTelemetry()));
      List<BookingEvent> events = new ArrayList<>(bookings.getOrDefault(vehicle, List.of()));
      events.sort(TrackVehicleInventory.BOOKING_ORDER);
      for (int i = 0; i < sorted.size(); i++) {
        EnrichedTelemetry r = sorted.get(i);
        TelemetryEvent t = r.getTelemetry();
        BookingEvent decisive = null;
        for (BookingEvent b : events) {
          if (!b.getEventTime().isAfter(t.getEventTime())) {
            decisive = b;
          }
        }
        VehicleStatus status = TrackVehicleInventory.TrackVehicleFn.statusOf(t, decisive);
        String location = decisive != null ? decisive.getLocationId()
            : r.getVehicle() != null ? r.getVehicle().getHomeLocationId() : "unknown";
        String type = r.getVehicle() == null
            ? "unknown" : r.getVehicle().getVehicleType().name().toLowerCase(Locale.ROOT);
        long at = t.getEventTime().getMillis();
        Group g = groups.computeIfAbsent(key(hourOf(at), location, type), k -> new Group());
        g.readings++;
        g.rented += status == VehicleStatus.ON_TRIP ? 1 : 0;
        g.battery += t.getBatteryPct();
        g.vehicles.add(vehicle);
        long end = at + maxSpan;
        if (i + 1 < sorted.size()) {
          end = Math.min(end, sorted.get(i + 1).getTelemetry().getEventTime().getMillis());
        }
        // The span, hour by hour.
        for (long from = at; from < end; from = hourOf(from) + HOUR) {
          long to = Math.min(end, hourOf(from) + HOUR);
          Group h = groups.computeIfAbsent(key(hourOf(from), location, type), k -> new Group());
          h.spanMillis += to - from;
          h.rentedSpanMillis += status == VehicleStatus.ON_TRIP ? to - from : 0;
        }
      }
    });
    Map<String, UtilizationHourly> rows = new TreeMap<>();
    groups.forEach((key, g) -> {
      if (g.readings == 0) {
        return; // spans alone make no row
      }
      String[] k = key.split("\\|");
      Instant start = Instant.parse(k[0]);
      rows.put(key, UtilizationHourly.builder()
          .setWindowStart(start)
          .setWindowEnd(start.plus(Duration.millis(HOUR)))
          .setLocationId(k[1])
          .setVehicleType(k[2])
          .setRentedSamples(g.rented)
          .setTotalSamples(g.readings)
          .setUtilizationPct(100.0 * g.rented / g.readings)
          .setDistinctVehicles(g.vehicles.size())
          .setAvgBatteryPct(g.battery / g.readings)
          .setObservedVehicleSeconds(g.spanMillis / 1000.0)
          .setRentedVehicleSeconds(g.rentedSpanMillis / 1000.0)
          .setTimeWeightedUtilizationPct(
              g.spanMillis == 0 ? null : 100.0 * g.rentedSpanMillis / g.spanMillis)
          .setVersion(0)
          .build());
    });
    return rows;
  }

  public static String key(Instant hourStart, String location, String type) {
    return hourStart + "|" + location + "|" + type;
  }

  private static String key(long hourStart, String location, String type) {
    return key(new Instant(hourStart), location, type);
  }

  private static long hourOf(long t) {
    return t - Math.floorMod(t, HOUR);
  }

  private static final class Group {
    long readings;
    long rented;
    double battery;
    long spanMillis;
    long rentedSpanMillis;
    final Set<String> vehicles = new TreeSet<>();
  }
}
