/**
 * A deterministic, realistic simulator of MobilityCorp's fleet and of the unreliable network its
 * events travel over, for tests, demos and benchmarks of the stream processor.
 *
 * <h2>Library</h2>
 *
 * <pre>{@code
 * SimulatorConfig config = SimulatorConfig.builder()
 *     .seed(7).vehicleCount(500).locationCount(24)
 *     .start(Instant.parse("2026-11-25T06:00:00Z")).duration(Duration.standardHours(2))
 *     .build();
 * FleetSimulator sim = new FleetSimulator(config);
 * sim.vehicles(); sim.locations();             // every vehicle (the truth), the zones
 * sim.registeredVehicles();                     // what the PostgreSQL vehicles table gets
 * for (Iterator<SimulatedMessage> it = sim.messages(); it.hasNext(); ) {
 *   SimulatedMessage m = it.next();             // topic, key, payload, deliveryTime, labels
 * }
 * Map<String, VehicleTruth> truth = sim.finalFleetState();
 * WeatherHistory weather = sim.weatherHistory(); // with .weatherEnabled(true)
 * List<BatteryFault> faults = sim.batteryFaults();  // with .batteryFaultRatePerVehicleDay(r)
 * List<Excursion> excursions = sim.excursions();    // with .excursionRate(r)
 * Set<String> unregistered = sim.unregisteredVehicles(); // with .unregisteredVehicleRate(r)
 * List<DemandSurgeOutcome> surges = sim.demandSurges(); // with .demandSurge(new DemandSurge(...))
 * SimulationStats stats = sim.stats();
 * }</pre>
 *
 * <h2>The fleet model</h2>
 *
 * <ul>
 *   <li>Zones at real neighbourhoods of Berlin, Munich and Hamburg (then random points 0.5-4.8 km
 *       from the centre), geofence radius 150-400 m, never overlapping.
 *   <li>Bookings: Poisson requests (bookings per vehicle per day x fleet size, split over zones by
 *       popularity) shaped by a daily curve in Europe/Berlin local time: trough ~0.08x at 3-4h,
 *       peaks ~1.9x at 8-9h and ~2x at 17-19h. A request books a random available vehicle of its
 *       zone (parked, operational, battery >= 20%, no pending maintenance) or is lost. Then after
 *       1-10 min rental_started (90%) or booking_cancelled (10%); a trip of 5-40 min (cars 10-75)
 *       at 15-20 km/h (scooters), 12-18 (bikes), 22-38 (cars) to a zone of the same city, along a
 *       path with a detour; return_completed at the destination zone. By default the detour is
 *       unconstrained: long trips (cars above all) leave the city's operating area, by up to ~20
 *       km, about 3-5% of all readings. {@code confineTripsToOperatingArea(true)} (implied by a
 *       positive excursion rate; CLI default) keeps every ordinary trip's true path at least 300 m
 *       inside the area, by zigzagging within it where the detour would leave: same length,
 *       duration and drain, only positions and headings differ.
 *   <li>Telemetry: every 60 s parked and 10 s on trip (+-2% timer drift), plus at once on every
 *       state change (unlock at rental start, lock at return, charging, maintenance). GPS noise
 *       with sigma = accuracy/2 (3-12 m, 1% poor fixes of 25-60 m); battery drain per km by type
 *       (range 45 / 70 / 320 km) plus idle drain; ops swap batteries below 15% while parked
 *       (CHARGING 3-10 min, cars 20-40, then 95-100%); maintenance incidents (0.5% per vehicle
 *       per day, 30-120 min). Reserved or rented vehicles are never touched by ops.
 * </ul>
 *
 * <h2>The wire</h2>
 *
 * Valid payloads are {@code EventJson}'s encoding of the events. Each event is delivered once as
 * an ORIGINAL (50 ms-2 s after its event time; OUT_OF_ORDER 5 s-maxDisorder; LATE beyond the
 * allowed lateness), maybe once more as a DUPLICATE 1-60 s later (same payload and event id), and
 * maybe accompanied by one extra MALFORMED message (its own event id, never duplicated) with the
 * dead-letter reason a correct validator gives it. FUTURE_TIMESTAMP payloads carry an event_time
 * 2-3 days after the real event time: a validator comparing with the wall clock sees them as
 * future only when the simulated time is not more than two days in the past.
 *
 * <h2>Weather</h2>
 *
 * Off by default in {@code SimulatorConfig}, on by default in the CLI. Every zone reports on
 * {@code weather.observations} (key = location_id) every {@code weatherInterval} (5 min), at its
 * own 0-59 s phase: temperature on a late-November daily curve per city plus a drifting anomaly
 * and noise, rain or snow episodes of 20-90 min crossing the city west to east, wind, and a
 * condition consistent with them. Observations arrive 0.5-30 s after observed_at, 5% 1-4 min late
 * (labelled {@code LATE}), never duplicated or malformed. Weather and its delivery use random
 * streams of their own: enabling it leaves every vehicle message exactly as it was.
 *
 * <h2>Anomalies</h2>
 *
 * Off by default in {@code SimulatorConfig}, on by default in the CLI; each draws from a random
 * stream of its own (as weather does), so at 0 every message is exactly as before they existed,
 * and the same seed gives the same anomalies.
 *
 * <ul>
 *   <li><b>Battery faults</b> ({@code batteryFaultRatePerVehicleDay}; CLI {@code
 *       --battery-fault-rate}, 0.3): Poisson per vehicle-day of eligible time; a fault strikes a
 *       vehicle that is parked, operational, not reserved and not due for maintenance. For 30-120
 *       min its idle drain is 6-20 %/h (drawn per fault) instead of 0.1-0.4 %/h; it keeps reporting
 *       every 60 s, so the readings show it (e.g. 26.8, 26.5, 26.3, 26.0 ... at 16 %/h). The
 *       booking system does not know: the vehicle stays bookable (battery >= 20%) and a
 *       reservation does not stop the drain. It ends at its planned end, when the battery is empty,
 *       or earlier when a rental starts (the unlock restarts the unit), ops swap the battery
 *       (the fast drain brings it below 15% and calls them) or the vehicle goes to maintenance.
 *   <li><b>Geofence excursions</b> ({@code excursionRate}, share of trips; CLI {@code
 *       --excursion-rate}, 0.02): the trip rides from its pickup out to a waypoint 1.5-3 km outside
 *       the city's operating area (away from the centre through the pickup's side, +-60 degrees)
 *       and then to its planned destination, at its speed and per-km drain, so it takes longer
 *       (typically 6-28 min outside). If the battery would not keep its 5% reserve, it comes back
 *       to the pickup zone instead, or goes only 1.5 km out straight; if even that is too far it
 *       stays an ordinary trip (rare: ~1% of the draws). The operating area is the stream
 *       processor's, {@code FleetGeography.of(locations, DEFAULT_OPERATING_AREA_MARGIN_M)} from the
 *       transforms module: a circle around the city's zones, 1 km beyond the outermost.
 *   <li><b>Unregistered vehicles</b> ({@code unregisteredVehicleRate}; CLI {@code
 *       --unregistered-rate}, 0.01): that share of the fleet (rounded, chosen from the seed) is
 *       missing from {@code registeredVehicles()}, hence from the {@code vehicles} table {@link
 *       com.mobilitycorp.fleet.testing.simulator.ReferenceDataWriter} and the CLI write; they
 *       report and get booked as usual. {@code vehicles()} still lists every vehicle.
 * </ul>
 *
 * <h2>Demand surges</h2>
 *
 * None by default. {@code SimulatorConfig.Builder.demandSurge(new DemandSurge(locationId, start,
 * duration, extraRequests))} (repeatable; CLI {@code
 * --surge=loc-ber-03@2026-11-30T07:30:00Z/PT10M/25}) adds that many booking requests at that
 * zone, at times uniform over [start, start + duration), on top of the natural demand. Each is
 * served like a natural request of the zone (a random bookable vehicle parked there, or lost) and
 * a served one is an ordinary booking from then on. The location must be one of the config's ids
 * (checked when the config is built). Times and vehicle picks come from a stream of their own:
 * without surges every message is as before, unserved surge requests change nothing, and a surge
 * changes nothing before its first served request; after it, the history differs (the booked
 * vehicles do other things), so the natural bookings of a later interval are not the same as in
 * the run without the surge. {@code sim.demandSurges()} gives each surge's requests, unserved
 * count and the booking ids of the booking_created events it produced; {@code
 * sim.bookableVehiclesByLocation()} how many vehicles a request would find in each zone at the
 * model's clock. A zone serves no more than it has bookable vehicles (plus returns during the
 * surge): at the 08:30 (Berlin) morning peak a 1000-vehicle fleet over 30 zones has about 25 per
 * zone (7 .. 56), a 300-vehicle one about 8 (1 .. 22).
 *
 * <h2>Ground truth</h2>
 *
 * {@link com.mobilitycorp.fleet.testing.simulator.VehicleTruth} per vehicle, from the events in
 * event time (not delivery order); {@link com.mobilitycorp.fleet.testing.simulator.WeatherHistory}
 * per location, with the observation valid at any time; {@link
 * com.mobilitycorp.fleet.testing.simulator.BatteryFault}s in start order (end = when the fast drain
 * actually stopped, null while it goes on) and {@link
 * com.mobilitycorp.fleet.testing.simulator.Excursion}s in leftAt order (the first millisecond the
 * noise-free position is outside the area, and the first back inside; null while still out), both
 * as far as the events generated so far; {@link
 * com.mobilitycorp.fleet.testing.simulator.SimulationStats} counts them too. With trips confined,
 * every reading more than a few tens of metres (GPS noise) outside an area lies within an
 * excursion.
 *
 * <h2>CLI</h2>
 *
 * {@link com.mobilitycorp.fleet.testing.simulator.FleetSimulatorCli} publishes to Kafka (key =
 * vehicle_id, location_id for weather) and optionally upserts the reference data (without the
 * unregistered vehicles) into PostgreSQL; {@code --help} lists the options. Anomalies are on and
 * trips confined by default; {@code --battery-fault-rate=0 --excursion-rate=0
 * --unregistered-rate=0 --unconfined-trips} reproduces the library's defaults.
 */
package com.mobilitycorp.fleet.testing.simulator;
