#include "common/progress_ticker.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/fsutil.h"

#define TICK_NANOSECONDS 250000000L

static void *ticker_main(void *arg)
{
    struct progress_ticker *t = arg;
    pthread_mutex_lock(&t->lock);
    while (!t->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += TICK_NANOSECONDS;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&t->wake, &t->lock, &until) != ETIMEDOUT || t->stop)
            continue;
        pthread_mutex_unlock(&t->lock);
        t->tick(t->ctx, tree_bytes(t->dir));
        pthread_mutex_lock(&t->lock);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

void progress_ticker_start(struct progress_ticker *t, const char *dir, progress_tick_fn tick,
                           void *ctx)
{
    memset(t, 0, sizeof *t);
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->wake, NULL);
    t->dir = xstrdup(dir);
    t->tick = tick;
    t->ctx = ctx;
    t->running = pthread_create(&t->thread, NULL, ticker_main, t) == 0;
}

void progress_ticker_stop(struct progress_ticker *t)
{
    if (t->dir == NULL)
        return;
    if (t->running) {
        pthread_mutex_lock(&t->lock);
        t->stop = 1;
        pthread_cond_signal(&t->wake);
        pthread_mutex_unlock(&t->lock);
        pthread_join(t->thread, NULL);
    }
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t->dir);
    memset(t, 0, sizeof *t);
}
