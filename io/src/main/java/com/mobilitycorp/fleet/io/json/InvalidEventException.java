package com.mobilitycorp.fleet.io.json;

import com.mobilitycorp.fleet.model.DeadLetterReason;

/**
 * A payload that cannot become an event, with the dead-letter reason. Thrown by {@link EventJson}
 * and turned into a dead letter by Beam's {@code exceptionsVia}; carries no stack trace because it
 * describes bad input, not a bug.
 */
public final class InvalidEventException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final DeadLetterReason reason;

  public InvalidEventException(DeadLetterReason reason, String detail) {
    super(detail, null, false, false);
    this.reason = reason;
  }

  public DeadLetterReason reason() {
    return reason;
  }
}
