package org.entente.security.transparency;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.entente.security.transparency.TestVectors.hex;

import org.junit.jupiter.api.Test;

class Rfc6962Test {
  @Test
  void emptyRoot_isSha256OfNothing() {
    assertThat(hex(Rfc6962.emptyRoot()))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  @Test
  void emptyRoot_returnsAFreshArrayEachCall() {
    byte[] first = Rfc6962.emptyRoot();
    first[0] ^= 1;

    assertThat(hex(Rfc6962.emptyRoot())).startsWith("e3b0");
  }

  @Test
  void leafHash_emptyLeaf_differsFromEmptyRoot() {
    assertThat(hex(Rfc6962.leafHash(new byte[0])))
        .isEqualTo("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  }

  @Test
  void leafHash_knownInput_matchesReference() {
    // echo -n 004C313233343536 | xxd -r -p | sha256sum
    assertThat(hex(Rfc6962.leafHash("L123456".getBytes(US_ASCII))))
        .isEqualTo("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
  }

  @Test
  void nodeHash_knownInput_matchesReference() {
    // echo -n 014E3132334E343536 | xxd -r -p | sha256sum
    byte[] hash = Rfc6962.nodeHash("N123".getBytes(US_ASCII), "N456".getBytes(US_ASCII));

    assertThat(hex(hash))
        .isEqualTo("aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb");
  }

  @Test
  void nodeHash_swappedChildren_differs() {
    byte[] a = Rfc6962.leafHash("a".getBytes(US_ASCII));
    byte[] b = Rfc6962.leafHash("b".getBytes(US_ASCII));

    assertThat(Rfc6962.nodeHash(a, b)).isNotEqualTo(Rfc6962.nodeHash(b, a));
  }

  @Test
  void leafHash_ofTwoConcatenatedHashes_differsFromTheirNodeHash() {
    byte[] a = Rfc6962.leafHash("Hello".getBytes(US_ASCII));
    byte[] b = Rfc6962.leafHash("World".getBytes(US_ASCII));
    byte[] concatenated = new byte[64];
    System.arraycopy(a, 0, concatenated, 0, 32);
    System.arraycopy(b, 0, concatenated, 32, 32);

    assertThat(Rfc6962.leafHash(concatenated)).isNotEqualTo(Rfc6962.nodeHash(a, b));
  }

  @Test
  void nodeHash_null_throws() {
    assertThatThrownBy(() -> Rfc6962.nodeHash(null, new byte[32]))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("left");
  }
}
