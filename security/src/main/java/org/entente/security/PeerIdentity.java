package org.entente.security;

import io.grpc.Context;
import io.grpc.Status;
import java.math.BigInteger;

/**
 * The verified caller of the current gRPC call, put into the {@link Context} by {@link
 * IdentityInterceptor}. Immutable.
 */
public record PeerIdentity(Identity identity, BigInteger serial) {
  /** Context key set for every authenticated call. */
  public static final Context.Key<PeerIdentity> KEY = Context.key("entente-peer");

  /** The caller of the current call; fails the call with UNAUTHENTICATED if there is none. */
  public static PeerIdentity current() {
    PeerIdentity p = KEY.get();
    if (p == null) {
      throw Status.UNAUTHENTICATED
          .withDescription("no verified client certificate")
          .asRuntimeException();
    }
    return p;
  }
}
