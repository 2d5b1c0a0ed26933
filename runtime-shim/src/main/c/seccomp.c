/* The seccomp BPF: x86_64 only (other architectures are killed, x32 numbers refused), then the
 * plan's denied syscall numbers (SeccompProfile.java holds the table: Docker's default profile as a
 * deny list), clone without namespace flags when asked, clone3 as ENOSYS so libc falls back to
 * clone, and personality limited to the values Docker allows. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "shim.h"

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)
#define X32_BIT 0x40000000U
#define ERR(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define STMT(code, k) ((struct sock_filter)BPF_STMT(code, k))
#define JUMP(code, k, jt, jf) ((struct sock_filter)BPF_JUMP(code, k, jt, jf))

int seccomp_apply(struct plan *p, struct kerr *e) {
  struct sock_filter f[512];
  unsigned n = 0;
  if (p->ndenied > 200) return kerr_set(e, E2BIG, "seccomp: %zu denied syscalls, at most 200", p->ndenied);
  f[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
  f[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  f[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  f[n++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_BIT, 0, 1);
  f[n++] = STMT(BPF_RET | BPF_K, ERR(EPERM));
  for (size_t i = 0; i < p->ndenied; i++) {
    f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)p->denied[i].nr, 0, 1);
    f[n++] = STMT(BPF_RET | BPF_K, ERR(p->denied[i].errnum));
  }
  f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
  f[n++] = STMT(BPF_RET | BPF_K, ERR(ENOSYS));
  if (p->deny_clone_ns) {
    /* clone(flags, ...): namespaces need CAP_SYS_ADMIN in Docker's profile */
    f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4);
    f[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
    f[n++] = JUMP(BPF_JMP | BPF_JSET | BPF_K, NS_FLAGS, 0, 1);
    f[n++] = STMT(BPF_RET | BPF_K, ERR(EPERM));
    f[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  }
  /* personality: only PER_LINUX, PER_LINUX32, UNAME26 variants and the query value */
  f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_personality, 0, 8);
  f[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
  f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0, 4, 0);
  f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x8, 3, 0);
  f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x20000, 2, 0);
  f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x20008, 1, 0);
  f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffff, 0, 1);
  f[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  f[n++] = STMT(BPF_RET | BPF_K, ERR(EPERM));
  f[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  struct sock_fprog prog = {.len = (unsigned short)n, .filter = f};
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) return kerr_set(e, errno, "load seccomp filter");
  return 0;
}
