package org.entente.cli.gov;

import org.entente.proto.v1.Change;
import org.entente.proto.v1.SetQuota;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code entente gov propose set-quota}. */
@Command(
    name = "set-quota",
    mixinStandardHelpOptions = true,
    description =
        "Propose a member nation's quota: nominal --gpus, --cpus and --memory, and optional"
            + " borrowing and lending limits (left out: unlimited), and optionally the capacity it"
            + " pledges (--pledge-gpus, --pledge-cpus, --pledge-memory).")
public final class SetQuotaCommand extends ProposalCommand {
  @Parameters(paramLabel = "NATION", description = "The member nation, e.g. DE.")
  String nation;

  @Mixin QuotaOptions quota;

  @Override
  Change change() {
    SetQuota.Builder q =
        SetQuota.newBuilder().setNation(GovText.nation("NATION", nation)).setQuota(quota.quota());
    org.entente.proto.v1.Amounts pledge = quota.pledge();
    if (pledge != null) {
      q.setPledge(pledge);
    }
    return Change.newBuilder().setSetQuota(q).build();
  }
}
