/* The plugin runner's confinement: rlimits, a seccomp filter and Landlock
 * (studio_sandbox.h says who calls it and when). Written in C because the filter is a
 * BPF program of structs and the Landlock calls are raw syscalls: neither has a Swift
 * face, and this file is small enough to read whole. */
#define _GNU_SOURCE
#include "studio_sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- Landlock: the uapi constants, spelled out because build machines' headers lag the
 * kernels they run on (the kernel ignores nothing: unknown bits are refused, so the
 * rights asked for are trimmed to what the running ABI knows). */
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

struct studio_landlock_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};
struct studio_landlock_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_FS_EXECUTE (1ULL << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_READ_FILE (1ULL << 2)
#define LL_FS_READ_DIR (1ULL << 3)
#define LL_FS_ABI1_ALL ((1ULL << 13) - 1) /* EXECUTE .. MAKE_SYM */
#define LL_FS_REFER (1ULL << 13)          /* ABI 2 */
#define LL_FS_TRUNCATE (1ULL << 14)       /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15)      /* ABI 5 */
#define LL_NET_BIND_TCP (1ULL << 0)       /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)

static int apply_landlock(const studio_sandbox_policy_t *policy, uint32_t *applied) {
    long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
    if (abi < 1) return 0; /* not built into this kernel, or disabled: reported, not fatal */

    struct studio_landlock_ruleset_attr attr = {0};
    size_t attr_size = offsetof(struct studio_landlock_ruleset_attr, handled_access_net);
    attr.handled_access_fs = LL_FS_ABI1_ALL;
    if (abi >= 2) attr.handled_access_fs |= LL_FS_REFER;
    if (abi >= 3) attr.handled_access_fs |= LL_FS_TRUNCATE;
    if (abi >= 5) attr.handled_access_fs |= LL_FS_IOCTL_DEV;
    if (abi >= 4) {
        attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
        attr_size = offsetof(struct studio_landlock_ruleset_attr, scoped);
    }
    if (abi >= 6) {
        attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
        attr_size = sizeof attr;
    }
    int ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr, attr_size, 0);
    if (ruleset < 0) return -1;

    for (int i = 0; i < policy->read_path_count; i++) {
        int fd = open(policy->read_paths[i], O_PATH | O_CLOEXEC);
        if (fd < 0) continue; /* a path that does not exist grants nothing */
        struct studio_landlock_path_beneath_attr rule = {
            .allowed_access = LL_FS_EXECUTE | LL_FS_READ_FILE | LL_FS_READ_DIR, .parent_fd = fd};
        /* A file (not a folder) may only carry file rights. */
        struct stat st;
        if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) rule.allowed_access = LL_FS_EXECUTE | LL_FS_READ_FILE;
        long added = syscall(__NR_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &rule, 0);
        close(fd);
        if (added < 0) { close(ruleset); return -1; }
    }
    if (syscall(__NR_landlock_restrict_self, ruleset, 0) < 0) { close(ruleset); return -1; }
    close(ruleset);
    *applied |= STUDIO_SANDBOX_LANDLOCK;
    if (abi >= 4) *applied |= STUDIO_SANDBOX_LANDLOCK_NET;
    if (abi >= 6) *applied |= STUDIO_SANDBOX_LANDLOCK_SCOPE;
    return 0;
}

/* ---- seccomp: a deny list. A pure plugin computes on bytes it is handed; it never needs
 * to open a socket, start a process, trace one or signal another, and the runtime it
 * links (libc, Swift, Rust std) does none of that while decoding or scoring. */
#if defined(__x86_64__)
#define STUDIO_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define STUDIO_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#define LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define LOAD_ARG0_LOW BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]))
#define RETURN(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define DENY(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), RETURN(SECCOMP_RET_ERRNO | EPERM)
/* The calls no pure plugin makes by accident: the process is killed with SIGSYS, which the
 * host reports by name (a plugin that tries the network is stopped, not just refused). */
#define KILL(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), RETURN(SECCOMP_RET_KILL_PROCESS)

static int apply_seccomp(uint32_t *applied) {
#ifdef STUDIO_AUDIT_ARCH
    uint32_t self = (uint32_t)getpid();
    struct sock_filter program[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, STUDIO_AUDIT_ARCH, 1, 0),
        RETURN(SECCOMP_RET_KILL_PROCESS),
        LOAD_NR,
        KILL(__NR_socket), KILL(__NR_socketpair), KILL(__NR_connect), KILL(__NR_bind),
        KILL(__NR_listen), KILL(__NR_accept), KILL(__NR_accept4),
#ifdef __NR_fork
        KILL(__NR_fork),
#endif
#ifdef __NR_vfork
        KILL(__NR_vfork),
#endif
        KILL(__NR_execve), KILL(__NR_execveat), KILL(__NR_ptrace),
        KILL(__NR_process_vm_readv), KILL(__NR_process_vm_writev),
        DENY(__NR_tkill), DENY(__NR_pidfd_open), DENY(__NR_pidfd_send_signal),
        DENY(__NR_unshare), DENY(__NR_setns), DENY(__NR_mount), DENY(__NR_chroot),
        DENY(__NR_bpf), DENY(__NR_perf_event_open), DENY(__NR_keyctl), DENY(__NR_add_key),
        DENY(__NR_io_uring_setup),
        /* clone3 hides its flags in memory the filter cannot read: ENOSYS makes libc fall
         * back to clone, whose flags it can. */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1), RETURN(SECCOMP_RET_ERRNO | ENOSYS),
        /* clone: threads yes (CLONE_THREAD), processes no. */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 4), LOAD_ARG0_LOW,
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1), RETURN(SECCOMP_RET_ALLOW),
        RETURN(SECCOMP_RET_KILL_PROCESS),
        /* kill and tgkill: only this process (abort() and raise() signal themselves). */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_kill, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_tgkill, 0, 4), LOAD_ARG0_LOW,
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, self, 0, 1), RETURN(SECCOMP_RET_ALLOW),
        RETURN(SECCOMP_RET_ERRNO | EPERM),
        RETURN(SECCOMP_RET_ALLOW),
    };
    struct sock_fprog fprog = {.len = (unsigned short)(sizeof program / sizeof program[0]), .filter = program};
    if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fprog) != 0) return -1;
    *applied |= STUDIO_SANDBOX_SECCOMP;
#else
    (void)applied;
#endif
    return 0;
}

static int apply_rlimits(const studio_sandbox_policy_t *policy, uint32_t *applied) {
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0) return -1;   /* a crash dumps nothing */
    if (setrlimit(RLIMIT_FSIZE, &none) != 0) return -1;  /* and writes no file */
    if (policy->address_space_bytes) {
        struct rlimit as = {policy->address_space_bytes, policy->address_space_bytes};
        if (setrlimit(RLIMIT_AS, &as) != 0) return -1;
    }
    if (policy->cpu_seconds) {
        /* The soft limit sends SIGXCPU (the host reports the signal); the hard one, a
         * second later, SIGKILL for a plugin that ignores it. */
        struct rlimit cpu = {policy->cpu_seconds, policy->cpu_seconds + 1};
        if (setrlimit(RLIMIT_CPU, &cpu) != 0) return -1;
    }
    *applied |= STUDIO_SANDBOX_RLIMITS;
    return 0;
}

int studio_sandbox_apply(const studio_sandbox_policy_t *policy, uint32_t *applied) {
    *applied = 0;
    /* The runner dies with its host, and can never gain privileges (required before an
     * unprivileged seccomp filter or Landlock domain). */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return -1;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
    if (prctl(PR_SET_DUMPABLE, 0) != 0) return -1; /* no ptrace or /proc/<pid>/mem from peers */
    if (apply_rlimits(policy, applied) != 0) return -1;
    if (apply_landlock(policy, applied) != 0) return -1;
    return apply_seccomp(applied);
}

pid_t studio_sandbox_spawn(const char *path, char *const argv[], char *const envp[], int socket_fd) {
    posix_spawn_file_actions_t actions;
    if (posix_spawn_file_actions_init(&actions) != 0) return -1;
    int failed = posix_spawn_file_actions_adddup2(&actions, socket_fd, 3)
        || posix_spawn_file_actions_addclosefrom_np(&actions, 4)
        || posix_spawn_file_actions_addchdir_np(&actions, "/");
    /* Standard input reads nothing; anything a plugin prints goes to the host's standard
     * error, never into a command's --json output (its log lines go through the host's
     * scrubber instead, over the socket). */
    if (!failed) failed = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        || posix_spawn_file_actions_adddup2(&actions, 2, 1);
    pid_t pid = -1;
    if (!failed) {
        int rc = posix_spawn(&pid, path, &actions, NULL, argv, envp);
        if (rc != 0) { errno = rc; pid = -1; }
    } else {
        errno = failed;
    }
    posix_spawn_file_actions_destroy(&actions);
    return pid;
}
