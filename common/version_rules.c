#include "common/version_rules.h"

#include <ctype.h>
#include <string.h>

/* Consumes a decimal number; no_leading_zero enforces semver's rule. */
static int take_number(const char **p, int no_leading_zero)
{
    const char *s = *p;
    if (!isdigit((unsigned char)*s))
        return 0;
    if (no_leading_zero && s[0] == '0' && isdigit((unsigned char)s[1]))
        return 0;
    while (isdigit((unsigned char)*s))
        s++;
    *p = s;
    return 1;
}

static int is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '-';
}

/* Dot-separated identifiers of [0-9A-Za-z-]; numeric ones without leading
 * zeros when strict. */
static int take_identifiers(const char **p, int strict_numeric)
{
    const char *s = *p;
    for (;;) {
        const char *start = s;
        int all_digits = 1;
        while (is_ident_char(*s)) {
            all_digits = all_digits && isdigit((unsigned char)*s);
            s++;
        }
        if (s == start)
            return 0;
        if (strict_numeric && all_digits && start[0] == '0' && s - start > 1)
            return 0;
        if (*s != '.')
            break;
        s++;
    }
    *p = s;
    return 1;
}

int version_is_semver(const char *version)
{
    const char *p = version;
    if (!take_number(&p, 1) || *p++ != '.' || !take_number(&p, 1) || *p++ != '.' ||
        !take_number(&p, 1))
        return 0;
    if (*p == '-') {
        p++;
        if (!take_identifiers(&p, 1))
            return 0;
    }
    if (*p == '+') {
        p++;
        if (!take_identifiers(&p, 0))
            return 0;
    }
    return *p == '\0' && strlen(version) <= 256;
}

int version_is_pep440(const char *version)
{
    const char *p = version;
    const char *bang = strchr(version, '!');
    if (bang != NULL) {
        if (!take_number(&p, 0) || p != bang)
            return 0;
        p++;
    }
    if (!take_number(&p, 0))
        return 0;
    while (*p == '.' && isdigit((unsigned char)p[1])) {
        p++;
        take_number(&p, 0);
    }
    if (strncmp(p, "rc", 2) == 0)
        p += 2;
    else if (*p == 'a' || *p == 'b')
        p++;
    else
        goto post;
    if (!take_number(&p, 0))
        return 0;
post:
    if (strncmp(p, ".post", 5) == 0) {
        p += 5;
        if (!take_number(&p, 0))
            return 0;
    }
    if (strncmp(p, ".dev", 4) == 0) {
        p += 4;
        if (!take_number(&p, 0))
            return 0;
    }
    if (*p == '+') {
        p++;
        for (;;) {
            const char *start = p;
            while (islower((unsigned char)*p) || isdigit((unsigned char)*p))
                p++;
            if (p == start)
                return 0;
            if (*p != '.')
                break;
            p++;
        }
    }
    return *p == '\0';
}

static int compare_identifier(const char *a, size_t la, const char *b, size_t lb)
{
    int a_num = 1, b_num = 1;
    for (size_t i = 0; i < la; i++)
        a_num = a_num && isdigit((unsigned char)a[i]);
    for (size_t i = 0; i < lb; i++)
        b_num = b_num && isdigit((unsigned char)b[i]);
    if (a_num && b_num) {
        if (la != lb)
            return la < lb ? -1 : 1;
        return memcmp(a, b, la);
    }
    if (a_num != b_num)
        return a_num ? -1 : 1; /* numeric identifiers sort first */
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la < lb ? -1 : la > lb);
}

static size_t core_length(const char *v)
{
    size_t n = strcspn(v, "-+");
    return n;
}

int version_compare_semver(const char *a, const char *b)
{
    /* Core parts: compare the three numbers. */
    const char *pa = a, *pb = b;
    for (int part = 0; part < 3; part++) {
        size_t la = strspn(pa, "0123456789"), lb = strspn(pb, "0123456789");
        int c = compare_identifier(pa, la, pb, lb);
        if (c != 0)
            return c;
        pa += la + (pa[la] == '.');
        pb += lb + (pb[lb] == '.');
    }
    const char *ra = a + core_length(a), *rb = b + core_length(b);
    int has_a = *ra == '-', has_b = *rb == '-';
    if (!has_a || !has_b)
        return has_a == has_b ? 0 : (has_a ? -1 : 1); /* a pre-release sorts first */
    ra++;
    rb++;
    for (;;) {
        size_t la = strcspn(ra, ".+"), lb = strcspn(rb, ".+");
        int c = compare_identifier(ra, la, rb, lb);
        if (c != 0)
            return c;
        int more_a = ra[la] == '.', more_b = rb[lb] == '.';
        if (!more_a || !more_b)
            return more_a == more_b ? 0 : (more_a ? 1 : -1);
        ra += la + 1;
        rb += lb + 1;
    }
}
