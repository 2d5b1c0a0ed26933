/* Container output as JSON lines ({"time","stream","log"}) with size-based rotation:
 * PATH is the live file, PATH.1 … PATH.<files-1> the rotated ones (PATH.1 newest). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

#define LINE_MAX_BYTES 16384

struct logw {
  int fd;
  char *path;
  long long max, size;
  int files;
  struct {
    char buf[LINE_MAX_BYTES];
    size_t len;
  } s[2];
};

static const char *stream_name[2] = {"stdout", "stderr"};

struct logw *logw_open(const char *path, long long max, int files, struct kerr *e) {
  struct logw *w = calloc(1, sizeof *w);
  w->path = strdup(path);
  w->max = max;
  w->files = files < 1 ? 1 : files;
  w->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (w->fd < 0) {
    kerr_set(e, errno, "open log %s", path);
    free(w->path);
    free(w);
    return NULL;
  }
  struct stat st;
  if (fstat(w->fd, &st) == 0) w->size = st.st_size;
  return w;
}

static void rotate(struct logw *w) {
  char from[4096], to[4096];
  close(w->fd);
  for (int i = w->files - 1; i >= 1; i--) {
    if (i == 1) snprintf(from, sizeof from, "%s", w->path);
    else snprintf(from, sizeof from, "%s.%d", w->path, i - 1);
    snprintf(to, sizeof to, "%s.%d", w->path, i);
    rename(from, to);
  }
  if (w->files == 1) (void)!truncate(w->path, 0);
  w->fd = open(w->path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  w->size = 0;
}

/* Appends S as a JSON string body; bytes that are not valid UTF-8 become U+FFFD. */
static size_t json_escape(char *out, const unsigned char *s, size_t n) {
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    unsigned char c = s[i];
    if (c == '"' || c == '\\') { out[o++] = '\\'; out[o++] = (char)c; i++; }
    else if (c == '\n') { out[o++] = '\\'; out[o++] = 'n'; i++; }
    else if (c == '\t') { out[o++] = '\\'; out[o++] = 't'; i++; }
    else if (c == '\r') { out[o++] = '\\'; out[o++] = 'r'; i++; }
    else if (c < 0x20 || c == 0x7f) { o += (size_t)sprintf(out + o, "\\u%04x", c); i++; }
    else if (c < 0x80) { out[o++] = (char)c; i++; }
    else {
      size_t len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
      int ok = len > 0 && i + len <= n;
      for (size_t k = 1; ok && k < len; k++) ok = (s[i + k] & 0xc0) == 0x80;
      if (ok) { memcpy(out + o, s + i, len); o += len; i += len; }
      else { memcpy(out + o, "\\ufffd", 6); o += 6; i++; }
    }
  }
  return o;
}

static void emit(struct logw *w, int stream, const char *data, size_t len) {
  static char line[LINE_MAX_BYTES * 6 + 256];
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t o = strftime(line, 64, "{\"time\":\"%Y-%m-%dT%H:%M:%S", &tm);
  o += (size_t)sprintf(line + o, ".%09ldZ\",\"stream\":\"%s\",\"log\":\"", ts.tv_nsec, stream_name[stream]);
  o += json_escape(line + o, (const unsigned char *)data, len);
  o += (size_t)sprintf(line + o, "\"}\n");
  if (w->max > 0 && w->size > 0 && w->size + (long long)o > w->max) rotate(w);
  if (w->fd >= 0 && write(w->fd, line, o) == (ssize_t)o) w->size += (long long)o;
}

void logw_write(struct logw *w, int stream, const char *data, size_t len, int final) {
  for (size_t i = 0; i < len; i++) {
    w->s[stream].buf[w->s[stream].len++] = data[i];
    if (data[i] == '\n' || w->s[stream].len == LINE_MAX_BYTES) {
      emit(w, stream, w->s[stream].buf, w->s[stream].len);
      w->s[stream].len = 0;
    }
  }
  if (final && w->s[stream].len) {
    emit(w, stream, w->s[stream].buf, w->s[stream].len);
    w->s[stream].len = 0;
  }
}

void logw_close(struct logw *w) {
  if (w == NULL) return;
  if (w->fd >= 0) close(w->fd);
  free(w->path);
  free(w);
}
