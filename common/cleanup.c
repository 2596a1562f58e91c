#include "common/cleanup.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#define CLEANUP_SLOTS 256

/* The registry table: the only process-wide mutable state, as a signal
 * handler can reach nothing else. */
static struct {
    atomic_int used;
    char path[PATH_MAX];
} cleanup_slots[CLEANUP_SLOTS];
static pthread_mutex_t cleanup_lock = PTHREAD_MUTEX_INITIALIZER;

void cleanup_register(const char *path)
{
    if (strlen(path) >= PATH_MAX)
        return;
    pthread_mutex_lock(&cleanup_lock);
    for (int i = 0; i < CLEANUP_SLOTS; i++) {
        if (atomic_load(&cleanup_slots[i].used))
            continue;
        strcpy(cleanup_slots[i].path, path);
        atomic_store(&cleanup_slots[i].used, 1);
        break;
    }
    pthread_mutex_unlock(&cleanup_lock);
}

void cleanup_unregister(const char *path)
{
    pthread_mutex_lock(&cleanup_lock);
    for (int i = 0; i < CLEANUP_SLOTS; i++) {
        if (atomic_load(&cleanup_slots[i].used) && strcmp(cleanup_slots[i].path, path) == 0) {
            atomic_store(&cleanup_slots[i].used, 0);
            break;
        }
    }
    pthread_mutex_unlock(&cleanup_lock);
}

static void cleanup_on_signal(int sig)
{
    for (int i = 0; i < CLEANUP_SLOTS; i++)
        if (atomic_load(&cleanup_slots[i].used))
            unlink(cleanup_slots[i].path);
    static const char msg[] = "assetgen: interrupted; partial files removed, complete "
                              "artifacts and the previous manifest kept\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    _exit(128 + sig);
}

void cleanup_install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cleanup_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}
