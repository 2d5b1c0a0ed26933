package dev.kiln.remote.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import org.junit.jupiter.api.Test;

class ClientSocketsTest {
  private static final Duration FLOOR = Duration.ofMillis(300);

  @Test
  void waitingForeverKeepsTheFloorAndShorterTimeoutsAreHonoured() throws Exception {
    try (Socket s = new ClientSockets(FLOOR).createSocket()) {
      assertEquals(300, s.getSoTimeout());
      s.setSoTimeout(0);
      assertEquals(300, s.getSoTimeout());
      s.setSoTimeout(60_000);
      assertEquals(300, s.getSoTimeout());
      s.setSoTimeout(50);
      assertEquals(50, s.getSoTimeout());
    }
  }

  @Test
  void aSilentPeerTimesOutEvenWhenTheCallerAsksToWaitForever() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket s = new ClientSockets(FLOOR).createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        Socket _ = server.accept()) {
      s.setSoTimeout(0);
      InputStream in = s.getInputStream();
      assertTimeoutPreemptively(Duration.ofSeconds(20),
          () -> assertThrows(SocketTimeoutException.class, in::read));
    }
  }

  @Test
  void okHttpWithoutItsOwnReadTimeoutStillGivesUpOnASilentRegistry() throws Exception {
    // The client's configuration: OkHttp's read timeout off, the socket's in charge.
    OkHttpClient client = new OkHttpClient.Builder().socketFactory(new ClientSockets(FLOOR))
        .readTimeout(Duration.ZERO).protocols(List.of(Protocol.HTTP_1_1))
        .retryOnConnectionFailure(false).build();
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread acceptor = Thread.ofPlatform().daemon().start(() -> {
        try (Socket _ = server.accept()) {
          Thread.sleep(20_000);
        } catch (Exception e) {
          // the test is over
        }
      });
      Request rq = new Request.Builder()
          .url("http://127.0.0.1:" + server.getLocalPort() + "/v2/").build();
      assertTimeoutPreemptively(Duration.ofSeconds(20),
          () -> assertThrows(SocketTimeoutException.class, () -> client.newCall(rq).execute()));
      acceptor.interrupt();
    } finally {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }

  // The streams buffer 256 KiB, but a read gives what has arrived and a flush sends at once: a
  // short request or response never waits on a half-full buffer.
  @Test
  void bufferedStreamsNeverHoldBackWhatWasSentOrFlushed() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket s = new ClientSockets(Duration.ofSeconds(10)).createSocket(
            InetAddress.getLoopbackAddress(), server.getLocalPort());
        Socket peer = server.accept()) {
      peer.getOutputStream().write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] b = new byte[8192];
      int n = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> s.getInputStream().read(b));
      assertEquals("HTTP/1.1 200 OK\r\n", new String(b, 0, n, StandardCharsets.US_ASCII));

      s.getOutputStream().write("GET /v2/ HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      peer.setSoTimeout(5_000);
      byte[] got = new byte[64];
      int m = peer.getInputStream().read(got);
      assertEquals("GET /v2/ HTTP/1.1\r\n\r\n", new String(got, 0, m, StandardCharsets.US_ASCII));
    }
  }
}
