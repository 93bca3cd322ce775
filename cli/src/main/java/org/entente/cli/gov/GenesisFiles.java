package org.entente.cli.gov;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.proto.v1.Genesis;
import org.entente.proto.v1.Member;
import org.entente.proto.v1.OperatorSignature;
import org.entente.proto.v1.SignedGenesis;
import org.entente.security.Identity;
import org.entente.security.IdentityCertificates;
import org.entente.security.Signatures;
import org.entente.security.governance.Changes;
import org.entente.security.governance.GovernanceChain;

/**
 * A genesis document in a file (a serialized {@code SignedGenesis}), and how far it is signed.
 * Reading decodes the signers' certificates only to name them; whether the signatures hold is
 * {@link GovernanceChain#genesis}'s to say.
 */
final class GenesisFiles {
  private GenesisFiles() {}

  /**
   * A genesis read from a file.
   *
   * @param signed the document as stored
   * @param body its decoded body
   */
  record Read(SignedGenesis signed, Genesis body) {
    /** The founding nations, sorted. */
    Set<String> nations() {
      Set<String> out = new TreeSet<>();
      body.getMembersList().forEach(m -> out.add(m.getNation()));
      return out;
    }

    /** Whom each signature's certificate names, in order (null where it does not decode). */
    List<Identity> signers() {
      List<Identity> out = new ArrayList<>();
      for (OperatorSignature s : signed.getSignaturesList()) {
        try {
          out.add(
              IdentityCertificates.identityOf(
                  Signatures.certificate(s.getCertificateDer().toByteArray())));
        } catch (CertificateException | IllegalArgumentException e) {
          out.add(null);
        }
      }
      return out;
    }

    /** The nations whose operators' certificates appear among the signatures. */
    Set<String> signedNations() {
      Set<String> out = new TreeSet<>();
      signers().stream().filter(i -> i != null).forEach(i -> out.add(i.nation()));
      return out;
    }

    /** Founding nations with no signature yet. */
    Set<String> missing() {
      Set<String> out = new TreeSet<>(nations());
      out.removeAll(signedNations());
      return out;
    }

    /** Null when the genesis is complete and valid; else why a replica would refuse it. */
    String refusal() {
      try {
        GovernanceChain.genesis(signed);
        return null;
      } catch (Changes.Refused e) {
        return e.getMessage();
      }
    }

    /** The member for {@code nation}, or null. */
    Member member(String nation) {
      return body.getMembersList().stream()
          .filter(m -> m.getNation().equals(nation))
          .findFirst()
          .orElse(null);
    }
  }

  static Read read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UserException(ExitCodes.INVALID, "cannot read " + file + ": " + e.getMessage());
    }
    try {
      SignedGenesis g = SignedGenesis.parseFrom(bytes);
      Genesis body = Genesis.parseFrom(g.getBody());
      if (body.getMembersCount() == 0) {
        throw new InvalidProtocolBufferException("no members");
      }
      return new Read(g, body);
    } catch (InvalidProtocolBufferException e) {
      throw new UserException(
          ExitCodes.INVALID,
          file + " holds no genesis document (write one with 'entente gov genesis draft')");
    }
  }

  /** Writes {@code g} to {@code file}, replacing it in one step. */
  static void write(Path file, SignedGenesis g) {
    Path dir = file.toAbsolutePath().getParent();
    try {
      Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
      try {
        Files.write(tmp, g.toByteArray());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UserException(ExitCodes.INVALID, "cannot write " + file + ": " + e.getMessage());
    }
  }
}
