package org.entente.coordinator.scheduler;

/**
 * Additive resource amounts: whole GPUs, CPUs (in whatever unit the federation counts, the same
 * everywhere) and bytes of memory. Every component is non-negative; arithmetic is exact and throws
 * {@link ArithmeticException} on overflow and {@link IllegalArgumentException} when a difference
 * would go negative. Immutable.
 */
public record ResourceVector(long gpus, long cpus, long memoryBytes) {
  /** No resources. */
  public static final ResourceVector ZERO = new ResourceVector(0, 0, 0);

  /** The number of components; {@link #component(int)} takes 0 (GPUs), 1 (CPUs), 2 (memory). */
  static final int DIMENSIONS = 3;

  public ResourceVector {
    if (gpus < 0 || cpus < 0 || memoryBytes < 0) {
      throw new IllegalArgumentException(
          "resource amounts must not be negative, got gpus="
              + gpus
              + " cpus="
              + cpus
              + " memoryBytes="
              + memoryBytes);
    }
  }

  public ResourceVector plus(ResourceVector o) {
    return new ResourceVector(
        Math.addExact(gpus, o.gpus),
        Math.addExact(cpus, o.cpus),
        Math.addExact(memoryBytes, o.memoryBytes));
  }

  /**
   * @throws IllegalArgumentException when {@code o} is larger than this in any component
   */
  public ResourceVector minus(ResourceVector o) {
    return new ResourceVector(
        Math.subtractExact(gpus, o.gpus),
        Math.subtractExact(cpus, o.cpus),
        Math.subtractExact(memoryBytes, o.memoryBytes));
  }

  /** True when every component is at most the same component of {@code capacity}. */
  public boolean fitsIn(ResourceVector capacity) {
    return gpus <= capacity.gpus && cpus <= capacity.cpus && memoryBytes <= capacity.memoryBytes;
  }

  public boolean isZero() {
    return gpus == 0 && cpus == 0 && memoryBytes == 0;
  }

  /** Component-wise maximum. */
  public ResourceVector max(ResourceVector o) {
    return new ResourceVector(
        Math.max(gpus, o.gpus), Math.max(cpus, o.cpus), Math.max(memoryBytes, o.memoryBytes));
  }

  /** Component-wise minimum. */
  public ResourceVector min(ResourceVector o) {
    return new ResourceVector(
        Math.min(gpus, o.gpus), Math.min(cpus, o.cpus), Math.min(memoryBytes, o.memoryBytes));
  }

  /** This amount {@code n} times over; {@code n} must not be negative. */
  public ResourceVector times(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("cannot multiply resources by a negative " + n);
    }
    return new ResourceVector(
        Math.multiplyExact(gpus, n),
        Math.multiplyExact(cpus, n),
        Math.multiplyExact(memoryBytes, n));
  }

  /** Component {@code r}: 0 GPUs, 1 CPUs, 2 memory bytes. */
  long component(int r) {
    return switch (r) {
      case 0 -> gpus;
      case 1 -> cpus;
      case 2 -> memoryBytes;
      default -> throw new IllegalArgumentException("no resource dimension " + r);
    };
  }

  /** "8 GPUs, 64 CPUs, 512 GiB". */
  public String describe() {
    return describe(0, gpus) + ", " + describe(1, cpus) + ", " + describe(2, memoryBytes);
  }

  /** One amount of dimension {@code r} as a person reads it: "3 GPUs", "1 CPU", "16 GiB". */
  static String describe(int r, long amount) {
    return switch (r) {
      case 0 -> amount + (amount == 1 ? " GPU" : " GPUs");
      case 1 -> amount + (amount == 1 ? " CPU" : " CPUs");
      default -> bytes(amount) + " of memory";
    };
  }

  /** A bare amount of dimension {@code r}: "8" for GPUs and CPUs, "16 GiB" for memory. */
  static String amount(int r, long amount) {
    return r == 2 ? bytes(amount) : Long.toString(amount);
  }

  private static String bytes(long b) {
    long gib = 1L << 30;
    long mib = 1L << 20;
    if (b != 0 && b % gib == 0) {
      return b / gib + " GiB";
    }
    if (b != 0 && b % mib == 0) {
      return b / mib + " MiB";
    }
    return b + " bytes";
  }
}
