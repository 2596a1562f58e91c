/* deb's side of package sets: SemVer as Debian versions, relations in
 * Depends, Recommends and Conflicts, apt-get's request syntax and the package URL. */
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "common/strbuf.h"
#include "generators/deb.h"

/* 2.0.0-rc.1 is 2.0.0~rc1: '~' sorts before the release as SemVer's
 * pre-release does, and the dots of the pre-release go (dpkg compares
 * the digits after "rc" as a number, so rc2 < rc10 still holds). */
char *deb_native_version(const char *semver)
{
    const char *plus = strchr(semver, '+');
    size_t core = plus ? (size_t)(plus - semver) : strlen(semver);
    const char *dash = memchr(semver, '-', core);
    struct strbuf out = {0};
    if (dash == NULL) {
        strbuf_add(&out, semver, core);
    } else {
        strbuf_add(&out, semver, (size_t)(dash - semver));
        strbuf_adds(&out, "~");
        for (const char *c = dash + 1; c < semver + core; c++)
            if (*c != '.' && *c != '-')
                strbuf_add(&out, c, 1);
    }
    /* Build metadata stays, after '+': it sorts after the bare version,
     * where SemVer gives it no order at all. */
    if (plus)
        strbuf_adds(&out, plus);
    return strbuf_detach(&out, NULL);
}

char *deb_relation_text(const char *name, const struct version_range *range)
{
    struct strbuf out = {0};
    size_t written = 0;
    for (size_t i = 0; i < range->count; i++) {
        const struct range_comparator *c = &range->items[i];
        if (c->op == RANGE_NE)
            continue;
        char *full = version_padded(c->version);
        char *v = deb_native_version(full);
        static const char *const ops[] = {"=", "", "<<", "<=", ">>", ">="};
        /* "< 2.0.0" admits no 2.0.0 pre-release in SemVer; in Debian
         * 2.0.0~rc1 << 2.0.0, but not << 2.0.0~. */
        const char *tilde = c->op == RANGE_LT && strchr(v, '~') == NULL ? "~" : "";
        strbuf_addf(&out, "%s%s (%s %s%s)", written++ ? ", " : "", name, ops[c->op], v, tilde);
        free(v);
        free(full);
    }
    if (written == 0)
        strbuf_adds(&out, name);
    return strbuf_detach(&out, NULL);
}

/* apt-get takes a name (its candidate) or name=version: no ranges and
 * no tags, so a range request is the candidate, which the expected
 * resolution checks against the range (candidate_only). */
static char *deb_requirement(const char *name, const struct version_range *range, const char *tag)
{
    (void)tag;
    if (range->count == 1 && range->items[0].op == RANGE_EQ) {
        char *full = version_padded(range->items[0].version);
        char *v = deb_native_version(full);
        char *req = xasprintf("%s=%s", name, v);
        free(v);
        free(full);
        return req;
    }
    return xstrdup(name);
}

/* pkg:deb/<vendor>/name@version?arch=all: the namespace is the vendor; an
 * epoch's ':' is percent-encoded as the purl spec asks. The generator sets
 * it on each row with the package's architecture. */
char *deb_package_purl(const char *name, const char *version, const char *arch)
{
    struct strbuf v = {0};
    for (const char *c = version; *c; c++)
        if (*c == ':')
            strbuf_adds(&v, "%3A");
        else
            strbuf_add(&v, c, 1);
    char *purl = xasprintf("pkg:deb/assetgen/%s@%s?arch=%s", name, v.data ? v.data : "", arch);
    strbuf_free(&v);
    return purl;
}

char *deb_purl(const char *name, const char *version)
{
    return deb_package_purl(name, version, "all");
}

/* Optional dependencies are Recommends, which apt installs by default
 * (APT::Install-Recommends). Debian binary packages have no dev
 * dependencies, no yank, no dist-tags and no "!="; they have Provides
 * (versioned, which apt 1.0 and later weighs against a range) and
 * Conflicts. */
const struct set_support deb_set_support = {
    .features =
        SET_DEPENDS_RUNTIME | SET_DEPENDS_OPTIONAL | SET_PRERELEASE | SET_PROVIDES | SET_CONFLICTS,
    .yank_name = NULL,
    .yank_policy = YANK_EXCLUDED,
    .prerelease_fallback = 0,
    .prefers_latest_tag = 0,
    .installs_optional = 1,
    .candidate_only = 1,
    .native_version = deb_native_version,
    .requirement = deb_requirement,
};
