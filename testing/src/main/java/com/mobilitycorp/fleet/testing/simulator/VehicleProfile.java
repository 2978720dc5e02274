package com.mobilitycorp.fleet.testing.simulator;

import com.mobilitycorp.fleet.model.VehicleType;
import java.util.List;

/**
 * Physical behaviour per vehicle type: models, range (hence battery drain per km), idle drain, trip
 * speed and duration, and what the IoT unit reports. Figures are typical of shared fleets in German
 * cities (scooters limited to 20 km/h by law; cars in city traffic).
 */
enum VehicleProfile {
  E_SCOOTER(
      List.of(
          new Model("Segway Ninebot Max G30", true),
          new Model("Segway Ninebot Max G2", true),
          new Model("Niu KQi3 Pro", false),
          new Model("Okai ES400A", false)),
      45.0, // full range km -> ~2.2 %/km
      0.4, // idle drain %/h (IoT modem, GPS, cold)
      15.0,
      20.0,
      12.0,
      5.0,
      40.0,
      3.0,
      10.0,
      3.0,
      3000.0),
  E_BIKE(
      List.of(
          new Model("Cowboy 4", true),
          new Model("VanMoof S5", true),
          new Model("Riese & Mueller Roadster", true),
          new Model("Lime Gen 4 e-bike", true)),
      70.0,
      0.25,
      12.0,
      18.0,
      15.0,
      5.0,
      40.0,
      3.0,
      10.0,
      200.0,
      6000.0),
  CAR(
      List.of(
          new Model("Volkswagen ID.3", true),
          new Model("Renault Zoe E-Tech", true),
          new Model("BMW i3", true),
          new Model("Fiat 500e", true),
          new Model("Opel Corsa Electric", true)),
      320.0,
      0.1,
      22.0,
      38.0,
      28.0,
      10.0,
      75.0,
      20.0,
      40.0,
      5000.0,
      60000.0);

  /** A manufacturer model and whether its IoT firmware reports an odometer. */
  record Model(String name, boolean reportsOdometer) {}

  final List<Model> models;
  final double fullRangeKm;
  final double idleDrainPctPerHour;
  final double minSpeedKmh;
  final double maxSpeedKmh;
  final double medianTripMinutes;
  final double minTripMinutes;
  final double maxTripMinutes;
  /** How long a battery swap / ops charge keeps the vehicle CHARGING, minutes. */
  final double minChargeMinutes;

  final double maxChargeMinutes;
  final double minInitialOdometerKm;
  final double maxInitialOdometerKm;

  VehicleProfile(
      List<Model> models,
      double fullRangeKm,
      double idleDrainPctPerHour,
      double minSpeedKmh,
      double maxSpeedKmh,
      double medianTripMinutes,
      double minTripMinutes,
      double maxTripMinutes,
      double minChargeMinutes,
      double maxChargeMinutes,
      double minInitialOdometerKm,
      double maxInitialOdometerKm) {
    this.models = models;
    this.fullRangeKm = fullRangeKm;
    this.idleDrainPctPerHour = idleDrainPctPerHour;
    this.minSpeedKmh = minSpeedKmh;
    this.maxSpeedKmh = maxSpeedKmh;
    this.medianTripMinutes = medianTripMinutes;
    this.minTripMinutes = minTripMinutes;
    this.maxTripMinutes = maxTripMinutes;
    this.minChargeMinutes = minChargeMinutes;
    this.maxChargeMinutes = maxChargeMinutes;
    this.minInitialOdometerKm = minInitialOdometerKm;
    this.maxInitialOdometerKm = maxInitialOdometerKm;
  }

  /** Battery percentage used per km at nominal efficiency. */
  double drainPctPerKm() {
    return 100.0 / fullRangeKm;
  }

  static VehicleProfile of(VehicleType type) {
    switch (type) {
      case E_SCOOTER:
        return E_SCOOTER;
      case E_BIKE:
        return E_BIKE;
      case CAR:
        return CAR;
      default:
        throw new IllegalArgumentException("unknown vehicle type " + type);
    }
  }
}
