package com.mobilitycorp.fleet.model;

/** The fleet's vehicle types; comes from vehicle metadata, never from the telemetry wire. */
public enum VehicleType {
  E_SCOOTER,
  E_BIKE,
  CAR
}
