/* The pause image's only program: it holds a pod's namespaces open and does nothing else.
 * It sleeps until SIGTERM or SIGINT and then exits 0, so sandboxes stop promptly. As a pod's
 * init process (PID 1 with a shared PID namespace) it also reaps orphaned children, which
 * would otherwise pile up as zombies. Linked statically: the image holds no libc. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested = 0;

static void on_stop(int sig) {
  (void)sig;
  stop_requested = 1;
}

static void on_child(int sig) {
  (void)sig;
  const int saved_errno = errno;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved_errno;
}

static int install(int sig, void (*handler)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART | (sig == SIGCHLD ? SA_NOCLDSTOP : 0);
  return sigaction(sig, &sa, NULL);
}

int main(int argc, char** argv) {
  (void)argc;
  (void)argv;
  /* Without explicit handlers, PID 1 in a PID namespace ignores SIGTERM and SIGINT. */
  if (install(SIGTERM, on_stop) != 0 || install(SIGINT, on_stop) != 0 ||
      install(SIGCHLD, on_child) != 0) {
    perror("pause: sigaction");
    return 1;
  }
  /* Blocking the stop signals outside sigsuspend() closes the window in which one could arrive
   * after the flag check but before the wait, and be slept through. */
  sigset_t stop_signals, wait_mask;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  if (sigprocmask(SIG_BLOCK, &stop_signals, &wait_mask) != 0) {
    perror("pause: sigprocmask");
    return 1;
  }
  sigdelset(&wait_mask, SIGTERM);
  sigdelset(&wait_mask, SIGINT);
  while (!stop_requested) sigsuspend(&wait_mask);
  return 0;
}
