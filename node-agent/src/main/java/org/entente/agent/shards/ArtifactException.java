package org.entente.agent.shards;

import java.io.IOException;

/** An artifact could not be provided: missing, unreadable, or not matching its digest. */
public final class ArtifactException extends IOException {
  public ArtifactException(String message) {
    super(message);
  }

  public ArtifactException(String message, Throwable cause) {
    super(message, cause);
  }
}
