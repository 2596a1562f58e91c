#include "common/repo_stage.h"

#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"
#include "common/fsutil.h"
#include "common/json_file.h"

void repo_stage_init(struct repo_stage *stage, const char *root)
{
    memset(stage, 0, sizeof *stage);
    stage->root = xstrdup(root);
}

char *repo_stage_path(const struct repo_stage *stage, const char *relative)
{
    return xasprintf("%s/%s", stage->root, relative);
}

int repo_stage_add(struct repo_stage *stage, const char *relative, enum repo_order order,
                   struct ag_error *err)
{
    const char *why = relative_path_problem(relative);
    if (why != NULL)
        return ag_error_set(err, AG_FAIL, "repository file '%s': %s", relative, why);
    if ((unsigned)order >= REPO_ORDERS)
        return ag_error_set(err, AG_FAIL, "repository file %s: no such publish order", relative);
    for (size_t i = 0; i < stage->count; i++)
        if (strcmp(stage->files[i].relative, relative) == 0)
            return ag_error_set(err, AG_FAIL, "repository file %s is written twice", relative);
    if (stage->count == stage->cap) {
        stage->cap = stage->cap ? 2 * stage->cap : 16;
        stage->files = xrealloc(stage->files, stage->cap * sizeof *stage->files);
    }
    stage->files[stage->count].relative = xstrdup(relative);
    stage->files[stage->count].order = order;
    stage->count++;
    return AG_OK;
}

/* A file that could not be written is not published. */
static int repo_stage_written(struct repo_stage *stage, int rc)
{
    if (rc != AG_OK)
        free(stage->files[--stage->count].relative);
    return rc;
}

int repo_stage_put(struct repo_stage *stage, const char *relative, const void *data, size_t len,
                   enum repo_order order, struct ag_error *err)
{
    if (repo_stage_add(stage, relative, order, err) != AG_OK)
        return err->status;
    char *path = repo_stage_path(stage, relative);
    int rc = atomic_write_buffer(path, data, len, err);
    free(path);
    return repo_stage_written(stage, rc);
}

int repo_stage_put_json(struct repo_stage *stage, const char *relative, const json_t *doc,
                        enum repo_order order, struct ag_error *err)
{
    if (repo_stage_add(stage, relative, order, err) != AG_OK)
        return err->status;
    char *path = repo_stage_path(stage, relative);
    int rc = json_write_atomic(path, doc, err);
    free(path);
    return repo_stage_written(stage, rc);
}

void repo_stage_publish_order(const struct repo_stage *stage, const char **out, size_t *n)
{
    for (unsigned order = 0; order < REPO_ORDERS; order++)
        for (size_t i = 0; i < stage->count; i++)
            if (stage->files[i].order == (enum repo_order)order)
                out[(*n)++] = stage->files[i].relative;
}

void repo_stage_free(struct repo_stage *stage)
{
    for (size_t i = 0; i < stage->count; i++)
        free(stage->files[i].relative);
    free(stage->files);
    free(stage->root);
    memset(stage, 0, sizeof *stage);
}
