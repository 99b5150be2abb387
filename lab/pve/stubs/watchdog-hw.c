/*
 * LAB STAND-IN for the hardware watchdog (/dev/watchdog, softdog on a Proxmox VE node), preloaded into the real
 * watchdog-mux built from pve-ha-manager (LD_PRELOAD, set by the lab in /etc/default/pve-ha-manager, the unit's own
 * EnvironmentFile). The real device would reset this shared machine; this one resets the lab host instead.
 *
 * As the kernel's watchdog does: opening /dev/watchdog arms it; WDIOC_SETTIMEOUT sets the timeout (watchdog-mux asks
 * for 10 s), WDIOC_KEEPALIVE or any write feeds it; writing 'V' before close disarms it (magic close); a close
 * without 'V', or the opener dying, leaves it armed. Once armed and not fed within the timeout, the host is reset:
 * "watchdog-reset" is written to /run/lab/watchdog-reset (the host's state directory, which the lab watches from
 * outside and answers with its power cut, lab/lab.sh). The countdown runs in a process of its own
 * ("lab-watchdog-hw"), so killing watchdog-mux does not stop it, as killing it does not stop real hardware.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define DEV "/dev/watchdog"
#define RESET_FILE "/run/lab/watchdog-reset"

static int dev_fd = -1; /* the write end of the pipe to the countdown process */

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* The "hardware": reads the pipe ('K' feed, 'V' magic, 'T' + 4 bytes timeout); EOF without 'V' keeps counting. */
static void countdown(int in) {
    prctl(PR_SET_NAME, "lab-watchdog-hw");
    int timeout = 60, magic = 0, open_end = 1;
    double fed = now();
    openlog("watchdog-hw", LOG_PID, LOG_DAEMON);
    syslog(LOG_INFO, "lab watchdog armed");
    for (;;) {
        double left = fed + timeout - now();
        if (left <= 0) {
            syslog(LOG_CRIT, "lab watchdog expired after %d s without a feed: resetting the host", timeout);
            FILE *f = fopen(RESET_FILE, "w");
            if (f) {
                fprintf(f, "watchdog-reset\n");
                fclose(f);
            }
            pause(); /* the power cut ends this process with the host */
        }
        if (!open_end) {
            sleep(1);
            continue;
        }
        struct pollfd p = {.fd = in, .events = POLLIN};
        if (poll(&p, 1, left < 1 ? (int)(left * 1000) + 1 : 1000) <= 0)
            continue;
        char buf[256];
        ssize_t n = read(in, buf, sizeof(buf));
        if (n <= 0) {
            if (magic) {
                syslog(LOG_INFO, "lab watchdog disarmed (magic close)");
                _exit(0);
            }
            open_end = 0; /* closed or its opener died: still armed, as real hardware */
            syslog(LOG_WARNING, "lab watchdog closed without magic close: still armed");
            continue;
        }
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == 'T' && i + 4 < n) {
                memcpy(&timeout, buf + i + 1, 4);
                i += 4;
            }
            magic = buf[i] == 'V';
            fed = now();
        }
    }
}

static int send_dev(const void *data, size_t len) {
    return write(dev_fd, data, len) == (ssize_t)len ? 0 : -1;
}

int stat(const char *path, struct stat *st) {
    static int (*real)(const char *, struct stat *);
    if (!real)
        real = dlsym(RTLD_NEXT, "stat");
    if (strcmp(path, DEV) == 0) {
        memset(st, 0, sizeof(*st));
        st->st_mode = S_IFCHR | 0600;
        st->st_rdev = makedev(10, 130);
        return 0;
    }
    return real(path, st);
}

int open(const char *path, int flags, ...) {
    static int (*real)(const char *, int, ...);
    if (!real)
        real = dlsym(RTLD_NEXT, "open");
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    if (strcmp(path, DEV) != 0)
        return real(path, flags, mode);
    if (dev_fd != -1) {
        errno = EBUSY; /* one opener at a time, as the kernel's */
        return -1;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) == -1)
        return -1;
    pid_t child = fork();
    if (child == 0) {
        if (fork() != 0)
            _exit(0);
        setsid();
        close(p[1]);
        countdown(p[0]);
        _exit(0);
    }
    close(p[0]);
    if (child > 0)
        waitpid(child, NULL, 0);
    signal(SIGPIPE, SIG_IGN);
    dev_fd = p[1];
    return dev_fd;
}

int ioctl(int fd, unsigned long request, ...) {
    static int (*real)(int, unsigned long, ...);
    if (!real)
        real = dlsym(RTLD_NEXT, "ioctl");
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (fd != dev_fd || fd == -1)
        return real(fd, request, arg);
    if (request == WDIOC_SETTIMEOUT) {
        char msg[5] = {'T'};
        memcpy(msg + 1, arg, 4);
        return send_dev(msg, sizeof(msg));
    }
    if (request == WDIOC_GETSUPPORT) {
        struct watchdog_info *info = arg;
        memset(info, 0, sizeof(*info));
        info->options = WDIOF_SETTIMEOUT | WDIOF_MAGICCLOSE | WDIOF_KEEPALIVEPING;
        snprintf((char *)info->identity, sizeof(info->identity), "lab watchdog (stand-in)");
        return 0;
    }
    if (request == WDIOC_KEEPALIVE)
        return send_dev("K", 1);
    errno = ENOTTY;
    return -1;
}

/* open under its large-file name too (glibc aliases the two on 64-bit; a binary may link either). */
int open64(const char *path, int flags, ...) __attribute__((alias("open")));
