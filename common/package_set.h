#ifndef ASSETGEN_PACKAGE_SET_H
#define ASSETGEN_PACKAGE_SET_H

#include <stddef.h>

#include "common/error.h"

struct yaml_doc;

/* A package set: packages that relate to each other (an app and the
 * library it depends on, a version list with a yanked release, a
 * name@version published twice, packages signed by several keys), in
 * one neutral form that every generator translates into its own. */

enum dependency_kind {
    DEPENDENCY_RUNTIME,
    DEPENDENCY_DEV,      /* needed to develop or test, not to use */
    DEPENDENCY_OPTIONAL, /* installed when it can be */
};

/* Who signs a release of a signers set: the project key, a second key
 * that keys/ does not publish, nobody, or the project key over other
 * bytes than the file's. */
enum signer_persona {
    PERSONA_PROJECT,
    PERSONA_WRONG_SIGNER,
    PERSONA_UNSIGNED,
    PERSONA_OTHER_BYTES,
};

/* A version range: comparators that must all hold. */
enum range_op { RANGE_EQ, RANGE_NE, RANGE_LT, RANGE_LE, RANGE_GT, RANGE_GE };

struct range_comparator {
    enum range_op op;
    char *version; /* as written: 1 to 3 numbers, a pre-release only with 3 */
};

struct version_range {
    char *text; /* as written in the set */
    struct range_comparator *items;
    size_t count; /* 0: any version ("*") */
};

struct set_dependency {
    char *name;
    struct version_range range;
    enum dependency_kind kind;
};

struct set_release {
    char *version; /* SemVer 2.0 */
    char *yanked;  /* the reason ("" for none given), or NULL when not yanked */
    char **tags;   /* dist-tags beyond the computed latest */
    size_t tag_count;
    struct set_dependency *dependencies;
    size_t dependency_count;
    unsigned copies; /* 2 or more: the same version again with other bytes */
    enum signer_persona signer;
    /* Virtual names the release stands in for, each at the release's own
     * version (Debian's and rpm's Provides): a dependency on one is met
     * by a release that provides it. Never a package of the set. */
    char **provides;
    size_t provide_count;
    /* Names it cannot be installed beside, with a range (kind unused):
     * a package of the set, or a name one of its releases provides. */
    struct set_dependency *conflicts;
    size_t conflict_count;
};

struct set_package {
    char *name;
    struct set_release *releases;
    size_t release_count;
};

/* A root request whose outcome the manifest records: the package, and a
 * range or a dist-tag (neither: the newest the client would pick). */
struct set_request {
    char *package;
    struct version_range range;
    char *tag;
};

struct package_set {
    char *name;
    char *summary;
    char *where; /* file:line:col of its definition */
    struct set_package *packages;
    size_t package_count;
    struct set_request *requests;
    size_t request_count;
};

struct package_set_list {
    struct package_set *items;
    size_t count;
};

/* Reads a packageSets mapping (name: {summary, packages, requests}). */
int package_sets_parse(struct yaml_doc *doc, void *node, struct package_set_list *list,
                       struct ag_error *err);
/* Reads a file holding a top-level packageSets mapping. */
int package_sets_load_file(const char *path, struct package_set_list *list, struct ag_error *err);
/* The built-in sets (resolver-basic, relations, republish, signers). */
int package_sets_builtin(struct package_set_list *list, struct ag_error *err);
/* Adds src's sets to dst; a name both hold is refused. */
int package_sets_merge(struct package_set_list *dst, struct package_set_list *src,
                       struct ag_error *err);
const struct package_set *package_set_find(const struct package_set_list *list, const char *name);
const struct set_package *package_set_package(const struct package_set *set, const char *name);
/* Whether a release of the set provides name (a virtual name). */
int package_set_provides(const struct package_set *set, const char *name);
/* Whether rel provides name. */
int set_release_provides(const struct set_release *rel, const char *name);
void package_sets_free(struct package_set_list *list);

const char *dependency_kind_name(enum dependency_kind kind);
const char *signer_persona_name(enum signer_persona persona);
/* The persona a name (a defect's, say) is, or PERSONA_PROJECT. */
enum signer_persona signer_persona_named(const char *name);

/* Parses "OP VERSION[, OP VERSION]..", or "*" (any); 1 on success,
 * else 0 with why filled. */
int version_range_parse(const char *text, struct version_range *range, char *why, size_t why_len);
void version_range_free(struct version_range *range);
/* Whether a SemVer version satisfies the range. A pre-release matches
 * only when a comparator names a pre-release of the same
 * major.minor.patch, as npm and (for its specifier sets) pip have it. */
int version_range_matches(const struct version_range *range, const char *version);
/* The comparators alone, pre-releases like any version. */
int version_range_holds(const struct version_range *range, const char *version);
/* Whether the range is one exact version (a pin a yanked release still
 * answers, PEP 592). */
int version_range_is_pin(const struct version_range *range);
/* Whether the range is any version or one bound (not "!="): what a
 * conflict field whose entries each conflict on their own (Debian's,
 * rpm's) can say of it. */
int version_range_one_bound(const struct version_range *range);
/* A comparator as most ecosystems spell it: "<", "<=", ">", ">=", and
 * eq and ne (NULL where a format has no such comparator) for == and !=. */
const char *range_op_spelling(enum range_op op, const char *eq, const char *ne);
int version_is_prerelease(const char *version);
/* A comparator's version in full: 2 is 2.0.0, 1.2 is 1.2.0 (a fresh
 * string); clients read a partial one each in their own way (npm's >1
 * is >=2.0.0), so generators write it padded. */
char *version_padded(const char *version);

#endif
