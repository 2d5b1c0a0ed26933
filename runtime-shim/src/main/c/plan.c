/* Reads shim.plan: one item per line, "key<TAB>field<TAB>field...", fields escaped with \\ \t \n.
 * The Java side (PlanWriter) is the only writer; the shim never parses JSON. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "shim.h"

void strv_push(struct strv *s, char *value) {
  s->v = realloc(s->v, (s->n + 2) * sizeof(char *));
  if (s->v == NULL) abort();
  s->v[s->n++] = value;
  s->v[s->n] = NULL;
}

static void unescape(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (*r == '\\' && r[1]) {
      r++;
      *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r;
    } else {
      *w++ = *r;
    }
  }
  *w = 0;
}

static const struct {
  const char *name;
  int resource;
} rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},       {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},   {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},   {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
};

static int ns_flag(const char *name) {
  static const struct {
    const char *n;
    int f;
  } t[] = {{"mount", CLONE_NEWNS},  {"pid", CLONE_NEWPID},       {"uts", CLONE_NEWUTS},
           {"ipc", CLONE_NEWIPC},   {"network", CLONE_NEWNET},   {"cgroup", CLONE_NEWCGROUP},
           {"user", CLONE_NEWUSER}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (strcmp(t[i].n, name) == 0) return t[i].f;
  return 0;
}

static int need(struct kerr *e, int lineno, const char *key, int have, int want) {
  if (have < want) return kerr_set(e, EINVAL, "plan line %d: %s needs %d fields, got %d", lineno, key, want, have);
  return 0;
}

int plan_load(const char *path, struct plan *p, struct kerr *e) {
  memset(p, 0, sizeof *p);
  p->log_files = 1;
  p->cwd = "/";
  FILE *f = fopen(path, "re");
  if (f == NULL) return kerr_set(e, errno, "read plan %s", path);
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  int lineno = 0, rc = 0;
  while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
    lineno++;
    if (len > 0 && line[len - 1] == '\n') line[--len] = 0;
    if (len == 0 || line[0] == '#') continue;
    char *fields[8] = {0};
    int nf = 0;
    char *save = NULL;
    char *dup = strdup(line);
    for (char *t = strtok_r(dup, "\t", &save); t && nf < 8; t = strtok_r(NULL, "\t", &save)) {
      unescape(t);
      fields[nf++] = t;
    }
    /* an empty trailing field (e.g. mount data "") is written as "-" */
    for (int i = 1; i < nf; i++)
      if (strcmp(fields[i], "-") == 0) fields[i] = "";
    if (nf == 0) { free(dup); continue; }
    const char *k = fields[0];
    int n = nf - 1;
    char **a = fields + 1;
    if (!strcmp(k, "rootfs") && !(rc = need(e, lineno, k, n, 1))) p->rootfs = a[0];
    else if (!strcmp(k, "lower") && !(rc = need(e, lineno, k, n, 1))) strv_push(&p->lowers, a[0]);
    else if (!strcmp(k, "upper") && !(rc = need(e, lineno, k, n, 2))) { p->upper = a[0]; p->work = a[1]; }
    else if (!strcmp(k, "storage") && !(rc = need(e, lineno, k, n, 2))) { p->storage = a[0]; p->storage_size = a[1]; }
    else if (!strcmp(k, "namespace") && !(rc = need(e, lineno, k, n, 1))) {
      int fl = ns_flag(a[0]);
      if (fl == 0) rc = kerr_set(e, EINVAL, "plan line %d: unknown namespace %s", lineno, a[0]);
      p->ns_flags |= fl;
    } else if (!strcmp(k, "uidmap") && !(rc = need(e, lineno, k, n, 3))) {
      char *s; if (asprintf(&s, "%s %s %s\n", a[0], a[1], a[2]) < 0) abort(); strv_push(&p->uidmap, s);
    } else if (!strcmp(k, "gidmap") && !(rc = need(e, lineno, k, n, 3))) {
      char *s; if (asprintf(&s, "%s %s %s\n", a[0], a[1], a[2]) < 0) abort(); strv_push(&p->gidmap, s);
    } else if (!strcmp(k, "mount") && !(rc = need(e, lineno, k, n, 4))) {
      p->mounts = realloc(p->mounts, (p->nmounts + 1) * sizeof *p->mounts);
      p->mounts[p->nmounts++] = (struct pmount){a[0], a[1], a[2], a[3]};
    } else if (!strcmp(k, "masked") && !(rc = need(e, lineno, k, n, 1))) strv_push(&p->masked, a[0]);
    else if (!strcmp(k, "readonly") && !(rc = need(e, lineno, k, n, 1))) strv_push(&p->readonly, a[0]);
    else if (!strcmp(k, "readonly-root")) p->readonly_root = 1;
    else if (!strcmp(k, "hostname") && !(rc = need(e, lineno, k, n, 1))) p->hostname = a[0];
    else if (!strcmp(k, "rlimit") && !(rc = need(e, lineno, k, n, 3))) {
      int res = -1;
      for (size_t i = 0; i < sizeof rlimit_names / sizeof rlimit_names[0]; i++)
        if (!strcmp(rlimit_names[i].name, a[0])) res = rlimit_names[i].resource;
      if (res < 0) { rc = kerr_set(e, EINVAL, "plan line %d: unknown rlimit %s", lineno, a[0]); break; }
      p->rlimits = realloc(p->rlimits, (p->nrlimits + 1) * sizeof *p->rlimits);
      struct prlimit *r = &p->rlimits[p->nrlimits++];
      r->resource = res;
      snprintf(r->name, sizeof r->name, "%s", a[0] + 7);
      r->soft = strtoull(a[1], NULL, 10);
      r->hard = strtoull(a[2], NULL, 10);
    } else if (!strcmp(k, "no-new-privileges")) p->no_new_privs = 1;
    else if (!strcmp(k, "capabilities") && !(rc = need(e, lineno, k, n, 5))) {
      p->cap_bnd = strtoull(a[0], NULL, 16); p->cap_eff = strtoull(a[1], NULL, 16);
      p->cap_prm = strtoull(a[2], NULL, 16); p->cap_inh = strtoull(a[3], NULL, 16);
      p->cap_amb = strtoull(a[4], NULL, 16);
    } else if (!strcmp(k, "seccomp-deny") && !(rc = need(e, lineno, k, n, 2))) {
      p->seccomp = 1;
      p->denied = realloc(p->denied, (p->ndenied + 1) * sizeof *p->denied);
      p->denied[p->ndenied].nr = atoi(a[0]);
      p->denied[p->ndenied++].errnum = atoi(a[1]);
    } else if (!strcmp(k, "seccomp-deny-clone-namespaces")) {
      p->seccomp = 1;
      p->deny_clone_ns = 1;
    }
    else if (!strcmp(k, "user") && !(rc = need(e, lineno, k, n, 2))) {
      p->uid = (uid_t)strtoul(a[0], NULL, 10); p->gid = (gid_t)strtoul(a[1], NULL, 10);
    } else if (!strcmp(k, "group") && !(rc = need(e, lineno, k, n, 1))) strv_push(&p->groups, a[0]);
    else if (!strcmp(k, "cwd") && !(rc = need(e, lineno, k, n, 1))) p->cwd = a[0];
    else if (!strcmp(k, "env") && !(rc = need(e, lineno, k, n, 1))) strv_push(&p->env, a[0]);
    else if (!strcmp(k, "arg") && !(rc = need(e, lineno, k, n, 1))) strv_push(&p->args, a[0]);
    else if (!strcmp(k, "cgroup") && !(rc = need(e, lineno, k, n, 1))) strv_push(&p->cgroups, a[0]);
    else if (!strcmp(k, "log") && !(rc = need(e, lineno, k, n, 3))) {
      p->log_path = a[0]; p->log_max = strtoll(a[1], NULL, 10); p->log_files = atoi(a[2]);
    } else if (!strcmp(k, "status") && !(rc = need(e, lineno, k, n, 1))) p->status_path = a[0];
    else if (!strcmp(k, "attach")) p->attach = 1;
    else if (!strcmp(k, "detach")) p->detach = 1;
    else if (!strcmp(k, "publish") && !(rc = need(e, lineno, k, n, 3))) {
      char *s;
      if (asprintf(&s, "%s %s %s", a[0], a[1], a[2]) < 0) abort();
      strv_push(&p->publish, s);
    }
    else if (!strcmp(k, "host-command")) p->host_command = 1;
    else if (!strcmp(k, "stdin")) p->keep_stdin = 1;
    else if (!strcmp(k, "tty")) p->tty = 1;
    else if (!strcmp(k, "hook") && !(rc = need(e, lineno, k, n, 1))) p->hook = a[0];
    else if (!strcmp(k, "join") && !(rc = need(e, lineno, k, n, 1))) p->join = (pid_t)atoi(a[0]);
    else if (rc == 0) rc = kerr_set(e, EINVAL, "plan line %d: unknown key %s", lineno, k);
  }
  free(line);
  fclose(f);
  if (rc == 0 && p->args.n == 0) rc = kerr_set(e, EINVAL, "plan %s: no arg lines (nothing to run)", path);
  if (rc == 0 && p->rootfs == NULL && p->join == 0 && !p->host_command) rc = kerr_set(e, EINVAL, "plan %s: no rootfs line", path);
  return rc;
}
