package org.entente.security;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * SHA-256 digests as Entente names content (artifacts, checkpoints, outputs): 64 lowercase hex
 * characters. The JDK's digest, which is several times faster than Bouncy Castle's. Stateless.
 */
public final class Sha256 {
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  private Sha256() {}

  /** Whether {@code text} is a digest in that form. */
  public static boolean isDigest(String text) {
    return text != null && HEX.matcher(text).matches();
  }

  /** A new SHA-256 digester (every JDK has one). */
  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** The lowercase hex of a finished digest. */
  public static String hex(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest());
  }

  /** {@code text} cut to something safe to quote in an error message. */
  public static String quote(String text) {
    String t = text.length() > 80 ? text.substring(0, 80) + "..." : text;
    return "'" + t.replaceAll("[^\\x20-\\x7e]", "?") + "'";
  }
}
