package org.entente.cli.gov;

import org.entente.proto.v1.Change;
import org.entente.proto.v1.SetPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code entente gov propose set-policy}. */
@Command(
    name = "set-policy",
    mixinStandardHelpOptions = true,
    description =
        "Propose the governed scheduler policy. The policy is replaced whole: a value left out"
            + " goes back to the built-in default, so name every value you mean to keep.")
public final class SetPolicyCommand extends ProposalCommand {
  @Mixin PolicyOptions policy;

  @Override
  Change change() {
    return Change.newBuilder()
        .setSetPolicy(SetPolicy.newBuilder().setPolicy(policy.policy()))
        .build();
  }
}
