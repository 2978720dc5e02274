package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.DemandWindow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Plain-Java reference model of {@link DetectDemandSpikes}, after Beam Nexmark's QueryNModel: the
 * rule restated without state, timers or incremental corrections.
 *
 * <p>Feed it the stream in arrival order ({@link #advanceWatermark}, {@link #offer}); it decides
 * which bookings count (a booking is beyond the lateness when its window at a known location has
 * closed: the watermark passed its end plus the allowed lateness, see {@link Gate}) and keeps
 * every counted booking. {@link #finalWindows} then computes,
 * from scratch, every window's count, baseline and spike flag: what the highest revision of each
 * window on {@code demand.windows} must say once the watermark has passed everything.
 */
public final class DetectDemandSpikesModel {

  private final long size;
  private final int history;
  private final double factor;
  private final long minBookings;
  private final long lateness;
  private final long expiry;

  private long watermark = Long.MIN_VALUE;
  /** Per location, its histories: a new one starts after the location was forgotten. */
  private final Map<String, List<TreeMap<Long, Long>>> histories = new HashMap<>();
  private final Map<String, Gate> gates = new HashMap<>();
  private final List<BookingEvent> beyondLateness = new ArrayList<>();

  /**
   * What decides lateness at a known location: a window closes when the watermark passes its end
   * plus the lateness, provided it had a booking or lies in the history of one (empty windows
   * further out never close, which is harmless: they hold nothing).
   */
  private static final class Gate {
    final TreeSet<Long> toClose = new TreeSet<>();
    long closed = Long.MIN_VALUE;
    long lastBooking = Long.MIN_VALUE;
  }

  public DetectDemandSpikesModel(
      Duration size, int history, double factor, long minBookings, Duration lateness) {
    this(size, history, factor, minBookings, lateness, DetectDemandSpikes.DEFAULT_LOCATION_EXPIRY);
  }

  public DetectDemandSpikesModel(Duration size, int history, double factor, long minBookings,
      Duration lateness, Duration expiry) {
    this.size = size.getMillis();
    this.history = history;
    this.factor = factor;
    this.minBookings = minBookings;
    this.lateness = lateness.getMillis();
    this.expiry = expiry.getMillis();
  }

  public void advanceWatermark(Instant to) {
    watermark = Math.max(watermark, to.getMillis());
    gates.values().forEach(g -> {
      while (!g.toClose.isEmpty() && g.toClose.first() + size + lateness <= watermark) {
        g.closed = Math.max(g.closed, g.toClose.pollFirst());
      }
    });
    // Forget locations quiet for the expiry.
    gates.values().removeIf(g -> watermark >= g.lastBooking + size + expiry);
  }

  /** Offers a booking event as it arrives; returns whether it counted in a window. */
  public boolean offer(BookingEvent e) {
    if (e.getEventType() != BookingEventType.BOOKING_CREATED) {
      return false;
    }
    String location = e.getLocationId();
    long window = e.getEventTime().getMillis() - Math.floorMod(e.getEventTime().getMillis(), size);
    List<TreeMap<Long, Long>> segments = histories.computeIfAbsent(location, k -> new ArrayList<>());
    Gate gate = gates.get(location);
    if (gate == null) {
      gate = new Gate();
      gates.put(location, gate);
      segments.add(new TreeMap<>());
    } else if (window <= gate.closed) {
      beyondLateness.add(e);
      return false;
    }
    segments.get(segments.size() - 1).merge(window, 1L, Long::sum);
    gate.lastBooking = Math.max(gate.lastBooking, window);
    for (long v = window; v <= window + history * size; v += size) {
      if (v > gate.closed) {
        gate.toClose.add(v);
      }
    }
    return true;
  }

  public List<BookingEvent> beyondLateness() {
    return beyondLateness;
  }

  /** Every published window's final decision (revision 0), by (location, window start). */
  public Map<String, DemandWindow> finalWindows() {
    Map<String, DemandWindow> out = new TreeMap<>();
    histories.forEach((location, segments) -> {
      for (TreeMap<Long, Long> counts : segments) {
        long first = counts.firstKey();
        long last = counts.lastKey() + history * size;
        for (long v = first; v <= last; v += size) {
          DemandWindow w = decide(location, counts, first, v);
          if (w != null) {
            out.put(key(location, new Instant(v)), w);
          }
        }
      }
    });
    return out;
  }

  /** The alert ids of every window that is a spike in its final decision. */
  public Set<String> spikeAlertIds() {
    Set<String> ids = new TreeSet<>();
    for (DemandWindow w : finalWindows().values()) {
      if (w.getSpike()) {
        ids.add(DetectDemandSpikes.alertId(w.getLocationId(), w.getWindowStart()));
      }
    }
    return ids;
  }

  public static String key(String location, Instant windowStart) {
    return location + "@" + windowStart;
  }

  private @Nullable DemandWindow decide(
      String location, Map<Long, Long> counts, long first, long v) {
    long count = counts.getOrDefault(v, 0L);
    List<Long> previous = new ArrayList<>();
    // The first window is incomplete: no baseline for anyone.
    for (long u = v - size; u > first && previous.size() < history; u -= size) {
      previous.add(counts.getOrDefault(u, 0L));
    }
    double baselineSum = previous.stream().mapToLong(Long::longValue).sum();
    if (count == 0 && baselineSum == 0) {
      return null;
    }
    Double baseline = previous.isEmpty() ? null : baselineSum / previous.size();
    boolean spike = baseline != null && count >= minBookings && count > factor * baseline;
    return DemandWindow.builder()
        .setLocationId(location)
        .setWindowStart(new Instant(v))
        .setWindowEnd(new Instant(v + size))
        .setBookingCount(count)
        .setBaseline(baseline)
        .setRatio(baseline == null || baseline == 0 ? null : count / baseline)
        .setHistoryWindows(previous.size())
        .setSpike(spike)
        .setRevision(0)
        .build();
  }
}
