/* A .deb read back without the writer's code: the ar members parsed by
 * hand, the inner tars through libarchive's reader (deb_verify.c checks
 * what it finds). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/digest.h"
#include "common/fsutil.h"
#include "common/strbuf.h"
#include "generators/deb.h"

#define READ_CHUNK (1u << 20)

struct member_reader {
    int fd;
    uint64_t offset, left;
    unsigned char *buf;
};

static la_ssize_t member_read(struct archive *a, void *ctx, const void **out)
{
    struct member_reader *m = ctx;
    if (m->left == 0)
        return 0;
    size_t want = m->left < READ_CHUNK ? (size_t)m->left : READ_CHUNK;
    ssize_t got;
    do
        got = pread(m->fd, m->buf, want, (off_t)m->offset);
    while (got < 0 && errno == EINTR);
    if (got < 0) {
        archive_set_error(a, errno, "read: %s", strerror(errno));
        return -1;
    }
    m->offset += (uint64_t)got;
    m->left -= (uint64_t)got;
    *out = m->buf;
    return got;
}

struct ar_member {
    char name[17];
    uint64_t offset, size;
};

/* The ar header of deb(5): 16 name, 12 mtime, 6 uid, 6 gid, 8 mode, 10
 * size (decimal), "`\n"; a member of odd size is padded by one '\n'. */
static int read_members(int fd, const char *path, struct ar_member *m, size_t cap, size_t *n,
                        uint64_t file_size, struct ag_error *err)
{
    char magic[8];
    if (pread(fd, magic, 8, 0) != 8 || memcmp(magic, "!<arch>\n", 8) != 0)
        return ag_error_set(err, AG_FAIL, "%s: not an ar archive (no !<arch> magic)", path);
    uint64_t at = 8;
    *n = 0;
    while (at < file_size) {
        char h[60];
        if (file_size - at < 60 || pread(fd, h, 60, (off_t)at) != 60)
            return ag_error_set(err, AG_FAIL, "%s: ar header at %llu cut short", path,
                                (unsigned long long)at);
        if (h[58] != '`' || h[59] != '\n')
            return ag_error_set(err, AG_FAIL, "%s: ar header at %llu has no terminator", path,
                                (unsigned long long)at);
        uint64_t size = 0;
        int digits = 0;
        for (int i = 48; i < 58 && h[i] != ' '; i++, digits++) {
            if (h[i] < '0' || h[i] > '9')
                return ag_error_set(err, AG_FAIL, "%s: ar size field at %llu is not decimal", path,
                                    (unsigned long long)at);
            size = size * 10 + (uint64_t)(h[i] - '0');
        }
        if (digits == 0)
            return ag_error_set(err, AG_FAIL, "%s: empty ar size field", path);
        if (*n == cap)
            return ag_error_set(err, AG_FAIL, "%s: more than %zu ar members", path, cap);
        struct ar_member *e = &m[(*n)++];
        memcpy(e->name, h, 16);
        e->name[16] = '\0';
        for (int i = 15; i >= 0 && (e->name[i] == ' ' || e->name[i] == '\0'); i--)
            e->name[i] = '\0';
        size_t len = strlen(e->name);
        if (len > 0 && e->name[len - 1] == '/')
            e->name[len - 1] = '\0';
        e->offset = at + 60;
        e->size = size;
        if (size > file_size - e->offset)
            return ag_error_set(
                err, AG_FAIL, "%s: ar member %s claims %llu bytes, the file ends after %llu", path,
                e->name, (unsigned long long)size, (unsigned long long)(file_size - e->offset));
        at = e->offset + size + (size & 1);
    }
    return AG_OK;
}

struct tar_hooks {
    int (*entry)(void *ctx, struct archive *a, struct archive_entry *e, struct ag_error *err);
    void *ctx;
};

static int skip_data(struct archive *a, const char *path, const char *entry, struct ag_error *err)
{
    int r = archive_read_data_skip(a);
    if (r != ARCHIVE_OK)
        return ag_error_set(err, AG_FAIL, "%s: entry %s: %s", path, entry, archive_error_string(a));
    return AG_OK;
}

static int read_tar_member(int fd, const char *path, const struct ar_member *m, char **filter,
                           const struct tar_hooks *hooks, struct ag_error *err)
{
    struct member_reader r = {fd, m->offset, m->size, xmalloc(READ_CHUNK)};
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    int rc = AG_OK;
    if (archive_read_open(a, &r, NULL, member_read, NULL) != ARCHIVE_OK)
        rc = ag_error_set(err, AG_FAIL, "%s: member %s is not a tar: %s", path, m->name,
                          archive_error_string(a));
    struct archive_entry *e;
    int status = ARCHIVE_OK;
    while (rc == AG_OK && (status = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        if (archive_format(a) == ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE ||
            archive_format(a) == ARCHIVE_FORMAT_TAR_PAX_RESTRICTED)
            rc = ag_error_set(err, AG_FAIL, "%s: member %s has pax headers, which dpkg refuses",
                              path, m->name);
        else
            rc = hooks->entry(hooks->ctx, a, e, err);
    }
    if (rc == AG_OK && status != ARCHIVE_EOF)
        rc =
            ag_error_set(err, AG_FAIL, "%s: member %s: %s", path, m->name, archive_error_string(a));
    if (rc == AG_OK) {
        const char *f = archive_filter_count(a) > 1 ? archive_filter_name(a, 0) : "none";
        *filter = xstrdup(f ? f : "none");
    }
    archive_read_free(a);
    free(r.buf);
    return rc;
}

static int read_entry_text(struct archive *a, char **out, struct ag_error *err)
{
    struct strbuf text = {0};
    char buf[8192];
    la_ssize_t got;
    while ((got = archive_read_data(a, buf, sizeof buf)) > 0)
        if (text.len < (1u << 20))
            strbuf_add(&text, buf, (size_t)got);
    if (got < 0) {
        strbuf_free(&text);
        return ag_error_set(err, AG_FAIL, "reading a control file: %s", archive_error_string(a));
    }
    free(*out);
    *out = text.data ? strbuf_detach(&text, NULL) : xstrdup("");
    return AG_OK;
}

struct control_ctx {
    struct deb_view *view;
    const char *path;
};

static int control_entry(void *ctx, struct archive *a, struct archive_entry *e,
                         struct ag_error *err)
{
    struct control_ctx *c = ctx;
    const char *name = archive_entry_pathname(e);
    name = name ? name : "";
    if (strncmp(name, "./", 2) == 0)
        name += 2;
    if (archive_entry_filetype(e) == AE_IFREG && strcmp(name, "control") == 0)
        return read_entry_text(a, &c->view->control, err);
    if (archive_entry_filetype(e) == AE_IFREG && strcmp(name, "md5sums") == 0)
        return read_entry_text(a, &c->view->md5sums, err);
    return skip_data(a, c->path, name, err);
}

struct data_ctx {
    struct deb_view *view;
    const char *path;
    const char *data_path;
    struct deb_paragraph sums; /* md5sums as path -> md5, reusing the paragraph shape */
    unsigned char *seen;
};

int deb_has_dotdot(const char *p)
{
    for (const char *c = p; c && *c;) {
        const char *slash = strchr(c, '/');
        size_t n = slash ? (size_t)(slash - c) : strlen(c);
        if (n == 2 && c[0] == '.' && c[1] == '.')
            return 1;
        c = slash ? slash + 1 : NULL;
    }
    return 0;
}

static int data_entry(void *ctx, struct archive *a, struct archive_entry *e, struct ag_error *err)
{
    struct data_ctx *d = ctx;
    const char *raw = archive_entry_pathname(e);
    raw = raw ? raw : "";
    const char *name = strncmp(raw, "./", 2) == 0 ? raw + 2 : raw;
    if (deb_has_dotdot(raw) && d->view->traversal == NULL)
        d->view->traversal = xstrdup(raw);
    mode_t type = archive_entry_filetype(e);
    if (type == AE_IFDIR)
        return skip_data(a, d->path, raw, err);
    if (type != AE_IFREG) {
        if (d->view->irregular == NULL)
            d->view->irregular = xstrdup(raw);
        return skip_data(a, d->path, raw, err);
    }
    d->view->files++;
    int is_data = d->data_path && strcmp(name, d->data_path) == 0;
    struct digest_set set;
    unsigned mask = DIGEST_BIT(DIGEST_MD5) | (is_data ? DIGEST_BIT(DIGEST_SHA256) : 0);
    if (digest_set_init(&set, mask, err) != AG_OK)
        return err->status;
    const void *block;
    size_t len;
    la_int64_t offset;
    int status;
    while ((status = archive_read_data_block(a, &block, &len, &offset)) == ARCHIVE_OK)
        digest_set_update(&set, block, len);
    if (status != ARCHIVE_EOF) {
        digest_set_free(&set);
        return ag_error_set(err, AG_FAIL, "%s: data.tar entry %s: %s", d->path, raw,
                            archive_error_string(a));
    }
    if (digest_set_final(&set, err) != AG_OK) {
        digest_set_free(&set);
        return err->status;
    }
    char md5[33];
    digest_hex(set.value[DIGEST_MD5], 16, md5);
    if (is_data) {
        digest_hex(set.value[DIGEST_SHA256], 32, d->view->data_sha256);
        d->view->data_found = 1;
    }
    digest_set_free(&set);
    size_t i = 0;
    while (i < d->sums.count && strcmp(d->sums.key[i], name) != 0)
        i++;
    if (i == d->sums.count) {
        if (d->view->md5_absent == NULL)
            d->view->md5_absent = xstrdup(name);
    } else {
        d->seen[i] = 1;
        if (strcmp(d->sums.value[i], md5) != 0 && d->view->md5_wrong == NULL)
            d->view->md5_wrong = xstrdup(name);
    }
    return AG_OK;
}

/* md5sums lines: "<32 hex>  <path>". */
static int parse_md5sums(const char *text, const char *path, struct deb_paragraph *sums,
                         struct ag_error *err)
{
    memset(sums, 0, sizeof *sums);
    size_t lines = 0;
    for (const char *c = text; c && *c; c = strchr(c, '\n'), c = c ? c + 1 : NULL)
        lines++;
    sums->key = xcalloc(lines + 1, sizeof *sums->key);
    sums->value = xcalloc(lines + 1, sizeof *sums->value);
    for (const char *c = text; c && *c;) {
        const char *nl = strchr(c, '\n');
        size_t n = nl ? (size_t)(nl - c) : strlen(c);
        if (n < 35 || c[32] != ' ' || c[33] != ' ')
            return ag_error_set(err, AG_FAIL, "%s: md5sums line '%.*s' is not '<md5>  <path>'",
                                path, (int)(n > 60 ? 60 : n), c);
        sums->value[sums->count] = xasprintf("%.32s", c);
        sums->key[sums->count++] = xasprintf("%.*s", (int)(n - 34), c + 34);
        c = nl ? nl + 1 : NULL;
    }
    return AG_OK;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int deb_read(const char *path, const char *data_path, struct deb_view *view, struct ag_error *err)
{
    memset(view, 0, sizeof *view);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return ag_error_set(err, AG_FAIL, "%s: %s", path, strerror(errno));
    off_t size = lseek(fd, 0, SEEK_END);
    struct ar_member m[8];
    size_t n = 0;
    int rc = read_members(fd, path, m, 8, &n, size < 0 ? 0 : (uint64_t)size, err);
    if (rc == AG_OK &&
        (n != 3 || strcmp(m[0].name, "debian-binary") != 0 ||
         strncmp(m[1].name, "control.tar", 11) != 0 || strncmp(m[2].name, "data.tar", 8) != 0))
        rc = ag_error_set(err, AG_FAIL,
                          "%s: members must be debian-binary, control.tar*, data.tar* (found %zu "
                          "members, the first %s)",
                          path, n, n ? m[0].name : "none");
    if (rc == AG_OK) {
        char v[16] = {0};
        if (m[0].size > 15 || pread(fd, v, (size_t)m[0].size, (off_t)m[0].offset) < 0)
            rc = ag_error_set(err, AG_FAIL, "%s: debian-binary unreadable", path);
        view->debian_binary = xstrdup(v);
        view->control_member = xstrdup(m[1].name);
        view->data_member = xstrdup(m[2].name);
        if (rc == AG_OK && strcmp(v, "2.0\n") != 0)
            rc = ag_error_set(err, AG_FAIL, "%s: debian-binary is not \"2.0\\n\"", path);
    }
    struct control_ctx cc = {view, path};
    struct tar_hooks ch = {control_entry, &cc};
    if (rc == AG_OK)
        rc = read_tar_member(fd, path, &m[1], &view->control_filter, &ch, err);
    if (rc == AG_OK && view->control == NULL)
        rc = ag_error_set(err, AG_FAIL, "%s: control.tar has no ./control", path);
    struct data_ctx dc = {view, path, data_path, {0}, NULL};
    if (rc == AG_OK && view->md5sums)
        rc = parse_md5sums(view->md5sums, path, &dc.sums, err);
    dc.seen = xcalloc(dc.sums.count + 1, 1);
    struct tar_hooks dh = {data_entry, &dc};
    if (rc == AG_OK)
        rc = read_tar_member(fd, path, &m[2], &view->data_filter, &dh, err);
    for (size_t i = 0; rc == AG_OK && i < dc.sums.count; i++)
        if (!dc.seen[i] && view->md5_absent == NULL)
            view->md5_absent = xstrdup(dc.sums.key[i]);
    /* The member's name must say how it is compressed: dpkg picks its
     * decompressor by the name. */
    static const struct {
        const char *suffix, *filter;
    } names[] = {{".gz", "gzip"}, {".xz", "xz"}, {".zst", "zstd"}, {".tar", "none"}};
    for (int k = 0; rc == AG_OK && k < 2; k++) {
        const char *member = k ? view->data_member : view->control_member;
        const char *filter = k ? view->data_filter : view->control_filter;
        int ok = 0;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            ok = ok || (ends_with(member, names[i].suffix) && strcmp(filter, names[i].filter) == 0);
        if (!ok)
            rc = ag_error_set(err, AG_FAIL, "%s: member %s is %s-compressed", path, member, filter);
    }
    free(dc.seen);
    deb_paragraph_free(&dc.sums);
    close(fd);
    if (rc != AG_OK)
        deb_view_free(view);
    return rc;
}

void deb_view_free(struct deb_view *v)
{
    free(v->control_member);
    free(v->data_member);
    free(v->control_filter);
    free(v->data_filter);
    free(v->debian_binary);
    free(v->control);
    free(v->md5sums);
    free(v->traversal);
    free(v->irregular);
    free(v->md5_wrong);
    free(v->md5_absent);
    memset(v, 0, sizeof *v);
}
