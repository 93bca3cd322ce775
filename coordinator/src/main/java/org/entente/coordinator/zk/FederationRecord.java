package org.entente.coordinator.zk;

import java.util.List;

/**
 * The federation's root record ({@code /federation}): member nations and the SHA-256 of their
 * concatenated root certificates, so any replica can tell if a root was changed by hand. Immutable.
 */
public record FederationRecord(List<String> nations, String trustBundleSha256, long createdAtMs) {}
