#include "common/package.h"

#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "common/fsutil.h"
#include "common/units.h"

void package_template_vars(const struct package_spec *spec, struct template_vars *vars,
                           char *scratch, size_t scratch_len)
{
    /* scratch holds the numbers rendered as text: seed, epoch, date, bytes. */
    size_t part = scratch_len / 4;
    snprintf(scratch, part, "%llu", (unsigned long long)spec->seed);
    snprintf(scratch + part, part, "%lld", (long long)spec->epoch);
    format_iso8601(spec->epoch, scratch + 2 * part, part);
    snprintf(scratch + 3 * part, part, "%llu", (unsigned long long)spec->data_size);
    template_vars_set(vars, "name", spec->name);
    template_vars_set(vars, "version", spec->version);
    template_vars_set(vars, "description", spec->description);
    template_vars_set(vars, "seed", scratch);
    template_vars_set(vars, "epoch", scratch + part);
    template_vars_set(vars, "date", scratch + 2 * part);
    template_vars_set(vars, "data_bytes", scratch + 3 * part);
    /* The format's own package options, by their declared names. */
    for (size_t i = 0; i < spec->field_count; i++)
        template_vars_set(vars, spec->fields[i].key, spec->fields[i].value);
}

int package_add_data_file(struct det_archive *ar, const char *entry_path,
                          const struct package_spec *spec, struct data_file_result *result,
                          struct ag_error *err)
{
    /* By key rather than as an open stream: a stored zip reads it twice. */
    struct seeded_data data = {spec->seed, spec->format, spec->name, spec->version,
                               spec->data_size};
    if (result->known && result->bytes == spec->data_size)
        return det_archive_add_data_stream(ar, entry_path, 0644, &data, NULL, err);
    struct digest_set content;
    if (digest_set_init(&content, DIGEST_BIT(DIGEST_SHA256), err) != AG_OK)
        return err->status;
    int rc = det_archive_add_data_stream(ar, entry_path, 0644, &data, &content, err);
    if (rc == AG_OK)
        rc = digest_set_final(&content, err);
    if (rc == AG_OK) {
        result->bytes = spec->data_size;
        memcpy(result->sha256, content.value[DIGEST_SHA256], 32);
        result->known = 1;
    }
    digest_set_free(&content);
    return rc;
}

int package_add_templates(struct det_archive *ar, const char *prefix,
                          const struct template_set *set, struct ag_error *err)
{
    for (size_t i = 0; i < set->count; i++) {
        const struct template_file *f = &set->files[i];
        char *path = xasprintf("%s%s", prefix, f->path);
        int rc = det_archive_add_buffer(ar, path, f->mode, f->content, f->length, err);
        free(path);
        if (rc != AG_OK)
            return rc;
    }
    return AG_OK;
}

int package_finish_archive(struct det_archive *ar, struct atomic_file *out, int rc, int truncate,
                           struct ag_error *err)
{
    if (rc == AG_OK)
        rc = det_archive_close(ar, err);
    det_archive_free(ar);
    if (rc == AG_OK && truncate)
        rc = atomic_file_truncate(out, out->bytes / 2, err);
    /* A package file may be signed: its SHA-256 state spares the signer
     * a second read of it. */
    out->keep_sha256_state = 1;
    if (rc == AG_OK)
        return atomic_file_commit(out, err);
    atomic_file_abort(out);
    return rc;
}

char *package_path(const struct package_spec *spec, char *relative)
{
    if (spec->copy == 0)
        return relative;
    const char *slash = strchr(relative, '/');
    size_t head = slash ? (size_t)(slash - relative) : 0;
    char *moved = xasprintf("%.*s/_republish/%u/%s", (int)head, relative, spec->copy + 1,
                            slash ? slash + 1 : relative);
    free(relative);
    return moved;
}

char *package_output_path(const struct package_spec *spec, const char *relative)
{
    return xasprintf("%s/%s", spec->out_root, relative);
}

void package_row(struct artifact *row, const struct package_spec *spec, const char *kind,
                 char *path)
{
    memset(row, 0, sizeof *row);
    /* Borrowed, not owned: the row is copied by artifact_list_add. */
    row->format = (char *)spec->format;
    row->name = (char *)spec->name;
    row->version = (char *)spec->version;
    row->kind = (char *)kind;
    row->expect = "accept";
    row->path = package_path(spec, path);
}

void package_row_release(struct artifact *row)
{
    free(row->path);
    free(row->data_path);
    free(row->purl);
    json_decref(row->facts);
    digest_state_free(row->sha256_state);
    row->path = row->data_path = row->purl = NULL;
    row->facts = NULL;
    row->sha256_state = NULL;
}
