#include "common/artifact.h"

#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"

void artifact_take_digests(struct artifact *art, struct atomic_file *file)
{
    digest_state_free(art->sha256_state);
    art->sha256_state = file->sha256_state;
    file->sha256_state = NULL;
    const struct digest_set *d = &file->digests;
    art->bytes = file->bytes;
    if (d->mask & DIGEST_BIT(DIGEST_SHA256))
        digest_hex(d->value[DIGEST_SHA256], d->length[DIGEST_SHA256], art->sha256);
    if (d->mask & DIGEST_BIT(DIGEST_SHA512))
        digest_hex(d->value[DIGEST_SHA512], d->length[DIGEST_SHA512], art->sha512);
    if (d->mask & DIGEST_BIT(DIGEST_SHA1))
        digest_hex(d->value[DIGEST_SHA1], d->length[DIGEST_SHA1], art->sha1);
    if (d->mask & DIGEST_BIT(DIGEST_MD5))
        digest_hex(d->value[DIGEST_MD5], d->length[DIGEST_MD5], art->md5);
}

void artifact_set_data(struct artifact *art, const char *path, uint64_t bytes,
                       const unsigned char *sha256)
{
    free(art->data_path);
    art->data_path = xstrdup(path);
    art->data_bytes = bytes;
    digest_hex(sha256, 32, art->data_sha256);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void artifact_copy(struct artifact *dst, const struct artifact *src)
{
    *dst = *src;
    dst->format = dup_or_null(src->format);
    dst->kind = dup_or_null(src->kind);
    dst->name = dup_or_null(src->name);
    dst->version = dup_or_null(src->version);
    dst->path = dup_or_null(src->path);
    dst->signature = dup_or_null(src->signature);
    dst->defect = dup_or_null(src->defect);
    dst->expect = dup_or_null(src->expect);
    dst->set = dup_or_null(src->set);
    dst->purl = dup_or_null(src->purl);
    dst->signer = dup_or_null(src->signer);
    dst->data_path = dup_or_null(src->data_path);
    /* A deep copy: rows move between threads. */
    dst->facts = src->facts ? json_deep_copy(src->facts) : NULL;
    dst->sha256_state = digest_state_dup(src->sha256_state);
}

void artifact_set_facts(struct artifact *art, json_t *facts)
{
    json_decref(art->facts);
    art->facts = facts;
}

const char *artifact_fact(const struct artifact *art, const char *key)
{
    return json_string_value(json_object_get(art->facts, key));
}

void artifact_list_add(struct artifact_list *list, const struct artifact *art)
{
    list->items = xrealloc(list->items, (list->count + 1) * sizeof *list->items);
    artifact_copy(&list->items[list->count++], art);
}

void artifact_free(struct artifact *art)
{
    free(art->format);
    free(art->kind);
    free(art->name);
    free(art->version);
    free(art->path);
    free(art->signature);
    free(art->defect);
    free(art->expect);
    free(art->set);
    free(art->purl);
    free(art->signer);
    free(art->data_path);
    json_decref(art->facts);
    digest_state_free(art->sha256_state);
    memset(art, 0, sizeof *art);
}

void artifact_list_free(struct artifact_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        artifact_free(&list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}
