#ifndef ASSETGEN_PROGRESS_TICKER_H
#define ASSETGEN_PROGRESS_TICKER_H

#include <pthread.h>
#include <stdint.h>

/* A thread that measures the bytes a directory holds about four times a
 * second and reports them: the progress of a run writing there, with no
 * counting inside the writers. */
typedef void (*progress_tick_fn)(void *ctx, uint64_t bytes);

struct progress_ticker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop;
    int running;
    char *dir;
    progress_tick_fn tick;
    void *ctx;
};

/* Starts ticking; if no thread can be made there is simply no progress. */
void progress_ticker_start(struct progress_ticker *t, const char *dir, progress_tick_fn tick,
                           void *ctx);
/* Stops the thread and waits for it; safe on a ticker never started. */
void progress_ticker_stop(struct progress_ticker *t);

#endif
