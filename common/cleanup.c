#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fsutil.h"

#define CLEANUP_SLOTS 256
#define HOOK_SLOTS    16

/* The registry tables: the only process-wide mutable state, because the
 * signal thread has no other way to find what is in flight. */
static char *cleanup_paths[CLEANUP_SLOTS];
static struct {
    cleanup_hook hook;
    void *arg;
} cleanup_hooks[HOOK_SLOTS];
static pthread_mutex_t cleanup_lock = PTHREAD_MUTEX_INITIALIZER;
/* Held by a step that must finish once begun; the signal thread waits
 * for it before cleaning up. */
static pthread_mutex_t cleanup_defer_lock = PTHREAD_MUTEX_INITIALIZER;
/* Set once a signal has arrived: the deferred step must not go on to
 * exit with its own status while the signal thread cleans up. */
static atomic_int cleanup_interrupted;

void cleanup_defer(void)
{
    pthread_mutex_lock(&cleanup_defer_lock);
}

void cleanup_resume(void)
{
    pthread_mutex_unlock(&cleanup_defer_lock);
    if (atomic_load(&cleanup_interrupted))
        for (;;)
            pause();
}

void cleanup_settle(void)
{
    cleanup_defer();
    cleanup_resume();
}

/* A full table only means an interrupt finds the file by the sweep of
 * the run's own temporaries instead. */
static void register_locked(const char *path)
{
    for (int i = 0; i < CLEANUP_SLOTS; i++) {
        if (cleanup_paths[i] == NULL) {
            cleanup_paths[i] = xstrdup(path);
            break;
        }
    }
}

void cleanup_unregister(const char *path)
{
    pthread_mutex_lock(&cleanup_lock);
    for (int i = 0; i < CLEANUP_SLOTS; i++) {
        if (cleanup_paths[i] && strcmp(cleanup_paths[i], path) == 0) {
            free(cleanup_paths[i]);
            cleanup_paths[i] = NULL;
            break;
        }
    }
    pthread_mutex_unlock(&cleanup_lock);
}

void cleanup_register_hook(cleanup_hook hook, void *arg)
{
    pthread_mutex_lock(&cleanup_lock);
    for (int i = 0; i < HOOK_SLOTS; i++) {
        if (cleanup_hooks[i].hook == NULL) {
            cleanup_hooks[i].hook = hook;
            cleanup_hooks[i].arg = arg;
            break;
        }
    }
    pthread_mutex_unlock(&cleanup_lock);
}

void cleanup_unregister_hook(cleanup_hook hook, void *arg)
{
    pthread_mutex_lock(&cleanup_lock);
    for (int i = 0; i < HOOK_SLOTS; i++) {
        if (cleanup_hooks[i].hook == hook && cleanup_hooks[i].arg == arg) {
            cleanup_hooks[i].hook = NULL;
            cleanup_hooks[i].arg = NULL;
            break;
        }
    }
    pthread_mutex_unlock(&cleanup_lock);
}

static void *cleanup_signal_thread(void *arg)
{
    sigset_t *set = arg;
    int sig = 0;
    while (sigwait(set, &sig) != 0)
        ;
    atomic_store(&cleanup_interrupted, 1);
    /* Both held until exit: no step that must finish is cut short, and no
     * worker may register or commit meanwhile. */
    pthread_mutex_lock(&cleanup_defer_lock);
    pthread_mutex_lock(&cleanup_lock);
    int removed = 0;
    for (int i = 0; i < CLEANUP_SLOTS; i++)
        if (cleanup_paths[i] && unlink(cleanup_paths[i]) == 0)
            removed++;
    for (int i = 0; i < HOOK_SLOTS; i++)
        if (cleanup_hooks[i].hook)
            cleanup_hooks[i].hook(cleanup_hooks[i].arg);
    fprintf(stderr,
            "assetgen: interrupted by signal %d; %d partial file%s removed; the "
            "complete artifacts that manifest.json lists were kept\n",
            sig, removed, removed == 1 ? "" : "s");
    fflush(stderr);
    _exit(128 + sig);
}

void cleanup_install_signal_handlers(void)
{
    static sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_t thread;
    if (pthread_create(&thread, NULL, cleanup_signal_thread, &set) == 0)
        pthread_detach(thread);
}

char *cleanup_temp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int dir_len = slash ? (int)(slash - path + 1) : 0;
    return xasprintf("%.*s.%s.tmp-%ld-XXXXXX", dir_len, path, base, (long)getpid());
}

int cleanup_create_temp(const char *path, int directory, char **temp_path, struct ag_error *err)
{
    *temp_path = NULL;
    pthread_mutex_lock(&cleanup_lock);
    int fd = -1;
    char *name = NULL;
    if (mkdir_for_file(path, err) == AG_OK) {
        name = cleanup_temp_name(path);
        if (directory)
            fd = mkdtemp(name) ? 0 : -1;
        else
            fd = mkstemp(name);
        if (fd < 0) {
            int e = errno;
            ag_error_set(err, ag_status_for_errno(e), "cannot create %s: %s", name, strerror(e));
            free(name);
            name = NULL;
        } else if (!directory) {
            register_locked(name);
        }
    }
    pthread_mutex_unlock(&cleanup_lock);
    *temp_path = name;
    return fd;
}

/* The pid that made a temporary (".<name>.tmp-<pid>-XXXXXX"), 0 when the
 * name carries none, -1 when it is not a temporary at all. */
static long temp_owner(const char *name)
{
    const char *mark = strstr(name, ".tmp-");
    if (name[0] != '.' || mark == NULL)
        return -1;
    char *end = NULL;
    long pid = strtol(mark + 5, &end, 10);
    if (end == mark + 5 || *end != '-' || pid <= 0)
        return 0;
    return pid;
}

static int owner_gone(long pid)
{
    return pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int cleanup_hold_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* Whether a temporary's maker is gone. A temporary directory is a live
 * run's while it holds it (cleanup_hold_dir), in any pid namespace; an
 * unheld one counts as gone once its pid is, or once it has sat a minute
 * (a pid from another namespace says nothing here). */
static int temporary_gone(const char *path, const struct stat *st, long owner)
{
    if (!S_ISDIR(st->st_mode))
        return owner_gone(owner);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return owner_gone(owner);
    int held = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    if (held)
        return 0;
    return owner_gone(owner) || time(NULL) - st->st_mtime > 60;
}

typedef void (*owned_fn)(void *ctx, const char *path, const struct stat *st, long owner);

struct owned_walk {
    owned_fn found;
    void *ctx;
};

/* A temporary directory (a run's staging area) is reported whole, not
 * walked into. */
static enum walk_step visit_temporary(void *ctx, const char *path, const char *name,
                                      const struct stat *st)
{
    const struct owned_walk *walk = ctx;
    long owner = temp_owner(name);
    if (owner < 0)
        return WALK_INTO;
    walk->found(walk->ctx, path, st, owner);
    return WALK_NEXT;
}

static void each_owned_temporary(const char *dir, owned_fn found, void *ctx)
{
    struct owned_walk walk = {found, ctx};
    walk_tree(dir, visit_temporary, &walk);
}

struct report_ctx {
    temporary_fn found;
    void *ctx;
};

static void report_owned(void *ctx, const char *path, const struct stat *st, long owner)
{
    struct report_ctx *rc = ctx;
    rc->found(rc->ctx, path, temporary_gone(path, st, owner));
}

void cleanup_each_temporary(const char *dir, temporary_fn found, void *ctx)
{
    struct report_ctx rc = {found, ctx};
    each_owned_temporary(dir, report_owned, &rc);
}

static void remove_if_gone(void *ctx, const char *path, const struct stat *st, long owner)
{
    (void)ctx;
    if (temporary_gone(path, st, owner))
        remove_tree(path);
}

void cleanup_stale_temporaries(const char *dir)
{
    each_owned_temporary(dir, remove_if_gone, NULL);
}

static void remove_if_mine(void *ctx, const char *path, const struct stat *st, long owner)
{
    (void)ctx;
    (void)st;
    if (owner == (long)getpid())
        remove_tree(path);
}

void cleanup_own_temporaries(const char *dir)
{
    each_owned_temporary(dir, remove_if_mine, NULL);
}
