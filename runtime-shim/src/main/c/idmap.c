/* User namespaces: ID maps, and ID-mapped lower layers. A container root that is an unprivileged
 * host ID could not create a file anywhere in an image whose files belong to host root; so each
 * lower dir is cloned as an ID-mapped mount (mount_setattr MOUNT_ATTR_IDMAP, Linux 5.12+) through a
 * helper user namespace with the container's maps, and the overlay is built from those clones. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim.h"

static int write_file(const char *path, const char *data, struct kerr *e) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return kerr_set(e, errno, "open %s", path);
  ssize_t w = write(fd, data, strlen(data));
  int err = errno;
  close(fd);
  if (w < 0) return kerr_set(e, err, "write %s", path);
  return 0;
}

static int write_map(pid_t pid, const char *file, struct strv *lines, struct kerr *e) {
  char path[64], buf[4096];
  buf[0] = 0;
  for (size_t i = 0; i < lines->n; i++) strncat(buf, lines->v[i], sizeof buf - strlen(buf) - 1);
  snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
  return write_file(path, buf, e);
}

int ns_write_idmaps(pid_t pid, struct plan *p, struct kerr *e) {
  int rc = write_map(pid, "uid_map", &p->uidmap, e);
  return rc < 0 ? rc : write_map(pid, "gid_map", &p->gidmap, e);
}

int idmap_lowers(struct plan *p, struct kerr *e) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0) return kerr_set(e, errno, "pipe for the ID-map helper");
  pid_t helper = fork();
  if (helper < 0) return kerr_set(e, errno, "fork the ID-map helper");
  if (helper == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    char c = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
    (void)!write(ready[1], &c, 1);
    pause();
    _exit(0);
  }
  close(ready[1]);
  char c = 'n';
  (void)!read(ready[0], &c, 1);
  close(ready[0]);
  int rc = c == 'y' ? ns_write_idmaps(helper, p, e) : kerr_set(e, EPERM, "ID-map helper: unshare user namespace");
  int userns = -1;
  if (rc == 0) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/user", helper);
    userns = open(path, O_RDONLY | O_CLOEXEC);
    if (userns < 0) rc = kerr_set(e, errno, "open %s", path);
  }
  for (size_t i = 0; rc == 0 && i < p->lowers.n; i++) {
    char *staging;
    if (asprintf(&staging, "%s.lower%zu", p->rootfs, i) < 0) abort();
    if (mkdir(staging, 0700) < 0 && errno != EEXIST) { rc = kerr_set(e, errno, "mkdir %s", staging); break; }
    int tree = open_tree(AT_FDCWD, p->lowers.v[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (tree < 0) { rc = kerr_set(e, errno, "clone the mount of layer %s", p->lowers.v[i]); break; }
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
    if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
      rc = kerr_set(e, errno, "ID-map layer %s (needs Linux 5.12+ and a file system that supports it)", p->lowers.v[i]);
    else if (move_mount(tree, "", AT_FDCWD, staging, MOVE_MOUNT_F_EMPTY_PATH) < 0)
      rc = kerr_set(e, errno, "attach ID-mapped layer at %s", staging);
    close(tree);
    strv_push(&p->idmapped, staging);
    p->lowers.v[i] = staging;
  }
  if (userns >= 0) close(userns);
  kill(helper, SIGKILL);
  waitpid(helper, NULL, 0);
  return rc;
}

void idmap_release(struct plan *p) {
  /* the container's mount namespace holds its own copies (made private before use) */
  for (size_t i = 0; i < p->idmapped.n; i++) {
    umount2(p->idmapped.v[i], MNT_DETACH);
    rmdir(p->idmapped.v[i]);
  }
}
