#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/staging.h"
#include "support.h"

static char *read_text(const char *dir, const char *rel)
{
    char *path = xasprintf("%s/%s", dir, rel);
    size_t len = 0;
    char *text = slurp(path, &len);
    free(path);
    return text;
}

static void assert_text(const char *dir, const char *rel, const char *want)
{
    char *text = read_text(dir, rel);
    cr_assert_str_eq(text, want, "%s/%s", dir, rel);
    free(text);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir in name order, '|'-separated. */
static void assert_entries(const char *dir, const char *want)
{
    char names[512];
    size_t n = list_dir(dir, names, sizeof names);
    char *parts[32];
    size_t k = 0;
    for (char *save = NULL, *p = strtok_r(names, "|", &save); p && k < 32;
         p = strtok_r(NULL, "|", &save))
        parts[k++] = p;
    cr_assert_eq(k, n);
    qsort(parts, k, sizeof *parts, compare_strings);
    char sorted[512] = "";
    for (size_t i = 0; i < k; i++) {
        strcat(sorted, i ? "|" : "");
        strcat(sorted, parts[i]);
    }
    cr_assert_str_eq(sorted, want, "in %s", dir);
}

Test(staging, publish_moves_every_file_and_commit_leaves_nothing_else)
{
    char *root = make_tmpdir("staging");
    write_file(root, "npm/old.txt", "old\n", 0644);
    struct staging s;
    struct ag_error err = {0};
    cr_assert_eq(staging_open(&s, root, &err), AG_OK, "%s", err.message);
    cr_assert(strstr(s.dir, "/.staging.tmp-") != NULL, "a temporary name: %s", s.dir);
    write_file(s.dir, "npm/old.txt", "new\n", 0644);
    write_file(s.dir, "pypi/simple/demo/index.html", "<html/>\n", 0644);
    const char *order[] = {"pypi/simple/demo/index.html", "npm/old.txt"};
    const size_t ends[] = {1, 2};
    cr_assert_eq(staging_publish(&s, "manifest.json", order, ends, 2, &err), AG_OK, "%s",
                 err.message);
    cr_assert_eq(s.count, 2u);
    cr_assert_str_eq(s.placed[0].relative, "pypi/simple/demo/index.html", "first goes first");
    cr_assert_not_null(s.placed[1].backup, "the replaced file is kept until commit");
    staging_commit(&s);
    staging_close(&s);
    assert_text(root, "npm/old.txt", "new\n");
    assert_text(root, "pypi/simple/demo/index.html", "<html/>\n");
    char names[256];
    cr_assert_eq(list_dir(root, names, sizeof names), 2u, "left behind: %s", names);
    char *npm = xasprintf("%s/npm", root);
    assert_entries(npm, "old.txt");
    free(npm);
    remove_tree(root);
    free(root);
}

Test(staging, rollback_restores_replaced_files_and_removes_only_what_it_made)
{
    char *root = make_tmpdir("staging");
    write_file(root, "npm/kept.txt", "old\n", 0644);
    char *empty = xasprintf("%s/clients", root);
    cr_assert_eq(mkdir(empty, 0755), 0);
    char *link_path = xasprintf("%s/npm/link", root);
    cr_assert_eq(symlink("kept.txt", link_path), 0);
    struct staging s;
    struct ag_error err = {0};
    cr_assert_eq(staging_open(&s, root, &err), AG_OK, "%s", err.message);
    write_file(s.dir, "npm/kept.txt", "new\n", 0644);
    write_file(s.dir, "npm/link", "a file now\n", 0644);
    write_file(s.dir, "clients/.npmrc", "registry=x\n", 0644);
    write_file(s.dir, "pypi/simple/demo/index.html", "<html/>\n", 0644);
    const char *order[] = {"clients/.npmrc", "npm/kept.txt", "npm/link",
                           "pypi/simple/demo/index.html"};
    const size_t ends[] = {4};
    cr_assert_eq(staging_publish(&s, "manifest.json", order, ends, 1, &err), AG_OK, "%s",
                 err.message);
    ag_error_set(&err, AG_FAIL, "the manifest could not be written");
    staging_rollback(&s, &err);
    cr_assert_str_eq(err.message, "the manifest could not be written", "every file restored");
    staging_close(&s);
    assert_text(root, "npm/kept.txt", "old\n");
    char target[64] = "";
    cr_assert_eq(readlink(link_path, target, sizeof target - 1), 8, "the symlink is back");
    cr_assert_str_eq(target, "kept.txt");
    assert_entries(root, "clients|npm");
    assert_entries(empty, "");
    free(link_path);
    free(empty);
    remove_tree(root);
    free(root);
}

Test(staging, a_run_that_publishes_nothing_takes_away_the_directories_it_made)
{
    char *parent = make_tmpdir("staging");
    char *root = xasprintf("%s/out/small", parent);
    struct staging s;
    struct ag_error err = {0};
    cr_assert_eq(staging_open(&s, root, &err), AG_OK, "%s", err.message);
    write_file(s.dir, "npm/a.tgz", "partial", 0644);
    staging_close(&s);
    assert_entries(parent, "");
    free(root);
    remove_tree(parent);
    free(parent);
}

Test(staging, an_interrupted_run_loses_its_staging_directory_whole)
{
    char *root = make_tmpdir("staging");
    struct staging s;
    struct ag_error err = {0};
    cr_assert_eq(staging_open(&s, root, &err), AG_OK, "%s", err.message);
    write_file(s.dir, "npm/a/-/a-1.0.0.tgz", "partial", 0644);
    write_file(root, ".other.tmp-1-abcdef", "another process's", 0644);
    cleanup_own_temporaries(root);
    cr_assert_not(path_exists(s.dir), "the staging directory is gone");
    assert_entries(root, ".other.tmp-1-abcdef");
    staging_close(&s);
    remove_tree(root);
    free(root);
}

/* The state a run killed after moving a.txt (replacing it) and
 * <sub>/b.txt (new, in a directory it made) leaves, before its manifest
 * landed or after; pid is the one in its names. */
static void dead_publish_as(const char *root, const char *identity, long pid, const char *sub)
{
    write_file(root, "a.txt", "old\n", 0644);
    char *a = xasprintf("%s/a.txt", root);
    char *backup_rel = xasprintf(".a.txt.bak-%ld-0", pid);
    char *backup = xasprintf("%s/%s", root, backup_rel);
    cr_assert_eq(link(a, backup), 0);
    unlink(a);
    write_file(root, "a.txt", "new\n", 0644);
    char *b_rel = xasprintf("%s/b.txt", sub);
    write_file(root, b_rel, "new\n", 0644);
    char *dir_rel = xasprintf(".publish-%ld-XyZ123", pid);
    char *journal =
        xasprintf("manifest.json\t%s\na.txt\t%s\t-\n%s\t-\t%s\n", identity, backup_rel, b_rel, sub);
    free(b_rel);
    char *journal_rel = xasprintf("%s/journal", dir_rel);
    write_file(root, journal_rel, journal, 0600);
    free(journal_rel);
    free(journal);
    free(backup);
    free(backup_rel);
    free(a);
    free(dir_rel);
}

/* A dead run's move that did not commit, recovered: the old file is
 * back and nothing else is left. */
static void assert_recovery_undoes(long pid, const char *sub)
{
    char *root = make_tmpdir("staging");
    dead_publish_as(root, "none", pid, sub);
    struct ag_error err = {0};
    cr_assert_eq(staging_recover(root, &err), AG_OK, "%s", err.message);
    assert_text(root, "a.txt", "old\n");
    assert_entries(root, "a.txt");
    remove_tree(root);
    free(root);
}

Test(staging, recovery_undoes_a_dead_runs_move_that_did_not_commit)
{
    assert_recovery_undoes(dead_pid(), "sub");
}

Test(staging, recovery_keeps_a_dead_runs_move_whose_manifest_landed)
{
    char *root = make_tmpdir("staging");
    dead_publish_as(root, "1:1", dead_pid(), "sub");
    write_file(root, "manifest.json", "{}\n", 0644);
    struct ag_error err = {0};
    cr_assert_eq(staging_recover(root, &err), AG_OK, "%s", err.message);
    assert_text(root, "a.txt", "new\n");
    assert_text(root, "sub/b.txt", "new\n");
    assert_entries(root, "a.txt|manifest.json|sub");
    remove_tree(root);
    free(root);
}

/* In containers every run may have the same pid: a publish left under a
 * pid that is alive now (here, this process's) is still a dead run's,
 * since its publisher would hold the lock. */
Test(staging, recovery_does_not_trust_the_pid_in_a_name)
{
    assert_recovery_undoes((long)getpid(), "sub");
}

/* Only a last line that is exactly "done" settles a journal, not one that
 * ends in the word (a package named "undone"). */
Test(staging, recovery_reads_done_as_a_whole_line)
{
    assert_recovery_undoes(dead_pid(), "undone");
}

/* A live run's staging directory survives a sweep whatever pid its name
 * carries (another pid namespace); once let go, a dead pid's goes. */
Test(staging, a_sweep_spares_a_held_staging_directory)
{
    char *root = make_tmpdir("staging");
    char *rel = xasprintf(".staging.tmp-%ld-abcdef/npm/a.tgz", dead_pid());
    write_file(root, rel, "in flight", 0644);
    char *dir = xasprintf("%s/%.*s", root, (int)(strchr(rel, '/') - rel), rel);
    int fd = cleanup_hold_dir(dir);
    cr_assert_geq(fd, 0);
    cleanup_stale_temporaries(root);
    cr_assert(path_exists(dir), "held: kept");
    close(fd);
    cleanup_stale_temporaries(root);
    cr_assert_not(path_exists(dir), "let go by a dead pid: swept");
    free(dir);
    free(rel);
    remove_tree(root);
    free(root);
}

/* A planted journal that names a file outside the tree: refused, named,
 * and nothing outside (or inside) is touched. */
Test(staging, recovery_refuses_a_journal_that_leaves_the_tree)
{
    char *top = make_tmpdir("staging");
    char *root = xasprintf("%s/out", top);
    write_file(top, "victim.txt", "precious\n", 0644);
    write_file(root, "a.txt", "kept\n", 0644);
    write_file(root, ".publish-1-abcdef/journal", "manifest.json\tnone\n../victim.txt\t-\t-\n",
               0600);
    struct ag_error err = {0};
    cr_assert_eq(staging_recover(root, &err), AG_FAIL, "a journal naming ../ was replayed");
    cr_assert(strstr(err.message, "journal:2: a '.' or '..' component") != NULL, "%s", err.message);
    assert_text(top, "victim.txt", "precious\n");
    assert_text(root, "a.txt", "kept\n");
    assert_entries(root, ".publish-1-abcdef|a.txt");
    remove_tree(top);
    free(root);
    free(top);
}
