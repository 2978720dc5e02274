package com.mobilitycorp.fleet.testing.simulator;

import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Ground truth of one injected battery fault: from {@code start} to {@code end} the parked vehicle
 * drained {@code drainPctPerHour} instead of its normal idle drain (0.1 .. 0.4 % per hour). The
 * fault is silent: the vehicle keeps reporting on its timer (every 60 s parked), and only its
 * battery readings show it.
 *
 * @param end when the fast drain actually stopped: the planned end, the battery running empty,
 *     or earlier when a rental started, ops swapped the battery or took the vehicle to
 *     maintenance; null while the fault is still on (at the end of a bounded run: it outlasted the
 *     run)
 */
public record BatteryFault(
    String vehicleId, Instant start, @Nullable Instant end, double drainPctPerHour) {}
