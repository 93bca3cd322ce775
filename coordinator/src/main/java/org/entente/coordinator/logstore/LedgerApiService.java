package org.entente.coordinator.logstore;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.function.Supplier;
import org.entente.coordinator.auth.AccessPolicy;
import org.entente.coordinator.auth.Action;
import org.entente.coordinator.errors.InvalidRequestException;
import org.entente.coordinator.errors.NotFoundException;
import org.entente.coordinator.grpc.Calls;
import org.entente.coordinator.grpc.StatusMapper;
import org.entente.proto.v1.CheckpointStatus;
import org.entente.proto.v1.CosignedCheckpoint;
import org.entente.proto.v1.EntriesChunk;
import org.entente.proto.v1.GetCheckpointRequest;
import org.entente.proto.v1.GetEntriesRequest;
import org.entente.proto.v1.GetProofRequest;
import org.entente.proto.v1.InclusionProof;
import org.entente.proto.v1.LedgerServiceGrpc;
import org.entente.security.PeerIdentity;

/**
 * The ledger for auditors, operators and other replicas: the entries, the checkpoints with their
 * cosignatures, and inclusion proofs. Everything served is checked by its receiver against the
 * trust bundle, so a replica serving a doctored log is caught, not believed. Thread-safe.
 */
public final class LedgerApiService extends LedgerServiceGrpc.LedgerServiceImplBase {
  /** Entries per streamed chunk: far below the 1 MiB message limit at ~1 KB an entry. */
  private static final int CHUNK_ENTRIES = 256;

  private final LedgerReader reader;
  private final Supplier<List<String>> alarms;

  public LedgerApiService(LedgerReader reader, Supplier<List<String>> alarms) {
    this.reader = reader;
    this.alarms = alarms;
  }

  @Override
  public void getEntries(GetEntriesRequest req, StreamObserver<EntriesChunk> out) {
    try {
      AccessPolicy.check(PeerIdentity.current().identity(), Action.READ_LEDGER, "", "");
      long size = reader.refresh();
      long to = req.getTo() == 0 ? size : req.getTo();
      if (req.getFrom() < 0 || req.getFrom() > to || to > size) {
        throw new InvalidRequestException(
            "from",
            "entries [from, to) must lie within [0, "
                + size
                + "]; got ["
                + req.getFrom()
                + ", "
                + to
                + ")");
      }
      ServerCallStreamObserver<EntriesChunk> call = (ServerCallStreamObserver<EntriesChunk>) out;
      boolean first = true;
      for (long i = req.getFrom(); i < to && !call.isCancelled(); i += CHUNK_ENTRIES) {
        EntriesChunk.Builder c = EntriesChunk.newBuilder().setFirstIndex(i);
        if (first) {
          c.setTreeSize(size);
          first = false;
        }
        for (byte[] e : reader.entries(i, Math.min(to, i + CHUNK_ENTRIES))) {
          c.addEntries(ByteString.copyFrom(e));
        }
        out.onNext(c.build());
      }
      if (first) {
        out.onNext(
            EntriesChunk.newBuilder().setFirstIndex(req.getFrom()).setTreeSize(size).build());
      }
      out.onCompleted();
    } catch (Exception e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }

  @Override
  public void getCheckpoint(GetCheckpointRequest req, StreamObserver<CheckpointStatus> out) {
    Calls.unary(
        out,
        () -> {
          AccessPolicy.check(PeerIdentity.current().identity(), Action.READ_LEDGER, "", "");
          CheckpointStatus.Builder b =
              CheckpointStatus.newBuilder()
                  .setTreeSize(reader.refresh())
                  .addAllWitnessAlarms(alarms.get());
          CosignedCheckpoint cosigned = reader.cosigned();
          if (cosigned != null) {
            b.setCosigned(cosigned);
          }
          CosignedCheckpoint latest = reader.latest();
          if (latest != null) {
            b.setLatest(latest);
          }
          return b.build();
        });
  }

  @Override
  public void getProof(GetProofRequest req, StreamObserver<InclusionProof> out) {
    Calls.unary(
        out,
        () -> {
          AccessPolicy.check(PeerIdentity.current().identity(), Action.READ_LEDGER, "", "");
          String id = req.getReceiptId();
          if (id.isEmpty() || id.length() > 200) {
            throw new InvalidRequestException(
                "receipt_id", "a receipt id JOB/SHARD#ATTEMPT or a model's SHA-256");
          }
          reader.refresh();
          CosignedCheckpoint cp = reader.cosigned();
          if (cp == null) {
            throw new NotFoundException("no checkpoint has been cosigned by a majority yet; retry");
          }
          InclusionProof p = reader.proof(id, cp);
          if (p == null) {
            throw new NotFoundException(
                "no entry for "
                    + id.replaceAll("[^\\x20-\\x7e]", "?")
                    + " under the cosigned checkpoint yet (it may be newer: retry in a few seconds)");
          }
          return p;
        });
  }
}
