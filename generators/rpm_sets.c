/* rpm's side of package sets: SemVer versions as rpm orders them,
 * dependency ranges as Requires/Recommends/Conflicts entries, and how dnf names a
 * request. */
#include <rpm/rpmds.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "common/strbuf.h"
#include "generators/rpm.h"

/* 2.0.0-rc.1 is 2.0.0~rc1: '~' sorts before everything, the end of the
 * string included, so the pre-release comes before its release as in
 * SemVer; its dots go, which rpm would read as more version parts. A
 * build suffix (+...) stays: rpm sorts it after the release. */
char *rpm_native_version(const char *semver)
{
    struct strbuf out = {0};
    const char *dash = strchr(semver, '-');
    const char *plus = strchr(semver, '+');
    if (dash && plus && plus < dash)
        dash = NULL;
    if (dash == NULL)
        return xstrdup(semver);
    strbuf_add(&out, semver, (size_t)(dash - semver));
    strbuf_adds(&out, "~");
    for (const char *c = dash + 1; *c && c != plus; c++)
        if (*c != '.' && *c != '-')
            strbuf_add(&out, c, 1);
    if (plus)
        strbuf_adds(&out, plus);
    return strbuf_detach(&out, NULL);
}

static uint32_t sense_of(enum range_op op)
{
    switch (op) {
    case RANGE_EQ:
        return RPMSENSE_EQUAL;
    case RANGE_LT:
        return RPMSENSE_LESS;
    case RANGE_LE:
        return RPMSENSE_LESS | RPMSENSE_EQUAL;
    case RANGE_GT:
        return RPMSENSE_GREATER;
    case RANGE_GE:
        return RPMSENSE_GREATER | RPMSENSE_EQUAL;
    case RANGE_NE:
        break;
    }
    return 0;
}

static const char *op_text(uint32_t sense)
{
    switch (sense) {
    case RPMSENSE_EQUAL:
        return "=";
    case RPMSENSE_LESS:
        return "<";
    case RPMSENSE_LESS | RPMSENSE_EQUAL:
        return "<=";
    case RPMSENSE_GREATER:
        return ">";
    default:
        return ">=";
    }
}

/* The version a comparator writes: padded, native, and for "< X" of a
 * release "X~", below every pre-release of X as SemVer's "<X" is. */
static char *comparator_version(const struct range_comparator *c)
{
    char *full = version_padded(c->version);
    char *native = rpm_native_version(full);
    free(full);
    if (c->op == RANGE_LT && strchr(native, '~') == NULL) {
        char *below = xasprintf("%s~", native);
        free(native);
        return below;
    }
    return native;
}

size_t rpm_range_deps(const char *name, const struct version_range *range, struct rpm_dep *out,
                      size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < range->count && n < cap; i++) {
        uint32_t sense = sense_of(range->items[i].op);
        if (sense == 0)
            continue;
        out[n].name = xstrdup(name);
        out[n].flags = sense;
        out[n].version = comparator_version(&range->items[i]);
        n++;
    }
    if (n == 0 && cap > 0) {
        out[0].name = xstrdup(name);
        out[0].flags = 0;
        out[0].version = xstrdup("");
        n = 1;
    }
    return n;
}

/* dnf install takes "name", "name-version" for one version, or one
 * relation "name >= version" as one (quoted) argument; a range of two
 * comparators is two such arguments. */
static char *rpm_requirement(const char *name, const struct version_range *range, const char *tag)
{
    (void)tag;
    if (range->count == 0)
        return xstrdup(name);
    if (version_range_is_pin(range)) {
        char *full = version_padded(range->items[0].version);
        char *native = rpm_native_version(full);
        char *text = xasprintf("%s-%s", name, native);
        free(full);
        free(native);
        return text;
    }
    struct strbuf out = {0};
    for (size_t i = 0; i < range->count; i++) {
        uint32_t sense = sense_of(range->items[i].op);
        if (sense == 0)
            continue;
        char *v = comparator_version(&range->items[i]);
        strbuf_addf(&out, "%s'%s %s %s'", out.len ? " " : "", name, op_text(sense), v);
        free(v);
    }
    if (out.len == 0)
        strbuf_adds(&out, name);
    return strbuf_detach(&out, NULL);
}

/* pkg:rpm/<vendor>/name@version-release?arch=...&epoch=..., as the purl
 * spec writes rpm packages; the generator sets it on each row, this is
 * the form for a bare name and version (release 1, noarch). */
char *rpm_package_purl(const char *name, const char *epoch, const char *version,
                       const char *release, const char *arch)
{
    return epoch && *epoch
               ? xasprintf("pkg:rpm/assetgen/%s@%s-%s?arch=%s&epoch=%s", name, version, release,
                           arch, epoch)
               : xasprintf("pkg:rpm/assetgen/%s@%s-%s?arch=%s", name, version, release, arch);
}

char *rpm_purl(const char *name, const char *version)
{
    return rpm_package_purl(name, NULL, version, "1", "noarch");
}

/* Provides are at the package's own EVR; dnf meets a dependency on a
 * virtual name with its provider and refuses two packages that conflict. */
const struct set_support rpm_set_support = {
    .features =
        SET_DEPENDS_RUNTIME | SET_DEPENDS_OPTIONAL | SET_PRERELEASE | SET_PROVIDES | SET_CONFLICTS,
    .yank_name = NULL,
    .yank_policy = YANK_EXCLUDED,
    .prerelease_fallback = 0,
    .prerelease_ordinary = 1,
    .prefers_latest_tag = 0,
    /* dnf installs Recommends by default (install_weak_deps=True). */
    .installs_optional = 1,
    .candidate_only = 0,
    .native_version = rpm_native_version,
    .requirement = rpm_requirement,
};
