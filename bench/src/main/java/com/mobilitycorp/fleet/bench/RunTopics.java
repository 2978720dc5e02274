package com.mobilitycorp.fleet.bench;

import java.util.List;

/**
 * The output topics of one run, {@code bench.<engine>.<query>.r<n>.<output>}: fresh per run, so
 * every run's output can be told apart and counted. The bench creates them with {@code
 * message.timestamp.type=LogAppendTime}: the broker stamps each record when it stores it, the same
 * clock for both engines whatever timestamps their sinks set.
 */
record RunTopics(String prefix) {

  /** An input topic that stays empty: the Beam job reads both inputs, a query needs only one. */
  static final String EMPTY_INPUT = "bench.empty";

  static RunTopics of(Engine engine, Query query, int run) {
    return new RunTopics("bench." + engine.id() + "." + query.id() + ".r" + run + ".");
  }

  String telemetry() {
    return prefix + "telemetry";
  }

  String bookings() {
    return prefix + "bookings";
  }

  String windows() {
    return prefix + "windows";
  }

  String alerts() {
    return prefix + "alerts";
  }

  String deadLetter() {
    return prefix + "dead-letter";
  }

  List<String> all() {
    return List.of(telemetry(), bookings(), windows(), alerts(), deadLetter());
  }

  /** The de-duplicated events of the query's input: complete once every input was consumed. */
  String watched(Query query) {
    return query == Query.DEDUP ? telemetry() : bookings();
  }
}
