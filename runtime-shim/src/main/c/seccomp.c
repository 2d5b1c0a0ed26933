/* A seccomp filter with the effect of Docker's default profile on x86_64: the syscalls Docker's
 * allow-list leaves out fail with EPERM unless the container holds the capability Docker's profile
 * ties them to; clone may not create namespaces; clone3 reports ENOSYS so libc falls back to clone;
 * personality is limited to the values Docker allows; other architectures and x32 are refused. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "shim.h"

#define NONE (-1)

/* syscall number, capability that re-allows it (NONE: always denied) */
static const struct {
  int nr;
  int cap;
} denied[] = {
    {SYS_acct, CAP_SYS_PACCT},
    {SYS_add_key, NONE},
    {SYS_bpf, CAP_SYS_ADMIN},
    {SYS_clock_settime, CAP_SYS_TIME},
    {SYS_settimeofday, CAP_SYS_TIME},
    {SYS_create_module, NONE},
    {SYS_delete_module, CAP_SYS_MODULE},
    {SYS_finit_module, CAP_SYS_MODULE},
    {SYS_init_module, CAP_SYS_MODULE},
    {SYS_get_kernel_syms, NONE},
    {SYS_query_module, NONE},
    {SYS_get_mempolicy, CAP_SYS_NICE},
    {SYS_mbind, CAP_SYS_NICE},
    {SYS_set_mempolicy, CAP_SYS_NICE},
    {SYS_move_pages, CAP_SYS_NICE},
    {SYS_migrate_pages, CAP_SYS_NICE},
    {SYS_iopl, CAP_SYS_RAWIO},
    {SYS_ioperm, CAP_SYS_RAWIO},
    {SYS_kcmp, CAP_SYS_PTRACE},
    {SYS_process_vm_readv, CAP_SYS_PTRACE},
    {SYS_process_vm_writev, CAP_SYS_PTRACE},
    {SYS_kexec_file_load, CAP_SYS_BOOT},
    {SYS_kexec_load, CAP_SYS_BOOT},
    {SYS_reboot, CAP_SYS_BOOT},
    {SYS_keyctl, NONE},
    {SYS_request_key, NONE},
    {SYS_lookup_dcookie, CAP_SYS_ADMIN},
    {SYS_mount, CAP_SYS_ADMIN},
    {SYS_umount2, CAP_SYS_ADMIN},
    {SYS_pivot_root, CAP_SYS_ADMIN},
    {SYS_name_to_handle_at, CAP_SYS_ADMIN},
    {SYS_open_by_handle_at, CAP_DAC_READ_SEARCH},
    {SYS_perf_event_open, CAP_SYS_ADMIN},
    {SYS_quotactl, CAP_SYS_ADMIN},
    {SYS_setns, CAP_SYS_ADMIN},
    {SYS_unshare, CAP_SYS_ADMIN},
    {SYS_swapon, CAP_SYS_ADMIN},
    {SYS_swapoff, CAP_SYS_ADMIN},
    {SYS_sysfs, NONE},
    {SYS__sysctl, NONE},
    {SYS_uselib, NONE},
    {SYS_userfaultfd, NONE},
    {SYS_ustat, NONE},
    {SYS_nfsservctl, NONE},
    {SYS_syslog, CAP_SYSLOG},
    {SYS_vhangup, CAP_SYS_TTY_CONFIG},
    {SYS_fsconfig, CAP_SYS_ADMIN},
    {SYS_fsmount, CAP_SYS_ADMIN},
    {SYS_fsopen, CAP_SYS_ADMIN},
    {SYS_fspick, CAP_SYS_ADMIN},
    {SYS_move_mount, CAP_SYS_ADMIN},
    {SYS_open_tree, CAP_SYS_ADMIN},
    {SYS_mount_setattr, CAP_SYS_ADMIN},
    {SYS_io_uring_setup, NONE},
    {SYS_io_uring_enter, NONE},
    {SYS_io_uring_register, NONE},
    {SYS_afs_syscall, NONE},
    {SYS_tuxcall, NONE},
    {SYS_security, NONE},
    {SYS_getpmsg, NONE},
    {SYS_putpmsg, NONE},
    {SYS_vserver, NONE},
};

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)
#define X32_BIT 0x40000000U
#define ERR(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define STMT(code, k) ((struct sock_filter)BPF_STMT(code, k))
#define JUMP(code, k, jt, jf) ((struct sock_filter)BPF_JUMP(code, k, jt, jf))

int seccomp_apply(struct plan *p, struct kerr *e) {
  struct sock_filter f[256];
  unsigned n = 0;
  int has_admin = (p->cap_bnd >> CAP_SYS_ADMIN) & 1;
  f[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
  f[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  f[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  f[n++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_BIT, 0, 1);
  f[n++] = STMT(BPF_RET | BPF_K, ERR(EPERM));
  for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
    if (denied[i].cap != NONE && ((p->cap_bnd >> denied[i].cap) & 1)) continue;
    f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)denied[i].nr, 0, 1);
    f[n++] = STMT(BPF_RET | BPF_K, ERR(EPERM));
  }
  f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
  f[n++] = STMT(BPF_RET | BPF_K, ERR(ENOSYS));
  if (!has_admin) {
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
