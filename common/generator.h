#ifndef ASSETGEN_GENERATOR_H
#define ASSETGEN_GENERATOR_H

#include <stddef.h>
#include <stdint.h>

#include "common/artifact.h"
#include "common/config.h"
#include "common/error.h"
#include "common/package_set.h"
#include "common/repo_stage.h"

struct signer;

/* A package option of one format beyond name, version and description
 * (a maven groupId, an rpm release, a deb architecture): declared by the
 * generator, given under assetTemplates.<format>.package in the
 * configuration or as --package-field KEY=VALUE, checked by the
 * generator's check_package. */
struct package_field {
    const char *key;
    const char *summary;
    const char *default_value;
};

struct package_field_value {
    const char *key;
    const char *value;
};

/* A dependency (or a conflict) of a package made from a set, as the
 * format names it: a package of the set, or a virtual name one of its
 * releases provides, carries the run's name for it (its tier suffix
 * included); one the set does not hold keeps its name and is marked
 * not provided. */
struct spec_dependency {
    const char *name;
    const struct version_range *range;
    enum dependency_kind kind;
    int provided;
};

/* The description of one package that a generator turns into bytes. */
struct package_spec {
    const char *format;
    const char *name;
    const char *version;
    const char *description;
    const char *template_dir;
    const struct size_tier *size;
    uint64_t data_size; /* bytes of the seeded data file; 0 for none */
    uint64_t seed;
    int64_t epoch;         /* SOURCE_DATE_EPOCH for every timestamp */
    const char *base_url;  /* where out/<size>/ is served; ends in '/' */
    const char *out_root;  /* where this run writes: its staging directory */
    struct signer *signer; /* for SIGN_EMBEDDED formats, or NULL when unsigned */
    const char *defect;    /* NULL, or the known-bad variant to make (a defect's name) */
    /* Every field the generator declares, defaults filled in. */
    const struct package_field_value *fields;
    size_t field_count;
    /* From a package set; empty outside one. The core records yanked and
     * tags in the row's facts ("yanked", "dist_tags") for the index. */
    const char *set; /* the set's name, or NULL */
    const struct spec_dependency *dependencies;
    size_t dependency_count;
    /* Virtual names it provides at its own version, as the run names
     * them (tier suffix included), and what it conflicts with. */
    const char *const *provides;
    size_t provide_count;
    const struct spec_dependency *conflicts;
    size_t conflict_count;
    const char *yanked; /* the reason ("" for none), or NULL */
    char *const *tags;  /* dist-tags the release carries */
    size_t tag_count;
    enum signer_persona persona;
    /* 0 for the copy the index lists; n for the (n+1)th publication of
     * the same version with other bytes, kept out of the index and under
     * republish/<n+1>/ (package_path does that). */
    unsigned copy;
};

/* The value of one of the generator's declared fields, or NULL. */
const char *package_spec_field(const struct package_spec *spec, const char *key);

/* A known-bad variant a generator can make, so a registry's rejection
 * paths get tested: its name, what is broken, and how the client refuses.
 * One named after a signer persona (wrong-signer, unsigned, other-bytes)
 * is signed as that persona where the format embeds its signatures. */
struct defect {
    const char *name;
    const char *summary;
    const char *client_refusal;
    /* What verify checks: this defect and nothing else (said in words,
     * and as the predicate returning AG_OK when it holds, or an error
     * naming what is wrong with the variant). */
    const char *predicate;
    int (*present)(const char *out_root, const char *base_url, const struct artifact *art,
                   struct ag_error *err);
};

/* One kind of file a package makes: whether it carries the seeded data
 * file (what a run needs on disk is reckoned from these), and whether
 * the core signs it with a detached signature. */
struct artifact_kind {
    const char *kind;
    int holds_data;
    int detached_signature;
};

/* How a format is signed. SIGN_DETACHED: the core writes an armored
 * signature beside each file of a kind marked detached_signature.
 * SIGN_EMBEDDED: generate is handed the signer and places the signature
 * itself (rpm). SIGN_METADATA: write_index is handed the signer to sign
 * repository files (Release, repomd.xml, a provenance file).
 * SIGN_REGISTRY: write_index signs with the signer's registry key. */
enum sign_mode {
    SIGN_DETACHED = 1u << 0,
    SIGN_EMBEDDED = 1u << 1,
    SIGN_METADATA = 1u << 2,
    SIGN_REGISTRY = 1u << 3,
};

/* What a generator needs to write its repository metadata: every row of
 * the merged manifest that belongs to its format, earlier runs' included.
 * The index step reads rows and their facts, never the artifacts, and
 * puts each file it writes into the stage with its publish order. */
struct index_request {
    struct repo_stage *stage;
    const char *base_url;
    int64_t epoch;
    const struct artifact *artifacts; /* the listed rows: republished copies are not */
    size_t count;
    struct signer *signer;       /* NULL when unsigned */
    struct signer *wrong_signer; /* the key keys/ does not publish, for set personas */
    const char *ca_pem;          /* the test CA certificate (PEM) when published, or NULL */
    const char *published_root;  /* the absolute out/<size>/ the files land in */
};

/* What a format expresses of a package set, and how its client picks
 * among versions; `assetgen list sets` and the manifest report what a
 * format cannot express, and the expected resolutions follow it. */
enum set_feature {
    SET_DEPENDS_RUNTIME = 1u << 0,
    SET_DEPENDS_DEV = 1u << 1,
    SET_DEPENDS_OPTIONAL = 1u << 2,
    SET_YANKED = 1u << 3,
    SET_PRERELEASE = 1u << 4,
    SET_DIST_TAGS = 1u << 5,
    SET_RANGE_NOT_EQUAL = 1u << 6, /* a range can exclude one version (!=) */
    SET_PROVIDES = 1u << 7,        /* a package can stand in for a virtual name */
    SET_CONFLICTS = 1u << 8,       /* a package can refuse to be installed beside another */
};

enum yank_policy {
    YANK_AVOIDED,  /* picked only when nothing else matches (npm's deprecated) */
    YANK_PINNED,   /* picked only for a request pinning that one version (pip, PEP 592) */
    YANK_EXCLUDED, /* never picked for a new resolution (cargo) */
};

struct set_support {
    unsigned features;     /* enum set_feature bits */
    const char *yank_name; /* the format's concept: "deprecated", "PEP 592 yanked" */
    enum yank_policy yank_policy;
    /* A pre-release is picked for a request without a range when the
     * package has no release (pip; with a range, pip 23 never falls back). */
    int prerelease_fallback;
    /* The latest dist-tag is preferred whenever it satisfies the range
     * (npm-pick-manifest). */
    int prefers_latest_tag;
    int installs_optional; /* optional dependencies are installed with the package */
    /* A request without a range takes the newest version, a pre-release
     * included: the client orders 2.0.0~rc1 as any other version (dnf). */
    int prerelease_ordinary;
    /* Only a package's candidate, its newest release (a pre-release only
     * when there is no release, or with prerelease_ordinary), is ever
     * installed unless the request pins another: a dependency whose range
     * excludes the candidate fails (apt's resolver). */
    int candidate_only;
    /* The version as the format writes the SemVer one (PEP 440 has
     * 2.0.0rc1 for 2.0.0-rc.1), as a fresh string. */
    char *(*native_version)(const char *semver);
    /* A request in the client's syntax ("ag-lib@>=1.0 <2", "ag-lib<2,>=1.0");
     * tag is NULL or a dist-tag. A fresh string. */
    char *(*requirement)(const char *name, const struct version_range *range, const char *tag);
};

/* One package format, as libarchive has one writer per archive format:
 * generators/<format>.c fills one of these and generators/registry.c
 * lists it. Nothing outside that file knows the format's rules. */
struct generator {
    const char *name;
    const char *summary;
    /* Bytes kept below a tier's maxSize for the container's own headers,
     * so the artifact lands in [95%, 100%] of the tier. */
    uint64_t container_overhead;
    /* The files one package makes. */
    const struct artifact_kind *kinds;
    size_t kind_count;
    unsigned sign_modes;         /* enum sign_mode bits */
    const char *detached_suffix; /* ".asc" where SIGN_DETACHED */
    /* The package options the format takes. */
    const struct package_field *fields;
    size_t field_count;
    /* The known-bad variants `generate --defects` makes. */
    const struct defect *defects;
    size_t defect_count;
    /* Package sets: what the format expresses of them. */
    const struct set_support *sets;
    /* The package URL (purl) of a name and version, as a fresh string. */
    char *(*purl)(const char *name, const char *version);
    /* Name, version and field rules of the ecosystem (usage errors). */
    int (*check_package)(const struct package_spec *spec, struct ag_error *err);
    /* Renders the package's templates and checks them, writing nothing, so
     * a broken template is a usage error before any file or key is made
     * (optional). */
    int (*check_templates)(const struct package_spec *spec, struct ag_error *err);
    /* Writes the package's files and appends one row per file, each with
     * the facts its index entry needs. */
    int (*generate)(const struct package_spec *spec, struct artifact_list *out,
                    struct ag_error *err);
    /* Writes the repository metadata and client settings from rows. */
    int (*write_index)(const struct index_request *request, struct ag_error *err);
    /* Re-reads one artifact with independent readers and checks it
     * against its row and the repository metadata. */
    int (*verify_artifact)(const char *out_root, const char *base_url, const struct artifact *art,
                           struct ag_error *err);
};

/* The formats a build knows, as the command line hands them to the
 * engine: the engine never looks a format up anywhere else. */
struct generator_table {
    const struct generator *const *items;
    size_t count;
};

const struct generator *generator_table_find(const struct generator_table *table, const char *name);
const struct artifact_kind *generator_kind(const struct generator *gen, const char *kind);
const struct defect *generator_defect(const struct generator *gen, const char *name);
/* 1 when art is the named defect variant. */
int artifact_has_defect(const struct artifact *art, const char *defect);

#endif
