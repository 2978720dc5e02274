-- Hourly fleet utilization per (location, vehicle type), written by UtilizationSink from the
-- utilization rollup (model: com.mobilitycorp.fleet.model.UtilizationHourly). A late reading
-- re-emits an hour with a higher version; the upsert keeps the highest version per key, so
-- replays and reordered writes are harmless. Idempotent. ClickHouse twin:
-- db/clickhouse/V003__vehicle_utilization_hourly.sql.
CREATE TABLE IF NOT EXISTS vehicle_utilization_hourly (
    window_start                   TIMESTAMPTZ NOT NULL,
    window_end                     TIMESTAMPTZ NOT NULL,
    location_id                    TEXT NOT NULL,
    -- e_scooter, e_bike, car, or 'unknown' for vehicles without metadata.
    vehicle_type                   TEXT NOT NULL,
    -- By samples: 100 x rented_samples / total_samples.
    rented_samples                 BIGINT NOT NULL,
    total_samples                  BIGINT NOT NULL,
    utilization_pct                DOUBLE PRECISION NOT NULL,
    distinct_vehicles              BIGINT NOT NULL,
    avg_battery_pct                DOUBLE PRECISION NOT NULL,
    -- Time-weighted: 100 x rented / observed vehicle-seconds; null when no time was observed.
    observed_vehicle_seconds       DOUBLE PRECISION NOT NULL,
    rented_vehicle_seconds         DOUBLE PRECISION NOT NULL,
    time_weighted_utilization_pct  DOUBLE PRECISION,
    -- 0 for the first emission of the hour, +1 for each correction.
    version                        BIGINT NOT NULL,
    -- Wall time of the write.
    updated_at                     TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (window_start, location_id, vehicle_type)
);

-- "An hour range for a location" (WHERE location_id = ? AND window_start >= ? AND window_start
-- < ?). The primary key leads with window_start: it reads every location's entries in the range,
-- which the planner accepts for a few hours but not for days or weeks.
CREATE INDEX IF NOT EXISTS vehicle_utilization_hourly_by_location_hour
    ON vehicle_utilization_hourly (location_id, window_start);
