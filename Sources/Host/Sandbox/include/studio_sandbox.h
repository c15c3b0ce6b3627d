/* The plugin runner's sandbox and its spawn (docs/plugins.md, "Isolation and trust").
 *
 * Owned by the host. The runner process (`studio plugin-runner`) calls
 * studio_sandbox_apply before it loads any plugin code, so a library's initialisers
 * already run confined. Each protection is independent: one the kernel lacks is reported
 * in `applied` (a bit set of STUDIO_SANDBOX_*) and the others still hold. */
#pragma once
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    STUDIO_SANDBOX_RLIMITS = 1 << 0,   /* address space, CPU, file size, core dumps */
    STUDIO_SANDBOX_SECCOMP = 1 << 1,   /* no new sockets, fork, exec, ptrace, signals out */
    STUDIO_SANDBOX_LANDLOCK = 1 << 2,  /* files: read-only, and only the listed paths */
    STUDIO_SANDBOX_LANDLOCK_NET = 1 << 3,    /* TCP bind/connect refused (Landlock ABI 4+) */
    STUDIO_SANDBOX_LANDLOCK_SCOPE = 1 << 4,  /* signals and abstract sockets stay inside (ABI 6+) */
};

typedef struct studio_sandbox_policy {
    uint64_t address_space_bytes;  /* RLIMIT_AS; 0 leaves it */
    uint64_t cpu_seconds;          /* RLIMIT_CPU for the runner's life; 0 leaves it */
    const char *const *read_paths; /* files or folders readable (and executable) below */
    int read_path_count;
} studio_sandbox_policy_t;

/* Confines the calling process for the rest of its life. Must be called while the
 * process has one thread (Landlock's restrict_self applies to the calling thread and
 * its later children). Returns 0 with `*applied` set, or -1 with errno when a
 * protection the kernel offers could not be installed (then nothing should run). */
int studio_sandbox_apply(const studio_sandbox_policy_t *policy, uint32_t *applied);

/* Starts `path` with `argv`/`envp`, `socket_fd` as its descriptor 3 and every other
 * descriptor closed, working directory "/". Returns the pid, or -1 with errno. */
pid_t studio_sandbox_spawn(const char *path, char *const argv[], char *const envp[], int socket_fd);

#ifdef __cplusplus
}
#endif
