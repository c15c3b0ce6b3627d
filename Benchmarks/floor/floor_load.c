/* The load floor (issue: load mode): the smallest possible closed-loop client, C with
 * epoll, CONNECTIONS keep-alive connections each sending its next streaming request as the
 * last one ends, against the simulator. Prints CPU-seconds per 1,000 requests over the
 * measured ones (after one warm-up request per connection), reads per request, and the
 * achieved rate.
 *
 *   floor_load PORT CONNECTIONS REQUESTS MODEL plain|peek
 *
 * `peek` adds the studio's kernel-stamp peek (MSG_PEEK|MSG_TRUNC recvmsg) before each read. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/net_tstamp.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double cpu(void) {
    struct rusage u; getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
static double wall(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static char buf[65536], scratch[65536];

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: floor_load PORT CONNECTIONS REQUESTS MODEL plain|peek\n"); return 2; }
    int port = atoi(argv[1]), c = atoi(argv[2]), n = atoi(argv[3]), peek = strcmp(argv[5], "peek") == 0;
    char body[512], req[1024];
    int bl = snprintf(body, sizeof body, "{\"model\":\"%s\",\"stream\":true,\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"Count.\"}]}", argv[4]);
    int rl = snprintf(req, sizeof req, "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", bl, body);
    int ep = epoll_create1(0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    int one = 1, flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
    for (int i = 0; i < c; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (void *)&a, sizeof a)) { perror("connect"); return 1; }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (peek) setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof flags);
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        if (write(fd, req, rl) != rl) { perror("write"); return 1; }
    }
    long sent = c, done = 0, reads = 0, measuredReads = 0; double cpu0 = 0, wall0 = 0;
    struct epoll_event events[256];
    while (done < c + n) {
        int k = epoll_wait(ep, events, 256, -1);
        for (int e = 0; e < k; e++) {
            int fd = events[e].data.fd;
            if (peek) {
                char control[256];
                struct iovec v = {scratch, sizeof scratch};
                struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
                recvmsg(fd, &m, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
            }
            ssize_t r = read(fd, buf, sizeof buf);
            if (r <= 0) { perror("read"); return 1; }
            reads++;
            if (r >= 5 && memcmp(buf + r - 5, "0\r\n\r\n", 5) == 0) {
                done++;
                if (done == c) { cpu0 = cpu(); wall0 = wall(); measuredReads = reads; }
                if (sent < c + n) { sent++; if (write(fd, req, rl) != rl) { perror("write"); return 1; } }
            }
        }
    }
    double used = cpu() - cpu0, seconds = wall() - wall0;
    printf("%s c=%d: %d requests, %.1f reads/request, %.3f CPU-s per 1k requests, %.1f req/s\n", argv[5], c, n,
           (double)(reads - measuredReads) / n, used / n * 1000, n / seconds);
    return 0;
}
