package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.VehicleEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Plain-Java reference model of {@link DeduplicateEvents}' rule, for checking the transform on
 * simulated input (as Beam's Nexmark pairs each query with a model). Feed it what the pipeline
 * sees, in arrival order: events and watermark advances.
 */
public final class DeduplicateEventsModel<T extends VehicleEvent> {
  private final Duration horizon;
  /** event id -> expiry instant; an id is forgotten once the watermark is past its expiry. */
  private final Map<String, Instant> remembered = new HashMap<>();
  private final List<T> passed = new ArrayList<>();
  private Instant watermark = new Instant(Long.MIN_VALUE);
  private long dropped;

  public DeduplicateEventsModel(Duration horizon) {
    this.horizon = horizon;
  }

  /** An event arrives; returns whether it passes. */
  public boolean onEvent(T event) {
    if (remembered.containsKey(event.getEventId())) {
      dropped++;
      return false;
    }
    Instant expiry = event.getEventTime().plus(horizon);
    // Already beyond the horizon on arrival: the expiry timer fires at once, so it is not kept.
    if (!watermark.isAfter(expiry)) {
      remembered.put(event.getEventId(), expiry);
    }
    passed.add(event);
    return true;
  }

  /** The watermark advances: ids whose expiry it has passed are forgotten. */
  public void onWatermark(Instant watermark) {
    this.watermark = watermark;
    Iterator<Instant> expiries = remembered.values().iterator();
    while (expiries.hasNext()) {
      if (watermark.isAfter(expiries.next())) {
        expiries.remove();
      }
    }
  }

  public List<T> passed() {
    return passed;
  }

  public long dropped() {
    return dropped;
  }

  /** Ids still remembered: what the transform's state holds at this point. */
  public int remembered() {
    return remembered.size();
  }
}
