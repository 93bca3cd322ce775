package org.entente.coordinator.errors;

/** A request field is wrong; maps to INVALID_ARGUMENT with the field's name. */
public final class InvalidRequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String field;

  public InvalidRequestException(String field, String problem) {
    super("field '" + field + "': " + problem, null, false, false);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
