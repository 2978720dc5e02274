package com.mobilitycorp.fleet.model;

/** Why a record was routed to {@code dead.letter} instead of being processed. */
public enum DeadLetterReason {
  /** Not JSON, or not a JSON object. */
  MALFORMED_JSON,
  /** A required field is absent or null. */
  MISSING_FIELD,
  /** A field is present but out of its domain (battery outside 0..100, bad coordinates, bad timestamp). */
  INVALID_VALUE,
  /** {@code event_type} or {@code operational_status} is not one we know. */
  UNKNOWN_EVENT_TYPE,
  /** event_time is further in the future than the allowed clock skew. */
  FUTURE_TIMESTAMP,
  /** The event arrived after its window's allowed lateness; its window result is final. */
  LATE_BEYOND_ALLOWED_LATENESS
}
