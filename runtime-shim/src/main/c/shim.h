/* kiln-shim: shared declarations. Every fallible function returns 0 or -errno and fills a kerr. */
#ifndef KILN_SHIM_H
#define KILN_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* An error: the step that failed, its errno and a message naming the object. */
struct kerr {
  int errnum;
  char msg[1024];
};

int kerr_set(struct kerr *e, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A growable NULL-terminated vector of strings. */
struct strv {
  char **v;
  size_t n;
};
void strv_push(struct strv *s, char *value);

struct pmount {
  char *src, *dst, *type, *opts;
};

struct prlimit {
  int resource;
  char name[16];
  rlim_t soft, hard;
};

/* The flat run plan the Java side writes (see plan.c for the line format). */
struct plan {
  char *rootfs;       /* where the root is assembled; an existing dir when no lower is given */
  struct strv lowers; /* read-only layers, top-most first */
  char *upper, *work, *storage, *storage_size;
  int ns_flags;
  struct strv uidmap, gidmap;
  struct pmount *mounts;
  size_t nmounts;
  struct strv masked, readonly;
  int readonly_root;
  char *hostname;
  struct prlimit *rlimits;
  size_t nrlimits;
  int no_new_privs;
  uint64_t cap_bnd, cap_eff, cap_prm, cap_inh, cap_amb;
  int seccomp;
  struct { int nr, errnum; } *denied;
  size_t ndenied;
  int deny_clone_ns;
  uid_t uid;
  gid_t gid;
  struct strv groups;
  char *cwd;
  struct strv env, args, cgroups;
  char *log_path;
  long long log_max;
  int log_files;
  char *status_path;
  int attach, keep_stdin, tty;
  char *hook;
  pid_t join;
  int host_command, detach;
  struct strv idmapped; /* ID-mapped clones of the lowers, detached once the container runs */
  struct strv publish; /* "HOSTPORT ADDRESS PORT" */
};

/* plan.c */
int plan_load(const char *path, struct plan *p, struct kerr *e);

/* mounts.c */
int mounts_setup_root(struct plan *p, struct kerr *e);
int mkdir_p(const char *path, mode_t mode);

/* caps.c */
int caps_apply(struct plan *p, struct kerr *e);

/* seccomp.c */
int seccomp_apply(struct plan *p, struct kerr *e);

/* idmap.c */
int ns_write_idmaps(pid_t pid, struct plan *p, struct kerr *e);
int idmap_lowers(struct plan *p, struct kerr *e);
void idmap_release(struct plan *p);

/* ns.c */
int ns_join(pid_t target, struct kerr *e);
void process_exec(struct plan *p, int errfd) __attribute__((noreturn));
int init_loop(pid_t main_child, int errfd);

/* logs.c */
struct logw;
struct logw *logw_open(const char *path, long long max, int files, struct kerr *e);
void logw_write(struct logw *w, int stream, const char *data, size_t len, int final);
void logw_close(struct logw *w);

/* proxy.c */
struct pollfd;
int proxy_listen(struct plan *p, struct kerr *e);
int proxy_fill(struct pollfd *fds, int max);
void proxy_handle(struct pollfd *fds, int n);
void proxy_close(void);

/* status reporting (main.c) */
void report_error(int fd, const struct kerr *e);

#endif
