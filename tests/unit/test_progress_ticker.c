#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/progress_ticker.h"
#include "support.h"

Test(progress_ticker, tree_bytes_counts_regular_files_at_every_depth)
{
    char *dir = make_tmpdir("ticker");
    write_file(dir, "a.txt", "12345", 0644);
    write_file(dir, "sub/deeper/b.txt", "123", 0644);
    char *link_path = xasprintf("%s/link", dir);
    cr_assert_eq(symlink("a.txt", link_path), 0);
    cr_assert_eq(tree_bytes(dir), 8u, "symlinks are not followed or counted");
    char *missing = xasprintf("%s/missing", dir);
    cr_assert_eq(tree_bytes(missing), 0u);
    free(missing);
    free(link_path);
    remove_tree(dir);
    free(dir);
}

struct seen {
    atomic_uint calls;
    atomic_ullong last;
};

static void record(void *ctx, uint64_t bytes)
{
    struct seen *s = ctx;
    atomic_store(&s->last, bytes);
    atomic_fetch_add(&s->calls, 1);
}

Test(progress_ticker, reports_the_directory_size_until_stopped)
{
    char *dir = make_tmpdir("ticker");
    write_file(dir, "a.bin", "0123456789", 0644);
    struct seen seen = {0};
    struct progress_ticker ticker;
    progress_ticker_start(&ticker, dir, record, &seen);
    usleep(700 * 1000);
    progress_ticker_stop(&ticker);
    unsigned calls = atomic_load(&seen.calls);
    cr_assert_geq(calls, 1u, "at least one tick in 0.7 s");
    cr_assert_eq(atomic_load(&seen.last), 10u);
    usleep(400 * 1000);
    cr_assert_eq(atomic_load(&seen.calls), calls, "no tick after stop");
    remove_tree(dir);
    free(dir);
}
