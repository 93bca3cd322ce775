package org.entente.coordinator.artifacts;

import java.io.IOException;

/**
 * Content the store refused, and so did not keep: more or fewer bytes than declared, a digest that
 * does not match, or larger than the store allows. Names the upload header field at fault.
 */
public final class ArtifactRejectedException extends IOException {
  private static final long serialVersionUID = 1L;
  private final String field;

  public ArtifactRejectedException(String field, String problem) {
    super(problem);
    this.field = field;
  }

  /** The header field at fault: {@code sha256} or {@code size_bytes}. */
  public String field() {
    return field;
  }
}
