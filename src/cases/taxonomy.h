/* taxonomy.h - the ENISA Reference Security Incident Taxonomy (RSIT) as data.
 *
 * data/rsit.json lists the RSIT classes (abusive-content, malicious-code, ...) and the
 * types of each with their machine values. A case's category is a (class, type) pair
 * that must be in this list. Loaded once at start-up; read-only afterwards, so one
 * pi_taxonomy may be shared by threads.
 *
 * Invariants after a successful load: at least one class; class values unique; type
 * values unique within their class; every value and alias 1-64 characters of a-z,
 * 0-9 and '-'; every class has at least one type.
 */
#ifndef PI_CASES_TAXONOMY_H
#define PI_CASES_TAXONOMY_H

#include <stddef.h>

#include "core/error.h"

#define PI_TAXONOMY_MAX_FILE (1024 * 1024)
#define PI_TAXONOMY_MAX_CLASSES 64
#define PI_TAXONOMY_MAX_TYPES 64  /* per class */
#define PI_TAXONOMY_MAX_ALIASES 8 /* per type */

typedef struct pi_taxonomy pi_taxonomy;

/* Parses and validates a taxonomy document; source names it in errors. On success
 * *out is the caller's (pi_taxonomy_free). */
pi_status pi_taxonomy_parse(
        const char *text, size_t len, const char *source, pi_taxonomy **out, struct pi_error *err);
/* Reads and parses a file (at most PI_TAXONOMY_MAX_FILE bytes). */
pi_status pi_taxonomy_load(const char *path, pi_taxonomy **out, struct pi_error *err);
void pi_taxonomy_free(pi_taxonomy *taxonomy);

/* PI_OK if type_value is a type (or an alias of one) of class class_value. When
 * canonical is not NULL it gets the type's machine value (the alias resolved); the
 * pointer lives as long as the taxonomy. PI_ERR_INVALID otherwise, err saying
 * whether the class is unknown or the type is not one of that class (and listing
 * the class's types). */
pi_status pi_taxonomy_check(const pi_taxonomy *taxonomy, const char *class_value,
        const char *type_value, const char **canonical, struct pi_error *err);

/* Read access for listings (forms, API). Indexes past the end give NULL / 0. Strings
 * live as long as the taxonomy. */
const char *pi_taxonomy_version(const pi_taxonomy *taxonomy);
size_t pi_taxonomy_class_count(const pi_taxonomy *taxonomy);
const char *pi_taxonomy_class_value(const pi_taxonomy *taxonomy, size_t class_index);
const char *pi_taxonomy_class_title(const pi_taxonomy *taxonomy, size_t class_index);
size_t pi_taxonomy_type_count(const pi_taxonomy *taxonomy, size_t class_index);
const char *pi_taxonomy_type_value(
        const pi_taxonomy *taxonomy, size_t class_index, size_t type_index);
const char *pi_taxonomy_type_title(
        const pi_taxonomy *taxonomy, size_t class_index, size_t type_index);

#endif
