package com.mobilitycorp.fleet.model;

/** Coarse weather condition of an observation (what dispatch and demand care about). */
public enum WeatherCondition {
  CLEAR,
  CLOUDY,
  RAIN,
  SNOW,
  STORM
}
