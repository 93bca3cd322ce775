package org.entente.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;

/**
 * Requests received by every server of an ensemble (reads, writes and pings), summed from each
 * server's {@code srvr} four-letter command, which ZooKeeper allows by default. Stateless.
 */
final class ZkRequestCount {
  private static final Pattern RECEIVED = Pattern.compile("Received: ([0-9]+)");

  private ZkRequestCount() {}

  static long received(TestingCluster cluster) throws IOException {
    long sum = 0;
    for (InstanceSpec s : cluster.getInstances()) {
      try (Socket socket = new Socket("127.0.0.1", s.getPort())) {
        socket.setSoTimeout(5000);
        OutputStream out = socket.getOutputStream();
        out.write("srvr".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        String reply = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        Matcher m = RECEIVED.matcher(reply);
        if (!m.find()) {
          throw new IOException("no request count in srvr reply: " + reply);
        }
        sum += Long.parseLong(m.group(1));
      }
    }
    return sum;
  }
}
