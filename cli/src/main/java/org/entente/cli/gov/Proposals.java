package org.entente.cli.gov;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.entente.cli.ClientOptions;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.cli.client.FederationClient;
import org.entente.proto.v1.Proposal;
import org.entente.proto.v1.ProposalStatus;
import org.entente.proto.v1.ProposeRequest;
import org.entente.proto.v1.SignedProposal;
import org.entente.security.governance.Changes;
import picocli.CommandLine.Model.CommandSpec;

/** Sending a signed proposal to the federation, or writing it to a file to send later. */
final class Proposals {
  private Proposals() {}

  /** Refuses an {@code --out} file that exists, before anything is signed. */
  static void checkOut(Path out) {
    if (out != null && Files.exists(out)) {
      throw new UserException(ExitCodes.INVALID, out + " already exists; choose another --out");
    }
  }

  /** The proposal inside {@code p}; an INVALID error naming {@code source} if it is not one. */
  static Proposal body(SignedProposal p, String source) {
    try {
      Proposal body = Proposal.parseFrom(p.getBody());
      if (body.getId().isEmpty() || !p.hasSignature()) {
        throw new InvalidProtocolBufferException("no id or no signature");
      }
      return body;
    } catch (InvalidProtocolBufferException e) {
      throw new UserException(ExitCodes.INVALID, source + " holds no signed proposal");
    }
  }

  /** Reads a signed proposal written with {@code --out}. */
  static SignedProposal read(Path file) {
    try {
      SignedProposal p = SignedProposal.parseFrom(Files.readAllBytes(file));
      body(p, file.toString());
      return p;
    } catch (InvalidProtocolBufferException e) {
      throw new UserException(ExitCodes.INVALID, file + " holds no signed proposal");
    } catch (IOException e) {
      throw new UserException(ExitCodes.INVALID, "cannot read " + file + ": " + e.getMessage());
    }
  }

  /** Writes {@code p} to {@code out} when given, else sends it; prints what happened. */
  static int send(CommandSpec spec, ClientOptions client, SignedProposal p, Path out) {
    Proposal body = body(p, "the proposal");
    String summary = Changes.summary(body.getChange());
    PrintWriter w = spec.commandLine().getOut();
    if (out != null) {
      try {
        Files.write(out, p.toByteArray(), StandardOpenOption.CREATE_NEW);
      } catch (IOException e) {
        throw new UserException(ExitCodes.INVALID, "cannot write " + out + ": " + e.getMessage());
      }
      w.printf("wrote proposal %s to %s: %s%n", body.getId(), out, summary);
      w.printf("a member nation's operator sends it with: entente gov submit %s%n", out);
      w.flush();
      return ExitCodes.OK;
    }
    ProposalStatus st;
    try (FederationClient c = client.open()) {
      st = c.governance(s -> s.propose(ProposeRequest.newBuilder().setProposal(p).build()));
    }
    w.printf("proposed %s: %s%n", st.getId(), summary);
    w.printf(
        "it needs approvals from %d member nation(s); proposing does not approve it%n",
        st.getRequired());
    w.printf("approve with: entente gov approve %s%n", st.getId());
    w.flush();
    return ExitCodes.OK;
  }
}
