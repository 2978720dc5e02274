package com.mobilitycorp.fleet.testing.simulator;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Ground truth of one injected geofence excursion: a trip whose true (noise-free) position left
 * the operating area of {@code city} (the city of the vehicle's zones, as {@code
 * FleetGeography.operatingArea} defines the area) at {@code leftAt} and came back at {@code
 * returnedAt}: the first millisecond outside, and the first back inside.
 *
 * @param returnedAt null while the vehicle is still outside (at the end of a bounded run: it came
 *     back after the run)
 */
public record Excursion(
    String vehicleId, String city, Instant leftAt, @Nullable Instant returnedAt) {}
