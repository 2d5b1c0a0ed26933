package dev.kiln.registry.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The registry's Prometheus metrics: requests by route, method and status, bytes in and out,
 * upload durations as a histogram, and storage size (measured at most every 30 s). Thread-safe.
 */
public final class Metrics {
  private static final double[] BUCKETS = {0.1, 0.5, 1, 5, 15, 60, 300, 1800};

  private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
  private final LongAdder bytesIn = new LongAdder();
  private final LongAdder bytesOut = new LongAdder();
  private final LongAdder[] uploadBuckets = new LongAdder[BUCKETS.length];
  private final LongAdder uploadCount = new LongAdder();
  private final AtomicLong uploadMillis = new AtomicLong();
  private final StorageDriver driver;
  // Mutable: the last storage measurement and when it was taken.
  private volatile long storageBytes = -1;
  private volatile long storageMeasuredAt;

  /**
   * Measures a storage.
   *
   * @param driver the storage whose blob bytes are reported
   */
  public Metrics(StorageDriver driver) {
    this.driver = driver;
    for (int i = 0; i < BUCKETS.length; i++) {
      uploadBuckets[i] = new LongAdder();
    }
  }

  /**
   * Counts one request.
   *
   * @param route the route label
   * @param method the method
   * @param status the status
   * @param in request bytes
   * @param out response bytes
   */
  public void request(String route, String method, int status, long in, long out) {
    requests.computeIfAbsent("route=\"" + route + "\",method=\"" + method + "\",status=\"" + status
        + "\"", k -> new LongAdder()).increment();
    bytesIn.add(Math.max(0, in));
    bytesOut.add(Math.max(0, out));
  }

  /**
   * Records a finished upload.
   *
   * @param duration from the upload's start to its commit
   */
  public void upload(Duration duration) {
    double seconds = duration.toMillis() / 1000.0;
    for (int i = 0; i < BUCKETS.length; i++) {
      if (seconds <= BUCKETS[i]) {
        uploadBuckets[i].increment();
      }
    }
    uploadCount.increment();
    uploadMillis.addAndGet(duration.toMillis());
  }

  /**
   * Renders the Prometheus text exposition format 0.0.4.
   *
   * @return the text
   */
  public String render() {
    StringBuilder b = new StringBuilder();
    b.append("# HELP kiln_registry_requests_total HTTP requests by route, method and status.\n")
        .append("# TYPE kiln_registry_requests_total counter\n");
    new TreeMap<>(requests).forEach((labels, n) ->
        b.append("kiln_registry_requests_total{").append(labels).append("} ").append(n.sum())
            .append('\n'));
    b.append("# HELP kiln_registry_bytes_received_total Request body bytes.\n")
        .append("# TYPE kiln_registry_bytes_received_total counter\n")
        .append("kiln_registry_bytes_received_total ").append(bytesIn.sum()).append('\n')
        .append("# HELP kiln_registry_bytes_sent_total Response bytes.\n")
        .append("# TYPE kiln_registry_bytes_sent_total counter\n")
        .append("kiln_registry_bytes_sent_total ").append(bytesOut.sum()).append('\n')
        .append("# HELP kiln_registry_upload_duration_seconds From upload start to commit.\n")
        .append("# TYPE kiln_registry_upload_duration_seconds histogram\n");
    for (int i = 0; i < BUCKETS.length; i++) {
      b.append("kiln_registry_upload_duration_seconds_bucket{le=\"").append(BUCKETS[i])
          .append("\"} ").append(uploadBuckets[i].sum()).append('\n');
    }
    b.append("kiln_registry_upload_duration_seconds_bucket{le=\"+Inf\"} ")
        .append(uploadCount.sum()).append('\n')
        .append("kiln_registry_upload_duration_seconds_sum ").append(uploadMillis.get() / 1000.0)
        .append('\n')
        .append("kiln_registry_upload_duration_seconds_count ").append(uploadCount.sum())
        .append('\n')
        .append("# HELP kiln_registry_storage_bytes Bytes of blobs in storage.\n")
        .append("# TYPE kiln_registry_storage_bytes gauge\n")
        .append("kiln_registry_storage_bytes ").append(storageBytes()).append('\n');
    return b.toString();
  }

  private long storageBytes() {
    long now = System.nanoTime();
    if (storageBytes < 0 || now - storageMeasuredAt > 30_000_000_000L) {
      try {
        storageBytes = driver.usage(StorageLayout.BLOBS);
      } catch (IOException e) {
        // keep the last figure; the next scrape tries again
      }
      storageMeasuredAt = now;
    }
    return storageBytes;
  }
}
