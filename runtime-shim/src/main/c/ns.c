/* Namespace work that is not mounts: ID maps, joining a running container, the final exec of the
 * container process, and the init loop PID 1 runs (reaping zombies, forwarding signals). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim.h"

int ns_join(pid_t target, struct kerr *e) {
  /* user first so the rest are joined with its privileges; mnt last so /proc stays the host's */
  static const char *names[] = {"user", "cgroup", "ipc", "uts", "net", "pid", "mnt"};
  int fds[7];
  char path[64], self[64];
  for (int i = 0; i < 7; i++) {
    snprintf(path, sizeof path, "/proc/%d/ns/%s", target, names[i]);
    snprintf(self, sizeof self, "/proc/self/ns/%s", names[i]);
    struct stat a, b;
    fds[i] = -1;
    /* joining the namespace we are already in is an error for user namespaces */
    if (stat(path, &a) < 0) return kerr_set(e, errno, "container process %d: %s", target, path);
    if (stat(self, &b) == 0 && a.st_ino == b.st_ino) continue;
    fds[i] = open(path, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) return kerr_set(e, errno, "open %s", path);
  }
  for (int i = 0; i < 7; i++) {
    if (fds[i] < 0) continue;
    if (setns(fds[i], 0) < 0) return kerr_set(e, errno, "setns %s of process %d", names[i], target);
    close(fds[i]);
  }
  return 0;
}

/* Finds FILE on the container's PATH like execvp, but with the container's environment. */
static int resolve(struct plan *p, const char *file, char *out, size_t cap) {
  if (strchr(file, '/')) {
    snprintf(out, cap, "%s", file);
    return access(out, F_OK) == 0 ? 0 : -errno;
  }
  const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (size_t i = 0; i < p->env.n; i++)
    if (!strncmp(p->env.v[i], "PATH=", 5)) path = p->env.v[i] + 5;
  char *dup = strdup(path), *save = NULL;
  int rc = -ENOENT;
  for (char *d = strtok_r(dup, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
    snprintf(out, cap, "%s/%s", *d ? d : ".", file);
    struct stat st;
    if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
      rc = 0;
      if (access(out, X_OK) == 0) break;
      rc = -EACCES;
    }
  }
  free(dup);
  return rc;
}

void process_exec(struct plan *p, int errfd) {
  struct kerr e = {0};
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, NULL);
  for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
  int rc, code = 125;
  if (!p->keep_stdin && !p->tty) {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) { dup2(fd, 0); close(fd); }
  }
  setsid();
  /* the pseudo-terminal on 0/1/2 becomes the controlling terminal of the new session */
  if (p->tty && ioctl(0, TIOCSCTTY, 0) < 0) { rc = kerr_set(&e, errno, "make the terminal controlling"); goto fail; }
  /* without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it before dropping capabilities
   * (the calls left before exec — setuid, capset, chdir, execve — are all allowed by it) */
  if (!p->no_new_privs && p->seccomp && (rc = seccomp_apply(p, &e)) < 0) goto fail;
  if ((rc = caps_apply(p, &e)) < 0) goto fail;
  if (chdir(p->cwd) < 0) { rc = kerr_set(&e, errno, "chdir to working directory %s", p->cwd); code = 126; goto fail; }
  char exe[4096];
  if ((rc = resolve(p, p->args.v[0], exe, sizeof exe)) < 0) {
    code = rc == -ENOENT ? 127 : 126;
    kerr_set(&e, -rc, "exec %s: %s", p->args.v[0], rc == -ENOENT ? "executable file not found in $PATH" : "permission denied");
    goto fail;
  }
  if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) { rc = kerr_set(&e, errno, "set no_new_privs"); goto fail; }
  if (p->no_new_privs && p->seccomp && (rc = seccomp_apply(p, &e)) < 0) goto fail;
  execve(exe, p->args.v, p->env.v ? p->env.v : (char *[]){NULL});
  code = errno == ENOENT ? 127 : 126;
  kerr_set(&e, errno, "exec %s", exe);
fail:
  report_error(errfd, &e);
  _exit(code);
}

/* PID 1: waits for MAIN, reaps every other child, forwards signals to MAIN. Returns the exit code
 * to report: the main process's status, or 128+N when a signal ended it. */
int init_loop(pid_t main_child, int errfd) {
  (void)errfd;
  sigset_t all;
  sigfillset(&all);
  int sfd = signalfd(-1, &all, SFD_CLOEXEC);
  for (;;) {
    int status;
    pid_t w;
    while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
      if (w == main_child) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    struct signalfd_siginfo si;
    if (read(sfd, &si, sizeof si) != sizeof si) {
      if (errno == EINTR) continue;
      return 125;
    }
    if (si.ssi_signo != SIGCHLD) kill(main_child, (int)si.ssi_signo);
  }
}
