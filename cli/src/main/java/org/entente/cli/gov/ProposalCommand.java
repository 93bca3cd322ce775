package org.entente.cli.gov;

import java.util.concurrent.Callable;
import org.entente.cli.ClientOptions;
import org.entente.proto.v1.Change;
import org.entente.proto.v1.SignedProposal;
import org.entente.security.KeyMaterial;
import org.entente.security.governance.Documents;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * One kind of {@code entente gov propose}: builds its change from the command line, signs the
 * proposal with the identity's operator key and sends it (or writes it with {@code --out}).
 */
abstract class ProposalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ProposeOptions propose;

  @Mixin ClientOptions client;

  /** The change this kind proposes, from the command line; a one-line error if it is wrong. */
  abstract Change change();

  @Override
  public Integer call() {
    Change change = change();
    String reason = propose.reason();
    long ttlMs = propose.ttl().toMillis();
    Proposals.checkOut(propose.out);
    KeyMaterial keys = OperatorKeys.load(spec);
    SignedProposal p = Documents.propose(keys, change, reason, System.currentTimeMillis(), ttlMs);
    return Proposals.send(spec, client, p, propose.out);
  }
}
