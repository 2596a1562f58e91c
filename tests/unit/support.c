#include "support.h"

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "generators/registry.h"

char *make_tmpdir(const char *tag)
{
    char *dir = xasprintf("/tmp/assetgen-%s-XXXXXX", tag);
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

void write_file(const char *dir, const char *rel, const char *text, mode_t mode)
{
    char *path = xasprintf("%s/%s", dir, rel);
    struct ag_error err = {0};
    cr_assert_eq(mkdir_for_file(path, &err), AG_OK, "%s", err.message);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot create %s", path);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
    free(path);
}

size_t list_dir(const char *dir, char *names, size_t cap)
{
    size_t count = 0;
    names[0] = '\0';
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        size_t used = strlen(names);
        snprintf(names + used, cap - used, "%s%s", count ? "|" : "", de->d_name);
        count++;
    }
    closedir(d);
    return count;
}

char *slurp(const char *path, size_t *len)
{
    char *data = NULL;
    struct ag_error err = {0};
    cr_assert_eq(read_file(path, &data, len, &err), AG_OK, "%s", err.message);
    return data;
}

void tmp_file_make(struct tmp_file *t, const char *tag, const char *name)
{
    t->dir = make_tmpdir(tag);
    t->path = xasprintf("%s/%s", t->dir, name);
}

int tmp_file_free(struct tmp_file *t)
{
    unlink(t->path);
    int rc = rmdir(t->dir);
    free(t->path);
    free(t->dir);
    return rc;
}

/* Each test runs in a child of the runner: the runner's pid names the run. */
static char *shared_root(pid_t runner)
{
    return xasprintf("/tmp/assetgen-shared-%ld", (long)runner);
}

void shared_pki(struct pki_paths *paths)
{
    char *root = shared_root(getppid());
    cr_assert(mkdir(root, 0700) == 0 || errno == EEXIST, "cannot create %s", root);
    char *lock_path = xasprintf("%s/pki.lock", root);
    int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    cr_assert_geq(lock, 0, "cannot open %s", lock_path);
    cr_assert_eq(flock(lock, LOCK_EX), 0);
    struct pki_config config = {
        .dir = "pki",
        .ca_key_path = "ca.key",
        .ca_cert_path = "ca.crt",
        .server_key_path = "server.key",
        .server_cert_path = "server.crt",
        .gpg_public_key_path = "gpg-signing.pub",
    };
    char *dir = xasprintf("%s/pki", root);
    pki_paths_resolve(&config, dir, paths);
    /* Written last: a PKI without it was cut short and is made again. */
    char *done = xasprintf("%s/pki.done", root);
    if (!path_exists(done)) {
        remove_tree(dir);
        char fingerprint[OPENPGP_FPR_MAX];
        struct ag_error err = {0};
        cr_assert_eq(pki_init(paths, "rsa3072", 0, fingerprint, &err), AG_OK, "%s", err.message);
        write_file(root, "pki.done", fingerprint, 0644);
    }
    flock(lock, LOCK_UN);
    close(lock);
    free(done);
    free(dir);
    free(lock_path);
    free(root);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    char *root = shared_root(getpid());
    remove_tree(root);
    free(root);
}

void gen_case_setup(struct gen_case *c, struct package_spec spec, size_t count)
{
    memset(c, 0, sizeof *c);
    c->out_root = make_tmpdir(spec.format);
    c->gen = test_generator(spec.format);
    c->spec = spec;
    cr_assert(c->gen->field_count <= sizeof c->fields / sizeof c->fields[0]);
    for (size_t i = 0; i < c->gen->field_count; i++) {
        c->fields[i].key = c->gen->fields[i].key;
        c->fields[i].value = c->gen->fields[i].default_value;
    }
    if (c->spec.fields == NULL) {
        c->spec.fields = c->fields;
        c->spec.field_count = c->gen->field_count;
    }
    c->spec.description = "unit test package";
    c->spec.epoch = 1700000000;
    c->spec.base_url = BASE_URL;
    c->spec.out_root = c->out_root;
    struct ag_error err = {0};
    cr_assert_eq(c->gen->check_package(&c->spec, &err), AG_OK, "%s", err.message);
    cr_assert_eq(c->gen->generate(&c->spec, &c->made, &err), AG_OK, "%s", err.message);
    cr_assert_eq(c->made.count, count);
}

void gen_case_teardown(struct gen_case *c)
{
    artifact_list_free(&c->made);
    remove_tree(c->out_root);
    free(c->out_root);
}

void gen_case_scan(const struct gen_case *c, size_t index, struct archive_scan *out)
{
    char *path = xasprintf("%s/%s", c->out_root, c->made.items[index].path);
    struct ag_error err = {0};
    cr_assert_eq(archive_scan_file(path, ARCHIVE_SCAN_DIGESTS, out, &err), AG_OK, "%s",
                 err.message);
    free(path);
}

struct version_range test_range(const char *text)
{
    struct version_range range;
    char why[128];
    cr_assert(version_range_parse(text, &range, why, sizeof why), "%s: %s", text, why);
    return range;
}

const struct generator *test_generator(const char *format)
{
    const struct generator *gen = generator_table_find(&generator_registry, format);
    cr_assert_not_null(gen, "no generator for %s", format);
    return gen;
}

int gen_case_write_index(const struct gen_case *c, struct ag_error *err)
{
    struct repo_stage stage;
    repo_stage_init(&stage, c->out_root);
    struct index_request req = {
        .stage = &stage,
        .base_url = BASE_URL,
        .epoch = 1700000000,
        .artifacts = c->made.items,
        .count = c->made.count,
    };
    int rc = c->gen->write_index(&req, err);
    repo_stage_free(&stage);
    return rc;
}

int gen_check(const char *format, const char *name, const char *version, struct ag_error *err)
{
    struct package_spec spec = {.format = format, .name = name, .version = version};
    return test_generator(format)->check_package(&spec, err);
}

long dead_pid(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    return (long)pid;
}
