package org.entente.agent.djl;

import ai.djl.ndarray.NDManager;

/** Counts the engine's live NDArrays, to show that runners free what they allocate. */
final class NativeArrays {
  private NativeArrays() {}

  /** Arrays held by every open manager of the PyTorch engine (all are below its root manager). */
  static int live() {
    try (NDManager probe = NDManager.newBaseManager(Devices.ENGINE)) {
      return probe.getParentManager().getManagedArrays().size();
    }
  }
}
