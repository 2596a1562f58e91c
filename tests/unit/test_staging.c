#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
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

Test(staging, publish_moves_every_file_and_close_leaves_nothing_else)
{
    char *root = make_tmpdir("staging");
    write_file(root, "npm/old.txt", "old\n", 0644);
    struct staging s;
    struct ag_error err = {0};
    cr_assert_eq(staging_open(&s, root, &err), AG_OK, "%s", err.message);
    cr_assert(strstr(s.dir, "/.staging.tmp-") != NULL, "a temporary name: %s", s.dir);
    write_file(s.dir, "npm/old.txt", "new\n", 0644);
    write_file(s.dir, "pypi/simple/demo/index.html", "<html/>\n", 0644);
    cr_assert_eq(staging_publish(&s, &err), AG_OK, "%s", err.message);
    cr_assert_eq(s.count, 2u);
    staging_close(&s);
    char *text = read_text(root, "npm/old.txt");
    cr_assert_str_eq(text, "new\n");
    free(text);
    text = read_text(root, "pypi/simple/demo/index.html");
    cr_assert_str_eq(text, "<html/>\n");
    free(text);
    char names[256];
    cr_assert_eq(list_dir(root, names, sizeof names), 2u, "left behind: %s", names);
    char *npm = xasprintf("%s/npm", root);
    cr_assert_eq(list_dir(npm, names, sizeof names), 1u, "no backup left: %s", names);
    free(npm);
    remove_tree(root);
    free(root);
}

Test(staging, rollback_restores_replaced_files_and_removes_new_ones)
{
    char *root = make_tmpdir("staging");
    write_file(root, "npm/kept.txt", "old\n", 0644);
    struct staging s;
    struct ag_error err = {0};
    cr_assert_eq(staging_open(&s, root, &err), AG_OK, "%s", err.message);
    write_file(s.dir, "npm/kept.txt", "new\n", 0644);
    write_file(s.dir, "pypi/simple/demo/index.html", "<html/>\n", 0644);
    cr_assert_eq(staging_publish(&s, &err), AG_OK, "%s", err.message);
    staging_rollback(&s);
    staging_close(&s);
    char *text = read_text(root, "npm/kept.txt");
    cr_assert_str_eq(text, "old\n");
    free(text);
    char names[256];
    cr_assert_eq(list_dir(root, names, sizeof names), 1u, "only npm/ is left: %s", names);
    cr_assert_str_eq(names, "npm");
    remove_tree(root);
    free(root);
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
    char names[256];
    cr_assert_eq(list_dir(root, names, sizeof names), 1u, "left: %s", names);
    cr_assert_str_eq(names, ".other.tmp-1-abcdef", "pid 1's temporary is not ours");
    staging_close(&s);
    remove_tree(root);
    free(root);
}
