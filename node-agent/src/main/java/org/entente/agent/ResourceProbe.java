package org.entente.agent;

import org.entente.proto.v1.NodeResources;

/** Tells what a node offers: its CPU cores, memory and GPUs. */
public interface ResourceProbe {
  NodeResources probe();
}
