/* The floor (issue: measurement core): what the smallest possible client costs and how
 * precisely it can stamp, on this machine, against the same simulator. A C program with
 * no runtime, one keep-alive connection, sequential streaming requests:
 *
 *   floor PORT REQUESTS MODEL blocking   read() until the response ends: one syscall per
 *                                        token, the least CPU any reader can spend
 *   floor PORT REQUESTS MODEL peek       poll(), then the studio's kernel-stamp peek
 *                                        (MSG_PEEK|MSG_TRUNC recvmsg), then read(): an
 *                                        event loop's shape, with both stamps of the first token
 *
 * Prints one line per request: request id, t0 (before the write), the first token's read
 * time and its kernel arrival stamp (0 in blocking mode), CLOCK_MONOTONIC ns; then
 * "cpu <seconds> reads <n>" for the measured requests. compare.py does the arithmetic. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now(clockid_t c) { struct timespec t; clock_gettime(c, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }
static double cpu(void) {
    struct rusage u; getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
static char scratch[65536], buf[65536];

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: floor PORT REQUESTS MODEL blocking|peek\n"); return 2; }
    int port = atoi(argv[1]), n = atoi(argv[2]), peek = strcmp(argv[4], "peek") == 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (void *)&a, sizeof a)) { perror("connect"); return 1; }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
    if (peek) setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof flags);
    char body[512], req[1024];
    int bl = snprintf(body, sizeof body, "{\"model\":\"%s\",\"stream\":true,\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"Count.\"}]}", argv[3]);
    int rl = snprintf(req, sizeof req, "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", bl, body);
    const int warmup = 20;
    long reads = 0; double cpu0 = 0;
    for (int i = 0; i < warmup + n; i++) {
        if (i == warmup) { cpu0 = cpu(); reads = 0; }
        usleep(5000);  /* as `make bench-measure`: the simulator settles between requests */
        long long t0 = now(CLOCK_MONOTONIC);
        if (write(fd, req, rl) != rl) { perror("write"); return 1; }
        char id[64] = ""; long long user = 0, kernel = 0; int done = 0;
        while (!done) {
            long long stamp = 0;
            if (peek) {
                struct pollfd p = {fd, POLLIN, 0}; poll(&p, 1, -1);
                char control[256];
                struct iovec v = {scratch, sizeof scratch};
                struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
                if (recvmsg(fd, &m, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT) > 0) {
                    long long offset = now(CLOCK_REALTIME) - now(CLOCK_MONOTONIC);
                    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
                        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPING) {
                            struct scm_timestamping *s = (void *)CMSG_DATA(c);
                            stamp = s->ts[0].tv_sec * 1000000000LL + s->ts[0].tv_nsec - offset;
                        }
                }
            }
            ssize_t r = read(fd, buf, sizeof buf - 1);
            long long at = now(CLOCK_MONOTONIC);
            if (r <= 0) { perror("read"); return 1; }
            buf[r] = 0; reads++;
            char *h = strcasestr(buf, "x-sim-request-id: ");
            if (h) sscanf(h + 18, "%63[^\r]", id);
            char *content = strstr(buf, "\"content\":\"");
            if (!user && content && content[11] != '"') { user = at; kernel = stamp; }
            if (r >= 5 && memcmp(buf + r - 5, "0\r\n\r\n", 5) == 0) done = 1;
        }
        if (i >= warmup) printf("%s %lld %lld %lld\n", id, t0, user, kernel);
    }
    printf("cpu %.6f reads %ld\n", cpu() - cpu0, reads);
    return 0;
}
