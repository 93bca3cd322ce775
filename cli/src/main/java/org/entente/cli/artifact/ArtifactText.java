package org.entente.cli.artifact;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.entente.proto.v1.ArtifactInfo;
import org.entente.security.Sha256;

/** How the artifact commands read digests and show what the store answers. Stateless. */
final class ArtifactText {
  private static final String URI_PREFIX = "entente:artifacts/";

  private ArtifactText() {}

  /** A digest as typed: hex in either case, or an {@code entente:artifacts/} URI. */
  static String digest(String text) {
    String t = text.strip();
    if (t.startsWith(URI_PREFIX)) {
      t = t.substring(URI_PREFIX.length());
    }
    t = t.toLowerCase(Locale.ROOT);
    if (!Sha256.isDigest(t)) {
      throw new UserException(
          ExitCodes.INVALID,
          "SHA256: expected 64 hex characters or entente:artifacts/<sha256>, got '"
              + text.replaceAll("[^\\x20-\\x7e]", "?")
              + "'");
    }
    return t;
  }

  static Map<String, Object> json(ArtifactInfo a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("uri", a.getUri());
    m.put("sha256", a.getSha256());
    m.put("sizeBytes", a.getSizeBytes());
    m.put("replicas", a.getReplicasList());
    m.put("existed", a.getExisted());
    return m;
  }

  static void print(PrintWriter w, ArtifactInfo a) {
    line(w, "uri", a.getUri());
    line(w, "sha256", a.getSha256());
    line(w, "size", size(a.getSizeBytes()));
    line(w, "replicas", String.join(", ", a.getReplicasList()));
    w.flush();
  }

  static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " bytes";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return bytes + " bytes (" + String.format(Locale.ROOT, "%.1f %s", v, units[u]) + ")";
  }

  private static void line(PrintWriter w, String label, String value) {
    w.printf("%-9s %s%n", label, value);
  }

  /**
   * Reports progress on stderr in steps of 10%, for transfers large enough to be waited on. Not
   * thread-safe; one transfer each.
   */
  static final class Progress implements java.util.function.LongConsumer {
    static final long SHOW_FROM_BYTES = 64L << 20;

    private final PrintWriter err;
    private final String verb;
    private final long total;
    private int shown;

    Progress(PrintWriter err, String verb, long total) {
      this.err = err;
      this.verb = verb;
      this.total = total;
    }

    @Override
    public void accept(long done) {
      if (total < SHOW_FROM_BYTES) {
        return;
      }
      int tenth = (int) (done * 10 / total);
      if (tenth > shown) {
        shown = tenth;
        err.printf("%s: %d%% (%d of %d MiB)%n", verb, tenth * 10, done >> 20, total >> 20);
        err.flush();
      }
    }
  }
}
