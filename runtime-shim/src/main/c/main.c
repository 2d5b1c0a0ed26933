/* kiln-shim PLAN: runs one container (or, with a "join" line, one process in a running container).
 *
 * Process shape:  monitor (host) ──clone(new namespaces)──▶ init (PID 1) ──fork──▶ the process
 * The monitor places init in its cgroups, writes ID maps, runs the network hook, then lets it go;
 * it pumps the process's output into the log, forwards signals, and reports on the status file as
 * JSON lines: {"status":"running","pid":N}, {"status":"exited","exitCode":N}, or
 * {"status":"error","step":"…","errno":N,"message":"…"}. Its exit code is the container's
 * (128+N when signal N ended it; 125 when setup failed; 126/127 when the command cannot run). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

static int status_fd = -1;

int kerr_set(struct kerr *e, int errnum, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < sizeof e->msg && errnum)
    snprintf(e->msg + n, sizeof e->msg - (size_t)n, ": %s (errno %d)", strerror(errnum), errnum);
  e->errnum = errnum ? errnum : EINVAL;
  return -e->errnum;
}

/* Child side: hand the error to the monitor, which reports it. */
void report_error(int fd, const struct kerr *e) {
  if (fd >= 0) (void)!write(fd, e, sizeof *e);
}

static void json_str(char *out, size_t cap, const char *s) {
  size_t o = 0;
  for (; *s && o + 8 < cap; s++) {
    if (*s == '"' || *s == '\\') { out[o++] = '\\'; out[o++] = *s; }
    else if ((unsigned char)*s < 0x20) o += (size_t)snprintf(out + o, cap - o, "\\u%04x", *s);
    else out[o++] = *s;
  }
  out[o] = 0;
}

static void status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void status(const char *fmt, ...) {
  if (status_fd < 0) return;
  char body[2048], line[2200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(body, sizeof body, fmt, ap);
  va_end(ap);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int n = snprintf(line, sizeof line, "{%s,\"time\":%lld%03ld}\n", body, (long long)ts.tv_sec, ts.tv_nsec / 1000000);
  (void)!write(status_fd, line, (size_t)n);
}

static void status_error(const struct kerr *e) {
  char msg[2100];
  json_str(msg, sizeof msg, e->msg);
  status("\"status\":\"error\",\"errno\":%d,\"message\":\"%s\"", e->errnum, msg);
  fprintf(stderr, "kiln-shim: %s\n", e->msg);
}

static int run_hook(const char *hook, pid_t pid, struct kerr *e) {
  char arg[32];
  snprintf(arg, sizeof arg, "%d", pid);
  pid_t h = fork();
  if (h == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execl(hook, hook, arg, (char *)NULL);
    _exit(127);
  }
  int st;
  if (h < 0 || waitpid(h, &st, 0) < 0) return kerr_set(e, errno, "run hook %s", hook);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return kerr_set(e, EIO, "hook %s %s failed with status %d", hook, arg, st);
  return 0;
}

static int join_cgroups(struct plan *p, pid_t pid, struct kerr *e) {
  char path[4096], num[32];
  int n = snprintf(num, sizeof num, "%d", pid);
  for (size_t i = 0; i < p->cgroups.n; i++) {
    snprintf(path, sizeof path, "%s/cgroup.procs", p->cgroups.v[i]);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return kerr_set(e, errno, "join cgroup %s", p->cgroups.v[i]);
    ssize_t w = write(fd, num, (size_t)n);
    int err = errno;
    close(fd);
    if (w < 0) return kerr_set(e, err, "join cgroup %s", p->cgroups.v[i]);
  }
  return 0;
}

static int check_rlimits(struct plan *p, struct kerr *e) {
  for (size_t i = 0; i < p->nrlimits; i++) {
    struct prlimit *r = &p->rlimits[i];
    struct rlimit cur;
    getrlimit(r->resource, &cur);
    if (cur.rlim_max != RLIM_INFINITY && (r->hard == RLIM_INFINITY || r->hard > cur.rlim_max))
      return kerr_set(e, EPERM, "rlimit %s: hard limit %llu asked, above this host's hard limit %llu (raising it needs CAP_SYS_RESOURCE)",
                      r->name, (unsigned long long)r->hard, (unsigned long long)cur.rlim_max);
    struct rlimit nl = {r->soft, r->hard};
    if (setrlimit(r->resource, &nl) < 0) return kerr_set(e, errno, "setrlimit %s %llu:%llu", r->name, (unsigned long long)r->soft, (unsigned long long)r->hard);
  }
  return 0;
}

static int loopback_up(struct kerr *e) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return kerr_set(e, errno, "socket for loopback");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  int rc = 0;
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) rc = kerr_set(e, errno, "read flags of lo");
  ifr.ifr_flags |= IFF_UP;
  if (rc == 0 && ioctl(s, SIOCSIFFLAGS, &ifr) < 0) rc = kerr_set(e, errno, "bring lo up");
  close(s);
  return rc;
}

/* Opens a pseudo-terminal from the container's own devpts (so ttyname() names it there, as under
 * docker), puts its slave on 0/1/2 for the process, and sends its master to the monitor. */
static int container_terminal(int sock, struct kerr *e) {
  char name[128];
  int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0) return kerr_set(e, errno, "open the container's /dev/ptmx");
  if (unlockpt(m) < 0 || ptsname_r(m, name, sizeof name) != 0) return kerr_set(e, errno, "unlock the container's terminal");
  int slave = open(name, O_RDWR | O_NOCTTY);
  if (slave < 0) return kerr_set(e, errno, "open %s", name);
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } ctl;
  memset(&ctl, 0, sizeof ctl);
  char byte = 't';
  struct iovec iov = {&byte, 1};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
  struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
  h->cmsg_level = SOL_SOCKET;
  h->cmsg_type = SCM_RIGHTS;
  h->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(h), &m, sizeof m);
  if (sendmsg(sock, &msg, 0) != 1) return kerr_set(e, errno, "hand the terminal to the monitor");
  close(m);
  close(sock);
  dup2(slave, 0);
  dup2(slave, 1);
  dup2(slave, 2);
  if (slave > 2) close(slave);
  return 0;
}

/* Monitor side of container_terminal: the master, or -1 when the container failed first. */
static int receive_terminal(int sock) {
  char byte;
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } ctl;
  struct iovec iov = {&byte, 1};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
  ssize_t n;
  do n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  struct cmsghdr *h = n == 1 ? CMSG_FIRSTHDR(&msg) : NULL;
  if (h == NULL || h->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(h), sizeof fd);
  return fd;
}

/* init: runs in the new namespaces once the monitor says go. Never returns. */
static void container_init(struct plan *p, int syncfd, int errfd, int ttyfd) {
  struct kerr e = {0};
  char go;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (read(syncfd, &go, 1) != 1) _exit(125); /* the monitor gave up */
  close(syncfd);
  if ((p->ns_flags & CLONE_NEWUSER) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
    kerr_set(&e, errno, "become root in the user namespace");
    goto fail;
  }
  if ((p->ns_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) {
    kerr_set(&e, errno, "unshare cgroup namespace");
    goto fail;
  }
  umask(022);
  if ((p->ns_flags & CLONE_NEWNET) && loopback_up(&e) < 0) goto fail;
  if (mounts_setup_root(p, &e) < 0) goto fail;
  if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0) {
    kerr_set(&e, errno, "sethostname %s", p->hostname);
    goto fail;
  }
  if (check_rlimits(p, &e) < 0) goto fail;
  if (ttyfd >= 0 && container_terminal(ttyfd, &e) < 0) goto fail;
  int mk = mkdir_p(p->cwd, 0755);
  if (mk < 0) {
    kerr_set(&e, -mk, "create working directory %s", p->cwd);
    goto fail;
  }
  pid_t child = fork();
  if (child < 0) {
    kerr_set(&e, errno, "fork the container process");
    goto fail;
  }
  if (child == 0) process_exec(p, errfd);
  close(errfd);
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) { dup2(null, 0); dup2(null, 1); dup2(null, 2); }
  prctl(PR_SET_NAME, "kiln-init");
  _exit(init_loop(child, -1));
fail:
  report_error(errfd, &e);
  _exit(125);
}

/* exec into a running container: join its cgroups and namespaces, then fork into its PID ns. */
static void join_init(struct plan *p, int syncfd, int errfd, int ttyfd) {
  struct kerr e = {0};
  char go;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (read(syncfd, &go, 1) != 1) _exit(125);
  if (ns_join(p->join, &e) < 0) goto fail;
  if (ttyfd >= 0 && container_terminal(ttyfd, &e) < 0) goto fail;
  pid_t child = fork();
  if (child < 0) { kerr_set(&e, errno, "fork into the container"); goto fail; }
  if (child == 0) process_exec(p, errfd);
  close(errfd);
  _exit(init_loop(child, -1));
fail:
  report_error(errfd, &e);
  _exit(125);
}

/* supervise an OCI runtime (crun/runc run …) instead of our own init: same logs and status */
static void host_command(struct plan *p, int syncfd, const sigset_t *mask) {
  char go;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (read(syncfd, &go, 1) != 1) _exit(125);
  sigprocmask(SIG_SETMASK, mask, NULL);
  /* with a terminal, the runtime's stdio is our pty's slave: crun and runc relay their own
   * container terminal to it, as they do for an interactive user */
  if (!p->keep_stdin && !p->tty) {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) dup2(fd, 0);
  }
  execvp(p->args.v[0], p->args.v);
  fprintf(stderr, "kiln-shim: exec %s: %s\n", p->args.v[0], strerror(errno));
  _exit(127);
}

static int open_terminal(int *master, int *slave, struct kerr *e) {
  char name[128];
  *master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*master < 0) return kerr_set(e, errno, "open a pseudo-terminal");
  if (grantpt(*master) < 0 || unlockpt(*master) < 0 || ptsname_r(*master, name, sizeof name) != 0)
    return kerr_set(e, errno, "unlock the pseudo-terminal");
  *slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*slave < 0) return kerr_set(e, errno, "open %s", name);
  return 0;
}

static void copy_winsize(int master) {
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
}

int main(int argc, char **argv) {
  struct plan p;
  struct kerr e = {0};
  if (argc != 2) {
    fprintf(stderr, "usage: kiln-shim PLAN\n");
    return 125;
  }
  if (plan_load(argv[1], &p, &e) < 0) {
    fprintf(stderr, "kiln-shim: %s\n", e.msg);
    return 125;
  }
  if (p.status_path) status_fd = open(p.status_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  struct logw *log = NULL;
  if (p.log_path && (log = logw_open(p.log_path, p.log_max, p.log_files, &e)) == NULL) {
    status_error(&e);
    return 125;
  }
  if (p.detach) setsid(); /* outlive the caller's session */
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  int sfd = signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK);
  int out[2] = {-1, -1}, err[2] = {-1, -1}, sync[2], errp[2];
  if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
    kerr_set(&e, errno, "pipe");
    status_error(&e);
    return 125;
  }
  if (log && (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)) {
    kerr_set(&e, errno, "pipe");
    status_error(&e);
    return 125;
  }
  /* a container's terminal comes from its own devpts (container_terminal); crun and runc make
   * theirs and relay it to their stdio, which is then a terminal of ours */
  int master = -1, slave = -1, ttyp[2] = {-1, -1};
  if (p.tty && p.host_command && open_terminal(&master, &slave, &e) < 0) {
    status_error(&e);
    return 125;
  }
  if (p.tty && !p.host_command && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ttyp) < 0) {
    kerr_set(&e, errno, "socketpair for the terminal");
    status_error(&e);
    return 125;
  }
  int flags = p.join || p.host_command ? 0 : (p.ns_flags & ~CLONE_NEWCGROUP);
  if ((flags & CLONE_NEWUSER) && p.lowers.n > 0 && idmap_lowers(&p, &e) < 0) {
    idmap_release(&p);
    status_error(&e);
    return 125;
  }
  if (p.join) join_cgroups(&p, getpid(), &e); /* exec'd processes count against the container */
  pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)(flags | SIGCHLD), NULL, NULL, NULL, NULL);
  if (pid < 0) {
    kerr_set(&e, errno, "clone namespaces (flags 0x%x)", flags);
    status_error(&e);
    return 125;
  }
  if (pid == 0) {
    close(sync[1]);
    close(errp[0]);
    if (slave >= 0) {
      dup2(slave, 0);
      dup2(slave, 1);
      dup2(slave, 2);
    } else if (log) {
      dup2(out[1], 1);
      dup2(err[1], 2);
    }
    if (p.host_command) host_command(&p, sync[0], &old);
    if (ttyp[0] >= 0) close(ttyp[0]);
    if (p.join) join_init(&p, sync[0], errp[1], ttyp[1]);
    container_init(&p, sync[0], errp[1], ttyp[1]);
  }
  if (ttyp[1] >= 0) close(ttyp[1]);
  close(sync[0]);
  close(errp[1]);
  if (log) {
    close(out[1]);
    close(err[1]);
  }
  if (slave >= 0) close(slave);
  int rc = 0;
  if (!p.join && (p.ns_flags & CLONE_NEWUSER)) rc = ns_write_idmaps(pid, &p, &e);
  if (rc == 0 && !p.join && !p.host_command) rc = join_cgroups(&p, pid, &e);
  if (rc == 0 && p.hook) rc = run_hook(p.hook, pid, &e);
  if (rc == 0) rc = proxy_listen(&p, &e);
  if (rc < 0) {
    idmap_release(&p);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    status_error(&e);
    return 125;
  }
  (void)!write(sync[1], "g", 1);
  close(sync[1]);
  if (ttyp[0] >= 0) {
    master = receive_terminal(ttyp[0]);
    close(ttyp[0]);
  }
  struct kerr child_err;
  ssize_t got = read(errp[0], &child_err, sizeof child_err);
  close(errp[0]);
  int failed = got == (ssize_t)sizeof child_err;
  idmap_release(&p);
  if (failed) status_error(&child_err);
  else status("\"status\":\"running\",\"pid\":%d", pid);

  struct pollfd fds[3 + 300] = {{sfd, POLLIN, 0}, {out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_pipes = log ? 2 : 0, code = -1;
  struct termios saved;
  int raw = 0;
  if (master >= 0) {
    /* one terminal stream: the master is "stdout", slot 2 relays our stdin to it under -i */
    close(out[0]);
    close(err[0]);
    fds[1].fd = master;
    fds[2].fd = p.keep_stdin && p.attach ? 0 : -1;
    open_pipes = 1;
    if (p.attach && isatty(0) && tcgetattr(0, &saved) == 0) {
      struct termios t = saved;
      cfmakeraw(&t);
      raw = tcsetattr(0, TCSANOW, &t) == 0;
      copy_winsize(master);
    }
  }
  char buf[65536];
  while (code < 0 || open_pipes > 0) {
    int nproxy = code < 0 ? proxy_fill(fds + 3, 300) : 0;
    if (poll(fds, (nfds_t)(3 + nproxy), -1) < 0 && errno != EINTR) break;
    if (nproxy) proxy_handle(fds + 3, nproxy);
    for (int i = 1; i <= 2; i++) {
      if (fds[i].fd < 0 || !fds[i].revents) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (master >= 0 && i == 2) { /* terminal input */
        if (n > 0) (void)!write(master, buf, (size_t)n);
        else fds[2].fd = -1;
        continue;
      }
      if (n > 0) {
        if (log) logw_write(log, i - 1, buf, (size_t)n, 0);
        if (p.attach) (void)!write(i, buf, (size_t)n);
      } else if (n == 0 || errno != EINTR) { /* a terminal master reports EIO once the last slave closes */
        if (log) logw_write(log, i - 1, "", 0, 1);
        close(fds[i].fd);
        fds[i].fd = -1;
        open_pipes--;
      }
    }
    if (fds[0].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGWINCH && master >= 0) copy_winsize(master); /* the kernel signals the pty's group */
        else if (si.ssi_signo != SIGCHLD) kill(pid, (int)si.ssi_signo);
      }
      int st;
      if (code < 0 && waitpid(pid, &st, WNOHANG) == pid)
        code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
  }
  proxy_close();
  logw_close(log);
  if (raw) tcsetattr(0, TCSANOW, &saved);
  {
    if (code > 128) status("\"status\":\"exited\",\"exitCode\":%d,\"signal\":%d", code, code - 128);
    else status("\"status\":\"exited\",\"exitCode\":%d", code);
  }
  return code;
}
