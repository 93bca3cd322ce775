package org.entente.coordinator.model;

/** What a succeeded shard produced: an artifact in the store, and how many rows it holds. */
public record OutputRef(String sha256, long sizeBytes, long rows) {}
