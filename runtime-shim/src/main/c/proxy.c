/* Published ports: the monitor listens on 127.0.0.1:HOSTPORT and relays each connection to the
 * container's bridge address (a user-space proxy, as Docker's docker-proxy; no iptables rules and no
 * route_localnet change on the host). Single-threaded, driven by the monitor's poll loop. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shim.h"

#define MAX_LISTEN 32
#define MAX_CONN 128

static struct {
  int fd;
  struct sockaddr_in target;
} listeners[MAX_LISTEN];
static int nlisteners;

/* a relayed connection: fd[0] the client, fd[1] the container; open[i]: fd[i] still readable */
static struct {
  int fd[2];
  int open[2];
} conns[MAX_CONN];
static int nconns;

int proxy_listen(struct plan *p, struct kerr *e) {
  for (size_t i = 0; i < p->publish.n && nlisteners < MAX_LISTEN; i++) {
    int host = 0, port = 0;
    char addr[64];
    if (sscanf(p->publish.v[i], "%d %63s %d", &host, addr, &port) != 3)
      return kerr_set(e, EINVAL, "publish %s: expected HOSTPORT ADDRESS PORT", p->publish.v[i]);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)host)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 64) < 0) {
      int err = errno;
      close(fd);
      return kerr_set(e, err, "publish 127.0.0.1:%d", host);
    }
    listeners[nlisteners].fd = fd;
    listeners[nlisteners].target = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &listeners[nlisteners].target.sin_addr) != 1) {
      close(fd);
      return kerr_set(e, EINVAL, "publish %d: bad container address %s", host, addr);
    }
    nlisteners++;
  }
  return 0;
}

int proxy_fill(struct pollfd *fds, int max) {
  int n = 0;
  for (int i = 0; i < nlisteners && n < max; i++) fds[n++] = (struct pollfd){listeners[i].fd, POLLIN, 0};
  for (int c = 0; c < nconns; c++)
    for (int s = 0; s < 2 && n < max; s++)
      fds[n++] = (struct pollfd){conns[c].open[s] ? conns[c].fd[s] : -1, POLLIN, 0};
  return n;
}

static void drop(int c) {
  close(conns[c].fd[0]);
  close(conns[c].fd[1]);
  conns[c] = conns[--nconns];
}

void proxy_handle(struct pollfd *fds, int n) {
  int k = 0;
  for (int i = 0; i < nlisteners && k < n; i++, k++) {
    if (!fds[k].revents) continue;
    int client = accept4(listeners[i].fd, NULL, NULL, SOCK_CLOEXEC);
    if (client < 0) continue;
    int up = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (nconns >= MAX_CONN || up < 0 || connect(up, (struct sockaddr *)&listeners[i].target, sizeof listeners[i].target) < 0) {
      close(client);
      if (up >= 0) close(up);
      continue;
    }
    conns[nconns].fd[0] = client;
    conns[nconns].fd[1] = up;
    conns[nconns].open[0] = conns[nconns].open[1] = 1;
    nconns++;
  }
  /* the connection list may change while relaying: walk the poll entries it was built from */
  int base = k, count = (n - base) / 2;
  char buf[65536];
  for (int c = count - 1; c >= 0; c--) {
    for (int s = 0; s < 2; s++) {
      struct pollfd *f = &fds[base + 2 * c + s];
      if (f->fd < 0 || !f->revents || c >= nconns) continue;
      ssize_t r = read(conns[c].fd[s], buf, sizeof buf);
      if (r > 0) {
        ssize_t off = 0;
        while (off < r) {
          ssize_t w = write(conns[c].fd[1 - s], buf + off, (size_t)(r - off));
          if (w <= 0) { r = 0; break; }
          off += w;
        }
      }
      if (r <= 0) {
        conns[c].open[s] = 0;
        shutdown(conns[c].fd[1 - s], SHUT_WR);
      }
    }
    if (c < nconns && !conns[c].open[0] && !conns[c].open[1]) drop(c);
  }
}

void proxy_close(void) {
  while (nconns > 0) drop(nconns - 1);
  for (int i = 0; i < nlisteners; i++) close(listeners[i].fd);
  nlisteners = 0;
}
