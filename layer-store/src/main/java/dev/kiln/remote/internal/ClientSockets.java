package dev.kiln.remote.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import javax.net.SocketFactory;

/**
 * Makes the registry client's plain sockets: their reads time out after a fixed time however their
 * user configures them ({@code setSoTimeout(0)}, "wait forever", keeps the floor; a shorter timeout
 * is honoured), and their streams move up to 256 KiB per system call.
 *
 * <p>Why: OkHttp enforces its read timeout through Okio's watchdog, which puts every socket read
 * (8 KiB at most) into a locked priority queue and takes it out again, often waking the watchdog
 * thread: about 0.3 s of CPU for a 500 MiB pull. The kernel's {@code SO_TIMEOUT} gives the same
 * guarantee for nothing, so the registry client turns OkHttp's read timeout off and its sockets
 * keep this one. TLS sockets are layered over these, and their timeout is the raw socket's.
 * The buffered streams are explained on the socket class. Thread-safe.
 */
public final class ClientSockets extends SocketFactory {
  private final int timeoutMillis;

  /**
   * Creates the factory.
   *
   * @param readTimeout the longest a read waits for a byte; at least 1 ms
   */
  public ClientSockets(Duration readTimeout) {
    long ms = readTimeout.toMillis();
    if (ms < 1 || ms > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("read timeout must be 1 ms to 24 days, got " + readTimeout);
    }
    this.timeoutMillis = (int) ms;
  }

  @Override
  public Socket createSocket() throws SocketException {
    return new ClientSocket(timeoutMillis);
  }

  // The connecting forms SocketFactory requires; OkHttp itself calls createSocket() only.

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return createSocket(InetAddress.getByName(host), port);
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    return createSocket(InetAddress.getByName(host), port, localHost, localPort);
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return connected(new InetSocketAddress(host, port));
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return connected(new InetSocketAddress(address, port),
        new InetSocketAddress(localAddress, localPort));
  }

  private Socket connected(InetSocketAddress remote, InetSocketAddress... local) throws IOException {
    Socket s = createSocket();
    try {
      for (InetSocketAddress l : local) {
        s.bind(l);
      }
      s.connect(remote);
      return s;
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /**
   * A socket whose read timeout never exceeds the factory's, and whose streams move up to 256 KiB
   * per system call: Okio reads and writes one 8 KiB segment per call, 64,000 calls each way for
   * 500 MiB. Nothing waits on the buffers: a read returns what one read of the socket gave, and
   * every flush of the stream (OkHttp's at the end of each request, TLS's at each record) writes.
   */
  private static final class ClientSocket extends Socket {
    private static final int BUFFER = 256 * 1024;

    private final int floorMillis;
    private InputStream in;
    private OutputStream out;

    ClientSocket(int floorMillis) throws SocketException {
      this.floorMillis = floorMillis;
      super.setSoTimeout(floorMillis);
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
      super.setSoTimeout(timeout == 0 ? floorMillis : Math.min(timeout, floorMillis));
    }

    @Override
    public synchronized InputStream getInputStream() throws IOException {
      if (in == null) {
        in = new BufferedInputStream(super.getInputStream(), BUFFER);
      }
      return in;
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
      if (out == null) {
        out = new BufferedOutputStream(super.getOutputStream(), BUFFER);
      }
      return out;
    }
  }
}
