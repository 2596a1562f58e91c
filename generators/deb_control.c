/* Debian's rules for names and versions, dpkg's version order, and
 * control paragraphs written and read back. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/fsutil.h"
#include "generators/deb.h"

/* ---- names and versions ---- */

int deb_check_name(const char *name, const char *what, struct ag_error *err)
{
    size_t len = strlen(name);
    if (len < 2)
        return ag_error_set(err, AG_USAGE,
                            "invalid Debian %s '%s': at least two characters (Debian policy "
                            "5.6.1)",
                            what, name);
    if (!islower((unsigned char)name[0]) && !isdigit((unsigned char)name[0]))
        return ag_error_set(err, AG_USAGE,
                            "invalid Debian %s '%s': must start with a lower-case letter or a "
                            "digit (Debian policy 5.6.1)",
                            what, name);
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '+' || *c == '-' ||
              *c == '.'))
            return ag_error_set(err, AG_USAGE,
                                "invalid Debian %s '%s': character '%c' not allowed (Debian "
                                "policy 5.6.1: lower-case letters, digits, '+', '-' and '.')",
                                what, name, *c);
    return AG_OK;
}

static int all_of(const char *s, size_t n, const char *extra)
{
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) || (unsigned char)s[i] >= 0x80)
            if (strchr(extra, s[i]) == NULL || s[i] == '\0')
                return 0;
    return 1;
}

int deb_check_version(const char *version, const char *what, struct ag_error *err)
{
    const char *colon = strchr(version, ':');
    const char *upstream = colon ? colon + 1 : version;
    const char *dash = strrchr(upstream, '-');
    size_t up_len = dash ? (size_t)(dash - upstream) : strlen(upstream);
    if (colon != NULL) {
        size_t n = (size_t)(colon - version);
        int digits = n > 0 && n <= 9;
        for (size_t i = 0; digits && i < n; i++)
            digits = isdigit((unsigned char)version[i]) != 0;
        if (!digits)
            return ag_error_set(err, AG_USAGE,
                                "invalid Debian %s '%s': the epoch before ':' must be an "
                                "unsigned integer (Debian policy 5.6.12)",
                                what, version);
    }
    if (up_len == 0 || !isdigit((unsigned char)upstream[0]))
        return ag_error_set(err, AG_USAGE,
                            "invalid Debian %s '%s': the upstream version must start with a "
                            "digit (Debian policy 5.6.12)",
                            what, version);
    if (!all_of(upstream, up_len, dash ? ".+~-" : ".+~"))
        return ag_error_set(err, AG_USAGE,
                            "invalid Debian %s '%s': the upstream version takes letters, digits, "
                            "'.', '+', '~' (and '-' only when a revision follows; ':' never) "
                            "(Debian policy 5.6.12)",
                            what, version);
    if (dash != NULL && (dash[1] == '\0' || !all_of(dash + 1, strlen(dash + 1), ".+~")))
        return ag_error_set(err, AG_USAGE,
                            "invalid Debian %s '%s': the revision after the last '-' must be "
                            "letters, digits, '.', '+' or '~' and not empty (Debian policy "
                            "5.6.12)",
                            what, version);
    return AG_OK;
}

int deb_check_architecture(const char *arch, struct ag_error *err)
{
    int valid = arch != NULL && *arch != '\0' && strlen(arch) <= 32 && strcmp(arch, "any") != 0;
    for (const char *c = arch; valid && *c; c++)
        valid = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-';
    if (!valid)
        return ag_error_set(err, AG_USAGE,
                            "invalid Debian architecture '%s': 'all' or one architecture name "
                            "such as amd64 or arm64 (lower-case letters, digits, '-')",
                            arch ? arch : "");
    return AG_OK;
}

/* dpkg's lib/dpkg/version.c: letters sort before non-letters, '~'
 * before everything, even the end of the part. */
static int order(int c)
{
    if (isdigit(c))
        return 0;
    if (isalpha(c))
        return c;
    if (c == '~')
        return -1;
    if (c)
        return c + 256;
    return 0;
}

static int verrevcmp(const char *a, const char *b)
{
    while (*a || *b) {
        int first_diff = 0;
        while ((*a && !isdigit((unsigned char)*a)) || (*b && !isdigit((unsigned char)*b))) {
            int ac = order((unsigned char)*a), bc = order((unsigned char)*b);
            if (ac != bc)
                return ac - bc;
            a++;
            b++;
        }
        while (*a == '0')
            a++;
        while (*b == '0')
            b++;
        while (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            if (!first_diff)
                first_diff = *a - *b;
            a++;
            b++;
        }
        if (isdigit((unsigned char)*a))
            return 1;
        if (isdigit((unsigned char)*b))
            return -1;
        if (first_diff)
            return first_diff;
    }
    return 0;
}

struct split_version {
    unsigned long epoch;
    char *upstream;
    const char *revision;
};

static void split(const char *v, struct split_version *s)
{
    const char *colon = strchr(v, ':');
    s->epoch = colon ? strtoul(v, NULL, 10) : 0;
    s->upstream = xstrdup(colon ? colon + 1 : v);
    char *dash = strrchr(s->upstream, '-');
    s->revision = "";
    if (dash) {
        *dash = '\0';
        s->revision = dash + 1;
    }
}

int deb_version_compare(const char *a, const char *b)
{
    struct split_version x, y;
    split(a, &x);
    split(b, &y);
    int c = x.epoch < y.epoch ? -1 : x.epoch > y.epoch ? 1 : 0;
    if (c == 0)
        c = verrevcmp(x.upstream, y.upstream);
    if (c == 0)
        c = verrevcmp(x.revision, y.revision);
    free(x.upstream);
    free(y.upstream);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

/* ---- control paragraphs ---- */

const char *const deb_control_keys[] = {
    "Package",        "Source",  "Version",    "Architecture", "Maintainer",
    "Installed-Size", "Depends", "Recommends", "Suggests",     "Provides",
    "Conflicts",      "Section", "Priority",   "Homepage",     "Description"};
const size_t deb_control_key_count = sizeof deb_control_keys / sizeof deb_control_keys[0];

int deb_control_key_multiline(const char *key)
{
    return strcmp(key, "Description") == 0;
}

/* Well-formed UTF-8 without control characters other than '\n'. */
static const char *bad_character(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x80) {
            if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
                return "a control character";
            p++;
            continue;
        }
        int n = (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
        if (n < 0 || *p == 0xc0 || *p == 0xc1 || *p > 0xf4)
            return "bytes that are not UTF-8";
        for (int i = 1; i <= n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return "bytes that are not UTF-8";
        p += n + 1;
    }
    return NULL;
}

int deb_control_field(struct strbuf *out, const char *key, const char *value, int multiline,
                      struct ag_error *err)
{
    const char *bad = bad_character(value);
    if (bad != NULL)
        return ag_error_set(err, AG_USAGE,
                            "control field %s holds %s (a deb control value is UTF-8 text)", key,
                            bad);
    if (*value == '\0' || isspace((unsigned char)*value))
        return ag_error_set(err, AG_USAGE,
                            "control field %s is empty or starts with white space (deb-control(5) "
                            "takes a value after 'Field: ')",
                            key);
    if (!multiline && strchr(value, '\n') != NULL)
        return ag_error_set(err, AG_USAGE,
                            "control field %s holds a line break; it is a single-line field "
                            "(deb-control(5)); only Description continues on further lines",
                            key);
    strbuf_addf(out, "%s: ", key);
    const char *line = value;
    for (int first = 1; line != NULL; first = 0) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (!first)
            strbuf_adds(out, " ");
        /* An empty continuation line would end the paragraph; " ." is
         * its escape, so a line that is "." itself cannot be carried. */
        if (!first && n == 0)
            strbuf_adds(out, ".");
        else if (!first && n == 1 && line[0] == '.')
            return ag_error_set(err, AG_USAGE,
                                "control field %s has a line that is a lone '.', which "
                                "deb-control(5) reads as an empty line",
                                key);
        else
            strbuf_add(out, line, n);
        strbuf_adds(out, "\n");
        line = nl ? nl + 1 : NULL;
    }
    return AG_OK;
}

int deb_control_paragraph(struct strbuf *out, const json_t *fields, struct ag_error *err)
{
    if (!json_is_object(fields))
        return ag_error_set(err, AG_FAIL, "control fields are not a JSON object");
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)fields, key, value)
    {
        size_t i = 0;
        while (i < deb_control_key_count && strcmp(deb_control_keys[i], key) != 0)
            i++;
        if (i == deb_control_key_count || !json_is_string(value))
            return ag_error_set(err, AG_FAIL,
                                "control field '%s' is not one assetgen writes (or not a string)",
                                key);
    }
    for (size_t i = 0; i < deb_control_key_count; i++) {
        const char *v = json_string_value(json_object_get(fields, deb_control_keys[i]));
        if (v != NULL &&
            deb_control_field(out, deb_control_keys[i], v,
                              deb_control_key_multiline(deb_control_keys[i]), err) != AG_OK)
            return err->status;
    }
    return AG_OK;
}

int deb_paragraph_parse(const char *text, size_t len, const char *source, struct deb_paragraph *p,
                        size_t *end, struct ag_error *err)
{
    memset(p, 0, sizeof *p);
    size_t at = 0;
    /* Blank lines before a paragraph separate it from the last. */
    while (at < len && text[at] == '\n')
        at++;
    size_t cap = 0;
    struct strbuf cur = {0};
    int rc = AG_OK;
    while (at < len && rc == AG_OK) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
        const char *line = text + at;
        at += n + (nl ? 1 : 0);
        if (n == 0)
            break;
        if (line[0] == ' ' || line[0] == '\t') {
            if (p->count == 0) {
                rc = ag_error_set(err, AG_FAIL, "%s: a continuation line before any field", source);
                break;
            }
            strbuf_adds(&cur, "\n");
            if (!(n == 2 && line[1] == '.'))
                strbuf_add(&cur, line + 1, n - 1);
            free(p->value[p->count - 1]);
            p->value[p->count - 1] = xstrdup(cur.data);
            continue;
        }
        const char *colon = memchr(line, ':', n);
        if (colon == NULL || colon == line) {
            rc = ag_error_set(err, AG_FAIL, "%s: line '%.*s' is not 'Field: value'", source,
                              (int)(n > 60 ? 60 : n), line);
            break;
        }
        if (p->count == cap) {
            cap = cap ? cap * 2 : 16;
            p->key = realloc(p->key, cap * sizeof *p->key);
            p->value = realloc(p->value, cap * sizeof *p->value);
            if (p->key == NULL || p->value == NULL)
                abort();
        }
        const char *v = colon + 1;
        while (v < line + n && (*v == ' ' || *v == '\t'))
            v++;
        p->key[p->count] = xasprintf("%.*s", (int)(colon - line), line);
        p->value[p->count] = xasprintf("%.*s", (int)(line + n - v), v);
        strbuf_free(&cur);
        strbuf_adds(&cur, p->value[p->count]);
        p->count++;
    }
    strbuf_free(&cur);
    if (end)
        *end = at;
    if (rc != AG_OK)
        deb_paragraph_free(p);
    return rc;
}

const char *deb_paragraph_get(const struct deb_paragraph *p, const char *key)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcasecmp(p->key[i], key) == 0)
            return p->value[i];
    return NULL;
}

void deb_paragraph_free(struct deb_paragraph *p)
{
    for (size_t i = 0; i < p->count; i++) {
        free(p->key[i]);
        free(p->value[i]);
    }
    free(p->key);
    free(p->value);
    memset(p, 0, sizeof *p);
}

/* ---- paths and dates ---- */

char *deb_pool_path(const char *name, const char *version, const char *arch)
{
    const char *colon = strchr(version, ':');
    const char *bare = colon ? colon + 1 : version;
    int lib = strncmp(name, "lib", 3) == 0 && strlen(name) > 3;
    return xasprintf("deb/pool/%s/%.*s/%s/%s_%s_%s.deb", DEB_COMPONENT, lib ? 4 : 1, name, name,
                     name, bare, arch);
}

int deb_version_is_prerelease(const char *version)
{
    const char *colon = strchr(version, ':');
    const char *upstream = colon ? colon + 1 : version;
    const char *dash = strrchr(upstream, '-');
    size_t up_len = dash ? (size_t)(dash - upstream) : strlen(upstream);
    /* A '~' of the revision (1.0-1~bpo1) is a packaging step before the
     * revision, not an upstream pre-release. */
    return memchr(upstream, '~', up_len) != NULL;
}

char *deb_suite_of(const struct artifact *art)
{
    if (art->defect && *art->defect)
        return xasprintf("defect-%s", art->defect);
    return xstrdup(deb_version_is_prerelease(art->version) ? DEB_EXPERIMENTAL : DEB_SUITE);
}

void deb_rfc2822_date(int64_t epoch, char *out, size_t cap)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)epoch;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d UTC", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
