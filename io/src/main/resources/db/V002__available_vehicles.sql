-- The Booking Service's read model: the newest known availability of every vehicle ever seen,
-- whatever its status, written by AvailableVehiclesSink from veh.inventory.updates. Idempotent.
-- Queries: com.mobilitycorp.fleet.io.jdbc.AvailableVehiclesQueries.
CREATE TABLE IF NOT EXISTS available_vehicles (
    vehicle_id            TEXT PRIMARY KEY,
    -- MDS vocabulary; is_reserved / is_disabled are the GBFS flags derived from it.
    status                TEXT NOT NULL
                          CHECK (status IN ('available', 'reserved', 'on_trip', 'non_operational')),
    is_reserved           BOOLEAN NOT NULL,
    is_disabled           BOOLEAN NOT NULL,
    -- Copied from vehicles at write time so the type query needs no join; null for a vehicle
    -- missing from the reference data.
    vehicle_type          TEXT,
    location_id           TEXT,
    -- Null until the vehicle has reported a position.
    lat                   DOUBLE PRECISION,
    lon                   DOUBLE PRECISION,
    battery_pct           DOUBLE PRECISION,
    current_range_meters  DOUBLE PRECISION,
    operational_status    TEXT,
    booking_id            TEXT,
    last_reported         TIMESTAMPTZ,
    -- The row holds the update with the greatest (as_of, revision); older ones are ignored.
    as_of                 TIMESTAMPTZ NOT NULL,
    revision              BIGINT NOT NULL,
    -- Wall time of the write, for measuring event-to-visible latency.
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- "Available vehicles of type T at location L". Partial: only the rows the query can return,
-- so the index stays about 60% of the table and needs no status column.
CREATE INDEX IF NOT EXISTS available_vehicles_available_by_location_type
    ON available_vehicles (location_id, vehicle_type)
    WHERE status = 'available';

-- "Available vehicles within R metres of a point". The embedded PostgreSQL has no PostGIS, so
-- core GiST on point(lon, lat) answers the bounding-box test (point <@ box); the query then
-- keeps the rows whose great-circle distance is within R.
CREATE INDEX IF NOT EXISTS available_vehicles_available_position
    ON available_vehicles USING gist (point(lon, lat))
    WHERE status = 'available' AND lat IS NOT NULL;
