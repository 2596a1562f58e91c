#include "cli/progress.h"

#include <string.h>

#include "common/units.h"

#define BAR_WIDTH  24
#define CLEAR_LINE "\r\033[K"

void progress_display_init(struct progress_display *d, FILE *out, int lines, int bar)
{
    memset(d, 0, sizeof *d);
    d->out = out;
    d->lines = lines;
    d->bar = bar;
    clock_gettime(CLOCK_MONOTONIC, &d->start);
    pthread_mutex_init(&d->lock, NULL);
}

static void show_package(void *ctx, const struct planned_package *pkg,
                         const struct artifact_list *made, size_t done, size_t total)
{
    struct progress_display *d = ctx;
    if (!d->lines)
        return;
    uint64_t bytes = 0;
    for (size_t i = 0; i < made->count; i++)
        bytes += made->items[i].bytes;
    char size[32];
    format_size(bytes, size, sizeof size);
    pthread_mutex_lock(&d->lock);
    fprintf(d->out, "%s[%zu/%zu] %s %s %s (%s)\n", d->bar_drawn ? CLEAR_LINE : "", done, total,
            pkg->spec.format, pkg->spec.name, pkg->spec.version, size);
    d->bar_drawn = 0;
    fflush(d->out);
    pthread_mutex_unlock(&d->lock);
}

static void show_bytes(void *ctx, uint64_t written, uint64_t planned)
{
    struct progress_display *d = ctx;
    if (!d->bar || planned == 0)
        return;
    if (written > planned)
        written = planned;
    unsigned percent = (unsigned)(written * 100 / planned);
    char bar[BAR_WIDTH + 1];
    unsigned filled = (unsigned)(written * BAR_WIDTH / planned);
    for (unsigned i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double seconds =
        (double)(now.tv_sec - d->start.tv_sec) + (double)(now.tv_nsec - d->start.tv_nsec) / 1e9;
    char done_text[32], planned_text[32], rate_text[32];
    format_size(written, done_text, sizeof done_text);
    format_size(planned, planned_text, sizeof planned_text);
    format_size(seconds > 0 ? (uint64_t)((double)written / seconds) : 0, rate_text,
                sizeof rate_text);
    pthread_mutex_lock(&d->lock);
    fprintf(d->out, CLEAR_LINE "%3u%% [%s] %s of %s, %s/s", percent, bar, done_text, planned_text,
            rate_text);
    d->bar_drawn = 1;
    fflush(d->out);
    pthread_mutex_unlock(&d->lock);
}

/* Said once, whether or not progress is shown: a run that waits in
 * silence looks hung. */
static void show_lock_wait(void *ctx, long pid)
{
    struct progress_display *d = ctx;
    pthread_mutex_lock(&d->lock);
    if (pid > 0)
        fprintf(d->out,
                "%sassetgen: waiting for the output lock, held by process %ld "
                "(--lock-timeout SECONDS bounds the wait)\n",
                d->bar_drawn ? CLEAR_LINE : "", pid);
    else
        fprintf(d->out,
                "%sassetgen: waiting for the output lock held by another run "
                "(--lock-timeout SECONDS bounds the wait)\n",
                d->bar_drawn ? CLEAR_LINE : "");
    d->bar_drawn = 0;
    fflush(d->out);
    pthread_mutex_unlock(&d->lock);
}

struct generate_progress progress_display_callbacks(struct progress_display *d)
{
    /* No bar, no ticker: nothing measures the tree for nobody. */
    struct generate_progress callbacks = {show_package, d->bar ? show_bytes : NULL, show_lock_wait,
                                          d};
    return callbacks;
}

void progress_display_interrupted(void *display)
{
    struct progress_display *d = display;
    pthread_mutex_lock(&d->lock);
    if (d->bar_drawn)
        fputs(CLEAR_LINE, d->out);
    d->bar_drawn = 0;
    fflush(d->out);
    pthread_mutex_unlock(&d->lock);
}

void progress_display_finish(struct progress_display *d)
{
    progress_display_interrupted(d);
    pthread_mutex_destroy(&d->lock);
}
