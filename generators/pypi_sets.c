/* pypi's side of package sets: PEP 440 versions, PEP 508 requirements
 * and the package URL. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "common/strbuf.h"
#include "generators/pypi.h"

/* A SemVer version in PEP 440's normal form: 2.0.0-rc.1 is 2.0.0rc1,
 * -alpha.1 a1, -beta b0, -dev.3 .dev3. A pre-release PEP 440 has no word
 * for stays as it is, for the version check to refuse by name. */
static char *pypi_native_version(const char *semver)
{
    const char *dash = strchr(semver, '-');
    if (dash == NULL)
        return xstrdup(semver);
    static const struct {
        const char *word;
        const char *pep440;
    } words[] = {{"alpha", "a"}, {"beta", "b"}, {"rc", "rc"},      {"a", "a"},     {"b", "b"},
                 {"c", "rc"},    {"pre", "rc"}, {"preview", "rc"}, {"dev", ".dev"}};
    const char *pre = dash + 1;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t n = strlen(words[i].word);
        if (strncmp(pre, words[i].word, n) != 0)
            continue;
        const char *num = pre + n;
        if (*num == '.')
            num++;
        int digits = 1;
        for (const char *c = num; *c; c++)
            digits = digits && isdigit((unsigned char)*c);
        if (!digits)
            continue;
        while (num[0] == '0' && num[1] != '\0')
            num++;
        return xasprintf("%.*s%s%s", (int)(dash - semver), semver, words[i].pep440,
                         *num ? num : "0");
    }
    return xstrdup(semver);
}

static char *pypi_specifier(const struct version_range *range)
{
    struct strbuf out = {0};
    for (size_t i = 0; i < range->count; i++) {
        char *full = version_padded(range->items[i].version);
        char *version = pypi_native_version(full);
        strbuf_addf(&out, "%s%s%s", i ? "," : "", range_op_spelling(range->items[i].op, "==", "!="),
                    version);
        free(version);
        free(full);
    }
    return strbuf_detach(&out, NULL);
}

static char *pypi_requirement(const char *name, const struct version_range *range, const char *tag)
{
    (void)tag;
    char *spec = pypi_specifier(range);
    char *req = xasprintf("%s%s", name, spec);
    free(spec);
    return req;
}

char *pypi_metadata_with_dependencies(const struct package_spec *spec, const char *metadata)
{
    static const char *const extras[] = {NULL, "dev", "optional"};
    const char *body = strstr(metadata, "\n\n");
    size_t head = body ? (size_t)(body - metadata) + 1 : strlen(metadata);
    struct strbuf out = {0};
    strbuf_add(&out, metadata, head);
    if (head > 0 && metadata[head - 1] != '\n')
        strbuf_adds(&out, "\n");
    for (int kind = DEPENDENCY_DEV; kind <= DEPENDENCY_OPTIONAL; kind++) {
        int used = 0;
        for (size_t i = 0; i < spec->dependency_count; i++)
            used = used || (int)spec->dependencies[i].kind == kind;
        if (used)
            strbuf_addf(&out, "Provides-Extra: %s\n", extras[kind]);
    }
    for (size_t i = 0; i < spec->dependency_count; i++) {
        const struct spec_dependency *dep = &spec->dependencies[i];
        char *req = pypi_requirement(dep->name, dep->range, NULL);
        strbuf_addf(&out, "Requires-Dist: %s", req);
        if (dep->kind != DEPENDENCY_RUNTIME)
            strbuf_addf(&out, "; extra == \"%s\"", extras[dep->kind]);
        strbuf_adds(&out, "\n");
        free(req);
    }
    if (body)
        strbuf_adds(&out, body + 1);
    return strbuf_detach(&out, NULL);
}

/* pkg:pypi/name@version, the name as PEP 503 normalises it. */
char *pypi_purl(const char *name, const char *version)
{
    char *norm = pypi_normalize(name, '-');
    char *purl = xasprintf("pkg:pypi/%s@%s", norm, version);
    free(norm);
    return purl;
}

const struct set_support pypi_set_support = {
    .features = SET_DEPENDS_RUNTIME | SET_DEPENDS_DEV | SET_DEPENDS_OPTIONAL | SET_YANKED |
                SET_PRERELEASE | SET_RANGE_NOT_EQUAL,
    .yank_name = "yanked (PEP 592)",
    .yank_policy = YANK_PINNED,
    .prerelease_fallback = 1,
    .installs_optional = 0,
    .native_version = pypi_native_version,
    .requirement = pypi_requirement,
};
