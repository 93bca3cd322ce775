package org.entente.cli.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;

/**
 * What this auditor saw last, per log: the size and root of the cosigned checkpoint it verified.
 * The next audit must find a tree that extends it. Kept in a file the auditor controls.
 */
final class AuditState {
  /** One log's last verified checkpoint. */
  record Seen(long size, String rootHex, long atUnixMs) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private AuditState() {}

  static Path defaultPath() {
    return Path.of(System.getProperty("user.home"), ".entente", "ledger-audit.json");
  }

  static Map<String, Seen> read(Path file) {
    if (!Files.exists(file)) {
      return new TreeMap<>();
    }
    try {
      Map<String, Seen> m = new TreeMap<>();
      var tree = JSON.readTree(file.toFile());
      tree.fields()
          .forEachRemaining(
              e ->
                  m.put(
                      e.getKey(),
                      new Seen(
                          e.getValue().path("size").asLong(),
                          e.getValue().path("rootHex").asText(),
                          e.getValue().path("atUnixMs").asLong())));
      return m;
    } catch (IOException e) {
      throw new UserException(
          ExitCodes.INVALID, "audit state " + file + " is unreadable: " + e.getMessage());
    }
  }

  static void write(Path file, Map<String, Seen> state) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "audit", ".tmp");
      JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), state);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UserException(
          ExitCodes.FAILURE, "could not save the audit state " + file + ": " + e.getMessage());
    }
  }
}
