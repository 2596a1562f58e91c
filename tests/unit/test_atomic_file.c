#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/fsutil.h"
#include "support.h"

Test(atomic_file, committed_file_has_the_content_and_the_digests)
{
    char *dir = make_tmpdir("atomic");
    char *path = xasprintf("%s/out.txt", dir);
    struct atomic_file file;
    struct ag_error err = {0};
    cr_assert_eq(atomic_file_open(&file, path, DIGEST_ALL, &err), AG_OK, "%s", err.message);
    cr_assert_not(path_exists(path), "the final name appears only on commit");
    cr_assert_eq(atomic_file_write(&file, "a", 1, &err), AG_OK);
    cr_assert_eq(atomic_file_write(&file, "bc", 2, &err), AG_OK);
    cr_assert_eq(atomic_file_commit(&file, &err), AG_OK, "%s", err.message);
    cr_assert_eq(file.bytes, 3u);
    char hex[2 * DIGEST_MAX_BYTES + 1];
    digest_hex(file.digests.value[DIGEST_SHA256], file.digests.length[DIGEST_SHA256], hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    digest_hex(file.digests.value[DIGEST_MD5], file.digests.length[DIGEST_MD5], hex);
    cr_assert_str_eq(hex, "900150983cd24fb0d6963f7d28e17f72");
    size_t len = 0;
    char *data = slurp(path, &len);
    cr_assert_eq(len, 3u);
    cr_assert_str_eq(data, "abc");
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0644u);
    char names[256];
    cr_assert_eq(list_dir(dir, names, sizeof names), 1u, "left behind: %s", names);
    cr_assert_str_eq(names, "out.txt");
    free(data);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(atomic_file, writes_larger_than_the_buffer_keep_order_and_digests)
{
    enum { TOTAL = 3 * 1024 * 1024 + 777 };
    unsigned char *src = malloc(TOTAL);
    cr_assert_not_null(src);
    for (size_t i = 0; i < TOTAL; i++)
        src[i] = (unsigned char)(i * 2654435761u >> 13);
    char *dir = make_tmpdir("atomic");
    char *path = xasprintf("%s/deep/er/big.bin", dir);
    struct atomic_file file;
    struct ag_error err = {0};
    cr_assert_eq(atomic_file_open(&file, path, DIGEST_BIT(DIGEST_SHA256), &err), AG_OK, "%s",
                 err.message);
    /* Small writes, one bigger than the whole buffer, then small again. */
    static const size_t sizes[] = {1, 1000, 1024 * 1024 - 5, 1024 * 1024 + 100, 7, 65536};
    size_t done = 0;
    for (size_t i = 0; done < TOTAL; i = (i + 1) % (sizeof sizes / sizeof sizes[0])) {
        size_t n = sizes[i] < TOTAL - done ? sizes[i] : TOTAL - done;
        cr_assert_eq(atomic_file_write(&file, src + done, n, &err), AG_OK, "%s", err.message);
        done += n;
    }
    cr_assert_eq(atomic_file_commit(&file, &err), AG_OK, "%s", err.message);
    size_t len = 0;
    char *data = slurp(path, &len);
    cr_assert_eq(len, (size_t)TOTAL);
    cr_assert_eq(memcmp(data, src, TOTAL), 0, "bytes out of order");
    char want[2 * DIGEST_MAX_BYTES + 1], got[2 * DIGEST_MAX_BYTES + 1];
    cr_assert_eq(digest_buffer_hex(DIGEST_SHA256, src, TOTAL, want, &err), AG_OK);
    digest_hex(file.digests.value[DIGEST_SHA256], 32, got);
    cr_assert_str_eq(got, want);
    cr_assert_eq(file.bytes, (uint64_t)TOTAL);
    free(data);
    free(src);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(atomic_file, aborted_file_leaves_no_file_and_no_temporary)
{
    char *dir = make_tmpdir("atomic");
    char *path = xasprintf("%s/out.bin", dir);
    struct atomic_file file;
    struct ag_error err = {0};
    cr_assert_eq(atomic_file_open(&file, path, DIGEST_ALL, &err), AG_OK, "%s", err.message);
    cr_assert_eq(atomic_file_write(&file, "partial", 7, &err), AG_OK);
    char names[256];
    cr_assert_eq(list_dir(dir, names, sizeof names), 1u);
    cr_assert_eq(names[0], '.', "the temporary is hidden: %s", names);
    cr_assert(strstr(names, "out.bin") != NULL, "the temporary names its target: %s", names);
    atomic_file_abort(&file);
    cr_assert_eq(list_dir(dir, names, sizeof names), 0u, "left behind: %s", names);
    atomic_file_abort(&file); /* a second abort is harmless */
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(atomic_file, open_under_a_regular_file_fails_naming_the_path)
{
    char *dir = make_tmpdir("atomic");
    char *blocker = xasprintf("%s/blocker", dir);
    struct ag_error err = {0};
    cr_assert_eq(atomic_write_buffer(blocker, "x", 1, &err), AG_OK, "%s", err.message);
    char *path = xasprintf("%s/out.bin", blocker);
    struct atomic_file file;
    cr_assert_eq(atomic_file_open(&file, path, 0, &err), AG_USAGE);
    cr_assert(strstr(err.message, blocker) != NULL, "names the path: %s", err.message);
    ag_error_clear(&err);
    char *deeper = xasprintf("%s/sub/out.bin", blocker);
    cr_assert_neq(atomic_write_buffer(deeper, "x", 1, &err), AG_OK);
    cr_assert(strstr(err.message, blocker) != NULL, "names the path: %s", err.message);
    char names[256];
    cr_assert_eq(list_dir(dir, names, sizeof names), 1u, "left behind: %s", names);
    free(deeper);
    free(path);
    free(blocker);
    remove_tree(dir);
    free(dir);
}

Test(atomic_file, write_buffer_replaces_an_existing_file)
{
    char *dir = make_tmpdir("atomic");
    char *path = xasprintf("%s/index.json", dir);
    struct ag_error err = {0};
    const char *old_text = "the old content, longer than the new";
    cr_assert_eq(atomic_write_buffer(path, old_text, strlen(old_text), &err), AG_OK);
    /* A reader holding the old file keeps seeing all of it: the new file
     * is renamed over it, not written into it. */
    int reader = open(path, O_RDONLY);
    cr_assert_geq(reader, 0);
    cr_assert_eq(atomic_write_buffer(path, "new", 3, &err), AG_OK, "%s", err.message);
    size_t len = 0;
    char *data = slurp(path, &len);
    cr_assert_eq(len, 3u);
    cr_assert_str_eq(data, "new");
    char held[64] = {0};
    cr_assert_eq(read(reader, held, sizeof held - 1), (ssize_t)strlen(old_text));
    cr_assert_str_eq(held, old_text);
    close(reader);
    char names[256];
    cr_assert_eq(list_dir(dir, names, sizeof names), 1u, "left behind: %s", names);
    free(data);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(atomic_file, empty_buffer_makes_an_empty_file)
{
    char *dir = make_tmpdir("atomic");
    char *path = xasprintf("%s/empty", dir);
    struct ag_error err = {0};
    cr_assert_eq(atomic_write_buffer(path, "", 0, &err), AG_OK, "%s", err.message);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_size, 0);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(atomic_file, write_mode_gives_exactly_the_mode_whatever_the_umask)
{
    static const mode_t masks[] = {0, 022, 0277, 0777};
    char *dir = make_tmpdir("atomic");
    char *path = xasprintf("%s/private.key", dir);
    mode_t saved = umask(0);
    for (size_t i = 0; i < sizeof masks / sizeof masks[0]; i++) {
        umask(masks[i]);
        struct ag_error err = {0};
        int rc = atomic_write_mode(path, "secret\n", 7, 0600, &err);
        umask(0);
        cr_assert_eq(rc, AG_OK, "umask %03o: %s", (unsigned)masks[i], err.message);
        struct stat st;
        cr_assert_eq(stat(path, &st), 0);
        cr_assert_eq(st.st_mode & 07777, 0600u, "umask %03o gave %03o", (unsigned)masks[i],
                     (unsigned)(st.st_mode & 07777));
        size_t len = 0;
        char *data = slurp(path, &len);
        cr_assert_eq(len, 7u);
        cr_assert_str_eq(data, "secret\n");
        free(data);
        unlink(path);
    }
    umask(saved);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(atomic_file, write_mode_replaces_a_public_file_with_a_private_one)
{
    char *dir = make_tmpdir("atomic");
    char *path = xasprintf("%s/server.key", dir);
    struct ag_error err = {0};
    cr_assert_eq(atomic_write_buffer(path, "old", 3, &err), AG_OK, "%s", err.message);
    cr_assert_eq(atomic_write_mode(path, "new key", 7, 0600, &err), AG_OK, "%s", err.message);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0600u, "mode %03o", (unsigned)(st.st_mode & 07777));
    char *data = slurp(path, NULL);
    cr_assert_str_eq(data, "new key");
    char names[256];
    cr_assert_eq(list_dir(dir, names, sizeof names), 1u, "left behind: %s", names);
    free(data);
    free(path);
    remove_tree(dir);
    free(dir);
}
