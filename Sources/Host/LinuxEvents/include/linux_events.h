/* The Linux event interfaces the transport's socket loop uses (SocketLoop.swift), which
 * Swift's Glibc module does not bring in: epoll, eventfd, timerfd. */
#ifndef STUDIO_LINUX_EVENTS_H
#define STUDIO_LINUX_EVENTS_H
#ifdef __linux__
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#endif
#endif
