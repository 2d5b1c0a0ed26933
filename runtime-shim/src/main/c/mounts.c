/* Builds the container's file system view inside its mount namespace: overlay root, the plan's
 * mounts, /dev nodes, pivot_root, then runc's masked and read-only paths. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "shim.h"

int mkdir_p(const char *path, mode_t mode) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(buf, mode) < 0 && errno != EEXIST) return -errno;
    *p = '/';
  }
  if (mkdir(buf, mode) < 0 && errno != EEXIST) return -errno;
  return 0;
}

static const struct {
  const char *name;
  int clear;
  unsigned long flag;
} mount_opts[] = {
    {"ro", 0, MS_RDONLY},         {"rw", 1, MS_RDONLY},           {"nosuid", 0, MS_NOSUID},
    {"suid", 1, MS_NOSUID},       {"nodev", 0, MS_NODEV},         {"dev", 1, MS_NODEV},
    {"noexec", 0, MS_NOEXEC},     {"exec", 1, MS_NOEXEC},         {"bind", 0, MS_BIND},
    {"rbind", 0, MS_BIND | MS_REC}, {"relatime", 0, MS_RELATIME}, {"strictatime", 0, MS_STRICTATIME},
    {"noatime", 0, MS_NOATIME},   {"sync", 0, MS_SYNCHRONOUS},    {"private", 0, 0},
    {"rprivate", 0, 0},           {"slave", 0, 0},                {"rslave", 0, 0},
};

/* Splits OCI-style options into flags and file-system data ("mode=755,size=65536k"). */
static unsigned long parse_opts(const char *opts, char *data, size_t cap) {
  unsigned long flags = 0;
  data[0] = 0;
  char *dup = strdup(opts), *save = NULL;
  for (char *o = strtok_r(dup, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
    size_t i, n = sizeof mount_opts / sizeof mount_opts[0];
    for (i = 0; i < n; i++)
      if (!strcmp(o, mount_opts[i].name)) break;
    if (i < n) {
      if (mount_opts[i].clear) flags &= ~mount_opts[i].flag;
      else flags |= mount_opts[i].flag;
    } else {
      size_t l = strlen(data);
      snprintf(data + l, cap - l, "%s%s", l ? "," : "", o);
    }
  }
  free(dup);
  return flags;
}

static int make_dev_nodes(const char *dev, int in_userns, struct kerr *e) {
  static const struct {
    const char *name;
    unsigned maj, min;
  } nodes[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
  char path[4200], host[64];
  for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dev, nodes[i].name);
    if (!in_userns) {
      if (mknod(path, S_IFCHR | 0666, makedev(nodes[i].maj, nodes[i].min)) < 0)
        return kerr_set(e, errno, "mknod %s", path);
      chmod(path, 0666); /* umask must not narrow the standard modes */
    } else {
      /* a user namespace may not mknod: bind the host's node instead */
      snprintf(host, sizeof host, "/dev/%s", nodes[i].name);
      int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
      if (fd >= 0) close(fd);
      if (mount(host, path, NULL, MS_BIND, NULL) < 0) return kerr_set(e, errno, "bind %s to %s", host, path);
    }
  }
  static const char *links[][2] = {{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"},
                                    {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
                                    {"pts/ptmx", "ptmx"}, {"/proc/kcore", "core"}};
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dev, links[i][1]);
    if (symlink(links[i][0], path) < 0 && errno != EEXIST) return kerr_set(e, errno, "symlink %s", path);
  }
  return 0;
}

static int do_mount(const char *root, struct pmount *m, int in_userns, struct kerr *e) {
  char dst[4096], data[4096];
  snprintf(dst, sizeof dst, "%s%s", root, m->dst);
  unsigned long flags = parse_opts(m->opts, data, sizeof data);
  struct stat st;
  int is_bind = (flags & MS_BIND) != 0;
  if (is_bind && stat(m->src, &st) < 0) return kerr_set(e, errno, "mount %s: bind source %s", m->dst, m->src);
  if (is_bind && !S_ISDIR(st.st_mode)) {
    /* a file bind needs a file to mount over */
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", dst);
    char *slash = strrchr(parent, '/');
    if (slash) { *slash = 0; mkdir_p(parent, 0755); }
    int fd = open(dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd >= 0) close(fd);
  } else {
    int r = mkdir_p(dst, 0755);
    if (r < 0) return kerr_set(e, -r, "mount %s: mkdir %s", m->dst, dst);
  }
  const char *type = is_bind ? NULL : m->type;
  if (mount(m->src, dst, type, flags & ~(is_bind ? MS_RDONLY : 0), data[0] ? data : NULL) < 0)
    return kerr_set(e, errno, "mount %s (%s from %s)", m->dst, m->type, m->src);
  /* bind mounts ignore most flags until remounted */
  if (is_bind && (flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC))) {
    if (mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | (flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)), NULL) < 0)
      return kerr_set(e, errno, "remount %s read-only", m->dst);
  }
  if (!strcmp(m->dst, "/dev") && !strcmp(m->type, "tmpfs")) return make_dev_nodes(dst, in_userns, e);
  return 0;
}

static int mask_path(const char *path, struct kerr *e) {
  struct stat st;
  if (stat(path, &st) < 0) return 0; /* nothing to mask */
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k") < 0) return kerr_set(e, errno, "mask %s", path);
  } else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
    return kerr_set(e, errno, "mask %s", path);
  }
  return 0;
}

static int readonly_path(const char *path, struct kerr *e) {
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
    if (errno == ENOENT) return 0;
    return kerr_set(e, errno, "bind %s for read-only", path);
  }
  if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
    return kerr_set(e, errno, "remount %s read-only", path);
  return 0;
}

int mounts_setup_root(struct plan *p, struct kerr *e) {
  int in_userns = (p->ns_flags & CLONE_NEWUSER) != 0;
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) return kerr_set(e, errno, "make mounts private");
  if (p->storage) {
    char data[128];
    snprintf(data, sizeof data, "size=%s,mode=0755", p->storage_size);
    if (mount("kiln-storage", p->storage, "tmpfs", MS_NOSUID | MS_NODEV, data) < 0)
      return kerr_set(e, errno, "mount storage tmpfs %s (%s)", p->storage, data);
    if (mkdir(p->upper, 0755) < 0 && errno != EEXIST) return kerr_set(e, errno, "mkdir upper %s", p->upper);
    if (mkdir(p->work, 0755) < 0 && errno != EEXIST) return kerr_set(e, errno, "mkdir work %s", p->work);
  }
  if (p->lowers.n > 0) {
    char data[8192];
    size_t l = (size_t)snprintf(data, sizeof data, "lowerdir=");
    for (size_t i = 0; i < p->lowers.n; i++)
      l += (size_t)snprintf(data + l, sizeof data - l, "%s%s", i ? ":" : "", p->lowers.v[i]);
    if (p->upper) l += (size_t)snprintf(data + l, sizeof data - l, ",upperdir=%s,workdir=%s", p->upper, p->work);
    if (l >= sizeof data) return kerr_set(e, E2BIG, "overlay options for %s longer than %zu bytes", p->rootfs, sizeof data);
    if (mount("overlay", p->rootfs, "overlay", 0, data) < 0)
      return kerr_set(e, errno, "mount overlay at %s (%s)", p->rootfs, data);
  } else if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) {
    return kerr_set(e, errno, "bind rootfs %s", p->rootfs);
  }
  int rc;
  for (size_t i = 0; i < p->nmounts; i++)
    if ((rc = do_mount(p->rootfs, &p->mounts[i], in_userns, e)) < 0) return rc;
  if (chdir(p->rootfs) < 0) return kerr_set(e, errno, "chdir %s", p->rootfs);
  if (syscall(SYS_pivot_root, ".", ".") < 0) return kerr_set(e, errno, "pivot_root %s", p->rootfs);
  /* the old root now sits under the new one: detach it */
  if (umount2(".", MNT_DETACH) < 0) return kerr_set(e, errno, "detach old root");
  if (chdir("/") < 0) return kerr_set(e, errno, "chdir /");
  for (size_t i = 0; i < p->masked.n; i++)
    if ((rc = mask_path(p->masked.v[i], e)) < 0) return rc;
  for (size_t i = 0; i < p->readonly.n; i++)
    if ((rc = readonly_path(p->readonly.v[i], e)) < 0) return rc;
  if (p->readonly_root && mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
    return kerr_set(e, errno, "remount / read-only");
  return 0;
}
