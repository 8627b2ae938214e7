/* regime.h - reporting regimes as data (data/regimes/NAME.json, format in docs/regimes.md).
 *
 * A regime (39 CFR 501.11, NIS2 Art. 23, ...) is an ordered list of stages. Each stage
 * says what a filing must contain (required fields), what starts its clock (trigger)
 * and how long the clock runs (time limit). The deadline engine (cases/deadline.h)
 * turns a regime plus a case's trigger times into due dates; this module only loads
 * and validates the definitions.
 *
 * Invariants after a successful load: ids are unique (regimes in a set, stages in a
 * regime, field names in a stage); every stage a trigger, "replaceable" or
 * "stands_in_for" names exists and is not the stage itself; a "per-case" limit has no
 * value, every other limit a value in 1..PI_REGIME_MAX_LIMIT_VALUE; only request,
 * occurrence and period triggers repeat, and a period trigger always does.
 *
 * Ownership: a struct pi_regime is read-only data owned by whoever loaded it
 * (pi_regime_free, or the pi_regimes set). All its strings point into the parsed
 * document it keeps and are stale once it is freed. The structs are public so that
 * the engine and the HTTP layer can read them; nobody outside regime.c writes them.
 */
#ifndef PI_CASES_REGIME_H
#define PI_CASES_REGIME_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define PI_REGIME_MAX_FILE (256 * 1024) /* bytes of one regime file */
#define PI_REGIME_MAX_FILES 64          /* regime files in a directory */
#define PI_REGIME_MAX_STAGES 32
#define PI_REGIME_MAX_FIELDS 64         /* required fields of one stage */
#define PI_REGIME_MAX_LIST 16           /* applies_to, standing_documents */
#define PI_REGIME_MAX_ID 64             /* characters of an id or field name */
#define PI_REGIME_MAX_TEXT 2000         /* characters of a title, note or citation */
#define PI_REGIME_MAX_LIMIT_VALUE 10000 /* hours, days or months */

enum pi_regime_status { PI_REGIME_IN_FORCE, PI_REGIME_DRAFT };

/* What starts a stage's clock. */
enum pi_trigger_event {
	PI_TRIGGER_DISCOVERY,  /* the case's discovered_at */
	PI_TRIGGER_AWARENESS,  /* the case's aware_at */
	PI_TRIGGER_FILING,     /* the first filing of another stage (trigger.stage) */
	PI_TRIGGER_REQUEST,    /* each regulator request for this stage */
	PI_TRIGGER_PERIOD,     /* repeatedly while the case is open, after trigger.stage is filed */
	PI_TRIGGER_HANDLED,    /* the incident was handled / the investigation completed */
	PI_TRIGGER_OCCURRENCE, /* each recorded occurrence named trigger.name (e.g. ransom-payment)
	                        */
};

enum pi_limit_unit { PI_LIMIT_HOURS, PI_LIMIT_DAYS, PI_LIMIT_MONTHS, PI_LIMIT_PER_CASE };

struct pi_time_limit {
	enum pi_limit_unit unit;
	int value; /* 0 for PI_LIMIT_PER_CASE */
};

struct pi_trigger {
	enum pi_trigger_event event;
	const char *stage; /* FILING and PERIOD: the stage whose filing starts the clock */
	const char *name;  /* OCCURRENCE: the occurrence name */
	int stage_index;   /* index of stage in the regime, -1 if none */
};

struct pi_regime_field {
	const char *name;
	const char *description;
};

struct pi_regime_document {
	const char *id;
	const char *title;
	const char *citation;
};

enum pi_replace_when { PI_REPLACE_ONGOING_AT_DUE };

struct pi_regime_stage {
	const char *id;
	const char *title;
	const char *citation;
	const char *note; /* NULL if none */
	const struct pi_regime_field *required_fields;
	size_t required_count;
	struct pi_trigger trigger;
	struct pi_time_limit time_limit;
	bool repeats;
	/* "replaceable": when the incident is still ongoing at this stage's due time,
	 * stage replaced_by is filed at that time instead, and this stage becomes due
	 * replace_time_limit after replace_trigger (NIS2 Art. 23(4)(e)). */
	bool replaceable;
	const char *replaced_by;
	int replaced_by_index;
	enum pi_replace_when replace_when;
	struct pi_trigger replace_trigger;
	struct pi_time_limit replace_time_limit;
	const char *replace_citation;
	/* "stands_in_for": this stage is required only when the named stage is replaced. */
	const char *stands_in_for;
	int stands_in_for_index;
};

struct pi_regime {
	const char *id;
	const char *title;
	const char *citation;
	const char *citation_url; /* NULL if none */
	enum pi_regime_status status;
	bool mandatory;
	const char *recipient;
	const char *note; /* NULL if none */
	const char *const *applies_to;
	size_t applies_count;
	const struct pi_regime_document *documents;
	size_t document_count;
	const struct pi_regime_stage *stages;
	size_t stage_count;
	const char *source; /* the file name given to the loader */
	void *doc;          /* private: the parsed document the strings point into */
};

/* Organisation types a regime may apply to (the SPEC's member types). */
extern const char *const pi_regime_org_types[];

/* Parses and validates one regime document. source names it in error messages
 * ("data/regimes/x.json: stage 'final-report': time_limit.unit 'weeks' is not one of
 * hours, days, months, per-case"). On success *out is the caller's (pi_regime_free). */
pi_status pi_regime_parse(const char *text, size_t len, const char *source, struct pi_regime **out,
        struct pi_error *err);
void pi_regime_free(struct pi_regime *regime);

/* NULL if the regime has no such stage; the pointer lives as long as the regime. */
const struct pi_regime_stage *pi_regime_find_stage(const struct pi_regime *regime, const char *id);

/* Checks that content (a filing's JSON object) has every required field of stage,
 * each present and not null, "" or []. err names the first missing field. */
pi_status pi_regime_check_filing(
        const struct pi_regime_stage *stage, const cJSON *content, struct pi_error *err);

const char *pi_trigger_event_name(enum pi_trigger_event event);
const char *pi_limit_unit_name(enum pi_limit_unit unit);
const char *pi_regime_status_name(enum pi_regime_status status);

/* A validated set of regimes, one per file, loaded from a directory. */
typedef struct pi_regimes pi_regimes;

/* Loads every ".json" file of dir (sorted by name; at most PI_REGIME_MAX_FILES),
 * each named "<id>.json". Fails on the first invalid file with an error that names
 * the file (dir/name), the stage and the property. *out is the caller's
 * (pi_regimes_free). An empty directory is an error: a hub without regimes is a
 * configuration mistake. */
pi_status pi_regimes_load_dir(const char *dir, pi_regimes **out, struct pi_error *err);
void pi_regimes_free(pi_regimes *set);
size_t pi_regimes_count(const pi_regimes *set);
/* i-th regime in file-name order; NULL past the end. Lives as long as the set. */
const struct pi_regime *pi_regimes_get(const pi_regimes *set, size_t i);
const struct pi_regime *pi_regimes_find(const pi_regimes *set, const char *id);

#endif
