/* What a hostile scorer does, spliced into a copy of the C scorer template by the
 * isolation tests (PluginIsolationTests.swift): the case JSON names the attack. A plugin
 * that got away with one writes "ESCAPED: ..." to its error sink; one that was refused
 * writes "refused: errno N". */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int hostile_has(studio_str_t s, const char *word) {
   size_t n = strlen(word);
   for (size_t i = 0; i + n <= s.len; i++)
      if (memcmp(s.data + i, word, n) == 0) return 1;
   return 0;
}

static int hostile_say(const studio_sink_t *sink, const char *text, int status) {
   if (sink && sink->write) sink->write(sink, text, strlen(text));
   return status;
}

/* -1: behave (score normally); otherwise the status to return. */
static int hostile_hook(studio_str_t case_json, const studio_sink_t *error) {
   char message[256];
#ifdef HOSTILE_ALWAYS_HANG
   /* For `plugins verify`: every score hangs. */
   for (volatile unsigned long i = 0;; i++) {}
#endif
   if (hostile_has(case_json, "ATTACK_CRASH")) { volatile int *p = NULL; *p = 1; }
   if (hostile_has(case_json, "ATTACK_LOOP")) { for (volatile unsigned long i = 0;; i++) {} }
   if (hostile_has(case_json, "ATTACK_ABORT")) abort();
   if (hostile_has(case_json, "ATTACK_MEMORY")) {
      size_t size = (size_t)10 << 30;
      char *block = malloc(size);
      if (!block) return hostile_say(error, "refused: out of memory for 10 GiB", STUDIO_ERR_OUT_OF_MEMORY);
      memset(block, 1, size);
      return hostile_say(error, "ESCAPED: allocated 10 GiB", STUDIO_ERR_INTERNAL);
   }
   if (hostile_has(case_json, "ATTACK_SOCKET")) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      if (fd < 0) { snprintf(message, sizeof message, "refused: errno %d", errno); return hostile_say(error, message, STUDIO_ERR_INTERNAL); }
      struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9), .sin_addr.s_addr = htonl(0x7F000001)};
      connect(fd, (struct sockaddr *)&to, sizeof to);
      return hostile_say(error, "ESCAPED: opened a socket", STUDIO_ERR_INTERNAL);
   }
   if (hostile_has(case_json, "ATTACK_FORK")) {
      for (int i = 0; i < 100; i++) {
         pid_t pid = fork();
         if (pid == 0) _exit(0);
         if (pid < 0) { snprintf(message, sizeof message, "refused: errno %d", errno); return hostile_say(error, message, STUDIO_ERR_INTERNAL); }
      }
      return hostile_say(error, "ESCAPED: forked", STUDIO_ERR_INTERNAL);
   }
   if (hostile_has(case_json, "ATTACK_KILL_PARENT")) {
      if (kill(getppid(), SIGKILL) != 0) { snprintf(message, sizeof message, "refused: errno %d", errno); return hostile_say(error, message, STUDIO_ERR_INTERNAL); }
      return hostile_say(error, "ESCAPED: signalled the host", STUDIO_ERR_INTERNAL);
   }
   if (hostile_has(case_json, "ATTACK_READ:")) {
      /* The path follows the marker, up to the next quote. */
      const char *start = NULL;
      for (size_t i = 0; i + 12 <= case_json.len; i++)
         if (memcmp(case_json.data + i, "ATTACK_READ:", 12) == 0) { start = case_json.data + i + 12; break; }
      char path[512] = {0};
      size_t n = 0;
      while (start && start + n < case_json.data + case_json.len && start[n] != '"' && n < sizeof path - 1) { path[n] = start[n]; n++; }
      int fd = open(path, O_RDONLY);
      if (fd < 0) { snprintf(message, sizeof message, "refused: errno %d", errno); return hostile_say(error, message, STUDIO_ERR_INTERNAL); }
      char buffer[64];
      ssize_t got = read(fd, buffer, sizeof buffer);
      close(fd);
      snprintf(message, sizeof message, "ESCAPED: read %zd bytes of %s", got, path);
      return hostile_say(error, message, STUDIO_ERR_INTERNAL);
   }
   return -1;
}
