-- Reference data: the source of truth for vehicle and location metadata. Idempotent.
CREATE TABLE IF NOT EXISTS locations (
    location_id   TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    city          TEXT NOT NULL,
    centre_lat    DOUBLE PRECISION NOT NULL,
    centre_lon    DOUBLE PRECISION NOT NULL,
    radius_m      DOUBLE PRECISION NOT NULL CHECK (radius_m > 0),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS vehicles (
    vehicle_id        TEXT PRIMARY KEY,
    vehicle_type      TEXT NOT NULL CHECK (vehicle_type IN ('e_scooter', 'e_bike', 'car')),
    model             TEXT NOT NULL,
    home_location_id  TEXT NOT NULL REFERENCES locations (location_id),
    last_service_date DATE NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
