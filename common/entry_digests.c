#include "common/entry_digests.h"

#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"

void entry_digest_list_add_final(struct entry_digest_list *list, const char *path, uint64_t size,
                                 unsigned mask, const struct digest_set *final)
{
    if (list->count == list->cap) {
        list->cap = list->cap ? 2 * list->cap : 16;
        list->items = xrealloc(list->items, list->cap * sizeof *list->items);
    }
    struct entry_digest *e = &list->items[list->count++];
    memset(e, 0, sizeof *e);
    e->path = xstrdup(path);
    e->size = size;
    e->mask = mask & final->mask;
    for (int k = 0; k < DIGEST_KINDS; k++) {
        if (!(e->mask & DIGEST_BIT(k)))
            continue;
        memcpy(e->value[k], final->value[k], final->length[k]);
        e->length[k] = final->length[k];
    }
}

int entry_digest_list_add(struct entry_digest_list *list, const char *path, uint64_t size,
                          struct digest_set *pending, struct ag_error *err)
{
    int rc = digest_set_final(pending, err);
    if (rc == AG_OK)
        entry_digest_list_add_final(list, path, size, pending->mask, pending);
    digest_set_free(pending);
    return rc;
}

const struct entry_digest *entry_digest_list_find(const struct entry_digest_list *list,
                                                  const char *path)
{
    for (size_t i = list->count; i > 0; i--)
        if (strcmp(list->items[i - 1].path, path) == 0)
            return &list->items[i - 1];
    return NULL;
}

void entry_digest_list_free(struct entry_digest_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i].path);
    free(list->items);
    memset(list, 0, sizeof *list);
}
