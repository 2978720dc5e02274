-- ClickHouse twin of db/V003__vehicle_utilization_hourly.sql (production store), applied by
-- com.mobilitycorp.fleet.io.jdbc.ClickHouseSchema. Idempotent. Written for ClickHouse 18.16 (the
-- Debian package used locally and in CI): no DateTime64, LowCardinality, TTL or CODEC there.
--
-- ReplacingMergeTree(version) keeps, per ORDER BY key, the row with the highest version; it
-- collapses duplicates only when parts merge, at an unknown time, so readers must query with
-- FINAL (or argMax(..., version) GROUP BY the key) to see exactly one row per hour. Timestamps
-- are whole seconds in UTC.
CREATE TABLE IF NOT EXISTS vehicle_utilization_hourly (
    window_start                   DateTime('UTC'),
    window_end                     DateTime('UTC'),
    location_id                    String,
    vehicle_type                   String,
    rented_samples                 UInt64,
    total_samples                  UInt64,
    utilization_pct                Float64,
    distinct_vehicles              UInt64,
    avg_battery_pct                Float64,
    observed_vehicle_seconds       Float64,
    rented_vehicle_seconds         Float64,
    time_weighted_utilization_pct  Nullable(Float64),
    version                        UInt64,
    updated_at                     DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(window_start)
ORDER BY (window_start, location_id, vehicle_type);
