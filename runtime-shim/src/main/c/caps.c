/* Capability sets: bounding set first, then uid change with kept caps, then capset and ambient. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

static int last_cap(void) {
  int last = CAP_LAST_CAP;
  /* the running kernel may know more or fewer than our headers */
  for (int c = 63; c > 0; c--)
    if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0) return c;
  return last;
}

int caps_apply(struct plan *p, struct kerr *e) {
  int last = last_cap();
  for (int c = 0; c <= last; c++)
    if (!(p->cap_bnd & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
      return kerr_set(e, errno, "drop capability %d from the bounding set", c);
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return kerr_set(e, errno, "keep capabilities");
  gid_t groups[64];
  size_t ng = 0;
  for (; ng < p->groups.n && ng < 64; ng++) groups[ng] = (gid_t)strtoul(p->groups.v[ng], NULL, 10);
  if (setgroups(ng, groups) < 0 && errno != EPERM) return kerr_set(e, errno, "setgroups");
  if (setresgid(p->gid, p->gid, p->gid) < 0) return kerr_set(e, errno, "setgid %u", p->gid);
  if (setresuid(p->uid, p->uid, p->uid) < 0) return kerr_set(e, errno, "setuid %u", p->uid);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return kerr_set(e, errno, "clear keep capabilities");
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {
      {(uint32_t)p->cap_eff, (uint32_t)p->cap_prm, (uint32_t)p->cap_inh},
      {(uint32_t)(p->cap_eff >> 32), (uint32_t)(p->cap_prm >> 32), (uint32_t)(p->cap_inh >> 32)}};
  if (syscall(SYS_capset, &hdr, data) < 0) return kerr_set(e, errno, "capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return kerr_set(e, errno, "clear ambient capabilities");
  for (int c = 0; c <= last; c++)
    if ((p->cap_amb & (1ULL << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      return kerr_set(e, errno, "raise ambient capability %d", c);
  return 0;
}
