#include "common/digest_workers.h"

#include <openssl/evp.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common/fsutil.h"

/* Nanoseconds per MiB before a kind has been timed on this machine: the
 * order without SHA extensions, where sha256 is the slowest. Measured
 * costs replace these after the first parallel chunk. */
static const unsigned long long digest_default_cost[DIGEST_KINDS] = {[DIGEST_MD5] = 1900000,
                                                                     [DIGEST_SHA1] = 1100000,
                                                                     [DIGEST_SHA256] = 2600000,
                                                                     [DIGEST_SHA512] = 1700000};

struct digest_workers {
    pthread_mutex_t lock;
    pthread_cond_t posted; /* a new chunk, or stop */
    pthread_cond_t done;   /* the last kind of the chunk finished */
    unsigned long long generation;
    int stop;
    /* The chunk in hand, and its kinds in the order they are handed out. */
    const unsigned char *data;
    size_t len;
    int order[DIGEST_KINDS];
    int kinds, next, unfinished;
    /* Copied from the set, so a worker never reads the set itself. */
    EVP_MD_CTX *ctx[DIGEST_KINDS];
    /* The least nanoseconds per MiB seen for each kind: preemption only ever
     * adds time, so the minimum is the cost. */
    unsigned long long cost[DIGEST_KINDS];
    pthread_t thread[DIGEST_KINDS];
    int threads;
};

static unsigned long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* Takes kinds of the current chunk until none is left. Called and returns
 * with w->lock held; the hashing itself runs unlocked. */
static void hash_claimed(struct digest_workers *w)
{
    while (w->next < w->kinds) {
        int k = w->order[w->next++];
        const unsigned char *data = w->data;
        size_t len = w->len;
        pthread_mutex_unlock(&w->lock);
        unsigned long long start = now_ns();
        EVP_DigestUpdate(w->ctx[k], data, len);
        unsigned long long per_mib = (now_ns() - start) * (1ull << 20) / (len ? len : 1);
        pthread_mutex_lock(&w->lock);
        if (w->cost[k] == 0 || per_mib < w->cost[k])
            w->cost[k] = per_mib;
        if (--w->unfinished == 0)
            pthread_cond_signal(&w->done);
    }
}

static void *worker_run(void *arg)
{
    struct digest_workers *w = arg;
    unsigned long long seen = 0;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->stop && w->generation == seen)
            pthread_cond_wait(&w->posted, &w->lock);
        if (w->stop)
            break;
        seen = w->generation;
        hash_claimed(w);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static int default_start(void *ctx, pthread_t *thread, void *(*run)(void *), void *arg)
{
    (void)ctx;
    return pthread_create(thread, NULL, run, arg);
}

static void join_and_free(struct digest_workers *w)
{
    pthread_mutex_lock(&w->lock);
    while (w->unfinished > 0) /* a posted chunk is finished first */
        pthread_cond_wait(&w->done, &w->lock);
    w->stop = 1;
    pthread_cond_broadcast(&w->posted);
    pthread_mutex_unlock(&w->lock);
    for (int i = 0; i < w->threads; i++)
        pthread_join(w->thread[i], NULL);
    pthread_cond_destroy(&w->done);
    pthread_cond_destroy(&w->posted);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

/* Threads hashing one chunk, the caller's included. */
static int lane_count(const struct digest_set *set)
{
    int kinds = 0;
    for (int k = 0; k < DIGEST_KINDS; k++)
        kinds += set->ctx[k] != NULL;
    if (kinds < 2)
        return kinds;
    long lanes = set->thread_limit;
    if (lanes == 0)
        lanes = sysconf(_SC_NPROCESSORS_ONLN);
    return lanes < kinds ? (int)(lanes < 1 ? 1 : lanes) : kinds;
}

int digest_workers_start(struct digest_set *set)
{
    if (set->workers != NULL)
        return 0;
    if (set->serial_only)
        return -1;
    int lanes = lane_count(set);
    if (lanes < 2) {
        set->serial_only = 1; /* nothing to share, or one core: never ask again */
        return -1;
    }
    struct digest_workers *w = xmalloc(sizeof *w);
    *w = (struct digest_workers){0};
    for (int k = 0; k < DIGEST_KINDS; k++)
        w->ctx[k] = set->ctx[k];
    if (pthread_mutex_init(&w->lock, NULL) != 0) {
        free(w);
        set->serial_only = 1;
        return -1;
    }
    if (pthread_cond_init(&w->posted, NULL) != 0 || pthread_cond_init(&w->done, NULL) != 0) {
        /* Destroying a condition variable that failed to initialise is
         * undefined, so a failure here leaks it rather than risk that. */
        pthread_mutex_destroy(&w->lock);
        free(w);
        set->serial_only = 1;
        return -1;
    }
    digest_thread_start_fn start = set->start_thread ? set->start_thread : default_start;
    /* Workers take no asynchronous signals: those belong to the threads the
     * program set up to handle them. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int failed = 0;
    /* One thread a lane: the caller may also hash (an update) or go on
     * with other work meanwhile (a posted chunk). */
    while (w->threads < lanes && !failed) {
        failed = start(set->start_thread_ctx, &w->thread[w->threads], worker_run, w) != 0;
        if (!failed)
            w->threads++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (failed) {
        join_and_free(w);
        set->serial_only = 1;
        return -1;
    }
    set->workers = w;
    return 0;
}

static unsigned long long kind_cost(const struct digest_workers *w, int k)
{
    return w->cost[k] ? w->cost[k] : digest_default_cost[k];
}

/* Hands the chunk out kind by kind, costliest first. Called with w->lock
 * held and no chunk in hand. */
static void post_locked(struct digest_workers *w, const void *data, size_t len)
{
    w->kinds = 0;
    for (int k = 0; k < DIGEST_KINDS; k++) {
        if (w->ctx[k] == NULL)
            continue;
        /* Insertion by falling cost: the longest kinds go first, and the
         * thread that finishes early takes the short ones. */
        int i = w->kinds++;
        while (i > 0 && kind_cost(w, w->order[i - 1]) < kind_cost(w, k)) {
            w->order[i] = w->order[i - 1];
            i--;
        }
        w->order[i] = k;
    }
    w->data = data;
    w->len = len;
    w->next = 0;
    w->unfinished = w->kinds;
    w->generation++;
    pthread_cond_broadcast(&w->posted);
}

static void wait_locked(struct digest_workers *w)
{
    while (w->unfinished > 0)
        pthread_cond_wait(&w->done, &w->lock);
}

void digest_workers_update(struct digest_workers *w, const void *data, size_t len)
{
    pthread_mutex_lock(&w->lock);
    wait_locked(w);
    post_locked(w, data, len);
    hash_claimed(w);
    wait_locked(w);
    pthread_mutex_unlock(&w->lock);
}

void digest_workers_post(struct digest_workers *w, const void *data, size_t len)
{
    pthread_mutex_lock(&w->lock);
    wait_locked(w);
    post_locked(w, data, len);
    pthread_mutex_unlock(&w->lock);
}

void digest_workers_wait(struct digest_workers *w)
{
    pthread_mutex_lock(&w->lock);
    wait_locked(w);
    pthread_mutex_unlock(&w->lock);
}

void digest_workers_stop(struct digest_set *set)
{
    if (set->workers == NULL)
        return;
    join_and_free(set->workers);
    set->workers = NULL;
}
