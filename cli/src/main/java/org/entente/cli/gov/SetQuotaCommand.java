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
            + " borrowing and lending limits (left out: unlimited).")
public final class SetQuotaCommand extends ProposalCommand {
  @Parameters(paramLabel = "NATION", description = "The member nation, e.g. DE.")
  String nation;

  @Mixin QuotaOptions quota;

  @Override
  Change change() {
    return Change.newBuilder()
        .setSetQuota(
            SetQuota.newBuilder()
                .setNation(GovText.nation("NATION", nation))
                .setQuota(quota.quota()))
        .build();
  }
}
