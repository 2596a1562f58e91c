#include "common/version_rules.h"

#include <ctype.h>
#include <limits.h>
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

/* A normalized PEP 440 version as the sort key PEP 440 gives it. */
struct pep440_key {
    long epoch;
    long release[16];
    int release_count;
    int pre_kind; /* -1: a dev release only; 0 a, 1 b, 2 rc; 3: none */
    long pre;
    long post; /* -1: none */
    long dev;  /* LONG_MAX: none */
};

static long take_long(const char **p)
{
    long v = 0;
    while (isdigit((unsigned char)**p)) {
        if (v < 100000000L)
            v = v * 10 + (**p - '0');
        (*p)++;
    }
    return v;
}

static void pep440_key(const char *v, struct pep440_key *k)
{
    memset(k, 0, sizeof *k);
    const char *p = v;
    if (strchr(v, '!') != NULL) {
        k->epoch = take_long(&p);
        p++;
    }
    do {
        if (*p == '.')
            p++;
        long n = take_long(&p);
        if (k->release_count < 16)
            k->release[k->release_count++] = n;
    } while (*p == '.' && isdigit((unsigned char)p[1]));
    while (k->release_count > 1 && k->release[k->release_count - 1] == 0)
        k->release_count--;
    k->pre_kind = 3;
    k->post = -1;
    k->dev = LONG_MAX;
    if (strncmp(p, "rc", 2) == 0) {
        p += 2;
        k->pre_kind = 2;
        k->pre = take_long(&p);
    } else if (*p == 'a' || *p == 'b') {
        k->pre_kind = *p++ == 'a' ? 0 : 1;
        k->pre = take_long(&p);
    }
    if (strncmp(p, ".post", 5) == 0) {
        p += 5;
        k->post = take_long(&p);
    }
    if (strncmp(p, ".dev", 4) == 0) {
        p += 4;
        k->dev = take_long(&p);
        if (k->pre_kind == 3 && k->post < 0)
            k->pre_kind = -1;
    }
}

static int compare_long(long a, long b)
{
    return a < b ? -1 : a > b;
}

int version_compare_pep440(const char *a, const char *b)
{
    struct pep440_key ka, kb;
    pep440_key(a, &ka);
    pep440_key(b, &kb);
    int c = compare_long(ka.epoch, kb.epoch);
    int n = ka.release_count > kb.release_count ? ka.release_count : kb.release_count;
    for (int i = 0; c == 0 && i < n; i++)
        c = compare_long(i < ka.release_count ? ka.release[i] : 0,
                         i < kb.release_count ? kb.release[i] : 0);
    if (c == 0)
        c = compare_long(ka.pre_kind, kb.pre_kind);
    if (c == 0)
        c = compare_long(ka.pre, kb.pre);
    if (c == 0)
        c = compare_long(ka.post, kb.post);
    if (c == 0)
        c = compare_long(ka.dev, kb.dev);
    return c;
}

int version_is_pep440_prerelease(const char *version)
{
    struct pep440_key k;
    pep440_key(version, &k);
    return k.pre_kind != 3 || k.dev != LONG_MAX;
}
