package com.mobilitycorp.fleet.bench;

import org.checkerframework.checker.nullness.qual.Nullable;

/** The event_id of a JSON record, found without parsing the whole record. */
final class EventIds {
  private static final String FIELD = "\"event_id\":\"";

  /**
   * The value of the top-level {@code "event_id":"..."} of compact JSON, as both engines write it
   * (Jackson without spaces); null when absent. Ids are UUIDs: no escapes to handle.
   */
  static @Nullable String eventId(@Nullable String json) {
    if (json == null) {
      return null;
    }
    int start = json.indexOf(FIELD);
    if (start < 0) {
      return null;
    }
    start += FIELD.length();
    int end = json.indexOf('"', start);
    return end < 0 ? null : json.substring(start, end);
  }

  private EventIds() {}
}
