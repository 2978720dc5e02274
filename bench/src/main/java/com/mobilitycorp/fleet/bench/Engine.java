package com.mobilitycorp.fleet.bench;

import java.util.Locale;

/** Who runs a query: the project's Beam job on FlinkRunner, or the Flink SQL written natively. */
enum Engine {
  BEAM,
  NATIVE;

  String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  static Engine of(String id) {
    return valueOf(id.trim().toUpperCase(Locale.ROOT));
  }
}
