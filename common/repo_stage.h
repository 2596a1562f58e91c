#ifndef ASSETGEN_REPO_STAGE_H
#define ASSETGEN_REPO_STAGE_H

#include <jansson.h>
#include <stddef.h>

#include "common/error.h"

/* The order repository files are published in, after the artifacts they
 * list: files that only describe one artifact first, then the listings
 * that name them, then the roots that name the listings, then the
 * signatures over the roots. A client that fetches during a publish
 * never finds a file listed that is not there yet. */
enum repo_order {
    REPO_LEAF,      /* sidecars: PEP 658 .metadata, checksum files, client settings, keys */
    REPO_LISTING,   /* per-package listings: a packument, a project page, Packages */
    REPO_ROOT,      /* what names the listings: the simple root, Release, repomd.xml */
    REPO_SIGNATURE, /* signatures over a root: InRelease, Release.gpg, repomd.xml.asc */
    REPO_ORDERS
};

struct repo_file {
    char *relative;
    enum repo_order order;
};

/* The repository files of one run, written under root (the staging
 * directory) and remembered with their order for the publish. */
struct repo_stage {
    char *root;
    struct repo_file *files;
    size_t count;
    size_t cap;
};

void repo_stage_init(struct repo_stage *stage, const char *root);
/* Writes root/relative atomically. relative must stay inside the tree
 * (no absolute path, no '..', no empty component) and be put only once. */
int repo_stage_put(struct repo_stage *stage, const char *relative, const void *data, size_t len,
                   enum repo_order order, struct ag_error *err);
/* The same for a JSON document (sorted keys, two-space indent). */
int repo_stage_put_json(struct repo_stage *stage, const char *relative, const json_t *doc,
                        enum repo_order order, struct ag_error *err);
/* The path under root of a file not yet put (for writers that stream). */
char *repo_stage_path(const struct repo_stage *stage, const char *relative);
/* Records a file written at repo_stage_path by the caller. */
int repo_stage_add(struct repo_stage *stage, const char *relative, enum repo_order order,
                   struct ag_error *err);
/* Appends the staged paths to out in publish order: class by class, in
 * the order they were put within a class. */
void repo_stage_publish_order(const struct repo_stage *stage, const char **out, size_t *n);
void repo_stage_free(struct repo_stage *stage);

#endif
