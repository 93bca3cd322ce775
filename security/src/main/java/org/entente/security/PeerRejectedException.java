package org.entente.security;

import java.security.cert.CertificateException;

/** A peer certificate failed verification; the message says why in terms a person can act on. */
public final class PeerRejectedException extends CertificateException {
  private static final long serialVersionUID = 1L;

  public PeerRejectedException(String reason) {
    super(reason);
  }
}
