package com.mobilitycorp.fleet.model;

/** How urgently fleet ops should act on an alert. */
public enum AlertSeverity {
  INFO,
  WARNING,
  CRITICAL
}
