#ifndef ASSETGEN_VERSION_RULES_H
#define ASSETGEN_VERSION_RULES_H

/* Version schemes that several ecosystems share. Each returns 1 when the
 * text is valid. */

/* Semantic Versioning 2.0.0: MAJOR.MINOR.PATCH[-pre][+build]. */
int version_is_semver(const char *version);
/* PEP 440 in its normalized form: [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]. */
int version_is_pep440(const char *version);

/* Semver precedence: <0, 0, >0 like strcmp. Both must be valid semver. */
int version_compare_semver(const char *a, const char *b);
/* PEP 440 order of two normalized versions (the local part is ignored). */
int version_compare_pep440(const char *a, const char *b);
/* A pre-release or development release, which installers skip. */
int version_is_pep440_prerelease(const char *version);

#endif
