#include <criterion/criterion.h>
#include <string.h>

#include "common/version_rules.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

Test(version_rules, semver_accepts_valid_versions)
{
    static const char *const valid[] = {
        "1.0.0",
        "0.0.0",
        "10.20.30",
        "1.0.0-alpha.1+build.5",
        "1.0.0-alpha",
        "1.0.0-0",
        "1.0.0-0alpha",
        "1.0.0-x-y.z--1",
        "1.0.0+001",
        "1.0.0+sha.5114f85",
        "999999999.0.1-rc.1",
    };
    for (size_t i = 0; i < COUNT(valid); i++)
        cr_assert(version_is_semver(valid[i]), "'%s' should be valid semver", valid[i]);
}

Test(version_rules, semver_rejects_invalid_versions)
{
    static const char *const invalid[] = {
        "01.0.0", "1.01.0", "1.0.01",       "1.0",       "1",      "1.0.0-01",
        "",       "v1.0.0", "1.0.0.0",      "1.0.0-",    "1.0.0+", "1.0.0-alpha..1",
        "1.0.0 ", "-1.0.0", "1.0.0-al_pha", "1.0.0+b@d", "1..0.0", "1.0.0-alpha.",
    };
    for (size_t i = 0; i < COUNT(invalid); i++)
        cr_assert_not(version_is_semver(invalid[i]), "'%s' should be invalid semver", invalid[i]);
}

Test(version_rules, semver_rejects_overlong_versions)
{
    char longer[300];
    memset(longer, '1', sizeof longer);
    memcpy(longer, "1.0.0-", 6);
    longer[sizeof longer - 1] = '\0';
    cr_assert_not(version_is_semver(longer));
}

Test(version_rules, semver_precedence_follows_the_specification)
{
    /* semver.org section 11, extended with numeric core ordering. */
    static const char *const ordered[] = {
        "1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
        "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0",
        "1.0.1",        "1.2.0",         "1.10.0",           "2.0.0",
        "10.0.0",
    };
    for (size_t i = 0; i < COUNT(ordered); i++) {
        cr_assert(version_is_semver(ordered[i]), "%s", ordered[i]);
        cr_assert_eq(version_compare_semver(ordered[i], ordered[i]), 0, "%s", ordered[i]);
        for (size_t j = i + 1; j < COUNT(ordered); j++) {
            cr_assert_lt(version_compare_semver(ordered[i], ordered[j]), 0, "%s < %s", ordered[i],
                         ordered[j]);
            cr_assert_gt(version_compare_semver(ordered[j], ordered[i]), 0, "%s > %s", ordered[j],
                         ordered[i]);
        }
    }
}

Test(version_rules, semver_numeric_identifiers_sort_before_alphanumeric)
{
    cr_assert_lt(version_compare_semver("1.0.0-1", "1.0.0-alpha"), 0);
    cr_assert_lt(version_compare_semver("1.0.0-9", "1.0.0-10"), 0);
    cr_assert_lt(version_compare_semver("1.0.0-a-1", "1.0.0-a-2"), 0);
}

Test(version_rules, semver_ignores_build_metadata)
{
    cr_assert_eq(version_compare_semver("1.0.0+build.1", "1.0.0+build.2"), 0);
    cr_assert_eq(version_compare_semver("1.0.0", "1.0.0+x"), 0);
    cr_assert_eq(version_compare_semver("1.0.0-rc.1+a", "1.0.0-rc.1+b"), 0);
    cr_assert_lt(version_compare_semver("1.0.0-rc.1+zzz", "1.0.0"), 0);
    cr_assert_lt(version_compare_semver("1.0.0-rc.1+zzz", "1.0.0-rc.2+aaa"), 0);
}

Test(version_rules, pep440_accepts_normalized_versions)
{
    static const char *const valid[] = {
        "1.0",       "1.0.0",    "2!1.0",       "1.0a1", "1.0b2",   "1.0rc2",
        "1.0.post1", "1.0.dev3", "1.0+local.7", "1",     "2012.10", "1.0a1.post2.dev3",
        "0!0.0",     "1.0+abc",  "1.2.3.4.5",
    };
    for (size_t i = 0; i < COUNT(valid); i++)
        cr_assert(version_is_pep440(valid[i]), "'%s' should be valid PEP 440", valid[i]);
}

Test(version_rules, pep440_rejects_other_spellings)
{
    static const char *const invalid[] = {
        "v1.0",    "1.0-beta",  "1..0",     "",     "1.0+",  "1.0.", "1.0a",  "1.0rc", "1.0.post",
        "1.0.dev", "1.0+UPPER", "1.0+a..b", "!1.0", "1.0!2", "1.0 ", "1.0c1", "a1.0",
    };
    for (size_t i = 0; i < COUNT(invalid); i++)
        cr_assert_not(version_is_pep440(invalid[i]), "'%s' should be invalid PEP 440", invalid[i]);
}
